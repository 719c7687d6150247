import type { Interactions } from '../data/interactions.ts';
import { TYPE_CODE, type InteractionType } from '../data/types.ts';
import { mulberry32, randInt, shuffleRange } from '../data/random.ts';
import { hitsOf, hitFromHits, ndcgFromHits, precisionAtK } from '../eval/metrics.ts';
import { topK } from '../linalg/topk.ts';
import { sessionMatrix } from './sessions.ts';

/** Basket-completion tasks: the rest of a basket (given) and the one item hidden from it. */
export interface BasketTasks {
  /** Task t gives items[ptr[t]..ptr[t+1]). */
  ptr: Int32Array;
  items: Int32Array;
  hidden: Int32Array;
  /** Baskets in the period with at least 2 eligible items (before sampling). */
  eligibleBaskets: number;
  /** Baskets in the period. */
  baskets: number;
}

export interface BasketTaskOptions {
  /** Baskets of events in [since, until). */
  since: number;
  until: number;
  /** Items that may be hidden or given (e.g. known in training and not a fee): 1 = eligible. */
  eligible: Uint8Array;
  types?: readonly InteractionType[];
  /** A basket = same user and timestamp (0) or events at most gapMs apart. */
  gapMs?: number;
  /** Keep at most this many baskets (a seeded sample). */
  maxTasks?: number;
  seed?: number;
}

/**
 * Hide-one basket completion (the protocol of bench/recipes.ts): every basket of the period with at least two
 * eligible items becomes one task; the hidden item is drawn uniformly (seeded) among its eligible items and
 * the other eligible items are given.
 */
export function basketTasks(x: Interactions, o: BasketTaskOptions): BasketTasks {
  const s = sessionMatrix(x, { since: o.since, until: o.until, types: o.types, gapMs: o.gapMs ?? 0 });
  const rng = mulberry32(o.seed ?? 1);
  const ok = new Int32Array(s.rows);
  let nOk = 0;
  for (let b = 0; b < s.rows; b++) {
    let n = 0;
    for (let p = s.indptr[b]!; p < s.indptr[b + 1]!; p++) if (o.eligible[s.indices[p]!]) n++;
    if (n >= 2) ok[nOk++] = b;
  }
  let chosen = ok.subarray(0, nOk);
  if (o.maxTasks !== undefined && nOk > o.maxTasks) {
    shuffleRange(chosen, 0, nOk, rng);
    chosen = chosen.subarray(0, o.maxTasks).sort();
  }
  const ptr = new Int32Array(chosen.length + 1), hidden = new Int32Array(chosen.length);
  const items: number[] = [];
  const buf: number[] = [];
  for (let t = 0; t < chosen.length; t++) {
    const b = chosen[t]!;
    buf.length = 0;
    for (let p = s.indptr[b]!; p < s.indptr[b + 1]!; p++) if (o.eligible[s.indices[p]!]) buf.push(s.indices[p]!);
    const h = randInt(rng, buf.length);
    hidden[t] = buf[h]!;
    for (let q = 0; q < buf.length; q++) if (q !== h) items.push(buf[q]!);
    ptr[t + 1] = items.length;
  }
  return { ptr, items: Int32Array.from(items), hidden, eligibleBaskets: nOk, baskets: s.rows };
}

/** Fills `out` (length nItems) with scores for the items given; higher is better, NaN = not a candidate. */
export type BasketScorer = (given: Int32Array, out: Float32Array) => void;

/**
 * HR@k and NDCG@k of the hidden item (one relevant item per task) over all tasks. The given items and items
 * with candidates[i] = 0 are never ranked. Uses the metric definitions of src/eval/metrics.ts.
 */
export function evaluateBaskets(
  tasks: BasketTasks,
  nItems: number,
  scorer: BasketScorer,
  o: { k?: number; candidates?: Uint8Array; /** Filled with each task's hit@k (for paired comparisons). */ hits?: Uint8Array } = {},
): { hr: number; ndcg: number; tasks: number } {
  const k = o.k ?? 10;
  const out = new Float32Array(nItems);
  let hr = 0, ndcg = 0;
  const n = tasks.hidden.length;
  for (let t = 0; t < n; t++) {
    const given = tasks.items.subarray(tasks.ptr[t]!, tasks.ptr[t + 1]!);
    scorer(given, out);
    for (let q = 0; q < given.length; q++) out[given[q]!] = NaN;
    if (o.candidates) for (let i = 0; i < nItems; i++) if (!o.candidates[i]) out[i] = NaN;
    const ranked = topK(out, k).items;
    const target = tasks.hidden[t]!;
    const hits = hitsOf(ranked, { size: 1, has: (i) => i === target }, k);
    const hit = hitFromHits(hits, 1, k);
    if (o.hits) o.hits[t] = hit;
    hr += hit;
    ndcg += ndcgFromHits(hits, 1, k);
  }
  return { hr: n ? hr / n : NaN, ndcg: n ? ndcg / n : NaN, tasks: n };
}

/** Event counts per (day, item), row-major days × items; day d covers [start + d·dayMs, start + (d+1)·dayMs). */
export function dailyCounts(x: Interactions, o: { start: number; days: number; dayMs?: number; types?: readonly InteractionType[] }): Float32Array {
  const dayMs = o.dayMs ?? 86_400_000, n = x.items.size;
  const c = new Float32Array(o.days * n);
  const allowed = o.types ? new Set<number>() : undefined;
  if (o.types) for (const t of o.types) allowed!.add(TYPE_CODE[t]);
  for (let k = 0; k < x.length; k++) {
    if (allowed && !allowed.has(x.type[k]!)) continue;
    const d = Math.floor((x.time[k]! - o.start) / dayMs);
    if (d >= 0 && d < o.days) c[d * n + x.item[k]!]!++;
  }
  return c;
}

/**
 * The items that rose on day `target`: rise = count on `target` − mean count over the `baselineDays` given
 * days (usually the trading days just before); the `top` largest positive rises (ties to the lower index),
 * only among items with eligible[i] = 1.
 */
export function risingItems(counts: Float32Array, nItems: number, target: number, baselineDays: readonly number[], top: number, eligible?: Uint8Array): Int32Array {
  const rise = new Float32Array(nItems);
  for (let i = 0; i < nItems; i++) {
    if (eligible && !eligible[i]) { rise[i] = NaN; continue; }
    let base = 0;
    for (const d of baselineDays) base += counts[d * nItems + i]!;
    const r = counts[target * nItems + i]! - base / Math.max(1, baselineDays.length);
    rise[i] = r > 0 ? r : NaN;
  }
  return topK(rise, top).items;
}

/** |top-k of `ranked` ∩ relevant| / k (precision@k of src/eval/metrics.ts). */
export function precisionAt(ranked: Int32Array, relevant: Int32Array, k: number): number {
  return precisionAtK(ranked, new Set(relevant), k);
}

/** Mean of a − b over paired 0/1 outcomes with a normal-approximation 95% half-width. */
export function pairedDifference(a: Uint8Array, b: Uint8Array): { mean: number; halfWidth: number } {
  const n = a.length;
  let sum = 0, sq = 0;
  for (let t = 0; t < n; t++) { const d = a[t]! - b[t]!; sum += d; sq += d * d; }
  const mean = sum / n, variance = n > 1 ? (sq - n * mean * mean) / (n - 1) : 0;
  return { mean, halfWidth: 1.96 * Math.sqrt(variance / n) };
}
