/** Helpers shared by the factor models (iALS, BPR): seeded initialisation, scoring, cosine neighbours. */
import { ModelFitError } from '../errors.ts';
import type { Rng } from '../data/random.ts';
import { nativeAddon } from '../linalg/native.ts';
import { topK, type Ranked } from '../linalg/topk.ts';
import { dot, rowNorms } from '../linalg/vec.ts';
import type { TopCandidates } from './types.ts';

/** Fills `F` with N(0, scale²) draws from the seeded generator. */
export function initFactors(F: Float32Array, rng: Rng, scale: number): Float32Array {
  for (let k = 0; k < F.length; k++) F[k] = rng.normal() * scale;
  return F;
}

/** Throws ModelFitError if any factor is NaN or infinite (training diverged). */
export function assertFinite(kind: string, what: string, F: Float32Array, epoch: number): void {
  let s = 0;
  for (let k = 0; k < F.length; k++) s += F[k]!;
  if (!Number.isFinite(s)) {
    throw new ModelFitError(`${kind}: ${what} factors became NaN/infinite in epoch ${epoch}: lower the learning rate or raise the regularization`);
  }
}

/** Scores of every item: out[j] = itemFactors[j] · x (the native SIMD kernel when it was built). */
export function scoreAll(itemFactors: Float32Array, nItems: number, f: number, x: Float32Array | Float64Array, xo: number, out: Float32Array): void {
  const native = nativeAddon();
  if (native) {
    const xf = x instanceof Float32Array ? x.subarray(xo, xo + f) : Float32Array.from(x.subarray(xo, xo + f));
    native.scoreFactors(itemFactors.subarray(0, nItems * f), f, xf, out);
    return;
  }
  for (let j = 0; j < nItems; j++) out[j] = dot(itemFactors, j * f, x, xo, f);
}

/**
 * What ranking the full score array gives (scoreAll into catalogue space: out[toCatalog[j]] = Y_j · x where
 * allowed, then topK), without that array when the native kernel is built: scoring, the mask and the heap in one
 * pass over Y. Same scores bit for bit, same order, same ties.
 */
export function topKFactors(
  itemFactors: Float32Array, nItems: number, f: number, x: Float32Array, xo: number,
  toCatalog: Int32Array, allowed: Uint8Array, k: number, quantized?: QuantizedRows,
): TopCandidates {
  const native = nativeAddon();
  const want = Math.max(0, Math.floor(k));
  if (native?.topFactors) {
    const items = new Int32Array(want), scores = new Float32Array(want);
    const Y = itemFactors.subarray(0, nItems * f), xs = x.subarray(xo, xo + f);
    if (quantized && native.topFactorsPruned && PRUNED_SCAN && want > 0) {
      // Give up (and scan everything below) once an eighth of the rows would be scored one by one.
      const rowsAt = rowsAtOf(toCatalog, nItems);
      const r = rowsAt && native.topFactorsPruned(Y, f, xs, quantized.order, quantized.norms, quantized.abnormal, toCatalog, rowsAt, allowed, want, Math.max(64, nItems >> 3), items, scores);
      if (r) return { items: items.subarray(0, r[1]), scores: scores.subarray(0, r[1]), count: r[0], exactlyScored: r[2] };
    }
    if (quantized && native.topFactorsInt8 && INT8_PASS) {
      const r = native.topFactorsInt8(Y, quantized.Q, quantized.scale, f, xs, toCatalog, allowed, want, items, scores);
      if (r) return { items: items.subarray(0, r[1]), scores: scores.subarray(0, r[1]), count: r[0], exactlyScored: r[2] };
    }
    const [count, len] = native.topFactors(Y, f, xs, toCatalog, allowed, want, items, scores);
    return { items: items.subarray(0, len), scores: scores.subarray(0, len), count };
  }
  return topKFactorsReference(itemFactors, nItems, f, x, xo, toCatalog, allowed, want);
}

/**
 * How many of the first n rows toCatalog maps to each catalogue item (null if some item gets more than 255), made
 * once per map: serving maps are fixed per model and catalogue, and a map is not changed once made.
 */
function rowsAtOf(toCatalog: Int32Array, n: number): Uint8Array | null {
  let byN = rowsAtCache.get(toCatalog);
  if (!byN) rowsAtCache.set(toCatalog, (byN = new Map()));
  let r = byN.get(n);
  if (r === undefined) {
    let max = -1;
    for (let j = 0; j < n; j++) if (toCatalog[j]! > max) max = toCatalog[j]!;
    r = new Uint8Array(max + 1);
    for (let j = 0; j < n; j++) {
      const c = toCatalog[j]!;
      if (c < 0) continue;
      if (r[c] === 255) { r = null; break; }
      r[c] = r[c]! + 1;
    }
    byN.set(n, r);
  }
  return r;
}
const rowsAtCache = new WeakMap<Int32Array, Map<number, Uint8Array | null>>();

/** CURIO_INT8=0 turns the int8 first pass off (benchmarks of the float scan); read once. */
const INT8_PASS = process.env.CURIO_INT8 !== '0';
/** CURIO_PRUNE=0 turns the norm-ordered scan off (benchmarks of the full scans); read once. */
const PRUNED_SCAN = process.env.CURIO_PRUNE !== '0';

/** Factor rows as int8 with one scale per row: Y_jk ≈ scale_j · q_jk, |error| <= scale_j / 2. */
export interface QuantizedRows {
  /**
   * q in blocks of 32 rows with the factors in pairs, P = ⌈f/2⌉: q_jk at (((j >> 5) · P + (k >> 1)) · 32 + (j & 31)) · 2
   * + (k & 1); the last block padded with zero rows, an odd f with a zero factor. The native scan multiplies 8 rows
   * by a pair of (int16) query entries per instruction and sums along k, with no per-row reduction.
   */
  Q: Int8Array;
  /** max_k |Y_jk| / 127; +Infinity for a row holding NaN or ±Infinity (always scored in float). */
  scale: Float32Array;
  /** Rows by decreasing Euclidean norm, rows holding NaN or ±Infinity first: the pruned scan's order. */
  order: Int32Array;
  /** norms[p] = |Y_order[p]| (float64; +Infinity for the non-finite rows). */
  norms: Float64Array;
  /** How many rows hold NaN or ±Infinity (the first in `order`). */
  abnormal: number;
}

/**
 * Quantises the rows of Y (n × f) for topKFactors' int8 first pass (1/4 of the bytes to scan per request) and orders
 * them by norm for its pruned scan.
 */
export function quantizeRows(Y: Float32Array, n: number, f: number): QuantizedRows {
  const P = Math.ceil(f / 2);
  const Q = new Int8Array(Math.ceil(n / 32) * 32 * 2 * P), scale = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    let max = 0;
    for (let k = j * f; k < (j + 1) * f; k++) {
      const a = Math.abs(Y[k]!);
      if (a > max) max = a;
      else if (Number.isNaN(a)) { max = NaN; break; }
    }
    if (!Number.isFinite(max)) { scale[j] = Infinity; continue; }
    scale[j] = max / 127;
    const s = scale[j]!; // the stored float32 scale: the bound holds for what the kernel reads
    if (s === 0) continue;
    const at = ((j >> 5) * P * 32 + (j & 31)) * 2;
    for (let k = 0; k < f; k++) Q[at + (k >> 1) * 64 + (k & 1)] = Math.max(-127, Math.min(127, Math.round(Y[j * f + k]! / s)));
  }
  const byRow = new Float64Array(n);
  let abnormal = 0;
  for (let j = 0; j < n; j++) {
    let t = 0;
    for (let k = j * f; k < (j + 1) * f; k++) t += Y[k]! * Y[k]!;
    byRow[j] = scale[j] === Infinity ? Infinity : Math.sqrt(t);
    if (scale[j] === Infinity) abnormal++;
  }
  const order = Int32Array.from({ length: n }, (_, j) => j).sort((a, b) => byRow[b]! - byRow[a]! || a - b);
  const norms = Float64Array.from(order, (j) => byRow[j]!);
  return { Q, scale, order, norms, abnormal };
}

/** The same through a catalogue-sized array: the TypeScript path, and the reference the native kernel is tested on. */
export function topKFactorsReference(
  itemFactors: Float32Array, nItems: number, f: number, x: Float32Array, xo: number,
  toCatalog: Int32Array, allowed: Uint8Array, k: number,
): TopCandidates {
  const buf = new Float32Array(nItems);
  scoreAll(itemFactors, nItems, f, x, xo, buf);
  const out = new Float32Array(allowed.length).fill(NaN);
  let count = 0;
  for (let j = 0; j < nItems; j++) {
    const c = toCatalog[j]!;
    if (c < 0 || c >= allowed.length || !allowed[c]) continue;
    out[c] = buf[j]!;
    if (buf[j]! > -Infinity) count++;
  }
  return { ...topK(out, k), count };
}

/** The k items whose factors have the highest cosine with `item`'s, the item itself excluded. */
export function cosineNeighbours(F: Float32Array, norms: Float32Array, f: number, item: number, k: number): Ranked {
  const n = norms.length;
  if (item < 0 || item >= n) throw new RangeError(`item index ${item} outside 0..${n - 1}`);
  const s = new Float32Array(n);
  scoreAll(F, n, f, F, item * f, s);
  const ni = norms[item]!;
  for (let j = 0; j < n; j++) {
    const d = ni * norms[j]!;
    s[j] = d > 0 ? s[j]! / d : NaN;
  }
  s[item] = -Infinity;
  return topK(s, k);
}

export { rowNorms };
