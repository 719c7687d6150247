import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrFromCoo } from '../data/csr.ts';
import { gramUpper, gramUpperRows, symmetrizeFromUpper } from './gram.ts';

test('gramUpper equals X^T X computed densely', () => {
  const rows = 13, cols = 9;
  const r: number[] = [], c: number[] = [], v: number[] = [];
  for (let u = 0; u < rows; u++) for (let i = 0; i < cols; i++) if ((u * 7 + i * 3) % 4 === 0) { r.push(u); c.push(i); v.push(1 + ((u + i) % 3)); }
  const x = csrFromCoo(rows, cols, Int32Array.from(r), Int32Array.from(c), Float32Array.from(v));
  const dense = new Float64Array(rows * cols);
  for (let k = 0; k < r.length; k++) dense[r[k]! * cols + c[k]!] = v[k]!;
  const g = symmetrizeFromUpper(gramUpper(x), cols);
  for (let a = 0; a < cols; a++) {
    for (let b = 0; b < cols; b++) {
      let s = 0;
      for (let u = 0; u < rows; u++) s += dense[u * cols + a]! * dense[u * cols + b]!;
      assert.equal(g[a * cols + b], s, `G[${a}][${b}]`);
    }
  }
});

test('gramUpperRows over disjoint ranges adds up to the whole', () => {
  // users: {0,1,2}, {1,3}, {0,3}; binary
  const x = csrFromCoo(3, 4, Int32Array.of(0, 0, 0, 1, 1, 2, 2), Int32Array.of(0, 1, 2, 1, 3, 0, 3), undefined);
  const whole = gramUpper(x);
  const parts = new Float64Array(16);
  gramUpperRows(x, parts, 2, 4);
  gramUpperRows(x, parts, 0, 2);
  assert.deepEqual(parts, whole);
  // Row 0 of the upper triangle by hand: item 0 seen by users 0 and 2; co-occurs with 1, 2 (user 0) and 3 (user 2).
  assert.deepEqual(Array.from(whole.subarray(0, 4)), [2, 1, 1, 1]);
  assert.deepEqual(Array.from(whole.subarray(4, 8)), [0, 2, 1, 1]);
  assert.deepEqual(Array.from(whole.subarray(12, 16)), [0, 0, 0, 2]);
});
