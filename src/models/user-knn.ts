import { z } from 'zod';
import { parseConfig, strictObject } from '../config.ts';
import { transpose, type Csr } from '../data/csr.ts';
import { WeightingSchema } from '../data/weighting.ts';
import { topK, type Ranked } from '../linalg/topk.ts';
import { BaseRecommender } from './base.ts';
import type { ModelArtifact, ModelFactory } from './types.ts';

export const UserKNNConfigSchema = strictObject({
  neighbors: z.number().int().positive().default(50),
  shrink: z.number().min(0).default(10),
  /** Centre each neighbour's ratings on their mean before weighting (rating data); off for implicit data. */
  centerRatings: z.boolean().default(false),
  weighting: WeightingSchema.optional(),
});
export type UserKNNConfig = z.infer<typeof UserKNNConfigSchema>;

/**
 * User-based k-nearest neighbours: find the users most similar to this one (cosine with shrinkage over
 * their rows), then score item j by the neighbourhood-weighted average of their values for j.
 * Neighbours are found at query time from the history, so a user unseen in training folds in for free.
 */
export class UserKNN extends BaseRecommender<UserKNNConfig> {
  readonly kind = 'userknn';
  private byItem: Csr | undefined;
  private norm = new Float64Array(0);
  private mean = new Float32Array(0);

  protected fitWeighted(m: Csr) {
    this.prepare(m);
    return {};
  }

  private prepare(m: Csr): void {
    this.byItem = transpose(m);
    this.norm = new Float64Array(m.rows);
    this.mean = new Float32Array(m.rows);
    for (let u = 0; u < m.rows; u++) {
      let s = 0, t = 0;
      for (let p = m.indptr[u]!, e = m.indptr[u + 1]!; p < e; p++) { s += m.data[p]! * m.data[p]!; t += m.data[p]!; }
      this.norm[u] = Math.sqrt(s);
      this.mean[u] = m.indptr[u + 1]! > m.indptr[u]! ? t / (m.indptr[u + 1]! - m.indptr[u]!) : 0;
    }
  }

  scoreUser(user: number, out: Float32Array): void {
    const m = this.matrix;
    const s = m.indptr[user]!, e = m.indptr[user + 1]!;
    this.scoreNeighbourhood(m.indices.subarray(s, e), m.data.subarray(s, e), out, user);
  }

  protected scoreWeightedHistory(items: Int32Array, values: Float32Array, out: Float32Array): void {
    this.scoreNeighbourhood(items, values, out, -1);
  }

  private scoreNeighbourhood(items: Int32Array, values: Float32Array, out: Float32Array, self: number): void {
    const m = this.matrix, t = this.byItem!;
    const dot = new Float32Array(m.rows);
    let selfNorm = 0;
    for (let q = 0; q < items.length; q++) {
      const i = items[q]!, v = values[q]!;
      selfNorm += v * v;
      if (i < 0 || i >= t.rows) continue;
      for (let p = t.indptr[i]!, e = t.indptr[i + 1]!; p < e; p++) dot[t.indices[p]!]! += v * t.data[p]!;
    }
    selfNorm = Math.sqrt(selfNorm);
    const sim = new Float32Array(m.rows).fill(-Infinity);
    for (let v = 0; v < m.rows; v++) if (dot[v]! > 0 && v !== self) sim[v] = dot[v]! / (selfNorm * this.norm[v]! + this.config.shrink);
    const nb = topK(sim, this.config.neighbors);
    out.fill(0);
    const wsum = new Float32Array(m.cols);
    for (let q = 0; q < nb.items.length; q++) {
      const v = nb.items[q]!, w = nb.scores[q]!;
      const c = this.config.centerRatings ? this.mean[v]! : 0;
      for (let p = m.indptr[v]!, e = m.indptr[v + 1]!; p < e; p++) {
        out[m.indices[p]!]! += w * (m.data[p]! - c);
        wsum[m.indices[p]!]! += w;
      }
    }
    // Weighted average for rating data; for implicit data the plain sum ranks items by neighbourhood support.
    if (this.config.centerRatings) for (let j = 0; j < m.cols; j++) out[j] = wsum[j]! > 0 ? out[j]! / wsum[j]! : 0;
  }

  /** Cosine between item columns, computed on demand. */
  similarItems(item: number, k: number): Ranked {
    const m = this.matrix, t = this.byItem!;
    const acc = new Float32Array(m.cols);
    for (let p = t.indptr[item]!, e = t.indptr[item + 1]!; p < e; p++) {
      const u = t.indices[p]!, v = t.data[p]!;
      for (let q = m.indptr[u]!, qe = m.indptr[u + 1]!; q < qe; q++) acc[m.indices[q]!]! += v * m.data[q]!;
    }
    const sq = (i: number) => { let s = 0; for (let p = t.indptr[i]!, e = t.indptr[i + 1]!; p < e; p++) s += t.data[p]! * t.data[p]!; return Math.sqrt(s); };
    const ni = sq(item);
    const s = new Float32Array(m.cols).fill(-Infinity);
    for (let j = 0; j < m.cols; j++) if (j !== item && acc[j]! > 0) s[j] = acc[j]! / (ni * sq(j) + this.config.shrink);
    return topK(s, k);
  }

  toArtifact(): ModelArtifact {
    return this.baseArtifact({}, {});
  }

  static fromArtifact(a: ModelArtifact): UserKNN {
    const m = new UserKNN(parseConfig(UserKNNConfigSchema, a.config, 'userknn'));
    m.restoreBase(a);
    m.prepare(m.matrix);
    return m;
  }
}

export const userKnn: ModelFactory<UserKNN> = {
  kind: 'userknn',
  create: (config) => new UserKNN(parseConfig(UserKNNConfigSchema, config, 'userknn')),
  fromArtifact: UserKNN.fromArtifact,
};
