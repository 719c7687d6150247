import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrFromCoo } from '../data/csr.ts';
import { encodeItems } from '../text/item-vectors.ts';
import { decodeArtifact, encodeArtifact } from './artifact.ts';
import { cease, CeaseConfigSchema, withTextRows } from './cease.ts';
import { ease } from './ease.ts';
import { runModelContract, withColdItems } from './model.contract.ts';
import { textFitData } from './text-fixture.ts';

runModelContract(cease, {
  config: { textWeight: 1, l2: 1 },
  badConfig: { config: { textWeight: -1 }, field: 'textWeight' },
  fitData: (m) => textFitData(m),
});

test('withTextRows: the users, then one row per feature with √w × its value in each item', () => {
  // 2 users × 3 items; item 0 has features {0: 0.6, 1: 0.8}, item 1 none, item 2 {1: 1}
  const m = csrFromCoo(2, 3, Int32Array.of(0, 1, 1), Int32Array.of(2, 0, 1), Float32Array.of(1, 1, 1));
  const f = csrFromCoo(3, 2, Int32Array.of(0, 0, 2), Int32Array.of(0, 1, 1), Float32Array.of(0.6, 0.8, 1));
  const a = withTextRows(m, f, 2);
  assert.equal(a.rows, 4);
  assert.deepEqual([...a.indptr], [0, 1, 3, 4, 6]);
  assert.deepEqual([...a.indices], [2, 0, 1, 0, 0, 2]);
  assert.deepEqual([...a.data].map((v) => Math.round(v * 1e6) / 1e6), [1, 1, 1, 1.2, 1.6, 2]);
});

/** B = I − P diag(1/diag P), P = (XᵀX + w FFᵀ + λI)⁻¹, by Gauss-Jordan elimination in float64. */
function ceaseWeights(m: ReturnType<typeof withColdItems>, f: Float32Array, d: number, w: number, l2: number): number[][] {
  const n = m.cols;
  const g = Array.from({ length: n }, () => new Float64Array(2 * n));
  for (let u = 0; u < m.rows; u++) {
    for (let p = m.indptr[u]!; p < m.indptr[u + 1]!; p++) for (let q = m.indptr[u]!; q < m.indptr[u + 1]!; q++) g[m.indices[p]!]![m.indices[q]!]! += 1; // binary
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) { let s = 0; for (let a = 0; a < d; a++) s += f[i * d + a]! * f[j * d + a]!; g[i]![j]! += w * s; }
    g[i]![i]! += l2; g[i]![n + i] = 1;
  }
  for (let a = 0; a < n; a++) {
    let piv = a;
    for (let r = a + 1; r < n; r++) if (Math.abs(g[r]![a]!) > Math.abs(g[piv]![a]!)) piv = r;
    [g[a], g[piv]] = [g[piv]!, g[a]!];
    const t = g[a]![a]!;
    for (let c = 0; c < 2 * n; c++) g[a]![c]! /= t;
    for (let r = 0; r < n; r++) if (r !== a) { const s = g[r]![a]!; if (s) for (let c = 0; c < 2 * n; c++) g[r]![c]! -= s * g[a]![c]!; }
  }
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 0 : -g[i]![n + j]! / g[j]![n + j]!)));
}

test('cease: the weights are EASE on XᵀX + textWeight · FFᵀ, so items nobody touched are scored from their text', async () => {
  const m = withColdItems(), data = { matrix: m, ...textFitData(m) };
  const model = cease.create({ textWeight: 3, l2: 2 });
  await model.fit(data, { threads: 1 });
  const spec = CeaseConfigSchema.parse({}).encoder as { name: string };
  const iv = await encodeItems(data, spec, 'cease');
  assert.equal(model.textFeatures, iv.dimension);
  const want = ceaseWeights(m, iv.vectors, iv.dimension, 3, 2);
  const row = new Float32Array(20);
  for (const i of [0, 9, 13, 19]) {
    model.scoreHistory(Int32Array.of(i), Float32Array.of(1), row);
    for (let j = 0; j < 20; j++) assert.ok(Math.abs(row[j]! - want[i]![j]!) < 1e-5, `B[${i}][${j}] = ${row[j]}, want ${want[i]![j]}`);
  }
  // plain EASE ties the cold items at 0; collective EASE ranks each user's group's cold item first
  const plain = ease.create({ l2: 2 });
  await plain.fit(data, { threads: 1 });
  const cand = Int32Array.of(9, 19);
  for (const u of [0, 4, 12, 18]) {
    plain.scoreUser(u, row);
    assert.equal(row[9], 0); assert.equal(row[19], 0);
    assert.equal(model.recommend(u, { k: 1, candidates: cand }).items[0], u < 10 ? 9 : 19, `user ${u}`);
  }
  // a model file gives the same scores, as a cease model
  const back = cease.fromArtifact(decodeArtifact(Buffer.concat(encodeArtifact(model.toArtifact()))).artifact);
  assert.equal(back.kind, 'cease');
  const a = new Float32Array(20), b = new Float32Array(20);
  model.scoreUser(7, a); back.scoreUser(7, b);
  assert.deepEqual(b, a);
});

test('cease: textWeight 0 is plain EASE', async () => {
  const m = withColdItems(), data = { matrix: m, ...textFitData(m) };
  const a = cease.create({ textWeight: 0, l2: 5 }), b = ease.create({ l2: 5 });
  await a.fit(data, { threads: 1 }); await b.fit(data, { threads: 1 });
  const x = new Float32Array(20), y = new Float32Array(20);
  for (const u of [2, 11]) { a.scoreUser(u, x); b.scoreUser(u, y); assert.deepEqual(x, y); }
});
