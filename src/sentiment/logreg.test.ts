import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitLogReg, margins, type SparseDesign } from './logreg.ts';

// rows: feature 0 only (y=1 twice, y=0 once), feature 1 only (y=0 twice, y=1 once), nothing (y=1, y=0)
function design(): { X: SparseDesign; y: Uint8Array } {
  return {
    X: {
      rows: 8, buckets: 2, denseCols: 0, dense: new Float32Array(0),
      indptr: Int32Array.of(0, 1, 2, 3, 4, 5, 6, 6, 6), indices: Int32Array.of(0, 0, 0, 1, 1, 1), rowScale: new Float32Array(8).fill(1),
    },
    y: Uint8Array.of(1, 1, 0, 0, 0, 1, 1, 0),
  };
}

test('without regularisation the fit reproduces the empirical log-odds of each group (hand-computed)', () => {
  const { X, y } = design();
  const fit = fitLogReg(X, y, new Float32Array(8).fill(1), { l2: 0, tol: 1e-8, maxIter: 1000 });
  // empty rows are 1:1 so b = 0; feature 0 rows are 2:1 so w0 = ln 2; feature 1 rows are 1:2 so w1 = -ln 2
  assert.ok(Math.abs(fit.bias) < 1e-4, `bias ${fit.bias}`);
  assert.ok(Math.abs(fit.weights[0]! - Math.LN2) < 1e-4, `w0 ${fit.weights[0]}`);
  assert.ok(Math.abs(fit.weights[1]! + Math.LN2) < 1e-4, `w1 ${fit.weights[1]}`);
  const z = new Float64Array(8);
  margins(X, fit.weights, fit.bias, z);
  assert.ok(Math.abs(z[0]! - Math.LN2) < 1e-4);
});

test('L2 shrinks the weights toward 0 and sample weights move the decision', () => {
  const { X, y } = design();
  const free = fitLogReg(X, y, new Float32Array(8).fill(1), { l2: 0, tol: 1e-8 });
  const ridge = fitLogReg(X, y, new Float32Array(8).fill(1), { l2: 1, tol: 1e-8 });
  assert.ok(Math.abs(ridge.weights[0]!) < Math.abs(free.weights[0]!) / 2);
  // weighting the one negative feature-0 row ×4 makes feature 0 rows 2:4, so w0 = ln(1/2) (bias stays 0)
  const sw = new Float32Array(8).fill(1);
  sw[2] = 4;
  const weighted = fitLogReg(X, y, sw, { l2: 0, tol: 1e-8, maxIter: 1000 });
  assert.ok(Math.abs(weighted.weights[0]! + Math.LN2) < 1e-3, `w0 ${weighted.weights[0]}`);
});
