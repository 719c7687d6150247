import type { Csr } from '../data/csr.ts';

/** Item co-occurrence counts over sessions (baskets). */
export interface PairCounts {
  /** Item × item, symmetric, no diagonal: (i, j) = sessions holding both (an expected count for capped sessions). */
  pairs: Csr;
  /** Sessions holding each item. */
  itemSessions: Float64Array;
  /** Sessions counted (those with at least one item). */
  sessions: number;
  /** With session weights: the weighted pair counts (same sparsity as `pairs`), item counts and session total. */
  weighted?: { pairs: Float32Array; itemSessions: Float64Array; sessions: number };
}

/**
 * Counts item pairs over the rows of a session × item matrix, item by item (a sparse XᵀX): a dense accumulator
 * plus a touched list per item, so no hash map and no per-pair object. A session of n items has n(n-1)/2 pairs;
 * past `maxSessionSize` each item pairs only with the maxSessionSize items around it in a cyclic order of the
 * session (maxSessionSize/2 on each side, so the counts stay symmetric), each such pair weighted (n-1)/maxSessionSize:
 * the expected count is unchanged and the work per session is linear in n. That keeps a 500-line wholesale invoice
 * from costing 125K pair updates and from swamping the counts of ordinary baskets.
 */
export function countPairs(sessions: Csr, o: { maxSessionSize?: number; sessionWeight?: Float32Array } = {}): PairCounts {
  const sw = o.sessionWeight;
  const cap = Math.max(2, (o.maxSessionSize ?? 64) & ~1);
  const half = cap >> 1;
  const nItems = sessions.cols, sp = sessions.indptr, si = sessions.indices;
  // Item -> (session, position in session): a transpose carrying positions.
  const tp = new Int32Array(nItems + 1);
  const nnz = sp[sessions.rows]!;
  for (let p = 0; p < nnz; p++) tp[si[p]! + 1]!++;
  for (let i = 0; i < nItems; i++) tp[i + 1]! += tp[i]!;
  const fill = tp.slice(0, nItems);
  const tSession = new Int32Array(nnz), tPos = new Int32Array(nnz);
  const itemSessions = new Float64Array(nItems), itemWeighted = new Float64Array(sw ? nItems : 0);
  let counted = 0, weightedSessions = 0;
  for (let b = 0; b < sessions.rows; b++) {
    const s = sp[b]!, e = sp[b + 1]!;
    if (e > s) { counted++; if (sw) weightedSessions += sw[b]!; }
    for (let p = s; p < e; p++) {
      const i = si[p]!, q = fill[i]!++;
      tSession[q] = b; tPos[q] = p - s;
      itemSessions[i]!++;
      if (sw) itemWeighted[i]! += sw[b]!;
    }
  }
  const acc = new Float32Array(nItems), accW = new Float32Array(sw ? nItems : 0);
  const touched = new Int32Array(nItems);
  const indptr = new Int32Array(nItems + 1);
  let indices = new Int32Array(Math.max(1024, nnz)), data = new Float32Array(indices.length), dataW = new Float32Array(sw ? indices.length : 0);
  let out = 0;
  for (let i = 0; i < nItems; i++) {
    let nt = 0;
    for (let q = tp[i]!, qe = tp[i + 1]!; q < qe; q++) {
      const b = tSession[q]!, s = sp[b]!, n = sp[b + 1]! - s;
      if (n < 2) continue;
      const wb = sw ? sw[b]! : 0;
      if (n - 1 <= cap) {
        for (let p = s, e = s + n; p < e; p++) {
          const j = si[p]!;
          if (j === i) continue;
          if (acc[j] === 0) touched[nt++] = j;
          acc[j]! += 1;
          if (sw) accW[j]! += wb;
        }
      } else {
        const w = (n - 1) / cap, at = tPos[q]!;
        for (let d = 1; d <= half; d++) {
          const j1 = si[s + ((at + d) % n)]!, j2 = si[s + ((at - d + n) % n)]!;
          if (acc[j1] === 0) touched[nt++] = j1;
          acc[j1]! += w;
          if (acc[j2] === 0) touched[nt++] = j2;
          acc[j2]! += w;
          if (sw) { accW[j1]! += w * wb; accW[j2]! += w * wb; }
        }
      }
    }
    if (out + nt > indices.length) {
      const size = Math.max(indices.length * 2, out + nt);
      const ni = new Int32Array(size), nd = new Float32Array(size), nw = new Float32Array(sw ? size : 0);
      ni.set(indices.subarray(0, out)); nd.set(data.subarray(0, out));
      if (sw) nw.set(dataW.subarray(0, out));
      indices = ni; data = nd; dataW = nw;
    }
    const row = touched.subarray(0, nt).sort();
    for (let q = 0; q < nt; q++) {
      const j = row[q]!;
      if (sw) { dataW[out] = accW[j]!; accW[j] = 0; }
      indices[out] = j; data[out++] = acc[j]!;
      acc[j] = 0;
    }
    indptr[i + 1] = out;
  }
  return {
    pairs: { rows: nItems, cols: nItems, indptr, indices: indices.slice(0, out), data: data.slice(0, out) },
    itemSessions, sessions: counted,
    ...(sw ? { weighted: { pairs: dataW.slice(0, out), itemSessions: itemWeighted, sessions: weightedSessions } } : {}),
  };
}

/** Position of (i, j) in pairs.indices / data (binary search in row i), -1 when absent. */
export function pairIndex(pairs: Csr, i: number, j: number): number {
  let lo = pairs.indptr[i]!, hi = pairs.indptr[i + 1]! - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1, c = pairs.indices[mid]!;
    if (c === j) return mid;
    if (c < j) lo = mid + 1; else hi = mid - 1;
  }
  return -1;
}

/** The stored count of (i, j), 0 when absent. */
export function pairCount(pairs: Csr, i: number, j: number): number {
  const p = pairIndex(pairs, i, j);
  return p < 0 ? 0 : pairs.data[p]!;
}
