import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../data/random.ts';
import { AlsBlockScratch, AlsScratch, gemm4, rowLambda, solveRowCg, solveRowCholesky, solveRows, type AlsProblem } from './cg.ts';
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

test('lock-step block CG (4 rows, gemm4) matches row-by-row CG', () => {
  const f = 7, nOther = 15, rng = new Rng(11);
  const Y = Float32Array.from({ length: nOther * f }, () => rng.normal());
  const G = gramian(Y, nOther, f);
  const counts = [3, 0, 5, 2, 4];
  const indptr = new Int32Array(counts.length + 1);
  counts.forEach((c, u) => (indptr[u + 1] = indptr[u]! + c));
  const indices = Int32Array.from({ length: indptr[5]! }, (_, q) => (q * 4) % nOther);
  const data = Float32Array.from({ length: indptr[5]! }, (_, q) => 1 + (q % 3));
  const init = Float32Array.from({ length: 5 * f }, () => rng.normal() * 0.1);
  const mk = (): AlsProblem => ({ f, Y, G, nOther, X: init.slice(), indptr, indices, data, alpha: 1.5, alpha0: 1, lambda: 0.1, nu: 0.5 });
  const rowwise = mk(), blocked = mk();
  const s = new AlsScratch(f);
  for (let u = 0; u < 5; u++) solveRowCg(rowwise, u, 3, s);
  solveRows(blocked, 0, 5, 'cg', 3, s, new AlsBlockScratch(f));
  for (let k = 0; k < 5 * f; k++) assert.ok(Math.abs(rowwise.X[k]! - blocked.X[k]!) < 1e-5, `k=${k}: ${rowwise.X[k]} vs ${blocked.X[k]}`);
  const out = new Float64Array(4 * f), V = Float64Array.from({ length: 4 * f }, (_, k) => k % 5 - 2);
  gemm4(G, V, out, f);
  for (let b = 0; b < 4; b++) for (let i = 0; i < f; i++) {
    let e = 0;
    for (let j = 0; j < f; j++) e += G[i * f + j]! * V[b * f + j]!;
    assert.ok(Math.abs(out[b * f + i]! - e) < 1e-9);
  }
});
