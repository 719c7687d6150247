import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { Rng } from '../data/random.ts';
import { AlsScratch, solveRowCg, solveRowCholesky, type AlsProblem } from './cg.ts';
import { nativeAddon } from './native.ts';
import { dot, gramian } from './vec.ts';

const native = nativeAddon();
const skip = native ? false : 'native addon not built (no C++ toolchain at install, or CURIO_NATIVE=0): the TypeScript kernels are used';

/** A small iALS half-step problem with rows of very different lengths, one of them empty. */
function problem(nu: number | null, alpha0: number, f = 9) {
  const nOther = 40, rng = new Rng(7);
  const Y = Float32Array.from({ length: nOther * f }, () => rng.normal() * 0.3);
  const counts = [5, 0, 17, 1, 40, 8, 3];
  const indptr = new Int32Array(counts.length + 1);
  counts.forEach((c, u) => (indptr[u + 1] = indptr[u]! + c));
  // Distinct items per row (a row of 40 takes every item).
  const indices = Int32Array.from({ length: indptr[counts.length]! }, (_, q) => {
    const u = counts.findIndex((_, r) => q < indptr[r + 1]!);
    return (q - indptr[u]! + 3 * u) % nOther;
  });
  const data = Float32Array.from({ length: indices.length }, () => 1 + rng.int(5));
  const X0 = Float32Array.from({ length: counts.length * f }, () => rng.normal() * 0.1);
  const G = gramian(Y, nOther, f);
  for (let k = 0; k < G.length; k++) G[k] = G[k]! * alpha0;
  const pr: AlsProblem = { f, Y, G, nOther, X: X0.slice(), indptr, indices, data, alpha: 2.5, alpha0, lambda: 0.2, nu };
  return { pr, X0, rows: counts.length };
}

test('native half-step matches the TypeScript kernels (CG steps and exact solve, constant and frequency-scaled λ)', { skip }, async () => {
  // f = 1 and 17 exercise the vector loops' remainders; 32, 64 and 128 the fixed-f kernels (whole vectors,
  // prefetching rows longer than its look-ahead).
  for (const [nu, alpha0, f] of [[null, 1, 9], [null, 0.3, 9], [1, 1, 9], [1, 0.3, 9], [null, 1, 1], [1, 0.5, 17], [null, 1, 32], [1, 0.3, 64], [null, 1, 64], [null, 0.5, 128]] as const) {
    for (const solver of ['cg', 'cholesky'] as const) {
      const { pr, X0, rows } = problem(nu, alpha0, f);
      const s = new AlsScratch(pr.f);
      for (let u = 0; u < rows; u++) solver === 'cg' ? solveRowCg(pr, u, 3, s) : solveRowCholesky(pr, u, s);
      const X = X0.slice();
      const params = Float64Array.of(pr.f, pr.alpha, alpha0, pr.lambda, nu ?? -1, 3, solver === 'cholesky' ? 1 : 0, 2);
      const failed = await native!.alsHalfStep(pr.Y, X, pr.indptr, pr.indices, pr.data, params);
      assert.equal(failed, 0);
      for (let k = 0; k < X.length; k++) {
        assert.ok(Math.abs(X[k]! - pr.X[k]!) < 1e-4 * (1 + Math.abs(pr.X[k]!)), `${solver} nu=${nu} α0=${alpha0} f=${f} k=${k}: native ${X[k]} vs ts ${pr.X[k]}`);
      }
    }
  }
});

test('the AVX2 and baseline x86-64 builds of the native kernels (CURIO_ALS_ISA) pass the same comparisons', { skip: skip || process.env.CURIO_ALS_ISA !== undefined }, () => {
  // The instruction set is picked once when the addon loads, so each build runs in a child process.
  for (const isa of ['avx2', 'generic']) {
    const env: NodeJS.ProcessEnv = { ...process.env, CURIO_ALS_ISA: isa };
    delete env.NODE_TEST_CONTEXT; // else the child reports to this runner in its binary protocol
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', '--test-name-pattern=matches the TypeScript kernels|to the bit as row by row', fileURLToPath(import.meta.url)], { env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /# pass 2\b/);
  }
});

test('native long rows solved in groups (merged entries) give the same factors to the bit as row by row', { skip }, async () => {
  // params[8] lowers the long-row threshold so that this small problem's rows 0, 2, 4 and 5 are grouped.
  for (const f of [32, 64, 128]) {
    const { pr, X0 } = problem(null, 0.5, f);
    const run = async (longRow: number, threads: number) => {
      const X = X0.slice();
      await native!.alsHalfStep(pr.Y, X, pr.indptr, pr.indices, pr.data, Float64Array.of(pr.f, pr.alpha, 0.5, pr.lambda, -1, 3, 0, threads, longRow));
      return X;
    };
    const rows = await run(1e9, 1);
    assert.deepEqual(await run(4, 1), rows, `f=${f}`);
    assert.deepEqual(await run(4, 2), rows, `f=${f}, 2 threads`);
    assert.notDeepEqual(rows, X0);
  }
});

test('native half-step gives the same result on one thread and two', { skip }, async () => {
  const { pr, X0 } = problem(null, 1);
  const run = async (threads: number) => {
    const X = X0.slice();
    await native!.alsHalfStep(pr.Y, X, pr.indptr, pr.indices, pr.data, Float64Array.of(pr.f, pr.alpha, 1, pr.lambda, -1, 3, 0, threads));
    return X;
  };
  assert.deepEqual(await run(2), await run(1));
});

test('native Cholesky reports systems that are not positive definite; bad arguments throw before any work', { skip }, async () => {
  const { pr, X0 } = problem(null, 1);
  // λ < 0 with α0 = 0 leaves the empty row's system negative definite.
  const p = Float64Array.of(pr.f, pr.alpha, 0, -1, -1, 3, 1, 1);
  assert.ok((await native!.alsHalfStep(pr.Y, X0.slice(), pr.indptr, pr.indices, pr.data, p)) >= 1);
  const ok = Float64Array.of(pr.f, pr.alpha, 1, pr.lambda, -1, 3, 0, 1);
  assert.throws(() => native!.alsHalfStep(pr.Y, X0.slice(), pr.indptr, pr.indices, new Float64Array(pr.data) as never, ok), TypeError);
  assert.throws(() => native!.alsHalfStep(pr.Y, X0.subarray(1), pr.indptr, pr.indices, pr.data, ok), /multiple of f|rows/);
  const badIndex = pr.indices.slice();
  badIndex[2] = 40;
  assert.throws(() => native!.alsHalfStep(pr.Y, X0.slice(), pr.indptr, badIndex, pr.data, ok), /outside/);
});

test('native scoreFactors equals the dot product of every row', { skip }, () => {
  const f = 13, n = 1003, rng = new Rng(2);
  const Y = Float32Array.from({ length: n * f }, () => rng.normal());
  const x = Float32Array.from({ length: f }, () => rng.normal());
  const out = new Float32Array(n);
  native!.scoreFactors(Y, f, x, out);
  for (let j = 0; j < n; j++) assert.ok(Math.abs(out[j]! - dot(Y, j * f, x, 0, f)) < 1e-4, `row ${j}`);
  assert.throws(() => native!.scoreFactors(Y, f, x, new Float32Array(n - 1)), /sizes/);
});

test('native BPR epochs: same seed on one thread gives the same factors; loss falls; bad arguments throw', { skip }, async () => {
  // 30 users, 20 items: users < 15 took items 0-9, the others items 10-19 (every other one).
  const rows: number[][] = Array.from({ length: 30 }, (_, u) => Array.from({ length: 5 }, (_, k) => (u < 15 ? 0 : 10) + ((u + 2 * k) % 10)).sort((a, b) => a - b));
  const uniq = rows.map((r) => [...new Set(r)]);
  const indptr = Int32Array.from([0, ...uniq.map((r) => r.length)].map((_, k, a) => a.slice(0, k + 1).reduce((x, y) => x + y, 0)));
  const indices = Int32Array.from(uniq.flat());
  const rowOf = Int32Array.from(uniq.flatMap((r, u) => r.map(() => u)));
  const f = 8, rng = new Rng(5);
  const start = () => ({ X: Float32Array.from({ length: 30 * f }, () => rng.normal() * 0.1), Y: Float32Array.from({ length: 20 * f }, () => rng.normal() * 0.1), B: new Float32Array(20) });
  const fit = async (s0: ReturnType<typeof start>, epochs: number) => {
    const s = { X: s0.X.slice(), Y: s0.Y.slice(), B: s0.B.slice() };
    const losses: number[] = [];
    for (let e = 0; e < epochs; e++) {
      const [logLik, , done] = await native!.bprEpoch(s.X, s.Y, s.B, indptr, indices, rowOf, Float64Array.of(f, 0.1, 0.001, 2000, 17 + e, 1));
      assert.equal(done, 2000);
      losses.push(-logLik / done);
    }
    return { ...s, losses };
  };
  const s0 = start();
  const a = await fit(s0, 20), b = await fit(s0, 20);
  assert.deepEqual(a.Y, b.Y);
  assert.ok(a.losses.at(-1)! < 0.5 * a.losses[0]!, `loss ${a.losses[0]} -> ${a.losses.at(-1)}`);
  // Score of a user's own block beats the other block.
  let own = 0, other = 0;
  for (let j = 0; j < 20; j++) {
    const sc = a.B[j]! + dot(a.X, 0, a.Y, j * f, f);
    if (j < 10) own += sc; else other += sc;
  }
  assert.ok(own > other, `user 0: own block ${own} vs other ${other}`);
  // Neighbouring seeds (epoch e and e + 1) must draw unrelated triples, not a shifted copy of one stream:
  // from the same start with a tiny step, the factor changes of seeds 100 and 101 are then far from parallel.
  const delta = async (seed: number) => {
    const Y = s0.Y.slice();
    await native!.bprEpoch(s0.X.slice(), Y, s0.B.slice(), indptr, indices, rowOf, Float64Array.of(f, 1e-4, 0, 200, seed, 1));
    return Y.map((y, k) => y - s0.Y[k]!);
  };
  const [d1, d2] = [await delta(100), await delta(101)];
  const cos = dot(d1, 0, d2, 0, d1.length) / Math.sqrt(dot(d1, 0, d1, 0, d1.length) * dot(d2, 0, d2, 0, d2.length));
  assert.ok(cos < 0.8, `updates of seeds 100 and 101 have cosine ${cos}: their sample streams overlap`);
  const p = Float64Array.of(f, 0.1, 0.001, 10, 1, 1);
  assert.throws(() => native!.bprEpoch(s0.X, s0.Y, s0.B, indptr, indices, rowOf.subarray(1), p), /rowOf/);
  const bad = indices.slice();
  bad[0] = 20;
  assert.throws(() => native!.bprEpoch(s0.X, s0.Y, s0.B, indptr, bad, rowOf, p), /outside/);
  assert.throws(() => native!.bprEpoch(s0.X, s0.Y.subarray(f), s0.B, indptr, indices, rowOf, p), /factor arrays/);
});
