/** Items and scores, best first. */
export interface Ranked {
  items: Int32Array;
  scores: Float32Array;
}

/**
 * The k largest finite scores (NaN and -Infinity are never returned), best first; ties go to the lower index.
 * A size-k min-heap over typed arrays: O(n log k), no per-element objects. When `candidates` is given,
 * only those indices are considered.
 */
export function topK(scores: ArrayLike<number>, k: number, candidates?: Int32Array): Ranked {
  const n = candidates ? candidates.length : scores.length;
  const cap = Math.max(0, Math.min(k, n));
  const hi = new Int32Array(cap);
  const hs = new Float64Array(cap);
  let size = 0;
  // Heap root = worst kept entry: lowest score, and among equal scores the highest index.
  const worse = (sa: number, ia: number, sb: number, ib: number) => sa < sb || (sa === sb && ia > ib);
  // Once the heap is full, (floorS, floorI) is its root: most entries lose to it and are rejected by one
  // comparison, without touching the heap.
  let floorS = -Infinity, floorI = -1;
  for (let q = 0; q < n; q++) {
    const i = candidates ? candidates[q]! : q;
    const s = scores[i]!;
    if (s < floorS || (s === floorS && i > floorI) || !(s > -Infinity)) continue; // also drops NaN and -Infinity
    if (size < cap) {
      let c = size++;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!worse(s, i, hs[p]!, hi[p]!)) break;
        hs[c] = hs[p]!; hi[c] = hi[p]!; c = p;
      }
      hs[c] = s; hi[c] = i;
      if (size === cap) { floorS = hs[0]!; floorI = hi[0]!; }
    } else if (cap > 0) {
      let c = 0;
      for (;;) {
        const l = 2 * c + 1;
        if (l >= size) break;
        const r = l + 1;
        const m = r < size && worse(hs[r]!, hi[r]!, hs[l]!, hi[l]!) ? r : l;
        if (!worse(hs[m]!, hi[m]!, s, i)) break;
        hs[c] = hs[m]!; hi[c] = hi[m]!; c = m;
      }
      hs[c] = s; hi[c] = i;
      floorS = hs[0]!; floorI = hi[0]!;
    }
  }
  // Pop worst-first into the back of the output.
  const items = new Int32Array(size);
  const out = new Float32Array(size);
  for (let end = size - 1; end >= 0; end--) {
    items[end] = hi[0]!; out[end] = hs[0]!;
    const ls = hs[end]!, li = hi[end]!;
    let c = 0;
    const sz = end;
    for (;;) {
      const l = 2 * c + 1;
      if (l >= sz) break;
      const r = l + 1;
      const m = r < sz && worse(hs[r]!, hi[r]!, hs[l]!, hi[l]!) ? r : l;
      if (!worse(hs[m]!, hi[m]!, ls, li)) break;
      hs[c] = hs[m]!; hi[c] = hi[m]!; c = m;
    }
    hs[c] = ls; hi[c] = li;
  }
  return { items, scores: out };
}
