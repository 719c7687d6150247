/**
 * Comparing two trade-off curves (e.g. DPP's and MMR's NDCG@10 against intra-list diversity) fairly.
 *
 * A re-ranker's sweep gives a few (x, y) points, one per knob value. Serving a random mix of two settings (per
 * request, with probability p and 1 − p) attains, in expectation, every point of the segment between them: both
 * means are linear in p. So what a re-ranker can reach is the UPPER CONCAVE HULL of its points — the knob value
 * itself is an implementation detail — and two re-rankers are compared by their hulls evaluated on one common
 * grid of x, over the x range both reach. Comparing one curve's raw points against the other's interpolated curve
 * instead favours whichever method's knob grid happens to be denser where it matters.
 */

export interface XY {
  x: number;
  y: number;
}

/**
 * The upper concave hull of the points (higher y is better), ordered by increasing x: Andrew's monotone chain on
 * the upper side. Points with equal x keep only the highest y.
 */
export function upperHull(points: readonly XY[]): XY[] {
  const ps = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).sort((a, b) => a.x - b.x || b.y - a.y);
  const h: XY[] = [];
  for (const p of ps) {
    if (h.length && h[h.length - 1]!.x === p.x) continue; // same x, lower y
    // pop the last point while it lies on or below the segment from the one before it to p
    while (h.length >= 2) {
      const a = h[h.length - 2]!, b = h[h.length - 1]!;
      if ((b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x) >= 0) h.pop();
      else break;
    }
    h.push(p);
  }
  return h;
}

/** The hull's y at x by linear interpolation; NaN outside its x range. */
export function hullAt(hull: readonly XY[], x: number): number {
  if (!hull.length || x < hull[0]!.x || x > hull[hull.length - 1]!.x) return NaN;
  let q = 1;
  while (q < hull.length && hull[q]!.x < x) q++;
  if (q >= hull.length) return hull[hull.length - 1]!.y;
  const a = hull[q - 1]!, b = hull[q]!;
  return b.x === a.x ? Math.max(a.y, b.y) : a.y + ((x - a.x) / (b.x - a.x)) * (b.y - a.y);
}

export interface CurveGap {
  x: number;
  a: number;
  b: number;
  /** (a − b) / b. */
  relative: number;
}

/**
 * Curve a against curve b: both hulls evaluated at `steps` evenly spaced x over the range both reach
 * [max of the minima, min of the maxima]; empty when the ranges do not overlap.
 */
export function compareHulls(a: readonly XY[], b: readonly XY[], steps = 25): CurveGap[] {
  const ha = upperHull(a), hb = upperHull(b);
  if (!ha.length || !hb.length) return [];
  const lo = Math.max(ha[0]!.x, hb[0]!.x), hi = Math.min(ha[ha.length - 1]!.x, hb[hb.length - 1]!.x);
  if (!(hi >= lo)) return [];
  const n = hi > lo ? Math.max(2, steps) : 1;
  const out: CurveGap[] = [];
  for (let s = 0; s < n; s++) {
    const x = s === n - 1 ? hi : lo + ((hi - lo) * s) / (n - 1); // hi exactly: rounding must not step off a hull
    const ya = hullAt(ha, x), yb = hullAt(hb, x);
    out.push({ x, a: ya, b: yb, relative: (ya - yb) / yb });
  }
  return out;
}
