import { availableParallelism, totalmem } from 'node:os';
import { z } from 'zod';
import { parseConfig, strictObject } from '../config.ts';
import { columnCounts, type Csr } from '../data/csr.ts';
import { WeightingSchema } from '../data/weighting.ts';
import { AbortedError, ArtifactError, ModelFitError } from '../errors.ts';
import {
  DEFAULT_BLOCK, DensePool, NotPositiveDefiniteError, PARALLEL_MIN_N, checkStatus, denseArena, spdInverseInPlace, toShared, wasmKernelActive,
} from '../linalg/dense.ts';
import { nativeAddon } from '../linalg/native.ts';
import { gramUpper } from '../linalg/gram.ts';
import { topK, type Ranked } from '../linalg/topk.ts';
import { BaseRecommender, expectArray } from './base.ts';
import type { FitOptions, ModelArtifact, ModelFactory } from './types.ts';

/**
 * Largest item count EASE will model densely: the native fit holds one n x n float32 matrix (4 n^2 bytes: 6.4 GB
 * at 40K), the TypeScript one an n x n float64 Gram/inverse plus the float32 weights (12 n^2 bytes), and both
 * cost n^3 flops (seconds at 10K on two cores natively).
 */
export const EASE_MAX_ITEMS = 40_000;

/** Below this many items the TypeScript kernel is as fast as a native call (and float64). */
const NATIVE_MIN_N = 64;

export const EaseConfigSchema = strictObject({
  /** The ridge penalty lambda on B; Steck (2019) finds a few hundred best for binary data. */
  l2: z.number().positive().default(500),
  weighting: WeightingSchema.default({ kind: 'binary' }),
  /** Model only this many most popular items (by number of users); the rest cannot be scored (NaN). */
  maxItems: z.number().int().positive().max(EASE_MAX_ITEMS).optional(),
});
export type EaseConfig = z.infer<typeof EaseConfigSchema>;

/** Where the time of the last fit went, and which kernel ran (for benchmarks and logs). */
export interface EaseFitTimings {
  items: number;
  gramSeconds: number;
  inverseSeconds: number;
  weightsSeconds: number;
  /**
   * 'native' (C++ addon, float32 Gram/inverse/weights in one buffer), 'workers' (TypeScript on worker threads,
   * float64) or 'single' (TypeScript, this thread, float64).
   */
  path: 'native' | 'workers' | 'single';
  /** The native kernel's instruction set ('avx512', 'avx2', 'generic'); undefined for the TypeScript paths. */
  isa?: string;
  /** For the TypeScript paths: whether the inner loop ran as WASM SIMD (else plain JavaScript). */
  wasm: boolean;
  threads: number;
}

/**
 * EASE (Steck 2019): a linear item-item model with a closed form. With G = X^T X + lambda I and P = G^-1,
 * B = I - P diag(1 / diag P), i.e. B_ij = -P_ij / P_jj for i != j and B_ii = 0; a user's scores are x_u B.
 * Folding in a new user is exact and free: the scores of a history are the sum of the B rows of its items.
 */
export class Ease extends BaseRecommender<EaseConfig> {
  readonly kind: string = 'ease';
  /** m x m row-major weights over the modelled items (float32 halves the memory of the served model). */
  private weights: Float32Array = new Float32Array(0);
  /** Catalogue index of each modelled item, ascending; undefined when every item is modelled. */
  private kept: Int32Array | undefined;
  /** Modelled index of each catalogue item, -1 if not modelled; undefined when every item is modelled. */
  private slot: Int32Array | undefined;
  lastFit: EaseFitTimings | undefined;
  /** Use the C++ kernel when it was built (default); false forces the TypeScript kernels (tests, benchmarks). */
  preferNative = true;

  /** Number of items with weights (the catalogue size unless maxItems cut it). */
  get modelledItems(): number {
    return this.kept ? this.kept.length : this.nItems;
  }

  protected async fitWeighted(m: Csr, o: FitOptions) {
    const keep = this.chooseItems(m);
    const x = keep ? restrictColumns(m, keep) : m;
    const n = x.cols;
    const addon = this.preferNative && n >= NATIVE_MIN_N ? nativeAddon() : undefined;
    const needBytes = (addon ? 4 : 12) * n * n;
    if (needBytes > 0.8 * totalmem()) {
      throw new ModelFitError(
        `ease: ${n} items need ${(needBytes / 2 ** 30).toFixed(1)} GiB for the dense fit but this machine has ${(totalmem() / 2 ** 30).toFixed(1)} GiB: ` +
          `set maxItems (e.g. ${Math.floor(Math.sqrt((0.4 * totalmem()) / 12))}) to model only the most popular items`,
      );
    }
    const threads = Math.max(1, o.threads ?? availableParallelism());
    const lambda = this.config.l2;
    const check = () => { if (o.signal?.aborted) throw new AbortedError('ease: fit cancelled'); };
    let t = performance.now();
    if (addon) {
      // One float32 buffer from Gram to weights; the steps are timed inside the call.
      const weights = new Float32Array(n * n), seconds = new Float64Array(3);
      check();
      const bad = addon.easeFloat32(x.indptr, x.indices, x.data, n, lambda, threads, weights, seconds);
      if (bad >= 0) {
        const e = new NotPositiveDefiniteError(`matrix is not positive definite (pivot ${bad} is not positive): with EASE raise l2, or check the data for NaN`);
        throw new ModelFitError(`ease: ${e.message}`, { cause: e });
      }
      this.weights = weights;
      this.kept = keep;
      this.slot = keep ? slotsOf(keep, m.cols) : undefined;
      this.lastFit = { items: n, gramSeconds: seconds[0]!, inverseSeconds: seconds[1]!, weightsSeconds: seconds[2]!, path: 'native', isa: addon.easeIsa, wasm: false, threads };
      return {};
    }
    let g: Float64Array, gramSeconds: number, inverseSeconds: number, path: EaseFitTimings['path'];
    try {
      if (threads === 1 || n < PARALLEL_MIN_N) {
        g = gramUpper(x);
        addDiagonal(g, n, lambda);
        gramSeconds = lap();
        check();
        spdInverseInPlace(g, n);
        inverseSeconds = lap();
        path = 'single';
      } else {
        const pool = await DensePool.create(threads);
        try {
          const nb = DEFAULT_BLOCK;
          const arena = denseArena(n, nb);
          g = arena.a;
          const xs = { rows: x.rows, cols: n, indptr: toShared(x.indptr), indices: toShared(x.indices), data: toShared(x.data) };
          await pool.run({ kind: 'gram', x: xs, out: g, chunks: Math.min(n, 64 * threads) });
          addDiagonal(g, n, lambda);
          gramSeconds = lap();
          check();
          await pool.run({ kind: 'sweep', state: { a: g, n, nb, d: arena.d, v: arena.v, w: arena.w, dp: arena.dp }, memory: arena.memory });
          checkStatus(pool.status());
          await pool.run({ kind: 'finish', a: g, n });
          inverseSeconds = lap();
          path = 'workers';
        } finally {
          await pool.close();
        }
      }
    } catch (e) {
      if (e instanceof NotPositiveDefiniteError) throw new ModelFitError(`ease: ${e.message}`, { cause: e });
      throw e;
    }
    check();
    this.weights = weightsFromInverse(g, n);
    this.kept = keep;
    this.slot = keep ? slotsOf(keep, m.cols) : undefined;
    this.lastFit = { items: n, gramSeconds, inverseSeconds, weightsSeconds: lap(), path, wasm: wasmKernelActive(), threads: path === 'single' ? 1 : threads };
    return {};

    function lap(): number {
      const now = performance.now();
      const s = (now - t) / 1000;
      t = now;
      return s;
    }
  }

  /** The items to model when the catalogue is too large, most popular first kept; undefined = all. */
  private chooseItems(m: Csr): Int32Array | undefined {
    const limit = this.config.maxItems;
    if (limit === undefined) {
      if (m.cols > EASE_MAX_ITEMS) {
        throw new ModelFitError(
          `ease: ${m.cols} items is too many for a dense item-item model (limit ${EASE_MAX_ITEMS}: memory grows with items^2, time with items^3): ` +
            `set maxItems (e.g. 20000) to model only the most popular items, or filter the catalogue before training`,
        );
      }
      return undefined;
    }
    if (m.cols <= limit) return undefined;
    const counts = columnCounts(m);
    const order = Int32Array.from({ length: m.cols }, (_, i) => i).sort((a, b) => counts[b]! - counts[a]! || a - b);
    return order.subarray(0, limit).sort();
  }

  scoreUser(user: number, out: Float32Array): void {
    const m = this.matrix;
    if (user < 0 || user >= m.rows) throw new RangeError(`user index ${user} outside 0..${m.rows - 1}`);
    const s = m.indptr[user]!, e = m.indptr[user + 1]!;
    this.scoreWeightedHistory(m.indices.subarray(s, e), m.data.subarray(s, e), out);
  }

  /** Sparse history times dense B: only the rows of B of the history's items are read. */
  protected scoreWeightedHistory(items: Int32Array, values: Float32Array, out: Float32Array): void {
    const n = this.modelledItems;
    const b = this.weights;
    const kept = this.kept, slot = this.slot;
    if (!kept || !slot) {
      out.fill(0, 0, n);
      for (let q = 0; q < items.length; q++) {
        const i = items[q]!, v = values[q]!;
        if (i < 0 || i >= n) throw new RangeError(`item index ${i} outside 0..${n - 1}`);
        const row = i * n;
        for (let j = 0; j < n; j++) out[j] += v * b[row + j]!;
      }
      return;
    }
    const acc = new Float64Array(n);
    for (let q = 0; q < items.length; q++) {
      const i = items[q]!;
      if (i < 0 || i >= slot.length) throw new RangeError(`item index ${i} outside 0..${slot.length - 1}`);
      const s = slot[i]!;
      if (s < 0) continue; // an unmodelled item carries no signal
      const v = values[q]!, row = s * n;
      for (let j = 0; j < n; j++) acc[j] += v * b[row + j]!;
    }
    out.fill(NaN, 0, slot.length);
    for (let j = 0; j < n; j++) out[kept[j]!] = acc[j]!;
  }

  /**
   * Items most recommended to someone whose only item is `item`: row `item` of B (B_ij is how much having
   * i raises j). This is the model's own notion of association, not a cosine; it is not symmetric.
   */
  similarItems(item: number, k: number): Ranked {
    const nAll = this.nItems;
    if (item < 0 || item >= nAll) throw new RangeError(`item index ${item} outside 0..${nAll - 1}`);
    const out = new Float32Array(nAll);
    this.scoreWeightedHistory(Int32Array.of(item), Float32Array.of(1), out);
    if (this.slot && this.slot[item]! < 0) return topK(new Float32Array(0), 0);
    out[item] = -Infinity;
    return topK(out, k);
  }

  toArtifact(): ModelArtifact {
    const arrays: ModelArtifact['arrays'] = { 'ease.weights': this.weights };
    if (this.kept) arrays['ease.kept'] = this.kept;
    return this.baseArtifact({ modelledItems: this.modelledItems }, arrays);
  }

  static fromArtifact(a: ModelArtifact): Ease {
    const model = new Ease(parseConfig(EaseConfigSchema, a.config, 'ease'));
    model.restoreWeights(a);
    return model;
  }

  /** The weights and shared state of a model file written by toArtifact (for EASE and its variants). */
  protected restoreWeights(a: ModelArtifact): void {
    this.restoreBase(a);
    this.weights = expectArray(a, 'ease.weights', Float32Array);
    const kept = a.arrays['ease.kept'];
    if (kept !== undefined) {
      this.kept = expectArray(a, 'ease.kept', Int32Array);
      for (let q = 0; q < this.kept.length; q++) {
        const j = this.kept[q]!;
        if (j < 0 || j >= this.nItems || (q > 0 && j <= this.kept[q - 1]!)) {
          throw new ArtifactError(`ease model file: array "ease.kept" must hold ascending item indices in 0..${this.nItems - 1}; index ${q} is ${j}`);
        }
      }
      this.slot = slotsOf(this.kept, this.nItems);
    }
    const m = this.modelledItems;
    if (this.weights.length !== m * m) {
      throw new ArtifactError(`${a.kind} model file: weights have ${this.weights.length} values, ${m} items need ${m * m}`);
    }
  }
}

function addDiagonal(g: Float64Array, n: number, lambda: number): void {
  for (let i = 0; i < n; i++) g[i * n + i] += lambda;
}

/** B_ij = -P_ij / P_jj off the diagonal, 0 on it, from the full symmetric inverse P. */
export function weightsFromInverse(p: Float64Array, n: number): Float32Array {
  const inv = new Float64Array(n);
  for (let j = 0; j < n; j++) inv[j] = -1 / p[j * n + j]!;
  const b = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    const r = i * n;
    for (let j = 0; j < n; j++) b[r + j] = p[r + j]! * inv[j]!;
    b[r + i] = 0;
  }
  return b;
}

function slotsOf(kept: Int32Array, nAll: number): Int32Array {
  const slot = new Int32Array(nAll).fill(-1);
  for (let q = 0; q < kept.length; q++) slot[kept[q]!] = q;
  return slot;
}

/** The columns `keep` (ascending) of m, renumbered 0..keep.length-1. */
function restrictColumns(m: Csr, keep: Int32Array): Csr {
  const slot = slotsOf(keep, m.cols);
  const indptr = new Int32Array(m.rows + 1);
  let count = 0;
  for (let p = 0; p < m.indptr[m.rows]!; p++) if (slot[m.indices[p]!]! >= 0) count++;
  const indices = new Int32Array(count), data = new Float32Array(count);
  let o = 0;
  for (let r = 0; r < m.rows; r++) {
    for (let p = m.indptr[r]!, e = m.indptr[r + 1]!; p < e; p++) {
      const s = slot[m.indices[p]!]!;
      if (s >= 0) { indices[o] = s; data[o++] = m.data[p]!; }
    }
    indptr[r + 1] = o;
  }
  return { rows: m.rows, cols: keep.length, indptr, indices, data };
}

export const ease: ModelFactory<Ease> = {
  kind: 'ease',
  create: (config) => new Ease(parseConfig(EaseConfigSchema, config, 'ease')),
  fromArtifact: Ease.fromArtifact,
};
