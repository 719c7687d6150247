/**
 * The common input of every re-ranker: candidate item indices with their relevance scores (aligned typed
 * arrays, any order), as a request's candidate stage produces them. Non-finite scores (NaN, ±Infinity: "not a
 * candidate" in the pipeline) are dropped. Relevance is min-max normalised to [0, 1] over the candidates so the
 * trade-off knobs mean the same thing for every model, whatever the scale of its scores (EASE, iALS dot
 * products, kNN sums); all candidates tied -> relevance 1.
 */
import { ConfigError } from '../errors.ts';

export interface Candidates {
  items: Int32Array;
  scores: Float32Array | Float64Array;
}

export interface Normalised {
  items: Int32Array;
  /** Relevance in [0, 1], aligned with items. */
  rel: Float64Array;
}

export function normaliseCandidates(c: Candidates): Normalised {
  if (c.items.length !== c.scores.length) throw new RangeError(`candidates: ${c.items.length} items but ${c.scores.length} scores`);
  let n = 0, lo = Infinity, hi = -Infinity;
  for (let q = 0; q < c.scores.length; q++) {
    const s = c.scores[q]!;
    if (Number.isFinite(s)) { n++; if (s < lo) lo = s; if (s > hi) hi = s; }
  }
  const items = new Int32Array(n), rel = new Float64Array(n);
  const span = hi - lo;
  for (let q = 0, m = 0; q < c.scores.length; q++) {
    const s = c.scores[q]!;
    if (!Number.isFinite(s)) continue;
    items[m] = c.items[q]!;
    rel[m++] = span > 0 ? (s - lo) / span : 1;
  }
  return { items, rel };
}

/** A knob in [0, 1]; anything else (NaN included) is a ConfigError naming the request field. */
export function checkUnit(value: number, field: string): number {
  if (!(typeof value === 'number' && value >= 0 && value <= 1)) throw new ConfigError(field, `must be a number in [0, 1], got ${String(value)}`);
  return value;
}

export function checkK(k: number, field = 'k'): number {
  if (!(Number.isInteger(k) && k >= 1)) throw new ConfigError(field, `must be a positive integer, got ${String(k)}`);
  return k;
}

/** Index of the largest `gain` among positions not yet taken; ties go to the earlier position. */
export function argmaxFree(gain: Float64Array, taken: Uint8Array): number {
  let best = -1, bv = -Infinity;
  for (let q = 0; q < gain.length; q++) if (!taken[q] && (best < 0 || gain[q]! > bv)) { best = q; bv = gain[q]!; }
  return best;
}
