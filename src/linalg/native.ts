import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * The optional C++ kernels in native/, built from source by `npm install` when a compiler is present
 * (AVX2+FMA or baseline x86-64 picked at run time, OpenMP threads). Every caller has a TypeScript kernel
 * computing the same thing, used when the addon is missing or CURIO_NATIVE=0.
 */
export interface NativeAddon {
  /** Dense SPD inverse (EASE): upper triangle in, full inverse out; returns -1, or the failing pivot. */
  spdInverseUpper(a: Float64Array, n: number, threads: number): number;
  /**
   * The whole float32 EASE fit in `out` (n × n): Gram of the CSR X (rows sorted) plus λI, inverse P, then
   * B_ij = -P_ij / P_jj with B_ii = 0. `seconds` gets the wall time of the three steps (and, with 6 slots, their
   * CPU time). Returns -1, or the first pivot that was not positive.
   */
  easeFloat32(indptr: Int32Array, indices: Int32Array, data: Float32Array, n: number, lambda: number, threads: number, out: Float32Array, seconds: Float64Array): number;
  /** Which instruction set the EASE kernel was picked for: 'avx512', 'avx2' or 'generic' (CURIO_EASE_ISA caps it). */
  easeIsa: string;
  /**
   * One implicit-ALS half-step off the JavaScript thread: Gramian of Y, then every row of X solved against Y.
   * params: [f, alpha, alpha0, lambda, nu (< 0: constant λ), cgSteps, cholesky (0/1), threads, and optionally the
   * entries above which CG rows (f = 32, 64, 128) are solved in groups of similar length (0 or absent: 8192)].
   * Resolves to the number of rows whose system was not positive definite (Cholesky only).
   */
  alsHalfStep(Y: Float32Array, X: Float32Array, indptr: Int32Array, indices: Int32Array, data: Float32Array, params: Float64Array): Promise<number>;
  /**
   * One BPR epoch off the JavaScript thread: `samples` SGD steps on (user, seen, unseen) triples, lock-free on
   * `threads` OpenMP threads. params: [f, learningRate, regularization, samples, seed, threads].
   * Resolves to [log-likelihood, correctly ordered pairs, steps taken].
   */
  bprEpoch(X: Float32Array, Y: Float32Array, B: Float32Array, indptr: Int32Array, indices: Int32Array, rowOf: Int32Array, params: Float64Array): Promise<[number, number, number]>;
  /** out[j] = Y_j · x for every row j of Y (n × f). */
  scoreFactors(Y: Float32Array, f: number, x: Float32Array, out: Float32Array): void;
  /**
   * The k best allowed rows of Y·x without a catalogue-sized score array: row j is served as catalogue item
   * toCatalog[j] (-1: not served) when allowed[toCatalog[j]] is 1; each score is bit for bit scoreFactors'. Writes
   * the listed items (catalogue indices) and scores best first, ties to the lower catalogue index; returns
   * [candidates counted, entries listed]. Absent from builds older than this declaration.
   */
  topFactors?(Y: Float32Array, f: number, x: Float32Array, toCatalog: Int32Array, allowed: Uint8Array, k: number, outItems: Int32Array, outScores: Float32Array): [number, number];
  /**
   * topFactors with a first pass over int8 factors (Q: round(Y / scale) per row, see quantizeRows): only the rows
   * that may reach the top k are scored in float, so the result equals topFactors' (same items, scores, count).
   * Returns [candidates, listed, rows scored exactly], or null when x rules the int8 pass out (non-finite or huge).
   */
  topFactorsInt8?(Y: Float32Array, Q: Int8Array, scale: Float32Array, f: number, x: Float32Array, toCatalog: Int32Array, allowed: Uint8Array, k: number, outItems: Int32Array, outScores: Float32Array): [number, number, number] | null;
  /**
   * One history's iALS fold-in system for explanations (src/explain/contributions.ts): A = G + λI + Σ (c_q − α0)
   * y_q y_qᵀ, c_q = 1 + α w_q, params [λ, α, α0]; writes A's Cholesky factor L to L (row-major: L in the lower
   * triangle, Lᵀ above it), A⁻¹Σc_q y_q to x and c_q to conf. False when A is not positive definite. Absent from
   * older builds.
   */
  ialsExplainFactor?(Y: Float32Array, f: number, G: Float64Array, params: Float64Array, items: Int32Array, w: Float32Array, L: Float64Array, x: Float64Array, conf: Float64Array): boolean;
  /**
   * topFactors over the rows in order of decreasing norm (order, norms; the `abnormal` rows holding NaN or ±Infinity
   * first), stopping once |y_j||x| is below the k-th best score: the same list, scores and count as topFactors.
   * rowsAt[c] is how many rows toCatalog maps to catalogue item c (the count is taken along the catalogue).
   * Returns [candidates, listed, rows scored], or null when more than `budget` rows would be scored or the bound
   * cannot be used (then scan otherwise). Absent from older builds.
   */
  topFactorsPruned?(Y: Float32Array, f: number, x: Float32Array, order: Int32Array, norms: Float64Array, abnormal: number, toCatalog: Int32Array, rowsAt: Uint8Array, allowed: Uint8Array, k: number, budget: number, outItems: Int32Array, outScores: Float32Array): [number, number, number] | null;
  /**
   * The explanations of `items` in such a system, together: row c of `shares` (m × h; it may be longer) gets every
   * history entry's share c_q y_qᵀA⁻¹y_item in item c's score; then item c's top shares (top = outItems.length / m,
   * ≤ 64; ties to the lower item) go to outItems/outValues/outRemovals[c·top ...] with their removal effects (a
   * history without repeats, constant λ; sjj caches y_qᵀA⁻¹y_q, NaN = not solved yet), and out3[3c ...] = [listed,
   * score, rest]. Each item's answer is the same alone or with others. Absent from older builds.
   */
  ialsExplainItems?(L: Float64Array, conf: Float64Array, Y: Float32Array, f: number, items: Int32Array, hist: Int32Array, x: Float64Array, alpha0: number, sjj: Float64Array, outItems: Int32Array, outValues: Float64Array, outRemovals: Float64Array, out3: Float64Array, shares: Float64Array): void;
  /**
   * Token buckets in a file mapping shared by processes (native/shared.cc): opens (creating when new) a table of
   * `slots` buckets. Absent from older builds.
   */
  sharedBucketsOpen?(path: string, slots: number): ArrayBuffer;
  /** Seconds until `key` (an integer < 2^53) has a token in the shared table; 0 when it has one (taken when `take`). */
  sharedBucketsTake?(table: ArrayBuffer, key: number, rate: number, burst: number, take: boolean): number;
  /** Which instruction set the factor-model kernels were picked for: 'avx512' (iALS rows; the rest AVX2), 'avx2' or 'generic'. */
  alsIsa: string;
}

let addon: NativeAddon | null | undefined;

/** The addon, loaded once per process; undefined when it was not built or CURIO_NATIVE=0. */
export function nativeAddon(): NativeAddon | undefined {
  if (addon === undefined) {
    addon = null;
    if (process.env.CURIO_NATIVE !== '0') {
      try {
        const require = createRequire(import.meta.url);
        addon = require(fileURLToPath(new URL('../../native/build/Release/curio_dense.node', import.meta.url))) as NativeAddon;
      } catch {
        addon = null; // not built: the TypeScript kernels run
      }
    }
  }
  return addon ?? undefined;
}
