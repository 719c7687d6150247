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
  toCatalog: Int32Array, allowed: Uint8Array, k: number,
): TopCandidates {
  const native = nativeAddon();
  const want = Math.max(0, Math.floor(k));
  if (native?.topFactors) {
    const items = new Int32Array(want), scores = new Float32Array(want);
    const [count, len] = native.topFactors(itemFactors.subarray(0, nItems * f), f, x.subarray(xo, xo + f), toCatalog, allowed, want, items, scores);
    return { items: items.subarray(0, len), scores: scores.subarray(0, len), count };
  }
  return topKFactorsReference(itemFactors, nItems, f, x, xo, toCatalog, allowed, want);
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
