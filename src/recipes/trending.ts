import type { Interactions } from '../data/interactions.ts';
import { TYPE_CODE, type InteractionType } from '../data/types.ts';

export interface TrendingOptions {
  /** End of the recent window (ms since epoch, exclusive): usually the request time. */
  now: number;
  /** Length of the recent window, ms. */
  windowMs: number;
  /** Length of the baseline period just before the recent window (default 4 × windowMs). */
  baselineMs?: number;
  /** Recent events lose half their weight every halfLifeMs before `now` (default windowMs / 2; Infinity = no decay). */
  halfLifeMs?: number;
  /** Only events of these types (default: all). */
  types?: readonly InteractionType[];
  /** Pseudo-events added to both the recent and the expected count (default 1). */
  prior?: number;
  /**
   * 'ratio' (default): how many times the rate rose (finds risers of any size); 'difference': by how many
   * events per window it rose (favours big sellers, like "top movers" by volume). Both as lower bounds.
   */
  measure?: 'ratio' | 'difference';
  /** Width of the lower confidence bound in standard deviations (default 1.645: one-sided 95%). */
  z?: number;
  /** When given (length nItems), filled with each item's decayed recent count and raw baseline count (for reasons). */
  recent?: Float64Array;
  baseline?: Float64Array;
}

function typeMask(types: readonly InteractionType[] | undefined): Uint8Array | undefined {
  if (!types) return undefined;
  const m = new Uint8Array(256);
  for (const t of types) m[TYPE_CODE[t]] = 1;
  return m;
}

/**
 * Trending = the event rate of an item rose in the recent window versus its baseline. Recent events are decayed
 * (velocity: the last day weighs more than six days ago), giving an effective count r over an effective
 * window W = ∫₀ʷ 2^(-a/h) da; the baseline gives b events over B ms, so without a change we would expect
 * e = b·W/B recent events. The score is a lower confidence bound of the log rate ratio,
 *   ln((r + α) / (e + α)) − z · sqrt(Var r / (r + α)² + 1 / (b + α)),
 * treating counts as Poisson (Var r = Σ w², the delta method for the logs) with α pseudo-events. Why a lower
 * bound: a raw ratio ranks an item with 1 recent event and none before (ratio ∞) above one going 200 -> 600;
 * the bound charges small counts for their uncertainty, and α keeps the ratio finite. Items without a recent
 * event get NaN (nothing is trending there); so do items with no event at all.
 * With measure 'difference' the score is the lower bound of the rise in events per (effective) window,
 *   (r − e) − z · sqrt(Var r + (W/B)² b + α),
 * which a single event cannot top either: its bound is 1 − z·sqrt(1 + α) < 0.
 * Writes into `out` (length x.items.size).
 */
export function trendingScores(x: Interactions, o: TrendingOptions, out: Float32Array): void {
  const w = o.windowMs, bMs = o.baselineMs ?? 4 * w;
  if (!(w > 0) || !(bMs > 0)) throw new RangeError(`trending: windowMs and baselineMs must be positive, got ${w} and ${bMs}`);
  const h = o.halfLifeMs ?? w / 2, alpha = o.prior ?? 1, z = o.z ?? 1.645;
  const decay = Number.isFinite(h) ? Math.LN2 / h : 0;
  const exposure = decay > 0 ? (1 - Math.exp(-decay * w)) / decay : w;
  const rho = exposure / bMs;
  const n = x.items.size;
  const r = o.recent ?? new Float64Array(n), r2 = new Float64Array(n), b = o.baseline ?? new Float64Array(n);
  r.fill(0); b.fill(0);
  const mask = typeMask(o.types);
  const recentStart = o.now - w, baseStart = recentStart - bMs;
  for (let k = 0; k < x.length; k++) {
    if (mask && !mask[x.type[k]!]) continue;
    const t = x.time[k]!;
    if (t >= o.now || t < baseStart) continue;
    const i = x.item[k]!;
    if (t >= recentStart) {
      const wt = decay > 0 ? Math.exp(-decay * (o.now - t)) : 1;
      r[i]! += wt; r2[i]! += wt * wt;
    } else b[i]!++;
  }
  const difference = o.measure === 'difference';
  for (let i = 0; i < n; i++) {
    const ri = r[i]!;
    if (ri === 0) { out[i] = NaN; continue; }
    const bi = b[i]!, e = rho * bi;
    if (difference) {
      out[i] = ri - e - z * Math.sqrt(r2[i]! + rho * rho * bi + alpha);
      continue;
    }
    const sd = Math.sqrt((r2[i]! + alpha) / ((ri + alpha) * (ri + alpha)) + 1 / (bi + alpha));
    out[i] = Math.log((ri + alpha) / (e + alpha)) - z * sd;
  }
}

export interface PopularOptions {
  /** Only events at or after / before these times (ms since epoch). */
  since?: number;
  until?: number;
  /** Events lose half their weight every halfLifeMs before `until` (or the latest event when until is absent). */
  halfLifeMs?: number;
  /** Only events of these types (default: all). */
  types?: readonly InteractionType[];
}

/** Event counts per item over a window, optionally decayed, into `out`; NaN for items without an event. */
export function popularScores(x: Interactions, o: PopularOptions, out: Float32Array): void {
  const since = o.since ?? -Infinity, until = o.until ?? Infinity;
  const mask = typeMask(o.types);
  const decay = o.halfLifeMs !== undefined && Number.isFinite(o.halfLifeMs) ? Math.LN2 / o.halfLifeMs : 0;
  let ref = o.until;
  if (decay > 0 && ref === undefined) {
    ref = -Infinity;
    for (let k = 0; k < x.length; k++) if (x.time[k]! > ref) ref = x.time[k]!;
  }
  const acc = new Float64Array(x.items.size);
  const seen = new Uint8Array(x.items.size);
  for (let k = 0; k < x.length; k++) {
    if (mask && !mask[x.type[k]!]) continue;
    const t = x.time[k]!;
    if (t < since || t >= until) continue;
    const i = x.item[k]!;
    acc[i]! += decay > 0 ? Math.exp(-decay * (ref! - t)) : 1;
    seen[i] = 1;
  }
  for (let i = 0; i < acc.length; i++) out[i] = seen[i] ? acc[i]! : NaN;
}
