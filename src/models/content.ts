/**
 * Content model: each user is a linear profile over item text vectors, r̂ᵤᵢ = θᵤᵀxᵢ + bᵤ + bᵢ.
 * 'ridge' fits it by least squares over the whole catalogue (unobserved = 0, observed = the weighted value):
 * bᵢ is item i's mean over users, bᵤ the user's mean residual, and θᵤ = (XᵀX + λI)⁻¹ Xᵀ(yᵤ − bᵤ − b) with one
 * shared inverse, so a new user's history folds in exactly at the cost of one d × d product. With `alpha` > 0
 * observed items weigh 1 + alpha (implicit-feedback confidence, Hu et al. 2008) and each user gets their own
 * d × d solve. 'mean' is plain content similarity: the profile is the sum of the history's unit vectors.
 * Items without text have zero vectors: they score bᵢ (ridge) or 0 (mean).
 */
import { z } from 'zod';
import { parseConfig, strictObject } from '../config.ts';
import type { Csr } from '../data/csr.ts';
import { WeightingSchema } from '../data/weighting.ts';
import { ArtifactError, ModelFitError } from '../errors.ts';
import { spdInverseInPlace } from '../linalg/dense.ts';
import { topK, type Ranked } from '../linalg/topk.ts';
import { choleskySolve } from '../linalg/vec.ts';
import { encodeItems } from '../text/item-vectors.ts';
import { MAX_SPARSE_VOCABULARY } from '../text/tfidf.ts';
import { BaseRecommender, expectArray, expectCount } from './base.ts';
import type { FitData, FitOptions, ModelArtifact, ModelFactory } from './types.ts';

export const EncoderSpecSchema = z.object({ name: z.string() }).catchall(z.unknown());

export const ContentConfigSchema = strictObject({
  encoder: EncoderSpecSchema.default({ name: 'tfidf', dimension: 128 }),
  profile: z.enum(['ridge', 'mean']).default('ridge'),
  /** Ridge penalty λ on θᵤ. */
  l2: z.number().positive().default(1),
  /** Extra weight of observed items (0: plain least squares with one shared inverse). */
  alpha: z.number().nonnegative().default(0),
  /** Add the item bias bᵢ (a popularity term) to the scores. */
  itemBias: z.boolean().default(true),
  weighting: WeightingSchema.default({ kind: 'binary' }),
});
export type ContentConfig = z.infer<typeof ContentConfigSchema>;

/** (XᵀX + λI) of the n × d rows. */
export function ridgeGram(x: Float32Array, n: number, d: number, lambda: number): Float64Array {
  const g = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let a = 0; a < d; a++) {
      const xa = x[o + a]!;
      if (xa === 0) continue;
      for (let b = a; b < d; b++) g[a * d + b]! += xa * x[o + b]!;
    }
  }
  for (let a = 0; a < d; a++) { g[a * d + a]! += lambda; for (let b = 0; b < a; b++) g[a * d + b] = g[b * d + a]!; }
  return g;
}

/** The non-zero entries of the n × d rows when at most a quarter are non-zero, else undefined (dense is faster). */
export function sparseRowsOf(x: Float32Array, n: number, d: number): Csr | undefined {
  let nnz = 0;
  for (let k = 0; k < n * d; k++) if (x[k] !== 0) nnz++;
  return nnz > (n * d) / 4 ? undefined : nonZeroRows(x, n, d, nnz);
}

/** The non-zero entries of the n × d row-major matrix as CSR. */
export function nonZeroRows(x: Float32Array, n: number, d: number, nnz?: number): Csr {
  if (nnz === undefined) { nnz = 0; for (let k = 0; k < n * d; k++) if (x[k] !== 0) nnz++; }
  const indptr = new Int32Array(n + 1), indices = new Int32Array(nnz), data = new Float32Array(nnz);
  for (let i = 0, q = 0; i < n; i++) {
    for (let a = 0; a < d; a++) { const v = x[i * d + a]!; if (v !== 0) { indices[q] = a; data[q++] = v; } }
    indptr[i + 1] = q;
  }
  return { rows: n, cols: d, indptr, indices, data };
}

export class Content extends BaseRecommender<ContentConfig> {
  readonly kind = 'content';
  /** Item text vectors, nItems × d. */
  itemVectors: Float32Array = new Float32Array(0);
  dimension = 0;
  private userProfiles: Float32Array = new Float32Array(0);
  private userBias: Float32Array = new Float32Array(0);
  itemBias: Float32Array = new Float32Array(0);
  /** (XᵀX + λI)⁻¹ for the ridge profile without alpha. */
  private inverse: Float64Array = new Float64Array(0);
  /** Xᵀ1 and Xᵀb: the bias terms' share of Xᵀ(yᵤ − bᵤ − b). */
  private sumX: Float64Array = new Float64Array(0);
  private sumBX: Float64Array = new Float64Array(0);
  private sumB = 0;
  encodeSeconds = 0;
  /** The item vectors' non-zero entries when they are mostly zeros (tfidf with projection 'none'): scoring walks these. */
  private sparseVectors: Csr | undefined;

  protected async fitWeighted(m: Csr, _o: FitOptions, data: FitData) {
    const iv = await encodeItems(data, this.config.encoder as { name: string }, this.kind);
    this.itemVectors = iv.vectors;
    this.dimension = iv.dimension;
    this.encodeSeconds = iv.encodeSeconds;
    this.sparseVectors = sparseRowsOf(this.itemVectors, m.cols, this.dimension);
    this.prepare(m);
    const d = this.dimension;
    this.userProfiles = new Float32Array(m.rows * d);
    this.userBias = new Float32Array(m.rows);
    for (let u = 0; u < m.rows; u++) {
      const s = m.indptr[u]!, e = m.indptr[u + 1]!;
      const { theta, bias } = this.profile(m.indices.subarray(s, e), m.data.subarray(s, e));
      this.userProfiles.set(theta, u * d);
      this.userBias[u] = bias;
    }
    return {};
  }

  /** Item biases and the shared inverse, from the item vectors and the weighted training matrix. */
  private prepare(m: Csr): void {
    const n = m.cols, d = this.dimension, x = this.itemVectors;
    this.itemBias = new Float32Array(n);
    if (this.config.profile === 'mean') return;
    for (let p = 0; p < m.indptr[m.rows]!; p++) this.itemBias[m.indices[p]!]! += m.data[p]!;
    for (let i = 0; i < n; i++) this.itemBias[i]! /= Math.max(1, m.rows);
    this.sumB = 0;
    for (let i = 0; i < n; i++) this.sumB += this.itemBias[i]!;
    this.sumX = new Float64Array(d);
    this.sumBX = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) { this.sumX[a]! += x[i * d + a]!; this.sumBX[a]! += this.itemBias[i]! * x[i * d + a]!; }
    if (this.config.alpha === 0) this.inverse = spdInverseInPlace(ridgeGram(x, n, d, this.config.l2), d);
    else this.inverse = ridgeGram(x, n, d, this.config.l2); // the base Gram; each user adds alpha Σ xxᵀ
  }

  /** θᵤ and bᵤ for a history of (item, weighted value). */
  private profile(items: Int32Array, values: Float32Array): { theta: Float32Array; bias: number } {
    const d = this.dimension, x = this.itemVectors, n = this.itemBias.length;
    const theta = new Float32Array(d);
    if (this.config.profile === 'mean') {
      const xs = this.sparseVectors;
      if (xs) for (let q = 0; q < items.length; q++) { const i = items[q]!; for (let p = xs.indptr[i]!; p < xs.indptr[i + 1]!; p++) theta[xs.indices[p]!]! += values[q]! * xs.data[p]!; }
      else for (let q = 0; q < items.length; q++) { const o = items[q]! * d; for (let a = 0; a < d; a++) theta[a]! += values[q]! * x[o + a]!; }
      return { theta, bias: 0 };
    }
    // bᵤ: mean over all items of (y − bᵢ)
    let sy = 0;
    for (let q = 0; q < items.length; q++) sy += values[q]!;
    const bias = (sy - this.sumB) / Math.max(1, n);
    const alpha = this.config.alpha;
    // rhs = Σᵢ cᵤᵢ xᵢ (yᵤᵢ − bᵤ − bᵢ) with cᵤᵢ = 1 + alpha on observed items, 1 elsewhere
    const rhs = new Float64Array(d);
    for (let a = 0; a < d; a++) rhs[a] = -bias * this.sumX[a]! - this.sumBX[a]!;
    for (let q = 0; q < items.length; q++) {
      const i = items[q]!, o = i * d;
      const r = values[q]! * (1 + alpha) - alpha * (bias + this.itemBias[i]!);
      for (let a = 0; a < d; a++) rhs[a]! += r * x[o + a]!;
    }
    if (alpha === 0) {
      const p = this.inverse;
      for (let a = 0; a < d; a++) { let s = 0; for (let b = 0; b < d; b++) s += p[a * d + b]! * rhs[b]!; theta[a] = s; }
    } else {
      const g = this.inverse.slice();
      for (let q = 0; q < items.length; q++) {
        const o = items[q]! * d;
        // choleskySolve reads the lower triangle only
        for (let a = 0; a < d; a++) { const xa = alpha * x[o + a]!; if (xa !== 0) for (let b = 0; b <= a; b++) g[a * d + b]! += xa * x[o + b]!; }
      }
      if (!choleskySolve(g, rhs, d)) throw new ModelFitError('content: profile system is not positive definite: raise l2');
      for (let a = 0; a < d; a++) theta[a] = rhs[a]!;
    }
    return { theta, bias };
  }

  private score(theta: Float32Array, to: number, bias: number, out: Float32Array): void {
    const d = this.dimension, x = this.itemVectors, useBias = this.config.itemBias && this.config.profile === 'ridge';
    const xs = this.sparseVectors;
    if (xs) {
      for (let i = 0; i < out.length; i++) {
        let s = bias + (useBias ? this.itemBias[i]! : 0);
        for (let p = xs.indptr[i]!; p < xs.indptr[i + 1]!; p++) s += theta[to + xs.indices[p]!]! * xs.data[p]!;
        out[i] = s;
      }
      return;
    }
    for (let i = 0; i < out.length; i++) {
      let s = bias + (useBias ? this.itemBias[i]! : 0);
      const o = i * d;
      for (let a = 0; a < d; a++) s += theta[to + a]! * x[o + a]!;
      out[i] = s;
    }
  }

  scoreUser(user: number, out: Float32Array): void {
    if (user < 0 || user >= this.nUsers) throw new RangeError(`user index ${user} outside 0..${this.nUsers - 1}`);
    this.score(this.userProfiles, user * this.dimension, this.userBias[user]!, out);
  }

  protected scoreWeightedHistory(items: Int32Array, values: Float32Array, out: Float32Array): void {
    for (let q = 0; q < items.length; q++) if (!(items[q]! >= 0 && items[q]! < this.nItems)) throw new RangeError(`item index ${items[q]} outside 0..${this.nItems - 1}`);
    const { theta, bias } = this.profile(items, values);
    this.score(theta, 0, bias, out);
  }

  /** Cosine of the text vectors (rows are unit length); items without text have none. */
  similarItems(item: number, k: number): Ranked {
    const n = this.nItems, d = this.dimension, x = this.itemVectors;
    if (item < 0 || item >= n) throw new RangeError(`item index ${item} outside 0..${n - 1}`);
    const s = new Float32Array(n);
    for (let j = 0; j < n; j++) { let t = 0; for (let a = 0; a < d; a++) t += x[item * d + a]! * x[j * d + a]!; s[j] = t; }
    s[item] = -Infinity;
    return topK(s, k);
  }

  toArtifact(): ModelArtifact {
    return this.baseArtifact({ dimension: this.dimension }, {
      itemVectors: this.itemVectors, userProfiles: this.userProfiles, userBias: this.userBias, itemBias: this.itemBias,
    });
  }

  static fromArtifact(a: ModelArtifact): Content {
    const m = new Content(parseConfig(ContentConfigSchema, a.config, 'content'));
    m.restoreBase(a);
    m.dimension = expectCount(a, 'dimension', MAX_SPARSE_VOCABULARY);
    m.itemVectors = expectArray(a, 'itemVectors', Float32Array);
    m.userProfiles = expectArray(a, 'userProfiles', Float32Array);
    m.userBias = expectArray(a, 'userBias', Float32Array);
    const itemBias = expectArray(a, 'itemBias', Float32Array);
    const d = m.dimension;
    if (m.itemVectors.length !== m.nItems * d || m.userProfiles.length !== m.nUsers * d || m.userBias.length !== m.nUsers || itemBias.length !== m.nItems) {
      throw new ArtifactError(`content model file: arrays do not match ${m.nUsers} users × ${m.nItems} items × ${d} dimensions`);
    }
    // the inverse and bias sums are functions of the stored vectors and matrix: recompute instead of storing
    m.sparseVectors = sparseRowsOf(m.itemVectors, m.nItems, d);
    m.prepare(m.matrix);
    m.itemBias = itemBias;
    return m;
  }
}

export const content: ModelFactory<Content> = {
  kind: 'content',
  needsItemText: true,
  create: (config) => new Content(parseConfig(ContentConfigSchema, config, 'content')),
  fromArtifact: Content.fromArtifact,
};
