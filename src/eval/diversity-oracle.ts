/**
 * A diversity ORACLE — a measuring instrument, not a re-ranker: it knows each user's held-out items. For every
 * user it keeps the hits of the un-re-ranked top k at their ranks (so NDCG@k, recall@k, ... are exactly the
 * model's) and fills every other slot from the same candidate pool a re-ranker gets, never with a held-out item,
 * greedily minimising the summed similarity to the items already in the list (greedy max intra-list diversity;
 * ties go to the more relevant candidate). Its ILD is the diversity a re-ranker drawing from that pool could add
 * at no accuracy cost if it knew which items the user will pick: the ceiling for the "+x% ILD at ≤ y% NDCG loss"
 * question (greedy, so approximately; the exact analytic bound is ILD ≤ 1 for similarities in [0, 1], and
 * ILD ≤ 1 + 1/(k − 1) for cosine, since ‖Σ unit vectors‖² ≥ 0 puts the mean pairwise cosine at ≥ −1/(k − 1)).
 */
import type { Csr } from '../data/csr.ts';
import { CurioError } from '../errors.ts';
import { topK, type Ranked } from '../linalg/topk.ts';
import type { FitData, FitReport, ModelArtifact, RecOptions, Recommender } from '../models/types.ts';
import { similarityRow, type ItemSimilarity } from '../rerank/similarity.ts';

export interface DiversityOracleOptions {
  /** Items each user has seen (never candidates). */
  seen: Csr;
  /** The held-out items the evaluation will score (test, or validation). */
  target: Csr;
  similarity: ItemSimilarity;
  k: number;
  /** Candidate pool size (default 200), as RerankedModel's. */
  candidates?: number;
}

export class DiversityOracle implements Recommender {
  readonly kind: string;
  private readonly nCand: number;
  private readonly isTarget: Uint8Array;
  constructor(readonly inner: Recommender, private readonly o: DiversityOracleOptions) {
    this.nCand = o.candidates ?? 200;
    this.kind = `${inner.kind}+diversity-oracle`;
    this.isTarget = new Uint8Array(inner.nItems);
  }
  get config(): object { return { model: this.inner.config, oracle: 'diversity', candidates: this.nCand }; }
  get nUsers(): number { return this.inner.nUsers; }
  get nItems(): number { return this.inner.nItems; }
  fit(d: FitData): Promise<FitReport> { return this.inner.fit(d); }

  scoreUser(user: number, out: Float32Array): void {
    const { seen, target, k, similarity } = this.o;
    this.inner.scoreUser(user, out);
    if (user < seen.rows) for (let p = seen.indptr[user]!; p < seen.indptr[user + 1]!; p++) out[seen.indices[p]!] = -Infinity;
    const cands = topK(out, this.nCand);
    const items = cands.items, n = items.length, m = Math.min(k, n);
    const targets = user < target.rows ? target.indices.subarray(target.indptr[user]!, target.indptr[user + 1]!) : new Int32Array(0);
    for (let t = 0; t < targets.length; t++) this.isTarget[targets[t]!] = 1;
    const list = new Int32Array(m).fill(-1);
    const sum = new Float64Array(n), row = new Float64Array(n), taken = new Uint8Array(n);
    const add = (q: number) => {
      taken[q] = 1;
      similarityRow(similarity, items[q]!, items, row);
      for (let r = 0; r < n; r++) sum[r]! += row[r]!;
    };
    for (let r = 0; r < m; r++) if (this.isTarget[items[r]!]) { list[r] = items[r]!; add(r); }
    for (let r = 0; r < m; r++) {
      if (list[r]! >= 0) continue;
      let best = -1;
      for (let q = 0; q < n; q++) if (!taken[q] && !this.isTarget[items[q]!] && (best < 0 || sum[q]! < sum[best]!)) best = q;
      if (best < 0) break;
      list[r] = items[best]!;
      add(best);
    }
    for (let t = 0; t < targets.length; t++) this.isTarget[targets[t]!] = 0;
    out.fill(NaN);
    for (let r = 0; r < m; r++) if (list[r]! >= 0) out[list[r]!] = m - r;
  }

  scoreHistory(): void { throw new CurioError('DiversityOracle scores training users only'); }
  recommend(user: number, o: RecOptions): Ranked {
    const out = new Float32Array(this.nItems);
    this.scoreUser(user, out);
    return topK(out, Math.min(o.k, this.o.k));
  }
  recommendHistory(): Ranked { throw new CurioError('DiversityOracle scores training users only'); }
  similarItems(item: number, k: number): Ranked { return this.inner.similarItems(item, k); }
  toArtifact(): ModelArtifact { throw new CurioError('a DiversityOracle is an evaluation instrument; it cannot be saved'); }
}
