import { z } from 'zod';
import { parseConfig, strictObject } from '../config.ts';
import { transpose, type Csr } from '../data/csr.ts';
import { WeightingSchema } from '../data/weighting.ts';
import { topK, type Ranked } from '../linalg/topk.ts';
import { BaseRecommender, expectCsr } from './base.ts';
import type { FitOptions, ModelArtifact, ModelFactory } from './types.ts';
import { AbortedError } from '../errors.ts';

export const ItemKNNConfigSchema = strictObject({
  /** Neighbours kept per item. */
  neighbors: z.number().int().positive().default(100),
  /** Shrinkage: sim = dot / (|a||b| + shrink), damping similarities built on few co-occurrences. */
  shrink: z.number().min(0).default(10),
  weighting: WeightingSchema.optional(),
});
export type ItemKNNConfig = z.infer<typeof ItemKNNConfigSchema>;

/**
 * Item-based k-nearest neighbours (Sarwar et al. 2001; Deshpande & Karypis 2004): cosine similarity between
 * item columns with shrinkage, the top `neighbors` kept per item; a user's score for j is
 * sum over history items h of value(h) * sim(h, j).
 */
export class ItemKNN extends BaseRecommender<ItemKNNConfig> {
  readonly kind = 'itemknn';
  /** Item × item neighbour matrix: row h holds the items most similar to h. */
  private sim: Csr | undefined;

  protected fitWeighted(m: Csr, o: FitOptions) {
    const t = transpose(m); // item × user
    const nI = m.cols, k = Math.min(this.config.neighbors, Math.max(1, nI - 1));
    const norm = new Float64Array(nI);
    for (let i = 0; i < nI; i++) {
      let s = 0;
      for (let p = t.indptr[i]!, e = t.indptr[i + 1]!; p < e; p++) s += t.data[p]! * t.data[p]!;
      norm[i] = Math.sqrt(s);
    }
    const acc = new Float32Array(nI);
    const touched = new Int32Array(nI);
    const indptr = new Int32Array(nI + 1);
    const indices = new Int32Array(nI * k);
    const data = new Float32Array(nI * k);
    const row = new Float32Array(nI).fill(-Infinity);
    let out = 0;
    const started = performance.now();
    for (let i = 0; i < nI; i++) {
      if ((i & 1023) === 0) {
        if (o.signal?.aborted) throw new AbortedError('itemknn fit aborted');
        o.onProgress?.({ epoch: i, epochs: nI, seconds: (performance.now() - started) / 1000 });
      }
      // Sparse co-occurrence of item i with every other item, via the users who have i.
      let nt = 0;
      for (let p = t.indptr[i]!, e = t.indptr[i + 1]!; p < e; p++) {
        const u = t.indices[p]!, v = t.data[p]!;
        for (let q = m.indptr[u]!, qe = m.indptr[u + 1]!; q < qe; q++) {
          const j = m.indices[q]!;
          if (acc[j] === 0) touched[nt++] = j;
          acc[j]! += v * m.data[q]!;
        }
      }
      for (let q = 0; q < nt; q++) {
        const j = touched[q]!;
        if (j !== i && acc[j] !== 0) row[j] = acc[j]! / (norm[i]! * norm[j]! + this.config.shrink);
      }
      const best = topK(row, k, touched.subarray(0, nt));
      for (let q = 0; q < nt; q++) { const j = touched[q]!; acc[j] = 0; row[j] = -Infinity; }
      for (let q = 0; q < best.items.length; q++) {
        if (!(best.scores[q]! > 0)) break;
        indices[out] = best.items[q]!; data[out] = best.scores[q]!; out++;
      }
      indptr[i + 1] = out;
    }
    this.sim = { rows: nI, cols: nI, indptr, indices: indices.slice(0, out), data: data.slice(0, out) };
    return {};
  }

  private get neighbours(): Csr {
    if (!this.sim) void this.matrix; // throws NotFittedError
    return this.sim!;
  }

  scoreUser(user: number, out: Float32Array): void {
    const m = this.matrix;
    const s = m.indptr[user]!, e = m.indptr[user + 1]!;
    this.scoreWeightedHistory(m.indices.subarray(s, e), m.data.subarray(s, e), out);
  }

  protected scoreWeightedHistory(items: Int32Array, values: Float32Array, out: Float32Array): void {
    const w = this.neighbours;
    out.fill(0);
    for (let q = 0; q < items.length; q++) {
      const h = items[q]!, v = values[q]!;
      if (h < 0 || h >= w.rows) continue;
      for (let p = w.indptr[h]!, e = w.indptr[h + 1]!; p < e; p++) out[w.indices[p]!]! += v * w.data[p]!;
    }
  }

  similarItems(item: number, k: number): Ranked {
    const w = this.neighbours;
    const s = w.indptr[item]!, e = Math.min(w.indptr[item + 1]!, s + k);
    return { items: w.indices.slice(s, e), scores: w.data.slice(s, e) };
  }

  toArtifact(): ModelArtifact {
    const w = this.neighbours;
    return this.baseArtifact({}, { 'sim.indptr': w.indptr, 'sim.indices': w.indices, 'sim.data': w.data });
  }

  static fromArtifact(a: ModelArtifact): ItemKNN {
    const m = new ItemKNN(parseConfig(ItemKNNConfigSchema, a.config, 'itemknn'));
    m.restoreBase(a);
    const n = m.nItems;
    m.sim = expectCsr(a, 'sim', n, n);
    return m;
  }
}

export const itemKnn: ModelFactory<ItemKNN> = {
  kind: 'itemknn',
  create: (config) => new ItemKNN(parseConfig(ItemKNNConfigSchema, config, 'itemknn')),
  fromArtifact: ItemKNN.fromArtifact,
};
