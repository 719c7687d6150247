import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrFromCoo } from '../data/csr.ts';
import { orthonormalizeColumns, symmetricEigen, truncatedSvd } from './svd.ts';

test('truncatedSvd: singular values and vectors of a 5 x 4 matrix match numpy.linalg.svd', () => {
  // A = [[3,0,1,0],[0,2,0,0],[1,0,3,0],[0,0,0,.5],[2,1,0,0]]
  const r = [0, 0, 1, 2, 2, 3, 4, 4], c = [0, 2, 1, 0, 2, 3, 0, 1], v = [3, 1, 2, 1, 3, 0.5, 2, 1];
  const a = csrFromCoo(5, 4, Int32Array.from(r), Int32Array.from(c), Float32Array.from(v));
  const s = truncatedSvd(a, 2, { seed: 7 });
  // numpy: s = [4.303579590224415, 2.545427805026859, 2, 0.5]; vt[0] = ±[-.8117, -.1201, -.5716, 0], vt[1] = ±[.4177, .5647, -.7118, 0]
  assert.ok(Math.abs(s.s[0]! - 4.303579590224415) < 1e-9 && Math.abs(s.s[1]! - 2.545427805026859) < 1e-9, `${s.s}`);
  const want = [[-0.8117158675136319, -0.12006923114663215, -0.5715774052203679, 0], [0.41767293874504857, 0.5647271138038178, -0.7117812888625864, 0]];
  for (let t = 0; t < 2; t++) {
    const sign = Math.sign(s.v[0 * 2 + t]!) * Math.sign(want[t]![0]!);
    for (let j = 0; j < 4; j++) assert.ok(Math.abs(sign * s.v[j * 2 + t]! - want[t]![j]!) < 1e-8, `v[${j}][${t}]`);
  }
});

test('symmetricEigen: a 2 x 2 case by hand', () => {
  // [[2,1],[1,2]] has eigenvalues 3 (vector (1,1)/√2) and 1 (vector (1,-1)/√2)
  const { values, vectors } = symmetricEigen(Float64Array.of(2, 1, 1, 2), 2);
  assert.ok(Math.abs(values[0]! - 3) < 1e-12 && Math.abs(values[1]! - 1) < 1e-12);
  assert.ok(Math.abs(Math.abs(vectors[0]!) - Math.SQRT1_2) < 1e-12 && Math.abs(vectors[0]! - vectors[2]!) < 1e-12);
});

test('orthonormalizeColumns: orthonormal result, and a dependent column becomes zero', () => {
  const y = Float64Array.of(1, 1, 0, /* col 2 */ 1, 0, 0, /* col 3 = col 1 */ 1, 1, 0);
  orthonormalizeColumns(y, 3, 3);
  const dot = (a: number, b: number) => y[a * 3]! * y[b * 3]! + y[a * 3 + 1]! * y[b * 3 + 1]! + y[a * 3 + 2]! * y[b * 3 + 2]!;
  assert.ok(Math.abs(dot(0, 0) - 1) < 1e-12 && Math.abs(dot(1, 1) - 1) < 1e-12 && Math.abs(dot(0, 1)) < 1e-12);
  assert.ok(Math.abs(dot(2, 2)) < 1e-20);
});
