import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../data/random.ts';
import { AlsScratch, rowLambda, solveRowCg, solveRowCholesky, type AlsProblem } from './cg.ts';
import { gramian } from './vec.ts';

function problem(nu: number | null): AlsProblem {
  const f = 6, nOther = 12, rng = new Rng(3);
  const Y = Float32Array.from({ length: nOther * f }, () => rng.normal());
  const G = gramian(Y, nOther, f);
  for (let k = 0; k < G.length; k++) G[k] = G[k]! * 0.5;
  return {
    f, Y, G, nOther, X: new Float32Array(2 * f),
    indptr: Int32Array.of(0, 4, 7), indices: Int32Array.of(0, 3, 5, 9, 1, 2, 11), data: Float32Array.of(1, 5, 2, 3, 4, 1, 2),
    alpha: 2, alpha0: 0.5, lambda: 0.3, nu,
  };
}

test('CG with f steps from zero reaches the exact Cholesky solution', () => {
  for (const nu of [null, 1]) {
    const pr = problem(nu);
    const s = new AlsScratch(pr.f);
    for (let u = 0; u < 2; u++) solveRowCholesky(pr, u, s);
    const exact = pr.X.slice();
    pr.X.fill(0);
    for (let u = 0; u < 2; u++) solveRowCg(pr, u, pr.f, s);
    for (let k = 0; k < exact.length; k++) assert.ok(Math.abs(exact[k]! - pr.X[k]!) < 1e-4, `nu=${nu} k=${k}: ${exact[k]} vs ${pr.X[k]}`);
  }
});

test('the Cholesky solution satisfies the iALS normal equations, checked term by term', () => {
  const pr = problem(1);
  solveRowCholesky(pr, 0, new AlsScratch(pr.f));
  const f = pr.f, lam = 0.3 * Math.pow(4 + 0.5 * 12, 1);
  assert.equal(rowLambda(pr, 4), lam);
  // (α0 YᵀY + Σ (c − α0) y yᵀ + λ I) x − Σ c y = 0, built from the definition, not from the solver's code.
  for (let i = 0; i < f; i++) {
    let lhs = lam * pr.X[i]!, rhs = 0;
    for (let j = 0; j < 12; j++) {
      let yx = 0;
      for (let k = 0; k < f; k++) yx += pr.Y[j * f + k]! * pr.X[k]!;
      const q = [0, 1, 2, 3].find((t) => pr.indices[t] === j);
      const c = q === undefined ? 0.5 : 1 + 2 * pr.data[q]!;
      lhs += c * yx * pr.Y[j * f + i]!;
      if (q !== undefined) rhs += c * pr.Y[j * f + i]!;
    }
    assert.ok(Math.abs(lhs - rhs) < 1e-3, `row ${i}: ${lhs} vs ${rhs}`);
  }
});
