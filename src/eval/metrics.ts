/**
 * Per-user top-K ranking metrics. Definitions follow RecBole (so our numbers are comparable with its
 * published tables) with binary relevance:
 *
 * - precision@K = hits in top K / K. The denominator stays K when the ranked list is shorter than K
 *   (a model that cannot fill its list is not rewarded for it).
 * - recall@K = hits in top K / |rel| (the standard definition, as RecBole; NOT min(|rel|, K), so a user
 *   with more relevant items than K cannot reach 1).
 * - ndcg@K = DCG / IDCG with gain 1 per hit at rank r (1-based) discounted by 1/log2(r + 1); IDCG puts
 *   min(|rel|, K) hits at the top.
 * - map@K = (sum over hit ranks r <= K of precision@r) / min(|rel|, K) (RecBole's MAP).
 * - mrr@K = 1 / rank of the first hit within K, 0 if none.
 * - hit@K = 1 if any hit within K, else 0 (hit rate).
 *
 * A user with no relevant items has every metric undefined; callers must skip such users and count
 * them (evaluate() does), so these functions throw rather than return a misleading 0.
 */

export const METRIC_NAMES = ['precision', 'recall', 'ndcg', 'map', 'mrr', 'hit'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/** The relevant items of one user: a Set<number> works, as does a typed-array-backed set. */
export interface RelevantSet {
  readonly size: number;
  has(item: number): boolean;
}

/** hits[r] = 1 when ranked[r] is relevant; only the first `k` positions are examined. */
export function hitsOf(ranked: Int32Array, relevant: RelevantSet, k = ranked.length): Uint8Array {
  const n = Math.min(k, ranked.length);
  const hits = new Uint8Array(n);
  for (let r = 0; r < n; r++) hits[r] = relevant.has(ranked[r]!) ? 1 : 0;
  return hits;
}

function checkArgs(nRelevant: number, k: number): void {
  if (!(nRelevant > 0)) throw new RangeError('metric undefined for a user without relevant items: skip the user');
  if (!(k >= 1) || !Number.isInteger(k)) throw new RangeError(`K must be a positive integer, got ${k}`);
}

// The *FromHits variants take the hit vector (best first) and |rel|: evaluate() computes the hits once
// per user and derives every metric at every K from them.

export function precisionFromHits(hits: Uint8Array, nRelevant: number, k: number): number {
  checkArgs(nRelevant, k);
  let h = 0;
  for (let r = 0, n = Math.min(k, hits.length); r < n; r++) h += hits[r]!;
  return h / k;
}

export function recallFromHits(hits: Uint8Array, nRelevant: number, k: number): number {
  checkArgs(nRelevant, k);
  let h = 0;
  for (let r = 0, n = Math.min(k, hits.length); r < n; r++) h += hits[r]!;
  return h / nRelevant;
}

export function ndcgFromHits(hits: Uint8Array, nRelevant: number, k: number): number {
  checkArgs(nRelevant, k);
  let dcg = 0;
  for (let r = 0, n = Math.min(k, hits.length); r < n; r++) if (hits[r]) dcg += 1 / Math.log2(r + 2);
  let idcg = 0;
  for (let r = 0, n = Math.min(k, nRelevant); r < n; r++) idcg += 1 / Math.log2(r + 2);
  return dcg / idcg;
}

export function mapFromHits(hits: Uint8Array, nRelevant: number, k: number): number {
  checkArgs(nRelevant, k);
  let h = 0, sum = 0;
  for (let r = 0, n = Math.min(k, hits.length); r < n; r++) {
    if (hits[r]) { h++; sum += h / (r + 1); }
  }
  return sum / Math.min(nRelevant, k);
}

export function mrrFromHits(hits: Uint8Array, nRelevant: number, k: number): number {
  checkArgs(nRelevant, k);
  for (let r = 0, n = Math.min(k, hits.length); r < n; r++) if (hits[r]) return 1 / (r + 1);
  return 0;
}

export function hitFromHits(hits: Uint8Array, nRelevant: number, k: number): number {
  checkArgs(nRelevant, k);
  for (let r = 0, n = Math.min(k, hits.length); r < n; r++) if (hits[r]) return 1;
  return 0;
}

export const METRIC_FROM_HITS: Readonly<Record<MetricName, (hits: Uint8Array, nRelevant: number, k: number) => number>> = {
  precision: precisionFromHits,
  recall: recallFromHits,
  ndcg: ndcgFromHits,
  map: mapFromHits,
  mrr: mrrFromHits,
  hit: hitFromHits,
};

export const precisionAtK = (ranked: Int32Array, relevant: RelevantSet, k: number): number => precisionFromHits(hitsOf(ranked, relevant, k), relevant.size, k);
export const recallAtK = (ranked: Int32Array, relevant: RelevantSet, k: number): number => recallFromHits(hitsOf(ranked, relevant, k), relevant.size, k);
export const ndcgAtK = (ranked: Int32Array, relevant: RelevantSet, k: number): number => ndcgFromHits(hitsOf(ranked, relevant, k), relevant.size, k);
export const mapAtK = (ranked: Int32Array, relevant: RelevantSet, k: number): number => mapFromHits(hitsOf(ranked, relevant, k), relevant.size, k);
export const mrrAtK = (ranked: Int32Array, relevant: RelevantSet, k: number): number => mrrFromHits(hitsOf(ranked, relevant, k), relevant.size, k);
export const hitRateAtK = (ranked: Int32Array, relevant: RelevantSet, k: number): number => hitFromHits(hitsOf(ranked, relevant, k), relevant.size, k);

/** Catalogue coverage@K: distinct items appearing in any user's top K, over the catalogue size. */
export function coverageAtK(rankings: Iterable<Int32Array>, nItems: number, k: number): number {
  if (nItems <= 0) return 0;
  const seen = new Uint8Array(nItems);
  let distinct = 0;
  for (const ranked of rankings) {
    for (let r = 0, n = Math.min(k, ranked.length); r < n; r++) {
      const i = ranked[r]!;
      if (!seen[i]) { seen[i] = 1; distinct++; }
    }
  }
  return distinct / nItems;
}

/** "ndcg@10" — the key of a metric at a cutoff in results and reports. */
export function metricKey(m: MetricName, k: number): string {
  return `${m}@${k}`;
}

/** Parses "ndcg@10" back; throws RangeError on anything else. */
export function parseMetricKey(key: string): { metric: MetricName; k: number } {
  const m = /^([a-z]+)@(\d+)$/.exec(key);
  if (!m || !(METRIC_NAMES as readonly string[]).includes(m[1]!) || !(Number(m[2]) >= 1)) {
    throw new RangeError(`"${key}" is not a metric key like "ndcg@10" (metrics: ${METRIC_NAMES.join(', ')})`);
  }
  return { metric: m[1] as MetricName, k: Number(m[2]) };
}

/**
 * Expected NDCG@k of a uniformly random order of `nCandidates` items of which `nRelevant` are relevant: each of
 * the first min(k, n) ranks holds a relevant item with probability r / n, so E[DCG] = (r / n) Σ 1/log2(p + 1)
 * over those ranks (IDCG does not depend on the order). What a model that ties every candidate deserves.
 */
export function randomOrderNdcg(nRelevant: number, nCandidates: number, k: number): number {
  if (nRelevant <= 0 || nCandidates <= 0) return 0;
  let disc = 0, ideal = 0;
  for (let p = 0; p < Math.min(k, nCandidates); p++) disc += 1 / Math.log2(p + 2);
  for (let p = 0; p < Math.min(k, nRelevant); p++) ideal += 1 / Math.log2(p + 2);
  return ((Math.min(nRelevant, nCandidates) / nCandidates) * disc) / ideal;
}
