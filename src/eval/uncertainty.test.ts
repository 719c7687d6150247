import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapMeans, comparePaired, pairedTTest, quantileSorted, regularizedBeta, studentTwoSidedP } from './uncertainty.ts';

const close = (a: number, b: number, tol: number, msg?: string) => assert.ok(Math.abs(a - b) <= tol, `${msg ?? ''} ${a} vs ${b}`);

test('quantileSorted interpolates linearly (numpy default)', () => {
  assert.equal(quantileSorted([1, 2, 3, 4], 0.5), 2.5);
  assert.equal(quantileSorted([1, 2, 3, 4], 0.25), 1.75);
  assert.equal(quantileSorted([7], 0.975), 7);
});

test('bootstrap interval of {0, 1}: resampled means are 0, 0.5, 1 with chances 1/4, 1/2, 1/4, so the 95% interval is [0, 1]', () => {
  assert.deepEqual(bootstrapMeans({ x: [0, 1] }, { seed: 7 }).x, { lo: 0, hi: 1 });
});

test('bootstrap interval of a constant sample is the constant; NaN users are left out', () => {
  assert.deepEqual(bootstrapMeans({ x: new Float32Array([0.5, 0.5, 0.5]) }).x, { lo: 0.5, hi: 0.5 });
  assert.deepEqual(bootstrapMeans({ x: [NaN, 2, 2, NaN] }).x, { lo: 2, hi: 2 });
  assert.deepEqual(bootstrapMeans({ x: [NaN, NaN] }).x, { lo: NaN, hi: NaN });
});

test('bootstrap interval of a Bernoulli(0.3) sample of 2000 matches the normal approximation p ± 1.96·√(p(1−p)/n)', () => {
  const n = 2000, x = new Float32Array(n);
  for (let q = 0; q < 600; q++) x[q] = 1;
  const ci = bootstrapMeans({ x }, { seed: 3 }).x!;
  const half = 1.96 * Math.sqrt((0.3 * 0.7) / n); // 0.0201
  close(ci.lo, 0.3 - half, 0.003, 'lo');
  close(ci.hi, 0.3 + half, 0.003, 'hi');
});

test('every column is resampled with the same users, and the seed fixes the result', () => {
  const a = Array.from({ length: 50 }, (_, q) => (q * 37) % 11);
  const b = a.map((v) => 2 * v + 1);
  const r = bootstrapMeans({ a, b }, { seed: 9, resamples: 200 });
  close(r.b!.lo, 2 * r.a!.lo + 1, 1e-9);
  close(r.b!.hi, 2 * r.a!.hi + 1, 1e-9);
  assert.deepEqual(bootstrapMeans({ a }, { seed: 9, resamples: 200 }).a, r.a);
  assert.notDeepEqual(bootstrapMeans({ a }, { seed: 10, resamples: 200 }).a, r.a);
  assert.throws(() => bootstrapMeans({ a, c: [1] }), /column c has 1 values/);
  assert.throws(() => bootstrapMeans({ a }, { resamples: 0 }), /resamples/);
});

test('paired t-test on a tiny case, by hand: d = 1,2,3,4 gives t = 2.5 / (√(5/3)/2) = 3.873 and, for df = 3, p = 1 − (2/π)(θ + sinθcosθ) with θ = atan(t/√3)', () => {
  const r = pairedTTest([1, 2, 3, 4]);
  close(r.t, 2.5 / (Math.sqrt(5 / 3) / 2), 1e-12);
  const th = Math.atan(r.t / Math.sqrt(3));
  close(r.p, 1 - (2 / Math.PI) * (th + Math.sin(th) * Math.cos(th)), 1e-12);
  close(r.p, 0.030466291662170977, 1e-12, 'scipy.stats.ttest_rel([3,4,5,6],[2,2,2,2])');
  // df = 1 is the Cauchy distribution: p = 1 − (2/π)·atan(|t|)
  close(studentTwoSidedP(0.7, 1), 1 - (2 / Math.PI) * Math.atan(0.7), 1e-12);
  close(studentTwoSidedP(2.5, 7), 0.04099221858575289, 1e-12, 'scipy 2*t.sf(2.5, 7)');
  close(studentTwoSidedP(12, 200) / 2.422136005246625e-25, 1, 1e-8, 'scipy 2*t.sf(12, 200)');
  close(regularizedBeta(0.3, 2, 3), 0.3483, 1e-12, 'I_0.3(2,3) = 1 − Σ_{j<2} C(4,j)0.3^j 0.7^(4−j)');
});

test('comparePaired pairs users by position, skips NaN pairs, and brackets a constant difference exactly', () => {
  const b = [0.25, 0.5, NaN, 0.75];
  const a = [0.375, 0.625, 0.5, 0.875];
  const r = comparePaired(a, b);
  assert.equal(r.n, 3);
  assert.deepEqual([r.meanDifference, r.interval.lo, r.interval.hi], [0.125, 0.125, 0.125]);
  assert.equal(r.p, 0);
  const same = comparePaired([1, 2, 3], [1, 2, 3]);
  assert.deepEqual([same.meanDifference, same.t, same.p], [0, 0, 1]);
  // a model against itself is never "different", a tiny noisy difference is not significant
  const noisy = comparePaired([0.5, 0.1, 0.3, 0.2, 0.25], [0.4, 0.4, -0.2, 0, 0.2]);
  close(noisy.p, 0.4413479803745065, 1e-12, 'scipy ttest_1samp of the differences');
  assert.ok(noisy.interval.lo < 0 && noisy.interval.hi > 0);
});
