/**
 * A fitted model whose every list goes through the re-rankers — so the ordinary evaluator (src/eval/evaluate.ts)
 * measures a re-ranked system with exactly the protocol, exclusions and metrics of the plain one. For each
 * user: the inner model's scores, the user's `seen` items removed, the top `candidates` (default 200) re-ranked
 * to `k`; the chosen items get scores k, k−1, ... and every other item NaN (never ranked, still counted as
 * relevant when it is a held-out item, so recall and NDCG are not flattered).
 */
import type { Csr } from '../data/csr.ts';
import { CurioError } from '../errors.ts';
import { topK, type Ranked } from '../linalg/topk.ts';
import type { FitData, FitReport, ModelArtifact, RecOptions, Recommender } from '../models/types.ts';
import { checkKnobs, rerank, type RerankContext, type RerankKnobs } from './knobs.ts';

export interface RerankedModelOptions {
  /** Items each user has seen (train, or train + valid when scoring test): never candidates, and the history. */
  seen: Csr;
  k: number;
  knobs: RerankKnobs;
  /** Similarity, categories, tail mask; `history` is filled per user from `seen`. */
  context: Omit<RerankContext, 'history'>;
  candidates?: number;
}

export class RerankedModel implements Recommender {
  readonly kind: string;
  private readonly nCand: number;
  constructor(readonly inner: Recommender, private readonly o: RerankedModelOptions) {
    checkKnobs(o.knobs);
    this.nCand = o.candidates ?? 200;
    this.kind = `${inner.kind}+rerank`;
  }
  get config(): object { return { model: this.inner.config, rerank: this.o.knobs, candidates: this.nCand }; }
  get nUsers(): number { return this.inner.nUsers; }
  get nItems(): number { return this.inner.nItems; }
  fit(d: FitData): Promise<FitReport> { return this.inner.fit(d); }

  scoreUser(user: number, out: Float32Array): void {
    this.inner.scoreUser(user, out);
    const s = this.o.seen;
    const history = user < s.rows ? s.indices.subarray(s.indptr[user]!, s.indptr[user + 1]!) : new Int32Array(0);
    for (let q = 0; q < history.length; q++) out[history[q]!] = -Infinity;
    const cands = topK(out, this.nCand);
    const chosen = rerank(cands, this.o.k, this.o.knobs, { ...this.o.context, history });
    out.fill(NaN);
    for (let r = 0; r < chosen.length; r++) out[chosen[r]!] = chosen.length - r;
  }

  scoreHistory(): void { throw new CurioError('RerankedModel scores training users only'); }
  recommend(user: number, o: RecOptions): Ranked {
    const out = new Float32Array(this.nItems);
    this.scoreUser(user, out);
    return topK(out, Math.min(o.k, this.o.k));
  }
  recommendHistory(): Ranked { throw new CurioError('RerankedModel scores training users only'); }
  similarItems(item: number, k: number): Ranked { return this.inner.similarItems(item, k); }
  toArtifact(): ModelArtifact { throw new CurioError('a RerankedModel is an evaluation view; save the inner model'); }
}
