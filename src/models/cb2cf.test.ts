import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrFromCoo } from '../data/csr.ts';
import { ConfigError, ModelFitError } from '../errors.ts';
import { decodeArtifact, encodeArtifact } from './artifact.ts';
import { cb2cf, MAX_KERNEL_WARM_ITEMS } from './cb2cf.ts';
import { cease } from './cease.ts';
import { blockMatrix, runModelContract, withColdItems } from './model.contract.ts';
import { textFitData } from './text-fixture.ts';

const ials = { factors: 8, regularization: 1, alpha: 5, iterations: 10, solver: 'cholesky' as const };
runModelContract(cb2cf, {
  config: { ials },
  badConfig: { config: { mapL2: 0 }, field: 'mapL2' },
  fitData: (m) => textFitData(m),
});

for (const [label, config] of [['ease', { collaborative: { kind: 'ease', config: { l2: 1 } } }], ['ease, standardised', { collaborative: { kind: 'ease', config: { l2: 1 } }, standardize: true }]] as const) {
  test(`cb2cf onto ${label}: cold items are scored from their text and rank within their group; save/load keeps the scores`, async () => {
    const m = withColdItems();
    const model = cb2cf.create(config);
    await model.fit({ matrix: m, ...textFitData(m) }, { seed: 1, threads: 1 });
    assert.equal(model.mappedItems, 2);
    for (const u of [0, 3, 12, 15]) {
      const top = model.recommend(u, { k: 1, candidates: Int32Array.of(9, 19) }).items[0];
      assert.equal(top, u < 10 ? 9 : 19, `user ${u} got cold item ${top}`);
    }
    const back = cb2cf.fromArtifact(decodeArtifact(Buffer.concat(encodeArtifact(model.toArtifact()))).artifact);
    const a = new Float32Array(20), b = new Float32Array(20);
    model.scoreUser(4, a); back.scoreUser(4, b);
    assert.deepEqual(b, a);
  });
}

test('cb2cf onto iALS equals the text -> item-factor ridge map of Barkan et al. (M = (XᵀX + λI)⁻¹ XᵀY on warm items)', async () => {
  const m = withColdItems();
  const model = cb2cf.create({ ials, mapL2: 0.5 });
  await model.fit({ matrix: m, ...textFitData(m) }, { seed: 1, threads: 1 });
  const art = model.toArtifact();
  const x = model.itemVectors, d = model.dimension, f = ials.factors;
  const Y = art.arrays['cf.itemFactors'] as Float32Array, U = art.arrays['cf.userFactors'] as Float32Array;
  // the map from the normal equations, solved here independently by Gaussian elimination
  const warm = [...Array(20).keys()].filter((i) => i % 10 !== 9);
  const g = Array.from({ length: d }, () => new Float64Array(d + f));
  let trace = 0;
  for (const i of warm) for (let a = 0; a < d; a++) { trace += x[i * d + a]! ** 2; for (let b = 0; b < d; b++) g[a]![b]! += x[i * d + a]! * x[i * d + b]!; for (let c = 0; c < f; c++) g[a]![d + c]! += x[i * d + a]! * Y[i * f + c]!; }
  for (let a = 0; a < d; a++) g[a]![a]! += (0.5 * trace) / d;
  for (let a = 0; a < d; a++) {
    let piv = a;
    for (let r = a + 1; r < d; r++) if (Math.abs(g[r]![a]!) > Math.abs(g[piv]![a]!)) piv = r;
    [g[a], g[piv]] = [g[piv]!, g[a]!];
    for (let r = 0; r < d; r++) if (r !== a) { const t = g[r]![a]! / g[a]![a]!; for (let c = a; c < d + f; c++) g[r]![c]! -= t * g[a]![c]!; }
  }
  const out = new Float32Array(20);
  for (const u of [2, 13]) {
    model.scoreUser(u, out);
    for (const j of [9, 19]) {
      let want = 0;
      for (let c = 0; c < f; c++) { let mjc = 0; for (let a = 0; a < d; a++) mjc += x[j * d + a]! * (g[a]![d + c]! / g[a]![a]!); want += mjc * U[u * f + c]!; }
      assert.ok(Math.abs(out[j]! - want) < 1e-4 * Math.max(1, Math.abs(want)), `user ${u} item ${j}: ${out[j]} vs ${want}`);
    }
    const warmScore = new Float32Array(20);
    for (let i = 0; i < 20; i++) { let s = 0; for (let c = 0; c < f; c++) s += U[u * f + c]! * Y[i * f + c]!; warmScore[i] = s; }
    for (const i of warm) assert.ok(Math.abs(out[i]! - warmScore[i]!) < 1e-5, 'warm items keep their iALS scores');
  }
});

test('cb2cf: a collaborative kind that cannot be mapped is a config error naming the field', () => {
  assert.throws(() => cb2cf.create({ collaborative: { kind: 'content' } }), (e: unknown) => e instanceof ConfigError && e.field === 'cb2cf.collaborative.kind');
});

test('cb2cf: items nobody interacted with get factors from their text and rank within their group', async () => {
  // the block matrix with items 9 and 19 removed from every user: they are cold, only their text is known
  const b = blockMatrix();
  const r: number[] = [], c: number[] = [], v: number[] = [];
  for (let u = 0; u < b.rows; u++) for (let p = b.indptr[u]!; p < b.indptr[u + 1]!; p++) if (b.indices[p]! % 10 !== 9) { r.push(u); c.push(b.indices[p]!); v.push(b.data[p]!); }
  const m = csrFromCoo(20, 20, Int32Array.from(r), Int32Array.from(c), Float32Array.from(v));
  const model = cb2cf.create({ ials });
  await model.fit({ matrix: m, ...textFitData(m) }, { seed: 1, threads: 1 });
  assert.equal(model.mappedItems, 2);
  const cand = Int32Array.of(9, 19);
  for (const u of [0, 3, 12, 15]) {
    const top = model.recommend(u, { k: 1, candidates: cand }).items[0];
    assert.equal(top, u < 10 ? 9 : 19, `user ${u} got cold item ${top}`);
  }
});

/** The ridge prediction x_jᵀ (X_WᵀX_W + λ tr/d I)⁻¹ X_Wᵀ s_W for the cold items, solved here by Gaussian elimination. */
function ridgePrediction(x: Float32Array, d: number, warm: number[], s: Float32Array, l2: number, j: number): number {
  const g = Array.from({ length: d }, () => new Float64Array(d + 1));
  let trace = 0;
  for (const i of warm) for (let a = 0; a < d; a++) { trace += x[i * d + a]! ** 2; for (let b = 0; b < d; b++) g[a]![b]! += x[i * d + a]! * x[i * d + b]!; g[a]![d]! += x[i * d + a]! * s[i]!; }
  for (let a = 0; a < d; a++) g[a]![a]! += (l2 * trace) / d;
  const w = solveAugmented(g);
  let z = 0;
  for (let a = 0; a < d; a++) z += x[j * d + a]! * w[a]!;
  return z;
}

/** The solution of the n × (n + 1) augmented system [A | b], by Gauss-Jordan elimination with partial pivoting (in place). */
function solveAugmented(g: (Float64Array | number[])[]): number[] {
  const n = g.length;
  for (let a = 0; a < n; a++) {
    let piv = a;
    for (let r = a + 1; r < n; r++) if (Math.abs(g[r]![a]!) > Math.abs(g[piv]![a]!)) piv = r;
    [g[a], g[piv]] = [g[piv]!, g[a]!];
    for (let r = 0; r < n; r++) if (r !== a) { const t = g[r]![a]! / g[a]![a]!; for (let c = a; c <= n; c++) g[r]![c]! -= t * g[a]![c]!; }
  }
  return Array.from({ length: n }, (_, a) => g[a]![n]! / g[a]![a]!);
}

for (const [label, encoder, dual] of [
  ['words (fewer dimensions than warm items: primal map)', { name: 'tfidf', projection: 'none', minDf: 1, maxDfRatio: 1 }, false],
  ['words and word pairs (more dimensions than warm items: dual map)', { name: 'tfidf', projection: 'none', ngrams: 2, minDf: 1, maxDfRatio: 1 }, true],
] as const) {
  test(`cb2cf with sparse ${label}: cold scores are the ridge prediction from the EASE scores, plus γ × content similarity`, async () => {
    const m = withColdItems();
    const base = { encoder, collaborative: { kind: 'ease', config: { l2: 1 } }, mapL2: 0.3 };
    const plain = cb2cf.create(base), withSim = cb2cf.create({ ...base, similarity: 0.5 });
    await plain.fit({ matrix: m, ...textFitData(m) }, { seed: 1, threads: 1 });
    await withSim.fit({ matrix: m, ...textFitData(m) }, { seed: 1, threads: 1 });
    const d = plain.dimension, x = plain.itemVectors, warm = [...Array(20).keys()].filter((i) => i % 10 !== 9);
    assert.equal(plain.toArtifact().meta.dual, dual, `${warm.length} warm items, ${d} dimensions`);
    const a = new Float32Array(20), b = new Float32Array(20);
    for (const u of [1, 14]) {
      plain.scoreUser(u, a); withSim.scoreUser(u, b);
      for (const j of [9, 19]) {
        const want = ridgePrediction(x, d, warm, a, 0.3, j);
        assert.ok(Math.abs(a[j]! - want) < 1e-4 * Math.max(1, Math.abs(want)), `user ${u} item ${j}: ${a[j]} vs ${want}`);
        let sim = 0;
        for (let p = m.indptr[u]!; p < m.indptr[u + 1]!; p++) for (let c = 0; c < d; c++) sim += x[m.indices[p]! * d + c]! * x[j * d + c]!;
        assert.ok(sim > 0 || j % 10 !== u % 10);
        assert.ok(Math.abs(b[j]! - a[j]! - 0.5 * sim) < 1e-4, `user ${u} item ${j}: similarity term ${b[j]! - a[j]!} vs ${0.5 * sim}`);
      }
      for (const i of warm) assert.equal(b[i], a[i], 'warm items keep their EASE scores');
      assert.equal(withSim.recommend(u, { k: 1, candidates: Int32Array.of(9, 19) }).items[0], u < 10 ? 9 : 19);
    }
    const back = cb2cf.fromArtifact(decodeArtifact(Buffer.concat(encodeArtifact(withSim.toArtifact()))).artifact);
    const c = new Float32Array(20);
    back.scoreUser(14, c); withSim.scoreUser(14, b);
    assert.deepEqual(c, b);
    // fold-in of a history scores like the training user with that history
    const u = 14, items = m.indices.subarray(m.indptr[u]!, m.indptr[u + 1]!), vals = m.data.subarray(m.indptr[u]!, m.indptr[u + 1]!);
    withSim.scoreHistory(items, vals, c);
    for (const j of [9, 19]) assert.ok(Math.abs(c[j]! - b[j]!) < 1e-3 * Math.max(1, Math.abs(b[j]!)));
  });
}

test('cb2cf with a side model: cold items get the map prediction plus β × collective EASE scores; warm items keep EASE; the model file keeps both', async () => {
  const m = withColdItems(), data = { matrix: m, ...textFitData(m) };
  const base = { collaborative: { kind: 'ease', config: { l2: 1 } }, mapL2: 0.3, similarity: 0.2 };
  const plain = cb2cf.create(base), side = cb2cf.create({ ...base, side: { kind: 'cease', config: { textWeight: 3, l2: 2 } }, sideWeight: 1.5 });
  const alone = cease.create({ textWeight: 3, l2: 2 });
  for (const model of [plain, side, alone]) await model.fit(data, { seed: 1, threads: 1 });
  const a = new Float32Array(20), b = new Float32Array(20), c = new Float32Array(20);
  for (const u of [0, 16]) {
    plain.scoreUser(u, a); side.scoreUser(u, b); alone.scoreUser(u, c);
    for (const j of [9, 19]) assert.ok(Math.abs(b[j]! - a[j]! - 1.5 * c[j]!) < 1e-5, `user ${u} item ${j}: ${b[j]} vs ${a[j]} + 1.5 × ${c[j]}`);
    assert.ok(c[u < 10 ? 9 : 19]! > c[u < 10 ? 19 : 9]!, 'collective EASE prefers the cold item of the user\'s group');
    for (let i = 0; i < 20; i++) if (i % 10 !== 9) assert.equal(b[i], a[i], 'warm items keep their EASE scores');
    const items = m.indices.subarray(m.indptr[u]!, m.indptr[u + 1]!), vals = m.data.subarray(m.indptr[u]!, m.indptr[u + 1]!);
    side.scoreHistory(items, vals, c);
    for (const j of [9, 19]) assert.ok(Math.abs(c[j]! - b[j]!) < 1e-3 * Math.max(1, Math.abs(b[j]!)), 'fold-in adds the side scores too');
  }
  const back = cb2cf.fromArtifact(decodeArtifact(Buffer.concat(encodeArtifact(side.toArtifact()))).artifact);
  back.scoreUser(16, a); side.scoreUser(16, b);
  assert.deepEqual(a, b);
  const art = side.toArtifact();
  assert.throws(() => cb2cf.fromArtifact({ ...art, meta: { ...art.meta, side: undefined } }), /side model/);
  assert.throws(() => cb2cf.create({ ...base, side: { kind: 'ease' } }), (e: unknown) => e instanceof ConfigError && e.field.includes('side'));
});

test('cb2cf onto collective EASE: warm items keep its scores, cold ones get the ridge prediction from them; the model file keeps both', async () => {
  const m = withColdItems(), data = { matrix: m, ...textFitData(m) };
  const ceaseConfig = { textWeight: 3, l2: 2 };
  const model = cb2cf.create({ encoder: { name: 'tfidf', projection: 'none', ngrams: 2, minDf: 1, maxDfRatio: 1 }, collaborative: { kind: 'cease', config: ceaseConfig }, mapL2: 0.3 });
  const alone = cease.create(ceaseConfig);
  await model.fit(data, { seed: 1, threads: 1 });
  await alone.fit(data, { seed: 1, threads: 1 });
  const d = model.dimension, x = model.itemVectors, warm = [...Array(20).keys()].filter((i) => i % 10 !== 9);
  const a = new Float32Array(20), c = new Float32Array(20);
  for (const u of [2, 17]) {
    model.scoreUser(u, a); alone.scoreUser(u, c);
    for (const i of warm) assert.equal(a[i], c[i], 'warm items keep their collective EASE scores');
    // the prediction from collective EASE's own warm scores, solved independently
    for (const j of [9, 19]) {
      const want = ridgePrediction(x, d, warm, c, 0.3, j);
      assert.ok(Math.abs(a[j]! - want) < 1e-4 * Math.max(1, Math.abs(want)), `user ${u} item ${j}: ${a[j]} vs ${want}`);
    }
    assert.equal(model.recommend(u, { k: 1, candidates: Int32Array.of(9, 19) }).items[0], u < 10 ? 9 : 19);
  }
  const back = cb2cf.fromArtifact(decodeArtifact(Buffer.concat(encodeArtifact(model.toArtifact()))).artifact);
  back.scoreUser(17, c);
  assert.deepEqual(c, a);
});

for (const [label, encoder] of [
  ['words (primal map)', { name: 'tfidf', projection: 'none', minDf: 1, maxDfRatio: 1 }],
  ['words and word pairs (dual map)', { name: 'tfidf', projection: 'none', ngrams: 2, minDf: 1, maxDfRatio: 1 }],
] as const) {
  test(`cb2cf with observed α, ${label}: cold scores are the ridge prediction from EASE's warm scores plus α × the user's interactions`, async () => {
    const m = withColdItems(), data = { matrix: m, ...textFitData(m) };
    const base = { encoder, collaborative: { kind: 'ease', config: { l2: 1 } }, mapL2: 0.3 };
    const plain = cb2cf.create(base), observed = cb2cf.create({ ...base, observed: 0.7 });
    await plain.fit(data, { seed: 1, threads: 1 });
    await observed.fit(data, { seed: 1, threads: 1 });
    const d = plain.dimension, x = plain.itemVectors, warm = [...Array(20).keys()].filter((i) => i % 10 !== 9);
    const a = new Float32Array(20), b = new Float32Array(20);
    for (const u of [3, 11]) {
      plain.scoreUser(u, a); observed.scoreUser(u, b);
      const target = Float32Array.from(a);
      for (let p = m.indptr[u]!; p < m.indptr[u + 1]!; p++) target[m.indices[p]!]! += 0.7 * m.data[p]!;
      for (const j of [9, 19]) {
        const want = ridgePrediction(x, d, warm, target, 0.3, j);
        assert.ok(Math.abs(b[j]! - want) < 1e-4 * Math.max(1, Math.abs(want)), `user ${u} item ${j}: ${b[j]} vs ${want}`);
        if (j % 10 === 9 && (j < 10) === (u < 10)) assert.ok(b[j]! - a[j]! > 0.1, 'the user\'s own interactions raise the cold item of their group');
      }
      for (const i of warm) assert.equal(b[i], a[i], 'warm items keep their EASE scores');
      assert.equal(observed.recommend(u, { k: 1, candidates: Int32Array.of(9, 19) }).items[0], u < 10 ? 9 : 19);
      // fold-in of the same history gives the same cold scores
      const items = m.indices.subarray(m.indptr[u]!, m.indptr[u + 1]!), vals = m.data.subarray(m.indptr[u]!, m.indptr[u + 1]!);
      observed.scoreHistory(items, vals, a);
      for (const j of [9, 19]) assert.ok(Math.abs(a[j]! - b[j]!) < 1e-3 * Math.max(1, Math.abs(b[j]!)));
    }
  });
}

/** Kernel ridge prediction with the kernel (xᵢᵀxⱼ)ᵖ, computed independently in float64 (dense Gauss-Jordan on K + λI). */
function kernelRidgePrediction(x: Float32Array, d: number, warm: number[], s: Float32Array, mapL2: number, p: number, j: number): number {
  const kern = (a: number, b: number) => { let t = 0; for (let c = 0; c < d; c++) t += x[a * d + c]! * x[b * d + c]!; return t ** p; };
  const n = warm.length;
  let trace = 0;
  for (const a of warm) trace += kern(a, a);
  const lambda = (mapL2 * trace) / n;
  // solve (K + λI) w = s_W, then predict k_jᵀ w
  const w = solveAugmented(warm.map((a, r) => [...warm.map((b, c) => kern(a, b) + (r === c ? lambda : 0)), s[a]!]));
  let z = 0;
  for (let a = 0; a < n; a++) z += kern(j, warm[a]!) * w[a]!;
  return z;
}

test('cb2cf with a degree-2 kernel: cold scores are the kernel ridge prediction (K = (xᵢᵀxⱼ)², λ relative to its mean diagonal) from EASE + α interactions', async () => {
  const m = withColdItems(), data = { matrix: m, ...textFitData(m) };
  const encoder = { name: 'mix', parts: [{ encoder: { name: 'tfidf', projection: 'none', minDf: 1, maxDfRatio: 1 }, weight: 3 }, { encoder: { name: 'tfidf', dimension: 4, minDf: 1, maxDfRatio: 1 }, weight: 1 }] };
  const base = { encoder, collaborative: { kind: 'ease', config: { l2: 1 } }, mapL2: 0.2, observed: 0.5 };
  const linear = cb2cf.create(base), squared = cb2cf.create({ ...base, degree: 2 });
  await linear.fit(data, { seed: 1, threads: 1 });
  await squared.fit(data, { seed: 1, threads: 1 });
  assert.equal(squared.toArtifact().meta.dual, true, 'a kernel map is always dual');
  const d = squared.dimension, x = squared.itemVectors, warm = [...Array(20).keys()].filter((i) => i % 10 !== 9);
  const a = new Float32Array(20), b = new Float32Array(20);
  for (const u of [2, 16]) {
    squared.scoreUser(u, b); linear.scoreUser(u, a);
    const target = Float32Array.from(b);
    for (let q = m.indptr[u]!; q < m.indptr[u + 1]!; q++) target[m.indices[q]!]! += 0.5 * m.data[q]!;
    for (const j of [9, 19]) {
      const want = kernelRidgePrediction(x, d, warm, target, 0.2, 2, j);
      assert.ok(Math.abs(b[j]! - want) < 1e-4 * Math.max(1, Math.abs(want)), `user ${u} item ${j}: ${b[j]} vs ${want}`);
      assert.notEqual(b[j], a[j], 'the squared kernel predicts differently from the linear one');
    }
    for (const i of warm) assert.equal(b[i], a[i], 'warm items keep their EASE scores');
    assert.equal(squared.recommend(u, { k: 1, candidates: Int32Array.of(9, 19) }).items[0], u < 10 ? 9 : 19);
  }
  const back = cb2cf.fromArtifact(decodeArtifact(Buffer.concat(encodeArtifact(squared.toArtifact()))).artifact);
  back.scoreUser(16, a); squared.scoreUser(16, b);
  assert.deepEqual(a, b);
  assert.throws(() => cb2cf.create({ ...base, degree: 0 }), (e: unknown) => e instanceof ConfigError && /degree/.test(e.message));
});

test('cb2cf: a kernel map over more warm items than it can invert is refused before any work, naming the way out', async () => {
  const n = MAX_KERNEL_WARM_ITEMS + 1;
  const m = csrFromCoo(1, n, new Int32Array(n), Int32Array.from({ length: n }, (_, i) => i), new Float32Array(n).fill(1));
  const model = cb2cf.create({ degree: 2 });
  await assert.rejects(model.fit({ matrix: m }, { seed: 1 }), (e: unknown) => e instanceof ModelFitError && /10001 × 10001 kernel matrix .* use degree 1, or raise coldBelow/.test(e.message));
});
