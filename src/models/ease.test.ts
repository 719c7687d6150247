import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrFromCoo, type Csr } from '../data/csr.ts';
import { ConfigError, ModelFitError } from '../errors.ts';
import { decodeArtifact, encodeArtifact } from './artifact.ts';
import { nativeAddon } from '../linalg/native.ts';
import { ease, type Ease } from './ease.ts';
import { runModelContract } from './model.contract.ts';

runModelContract(ease, {
  config: { l2: 10 },
  badConfig: { config: { l2: -1 }, field: 'ease.l2' },
});

/** users {0,1}, {1,2}, {0,1,2} over 3 items. */
function tiny(): Csr {
  return csrFromCoo(3, 3, Int32Array.of(0, 0, 1, 1, 2, 2, 2), Int32Array.of(0, 1, 1, 2, 0, 1, 2), Float32Array.of(5, 3, 4, 1, 2, 5, 3));
}

test('ease: 3 items by hand', async () => {
  // Binary X gives G = X^T X + 1 I = [[3,2,1],[2,4,2],[1,2,3]], det 16, P = G^-1 = [[8,-4,0],[-4,8,-4],[0,-4,8]] / 16,
  // so B_ij = -P_ij / P_jj = [[0,.5,0],[.5,0,.5],[0,.5,0]].
  const model = ease.create({ l2: 1 });
  await model.fit({ matrix: tiny() }, { threads: 1 });
  const want = [[0, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0]];
  for (let i = 0; i < 3; i++) {
    const out = new Float32Array(3);
    model.scoreHistory(Int32Array.of(i), Float32Array.of(1), out);
    for (let j = 0; j < 3; j++) assert.ok(Math.abs(out[j]! - want[i]![j]!) < 1e-6, `B[${i}][${j}] = ${out[j]}`);
  }
  const u0 = new Float32Array(3);
  model.scoreUser(0, u0); // history {0, 1}: row 0 + row 1 of B
  for (let j = 0; j < 3; j++) assert.ok(Math.abs(u0[j]! - 0.5) < 1e-6);
  // Weighting 'none' uses the raw values; checked against an explicit 3x3 inverse (adjugate / determinant).
  const raw = ease.create({ l2: 2, weighting: { kind: 'none' } });
  await raw.fit({ matrix: tiny() }, { threads: 1 });
  const g = [[5 * 5 + 2 * 2 + 2, 5 * 3 + 2 * 5, 2 * 3], [0, 3 * 3 + 4 * 4 + 5 * 5 + 2, 4 * 1 + 5 * 3], [0, 0, 1 + 9 + 2]];
  const p = inverse3([[g[0]![0]!, g[0]![1]!, g[0]![2]!], [g[0]![1]!, g[1]![1]!, g[1]![2]!], [g[0]![2]!, g[1]![2]!, g[2]![2]!]]);
  for (let i = 0; i < 3; i++) {
    const out = new Float32Array(3);
    raw.scoreHistory(Int32Array.of(i), Float32Array.of(1), out);
    for (let j = 0; j < 3; j++) {
      const b = i === j ? 0 : -p[i]![j]! / p[j]![j]!;
      assert.ok(Math.abs(out[j]! - b) < 1e-6, `raw B[${i}][${j}] = ${out[j]} want ${b}`);
    }
  }
});

function inverse3(m: number[][]): number[][] {
  const [[a, b, c], [d, e, f], [g, h, i]] = m as [[number, number, number], [number, number, number], [number, number, number]];
  const det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  return [
    [(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det],
    [(f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det],
    [(d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det],
  ];
}

/** Random sparse binary-ish matrix, every column used. */
function randomMatrix(users: number, items: number, perUser: number, seed: number): Csr {
  let s = seed >>> 0;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const r: number[] = [], c: number[] = [], v: number[] = [];
  for (let u = 0; u < users; u++) {
    for (let q = 0; q < perUser; q++) { r.push(u); c.push(Math.floor(Math.pow(rnd(), 2) * items)); v.push(1 + Math.floor(rnd() * 5)); }
  }
  for (let i = 0; i < items; i++) { r.push(i % users); c.push(i); v.push(3); }
  return csrFromCoo(users, items, Int32Array.from(r), Int32Array.from(c), Float32Array.from(v), 'max');
}

test('ease: diag(B) = 0, fold-in equals scoreUser, save/load keeps scores', async () => {
  const m = randomMatrix(60, 40, 8, 3);
  const model = ease.create({ l2: 5 });
  await model.fit({ matrix: m }, { threads: 1 });
  for (let i = 0; i < 40; i++) {
    const out = new Float32Array(40);
    model.scoreHistory(Int32Array.of(i), Float32Array.of(1), out);
    assert.equal(out[i], 0);
  }
  const loaded = ease.fromArtifact(decodeArtifact(Buffer.concat(encodeArtifact(model.toArtifact()))).artifact);
  for (const u of [0, 17, 59]) {
    const direct = new Float32Array(40), folded = new Float32Array(40), again = new Float32Array(40);
    model.scoreUser(u, direct);
    model.scoreHistory(m.indices.slice(m.indptr[u]!, m.indptr[u + 1]!), m.data.slice(m.indptr[u]!, m.indptr[u + 1]!), folded);
    loaded.scoreUser(u, again);
    assert.deepEqual(folded, direct);
    assert.deepEqual(again, direct);
  }
});

test('ease: worker threads give the same model as one thread', async () => {
  const m = randomMatrix(900, 700, 20, 9);
  const one = ease.create({}), two = ease.create({});
  one.preferNative = false;
  two.preferNative = false;
  await one.fit({ matrix: m }, { threads: 1 });
  await two.fit({ matrix: m }, { threads: 2 });
  assert.equal((two as Ease).lastFit!.path, 'workers');
  const a = new Float32Array(700), b = new Float32Array(700);
  for (const u of [0, 450, 899]) {
    one.scoreUser(u, a);
    two.scoreUser(u, b);
    for (let j = 0; j < 700; j++) assert.ok(Math.abs(a[j]! - b[j]!) <= 1e-6 * (1 + Math.abs(a[j]!)), `user ${u} item ${j}: ${a[j]} vs ${b[j]}`);
  }
});

test('ease: maxItems keeps the most popular items, the rest score NaN', async () => {
  // item 0 in 3 users, item 1 in 2, item 2 in 1 (after binarisation)
  const m = csrFromCoo(3, 3, Int32Array.of(0, 1, 2, 0, 1, 2), Int32Array.of(0, 0, 0, 1, 1, 2), undefined);
  const model = ease.create({ l2: 1, maxItems: 2 });
  await model.fit({ matrix: m }, { threads: 1 });
  assert.equal(model.modelledItems, 2);
  const out = new Float32Array(3);
  model.scoreUser(2, out); // user 2 has items 0 and 2; only item 0 is modelled
  assert.ok(Number.isNaN(out[2]));
  assert.ok(out[1]! > 0);
  assert.deepEqual([...model.recommend(2, { k: 3 }).items], [1]);
  assert.equal(model.similarItems(2, 3).items.length, 0);
  const loaded = ease.fromArtifact(decodeArtifact(Buffer.concat(encodeArtifact(model.toArtifact()))).artifact);
  const again = new Float32Array(3);
  loaded.scoreUser(2, again);
  assert.deepEqual(again, out);
});

test('ease: config and size errors say what to do', () => {
  assert.throws(() => ease.create({ maxItems: 1e6 }), (e: unknown) => e instanceof ConfigError && e.field === 'ease.maxItems');
  assert.throws(() => ease.create({ weighting: { kind: 'bogus' } }), (e: unknown) => e instanceof ConfigError && e.field.startsWith('ease.weighting'));
  const wide = { rows: 1, cols: 50_000, indptr: Int32Array.of(0, 1), indices: Int32Array.of(3), data: Float32Array.of(1) };
  return assert.rejects(ease.create({}).fit({ matrix: wide }), (e: unknown) => e instanceof ModelFitError && /maxItems/.test(e.message));
});

const noNative = nativeAddon() ? false : 'native addon not built: only the TypeScript kernels exist';

/** The full weight matrix B of a fitted model, row by row (row i = scores of the history {i}). */
function weightsOf(model: Ease, n: number): Float32Array {
  const b = new Float32Array(n * n);
  for (let i = 0; i < n; i++) model.scoreHistory(Int32Array.of(i), Float32Array.of(1), b.subarray(i * n, (i + 1) * n));
  return b;
}

test('ease: the native float32 fit matches the float64 TypeScript fit on every instruction set', { skip: noNative }, async () => {
  // Sizes around the register tiles (6/12 rows, 16/32 columns) and the 128-wide pivot blocks; raw values
  // (weighting none) so the Gram sums are not small integers.
  const saved = process.env.CURIO_EASE_ISA;
  try {
    for (const [users, n, weighting] of [[120, 64, 'binary'], [300, 129, 'none'], [700, 301, 'none'], [900, 520, 'binary']] as const) {
      const m = randomMatrix(users, n, 12, n);
      const ts = ease.create({ l2: 20, weighting: { kind: weighting } }) as Ease;
      ts.preferNative = false;
      await ts.fit({ matrix: m }, { threads: 1 });
      const want = weightsOf(ts, n);
      let scale = 0;
      for (const v of want) scale = Math.max(scale, Math.abs(v));
      for (const isa of ['avx512', 'avx2', 'generic']) {
        process.env.CURIO_EASE_ISA = isa;
        const nat = ease.create({ l2: 20, weighting: { kind: weighting } }) as Ease;
        await nat.fit({ matrix: m }, { threads: 2 });
        assert.equal(nat.lastFit!.path, 'native');
        const got = weightsOf(nat, n);
        let diff = 0;
        for (let q = 0; q < n * n; q++) diff = Math.max(diff, Math.abs(got[q]! - want[q]!));
        assert.ok(diff < 2e-5 * scale, `n=${n} ${weighting} ${nat.lastFit!.isa}: max |B_native - B_ts| = ${diff} (max |B| ${scale})`);
        for (let i = 0; i < n; i++) assert.equal(got[i * n + i], 0);
      }
    }
  } finally {
    if (saved === undefined) delete process.env.CURIO_EASE_ISA;
    else process.env.CURIO_EASE_ISA = saved;
  }
});

test('ease: the native fit reports a matrix that is not positive definite; the kernel refuses unsorted rows', { skip: noNative }, async () => {
  const m = randomMatrix(200, 80, 6, 5);
  m.data[7] = NaN;
  await assert.rejects(ease.create({ l2: 5, weighting: { kind: 'none' } }).fit({ matrix: m }), (e: unknown) => e instanceof ModelFitError && /not positive definite/.test(e.message));
  const out = new Float32Array(9), sec = new Float64Array(3);
  assert.throws(() => nativeAddon()!.easeFloat32(Int32Array.of(0, 2), Int32Array.of(2, 1), Float32Array.of(1, 1), 3, 1, 1, out, sec), /ascending/);
  assert.throws(() => nativeAddon()!.easeFloat32(Int32Array.of(0, 1), Int32Array.of(3), Float32Array.of(1), 3, 1, 1, out, sec), /outside/);
  assert.throws(() => nativeAddon()!.easeFloat32(Int32Array.of(0, 1), Int32Array.of(0), Float32Array.of(1), 4, 1, 1, out, sec), /smaller/);
});
