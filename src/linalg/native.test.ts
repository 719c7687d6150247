import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { Rng } from '../data/random.ts';
import { AlsScratch, solveRowCg, solveRowCholesky, type AlsProblem } from './cg.ts';
import { nativeAddon } from './native.ts';
import { choleskySolve, dot, gramian } from './vec.ts';

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
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', '--test-name-pattern=matches the TypeScript kernels|to the bit as row by row|explain kernels: factor', fileURLToPath(import.meta.url)], { env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /# pass 3\b/);
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

/** An iALS explanation system written out in float64: A = α0YᵀY + λI + Σ_q (c_q − α0) y_q y_qᵀ, b = Σ_q c_q y_q. */
function explainProblem(f: number, h: number, repeat: boolean) {
  const nI = 120, rng = new Rng(11 + f + h), alpha = 3, alpha0 = 0.4, lambda = 0.25;
  const Y = Float32Array.from({ length: nI * f }, () => rng.normal() * 0.3);
  const G = gramian(Y, nI, f);
  for (let k = 0; k < G.length; k++) G[k] = G[k]! * alpha0;
  // Distinct items (h ≤ 60), or with one item three times.
  const items = Int32Array.from({ length: h }, (_, q) => (repeat && q % 5 === 1 ? 7 : (q * 2 + 1) % nI));
  const w = Float32Array.from({ length: h }, () => 1 + rng.int(4));
  const A = Float64Array.from(G), b = new Float64Array(f);
  for (let k = 0; k < f; k++) A[k * f + k] = A[k * f + k]! + lambda;
  const conf = Array.from(w, (v) => 1 + alpha * v);
  const addItem = (M: Float64Array, v: Float64Array, j: number, c: number, sign: number) => {
    for (let r = 0; r < f; r++) {
      v[r] = v[r]! + sign * c * Y[j * f + r]!;
      for (let s = 0; s < f; s++) M[r * f + s] = M[r * f + s]! + sign * (c - alpha0) * Y[j * f + r]! * Y[j * f + s]!;
    }
  };
  items.forEach((j, q) => addItem(A, b, j, conf[q]!, 1));
  /** A⁻¹v by an explicit Cholesky solve of a copy of M. */
  const solve = (M: Float64Array, v: ArrayLike<number>) => { const z = Float64Array.from(v); assert.ok(choleskySolve(Float64Array.from(M), z, f)); return z; };
  const yOf = (j: number) => Y.subarray(j * f, (j + 1) * f);
  const dot64 = (u: ArrayLike<number>, v: ArrayLike<number>) => { let s = 0; for (let r = 0; r < f; r++) s += u[r]! * v[r]!; return s; };
  return { f, nI, Y, G, items, w, A, b, conf, alpha, alpha0, lambda, solve, yOf, dot64, addItem };
}

const near = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test('native iALS explain kernels: factor, every share, the listed top and removal effects against explicit float64 solves', { skip }, () => {
  // f = 1 and 17 exercise the vector loops' remainders; h = 3, 7 and 33 the four-at-a-time history loop's; a history
  // with a repeated item gives one share per entry.
  for (const [f, h, repeat] of [[1, 3, false], [9, 7, false], [17, 33, false], [17, 12, true], [64, 50, false], [64, 40, true]] as const) {
    const p = explainProblem(f, h, repeat);
    const L = new Float64Array(f * f), x = new Float64Array(f), conf = new Float64Array(h);
    assert.equal(native!.ialsExplainFactor!(p.Y, f, p.G, Float64Array.of(p.lambda, p.alpha, p.alpha0), p.items, p.w, L, x, conf), true);
    const what = `f=${f} h=${h}${repeat ? ' repeat' : ''}`;
    // L Lᵀ = A, with Lᵀ mirrored above the diagonal; x = A⁻¹b; conf = 1 + α w.
    for (let r = 0; r < f; r++) {
      for (let s = 0; s <= r; s++) {
        let v = 0;
        for (let k = 0; k <= s; k++) v += L[r * f + k]! * L[s * f + k]!;
        near(v, p.A[r * f + s]!, 1e-12, `${what} (LLᵀ)[${r},${s}]`);
        assert.equal(L[s * f + r], L[r * f + s]);
      }
    }
    const xRef = p.solve(p.A, p.b);
    for (let r = 0; r < f; r++) near(x[r]!, xRef[r]!, 1e-10, `${what} x[${r}]`);
    assert.deepEqual(Array.from(conf), p.conf);
    const sjj = new Float64Array(h).fill(NaN), shares = new Float64Array(4 * h + 5);
    const explained = [0, 7, 55, p.nI - 1];
    const oi = new Int32Array(12), ov = new Float64Array(12), orm = new Float64Array(12), o3 = new Float64Array(12);
    // Every share alone (top 0 lists none) ...
    native!.ialsExplainItems!(L, conf, p.Y, f, Int32Array.from(explained), p.items, x, p.alpha0, sjj, new Int32Array(0), ov, orm, o3, shares);
    explained.forEach((i, c) => {
      const z = p.solve(p.A, p.yOf(i));
      const ref = Array.from(p.items, (j, q) => p.conf[q]! * p.dot64(p.yOf(j), z));
      ref.forEach((v, q) => near(shares[c * h + q]!, v, 1e-10, `${what} item ${i} share ${q}`));
      assert.equal(o3[3 * c], 0);
      near(o3[3 * c + 1]!, ref.reduce((s, v) => s + v, 0), 1e-10, `${what} item ${i} score`);
      near(o3[3 * c + 1]!, p.dot64(p.yOf(i), xRef), 1e-10, `${what} item ${i} score = y_iᵀx`);
    });
    assert.ok(sjj.every(Number.isNaN), 'nothing listed, no s_jj solved');
    if (repeat) continue;
    // ... then the top 3 of each (best first), the rest, and each removal effect as the fold-in re-solved without
    // the item; the four together give what each gives alone, to the bit.
    native!.ialsExplainItems!(L, conf, p.Y, f, Int32Array.from(explained), p.items, x, p.alpha0, sjj, oi, ov, orm, o3, shares);
    explained.forEach((i, c) => {
      const alone = { oi: new Int32Array(3), ov: new Float64Array(3), orm: new Float64Array(3), o3: new Float64Array(3) };
      native!.ialsExplainItems!(L, conf, p.Y, f, Int32Array.of(i), p.items, x, p.alpha0, new Float64Array(h).fill(NaN), alone.oi, alone.ov, alone.orm, alone.o3, new Float64Array(h));
      assert.deepEqual([...oi.subarray(3 * c, 3 * c + 3), ...ov.subarray(3 * c, 3 * c + 3), ...orm.subarray(3 * c, 3 * c + 3), ...o3.subarray(3 * c, 3 * c + 3)],
        [...alone.oi, ...alone.ov, ...alone.orm, ...alone.o3], `${what} item ${i}: together = alone`);
      const z = p.solve(p.A, p.yOf(i));
      const ref = Array.from(p.items, (j, q) => p.conf[q]! * p.dot64(p.yOf(j), z));
      const score = ref.reduce((s, v) => s + v, 0);
      const order = ref.map((v, q) => q).sort((a, b) => ref[b]! - ref[a]! || p.items[a]! - p.items[b]!);
      const n = Math.min(3, h);
      assert.equal(o3[3 * c], n);
      for (let t = 0; t < n; t++) {
        const q = order[t]!, j = p.items[q]!;
        assert.equal(oi[3 * c + t], j, `${what} item ${i} rank ${t}`);
        near(ov[3 * c + t]!, ref[q]!, 1e-10, `${what} item ${i} listed share ${t}`);
        const A2 = Float64Array.from(p.A), b2 = Float64Array.from(p.b);
        p.addItem(A2, b2, j, p.conf[q]!, -1);
        near(orm[3 * c + t]!, p.dot64(p.yOf(i), p.solve(A2, b2)) - score, 1e-8, `${what} item ${i} removal of ${j}`);
        near(sjj[q]!, p.dot64(p.yOf(j), p.solve(p.A, p.yOf(j))), 1e-10, `${what} s_jj of ${j}`);
      }
      near(o3[3 * c + 2]!, order.slice(n).reduce((s, q) => s + ref[q]!, 0), 1e-10, `${what} item ${i} rest`);
    });
  }
});

test('native iALS explain kernels: a system that is not positive definite is false; bad arguments throw', { skip }, () => {
  const p = explainProblem(9, 7, false), f = 9;
  const L = new Float64Array(f * f), x = new Float64Array(f), conf = new Float64Array(7);
  const zero = new Float64Array(f * f);
  assert.equal(native!.ialsExplainFactor!(p.Y, f, zero, Float64Array.of(-1, p.alpha, 0), new Int32Array(0), new Float32Array(0), L, x, conf), false);
  assert.throws(() => native!.ialsExplainFactor!(p.Y, f, p.G, Float64Array.of(p.lambda, p.alpha, p.alpha0), Int32Array.of(0, p.nI), Float32Array.of(1, 1), L, x, conf), /outside Y/);
  assert.throws(() => native!.ialsExplainFactor!(p.Y, f, p.G, Float64Array.of(p.lambda, p.alpha, p.alpha0), p.items, p.w, L.subarray(1), x, conf), /sizes/);
  assert.ok(native!.ialsExplainFactor!(p.Y, f, p.G, Float64Array.of(p.lambda, p.alpha, p.alpha0), p.items, p.w, L, x, conf));
  const args = (items: Int32Array, hist: Int32Array, sjj: Float64Array, top: number) =>
    [L, conf, p.Y, f, items, hist, x, p.alpha0, sjj, new Int32Array(top * items.length), new Float64Array(top * items.length), new Float64Array(top * items.length), new Float64Array(3 * items.length), new Float64Array(7 * items.length)] as const;
  assert.throws(() => native!.ialsExplainItems!(...args(Int32Array.of(0, p.nI), p.items, new Float64Array(7), 3)), /outside Y/);
  assert.throws(() => native!.ialsExplainItems!(...args(Int32Array.of(0), p.items, new Float64Array(6), 3)), /sizes/);
  assert.throws(() => native!.ialsExplainItems!(...args(Int32Array.of(0), p.items, new Float64Array(7), 65)), /sizes/);
  // Two items need 2 × 7 shares.
  assert.throws(() => native!.ialsExplainItems!(L, conf, p.Y, f, Int32Array.of(0, 1), p.items, x, p.alpha0, new Float64Array(7), new Int32Array(6), new Float64Array(6), new Float64Array(6), new Float64Array(6), new Float64Array(13)), /sizes/);
  const bad = p.items.slice();
  bad[3] = -1;
  assert.throws(() => native!.ialsExplainItems!(...args(Int32Array.of(0), bad, new Float64Array(7), 3)), /outside Y/);
});
