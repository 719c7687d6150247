import { test } from 'node:test';
import assert from 'node:assert/strict';
import { columnCounts, csrFromCoo, filterEntries, mapValues, nnz, rowIndices, rowValues, transpose } from './csr.ts';

const r = Int32Array.of(1, 0, 1, 1, 0);
const c = Int32Array.of(2, 1, 0, 2, 1);
const v = Float32Array.of(1, 2, 3, 4, 5);

test('csrFromCoo sorts columns and merges duplicates by policy', () => {
  const sum = csrFromCoo(2, 3, r, c, v, 'sum');
  assert.deepEqual([...sum.indptr], [0, 1, 3]);
  assert.deepEqual([...rowIndices(sum, 0)], [1]);
  assert.deepEqual([...rowValues(sum, 0)], [7]);
  assert.deepEqual([...rowIndices(sum, 1)], [0, 2]);
  assert.deepEqual([...rowValues(sum, 1)], [3, 5]);
  assert.deepEqual([...csrFromCoo(2, 3, r, c, v, 'max').data], [5, 3, 4]);
  assert.deepEqual([...csrFromCoo(2, 3, r, c, v, 'last').data], [5, 3, 4]);
  assert.deepEqual([...csrFromCoo(2, 3, Int32Array.of(0, 0), Int32Array.of(1, 1), Float32Array.of(9, 2), 'last').data], [2]);
  assert.throws(() => csrFromCoo(2, 3, Int32Array.of(2), Int32Array.of(0), undefined), RangeError);
});

test('transpose twice is the identity, and columns of the transpose are rows', () => {
  const m = csrFromCoo(2, 3, r, c, v);
  const t = transpose(m);
  assert.equal(t.rows, 3);
  assert.deepEqual([...rowIndices(t, 2)], [1]);
  assert.deepEqual([...rowValues(t, 2)], [5]);
  assert.deepEqual(transpose(t), m);
  assert.equal(nnz(m), 3);
  assert.deepEqual([...columnCounts(m)], [1, 1, 1]);
});

test('mapValues and filterEntries keep the structure consistent', () => {
  const m = csrFromCoo(2, 3, r, c, v);
  assert.deepEqual([...mapValues(m, (x, row) => x * 10 + row).data], [70, 31, 51]);
  const f = filterEntries(m, (x) => x > 4);
  assert.deepEqual([...f.indptr], [0, 1, 2]);
  assert.deepEqual([...f.indices], [1, 2]);
});
