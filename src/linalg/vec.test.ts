import { test } from 'node:test';
import assert from 'node:assert/strict';
import { choleskyFactor, choleskySolve, choleskySolveFactored, dot, gramian, matVec, rowNorms, scoreRows } from './vec.ts';

test('dot handles lengths that are not a multiple of the unroll', () => {
  const a = Float32Array.of(1, 2, 3, 4, 5), b = Float32Array.of(2, 0, 1, 1, -1);
  assert.equal(dot(a, 0, b, 0, 5), 2 + 3 + 4 - 5);
  assert.equal(dot(a, 1, b, 1, 3), 0 + 3 + 4);
});

test('gramian is FᵀF, including the 4-row blocks and the remainder', () => {
  const n = 7, f = 3;
  const F = Float32Array.from({ length: n * f }, (_, k) => ((k * 7) % 5) - 2);
  const g = gramian(F, n, f);
  for (let i = 0; i < f; i++) for (let j = 0; j < f; j++) {
    let s = 0;
    for (let r = 0; r < n; r++) s += F[r * f + i]! * F[r * f + j]!;
    assert.equal(g[i * f + j], s);
  }
});

test('matVec and choleskySolve on a hand-checked 2x2 system', () => {
  // A = [[4, 2], [2, 3]], b = [2, 1]: x = [0.5, 0].
  const A = Float64Array.of(4, 2, 2, 3), out = new Float64Array(2);
  matVec(A, Float64Array.of(1, 1), out, 2);
  assert.deepEqual([...out], [6, 5]);
  const b = Float64Array.of(2, 1);
  assert.equal(choleskySolve(A.slice(), b, 2), true);
  assert.ok(Math.abs(b[0]! - 0.5) < 1e-12 && Math.abs(b[1]!) < 1e-12);
  assert.equal(choleskySolve(Float64Array.of(1, 2, 2, 1), Float64Array.of(1, 1), 2), false, 'indefinite matrix is rejected');
});

test('rowNorms', () => {
  assert.deepEqual([...rowNorms(Float32Array.of(3, 4, 0, 0), 2, 2)], [5, 0]);
});

test('scoreRows equals one dot product per row for any row count and odd widths', () => {
  for (const n of [1, 3, 4, 5, 9]) {
    for (const f of [1, 3, 64, 65]) {
      const F = Float32Array.from({ length: n * f }, (_, i) => Math.sin(i) * 0.5);
      const x = Float32Array.from({ length: f + 2 }, (_, i) => Math.cos(i));
      const out = new Float32Array(n);
      scoreRows(F, n, f, x, 2, out);
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < f; k++) s += F[j * f + k]! * x[2 + k]!;
        assert.ok(Math.abs(out[j]! - s) < 1e-5, `n=${n} f=${f} row ${j}: ${out[j]} vs ${s}`);
      }
    }
  }
});

test('one Cholesky factor solves several right-hand sides, as choleskySolve does one', () => {
  // A = [[4, 2], [2, 3]]: L = [[2, 0], [1, √2]]; A x = (2, 1) gives x = (0.5, 0), A x = (6, 5) gives x = (1, 1).
  const A = Float64Array.of(4, 2, 2, 3);
  assert.equal(choleskyFactor(A, 2), true);
  assert.ok(Math.abs(A[0]! - 2) < 1e-15 && Math.abs(A[2]! - 1) < 1e-15 && Math.abs(A[3]! - Math.SQRT2) < 1e-15);
  const b1 = Float64Array.of(2, 1), b2 = Float64Array.of(6, 5);
  choleskySolveFactored(A, b1, 2);
  choleskySolveFactored(A, b2, 2);
  assert.ok(Math.abs(b1[0]! - 0.5) < 1e-15 && Math.abs(b1[1]!) < 1e-15);
  assert.ok(Math.abs(b2[0]! - 1) < 1e-15 && Math.abs(b2[1]! - 1) < 1e-15);
  assert.equal(choleskyFactor(Float64Array.of(1, 2, 2, 1), 2), false, 'not positive definite');
});
