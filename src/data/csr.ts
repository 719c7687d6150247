/**
 * Compressed sparse row matrix over typed arrays. Row r holds columns indices[indptr[r]..indptr[r+1])
 * in increasing order, with values in `data`. A CSC matrix is the CSR of the transpose.
 * nnz must stay below 2^31 (Int32Array indptr).
 */
export interface Csr {
  readonly rows: number;
  readonly cols: number;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly data: Float32Array;
}

export type DuplicatePolicy = 'sum' | 'max' | 'last';

/**
 * Builds a CSR matrix from coordinate triples. Duplicated (row, col) pairs are merged by `dup`
 * ('last' keeps the one that comes last in the input order). Runs in O(nnz + rows) with two counting passes.
 */
export function csrFromCoo(
  rows: number,
  cols: number,
  r: Int32Array,
  c: Int32Array,
  v: Float32Array | undefined,
  dup: DuplicatePolicy = 'sum',
): Csr {
  const n = r.length;
  const count = new Int32Array(rows + 1);
  for (let k = 0; k < n; k++) {
    const rk = r[k]!, ck = c[k]!;
    if (rk < 0 || rk >= rows || ck < 0 || ck >= cols) throw new RangeError(`entry ${k} (${rk}, ${ck}) outside ${rows}x${cols}`);
    count[rk + 1]!++;
  }
  for (let i = 0; i < rows; i++) count[i + 1]! += count[i]!;
  const pos = count.slice(0, rows);
  const idx = new Int32Array(n);
  const val = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    const p = pos[r[k]!]!++;
    idx[p] = c[k]!;
    val[p] = v ? v[k]! : 1;
  }
  // Sort each row by column (stable, so 'last' keeps input order among equals), then merge duplicates.
  const indptr = new Int32Array(rows + 1);
  let out = 0;
  let order = new Int32Array(16);
  for (let i = 0; i < rows; i++) {
    const s = count[i]!, e = count[i + 1]!, len = e - s;
    if (order.length < len) order = new Int32Array(len * 2);
    let sorted = true;
    for (let p = s + 1; p < e; p++) if (idx[p - 1]! >= idx[p]!) { sorted = false; break; }
    if (sorted) {
      for (let p = s; p < e; p++) { idx[out] = idx[p]!; val[out] = val[p]!; out++; }
    } else {
      const ord = order.subarray(0, len);
      for (let q = 0; q < len; q++) ord[q] = s + q;
      ord.sort((a, b) => idx[a]! - idx[b]! || a - b);
      const ci = new Int32Array(len), cv = new Float32Array(len);
      for (let q = 0; q < len; q++) { ci[q] = idx[ord[q]!]!; cv[q] = val[ord[q]!]!; }
      for (let q = 0; q < len; q++) {
        if (out > indptr[i]! && idx[out - 1] === ci[q]) {
          const prev = val[out - 1]!;
          val[out - 1] = dup === 'sum' ? prev + cv[q]! : dup === 'max' ? Math.max(prev, cv[q]!) : cv[q]!;
        } else { idx[out] = ci[q]!; val[out] = cv[q]!; out++; }
      }
    }
    indptr[i + 1] = out;
  }
  return { rows, cols, indptr, indices: out === n ? idx : idx.slice(0, out), data: out === n ? val : val.slice(0, out) };
}

/** The transpose (equivalently: this matrix in CSC form). Column order within rows stays sorted. */
export function transpose(m: Csr): Csr {
  const { rows, cols, indptr, indices, data } = m;
  const nnz = indptr[rows]!;
  const tp = new Int32Array(cols + 1);
  for (let p = 0; p < nnz; p++) tp[indices[p]! + 1]!++;
  for (let j = 0; j < cols; j++) tp[j + 1]! += tp[j]!;
  const pos = tp.slice(0, cols);
  const ti = new Int32Array(nnz), tv = new Float32Array(nnz);
  for (let i = 0; i < rows; i++) {
    for (let p = indptr[i]!, e = indptr[i + 1]!; p < e; p++) {
      const q = pos[indices[p]!]!++;
      ti[q] = i;
      tv[q] = data[p]!;
    }
  }
  return { rows: cols, cols: rows, indptr: tp, indices: ti, data: tv };
}

export function nnz(m: Csr): number {
  return m.indptr[m.rows]!;
}

/** Column indices of row r (a view, not a copy). */
export function rowIndices(m: Csr, r: number): Int32Array {
  return m.indices.subarray(m.indptr[r]!, m.indptr[r + 1]!);
}

/** Values of row r (a view, not a copy). */
export function rowValues(m: Csr, r: number): Float32Array {
  return m.data.subarray(m.indptr[r]!, m.indptr[r + 1]!);
}

/** Same sparsity, values replaced by f(value, row, col). */
export function mapValues(m: Csr, f: (v: number, row: number, col: number) => number): Csr {
  const data = new Float32Array(m.data.length);
  for (let i = 0; i < m.rows; i++) {
    for (let p = m.indptr[i]!, e = m.indptr[i + 1]!; p < e; p++) data[p] = f(m.data[p]!, i, m.indices[p]!);
  }
  return { ...m, data };
}

/** Keeps the entries for which keep(value, row, col) is true. */
export function filterEntries(m: Csr, keep: (v: number, row: number, col: number) => boolean): Csr {
  const indptr = new Int32Array(m.rows + 1);
  const idx: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < m.rows; i++) {
    for (let p = m.indptr[i]!, e = m.indptr[i + 1]!; p < e; p++) {
      if (keep(m.data[p]!, i, m.indices[p]!)) { idx.push(m.indices[p]!); val.push(m.data[p]!); }
    }
    indptr[i + 1] = idx.length;
  }
  return { rows: m.rows, cols: m.cols, indptr, indices: Int32Array.from(idx), data: Float32Array.from(val) };
}

/** Number of stored entries in each column. */
export function columnCounts(m: Csr): Int32Array {
  const c = new Int32Array(m.cols);
  const n = nnz(m);
  for (let p = 0; p < n; p++) c[m.indices[p]!]!++;
  return c;
}
