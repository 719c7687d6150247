import type { Csr } from '../data/csr.ts';

/** The sparse matrix parts the Gram kernel reads (plain or SharedArrayBuffer-backed typed arrays). */
export interface CsrArrays {
  rows: number;
  cols: number;
  indptr: Int32Array;
  indices: Int32Array;
  data: Float32Array;
}

/**
 * Adds the rows r0..r1 of the upper triangle of X^T X into `out` (cols x cols, row-major):
 * out[a][b] += x_ua x_ub for every user u and items a <= b of u, a in [r0, r1).
 * Cost is the sum over users of (their items in range) x (their items after), not cols^2 x rows:
 * X is sparse, so the outer product of each user row is accumulated directly. Column indices within a
 * row must be sorted (CSR invariant). Splitting [0, cols) into ranges lets threads write disjoint rows.
 */
export function gramUpperRows(x: CsrArrays, out: Float64Array, r0: number, r1: number): void {
  const { rows, cols: n, indptr, indices, data } = x;
  for (let u = 0; u < rows; u++) {
    const s = indptr[u]!, e = indptr[u + 1]!;
    if (s === e || indices[e - 1]! < r0 || indices[s]! >= r1) continue;
    // First entry with item >= r0 (binary search: long rows are common).
    let lo = s, hi = e;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (indices[mid]! < r0) lo = mid + 1; else hi = mid;
    }
    for (let p = lo; p < e; p++) {
      const ia = indices[p]!;
      if (ia >= r1) break;
      const va = data[p]!;
      const row = ia * n;
      for (let q = p; q < e; q++) out[row + indices[q]!] += va * data[q]!;
    }
  }
}

/** The upper triangle of X^T X (cols x cols, row-major Float64Array; the lower triangle is left at 0). */
export function gramUpper(x: Csr | CsrArrays, out: Float64Array = new Float64Array(x.cols * x.cols)): Float64Array {
  gramUpperRows(x, out, 0, x.cols);
  return out;
}

/** Mirrors the upper triangle into the lower one, in place. */
export function symmetrizeFromUpper(a: Float64Array, n: number): Float64Array {
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) a[j * n + i] = a[i * n + j]!;
  return a;
}
