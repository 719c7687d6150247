import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrFromCoo } from '../data/csr.ts';
import { toMatrix } from '../data/interactions.ts';
import { generateSynthetic } from '../data/synthetic.ts';
import { createModel, modelFromArtifact } from '../models/registry.ts';
import type { ModelArtifact } from '../models/types.ts';
import { Rng } from '../data/random.ts';
import { choleskySolve } from '../linalg/vec.ts';
import { blockMatrix, withColdItems } from '../models/model.contract.ts';
import { textFitData } from '../models/text-fixture.ts';
import { explainHistory, explainUser, ExplainError, historyExplainer, userExplainer } from './contributions.ts';
import { coCounts } from './phrase.ts';

const close = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

/** One training user with items 0 and 2: enough for the shared artifact state. */
function train(): ModelArtifact['arrays'] {
  return { 'train.indptr': Int32Array.of(0, 2), 'train.indices': Int32Array.of(0, 2), 'train.data': Float32Array.of(1, 1) };
}

test('EASE: the share of history item j in the score of i is w_j · B[j, i] (hand-set weights, binary weighting)', () => {
  const B = Float32Array.of(0, 0.5, -0.2, 0.3, 0, 0.4, 0.1, 0.2, 0);
  const model = modelFromArtifact({ kind: 'ease', config: {}, meta: { rows: 1, cols: 3, weighting: { kind: 'binary' }, modelledItems: 3 }, arrays: { 'ease.weights': B, ...train() } });
  const x = explainHistory(model, Int32Array.of(0, 2), Float32Array.of(5, 1), 1);
  assert.equal(x.exact, true);
  assert.equal(x.method, 'item-weights');
  assert.deepEqual(x.contributions.map((c) => c.item), [0, 2]);
  close(x.contributions[0]!.value, 0.5);
  close(x.contributions[1]!.value, 0.2);
  close(x.score, 0.7);
  const out = new Float32Array(3);
  model.scoreHistory(Int32Array.of(0, 2), Float32Array.of(5, 1), out);
  close(out[1]!, x.score);
  // top cuts the list; the rest keeps the sum.
  const one = explainHistory(model, Int32Array.of(0, 2), Float32Array.of(5, 1), 1, { top: 1 });
  assert.equal(one.contributions.length, 1);
  close(one.rest, 0.2);
});

test('ItemKNN: shares are value × similarity, and a history item without i among its neighbours gives 0', () => {
  // sim rows: item 0 -> {1: 0.8}, item 1 -> {0: 0.8, 2: 0.3}, item 2 -> {} ; weighting none keeps raw values.
  const model = modelFromArtifact({
    kind: 'itemknn', config: {}, meta: { rows: 1, cols: 3, weighting: { kind: 'none' } },
    arrays: { ...train(), 'sim.indptr': Int32Array.of(0, 1, 3, 3), 'sim.indices': Int32Array.of(1, 0, 2), 'sim.data': Float32Array.of(0.8, 0.8, 0.3) },
  });
  const x = explainHistory(model, Int32Array.of(0, 2), Float32Array.of(2, 4), 1);
  // A linear model with a per-entry weighting: removing an item takes away exactly its share.
  assert.deepEqual(x.contributions, [{ item: 0, value: 2 * Math.fround(0.8), removal: -2 * Math.fround(0.8) }, { item: 2, value: 0, removal: -0 }]);
  close(x.score, 1.6);
});

test('iALS with one factor: shares c_j y_j y_i / (α0 Σ y² + Σ (c_j − α0) y_j² + λ), by hand', () => {
  const model = modelFromArtifact({
    kind: 'ials', config: { factors: 1, regularization: 0.5, alpha: 2 }, meta: { rows: 1, cols: 3, factors: 1, weighting: { kind: 'none' } },
    arrays: { ...train(), userFactors: Float32Array.of(0), itemFactors: Float32Array.of(1, 2, -1) },
  });
  // c = 1 + 2v: c0 = 3, c1 = 2; A = 6 + 2·1 + 1·4 + 0.5 = 12.5.
  const h = { items: Int32Array.of(0, 1), values: Float32Array.of(1, 0.5) };
  const x = explainHistory(model, h.items, h.values, 1);
  assert.equal(x.method, 'ials-closed-form');
  assert.deepEqual(x.contributions.map((c) => c.item), [1, 0]);
  close(x.contributions[0]!.value, 0.64);
  close(x.contributions[1]!.value, 0.48);
  close(x.score, 1.12);
  const neg = explainHistory(model, h.items, h.values, 2);
  close(neg.contributions[0]!.value, -0.24);
  close(neg.contributions[1]!.value, -0.32);
  const out = new Float32Array(3);
  model.scoreHistory(h.items, h.values, out);
  close(out[1]!, 1.12);
  close(out[2]!, -0.56);
});

test('iALS with 64 factors and a 40-item history: each share is c_j y_iᵀA⁻¹y_j, checked by an explicit solve', () => {
  const f = 64, nI = 200, rng = new Rng(3);
  const Y = Float32Array.from({ length: nI * f }, () => (rng.next() - 0.5) * 0.4);
  const cfg = { factors: f, regularization: 0.3, alpha: 4, unobservedWeight: 0.2 };
  const model = modelFromArtifact({ kind: 'ials', config: cfg, meta: { rows: 1, cols: nI, factors: f, weighting: { kind: 'none' } }, arrays: { ...train(), userFactors: new Float32Array(f), itemFactors: Y } });
  const items = Int32Array.from({ length: 40 }, (_, q) => q * 5), values = Float32Array.from({ length: 40 }, (_, q) => 1 + (q % 3));
  // A = α0·YᵀY + Σ (c_j − α0) y_j y_jᵀ + λI in float64, then A⁻¹y_i by Cholesky.
  const A = new Float64Array(f * f);
  for (let j = 0; j < nI; j++) for (let r = 0; r < f; r++) for (let s = 0; s < f; s++) A[r * f + s] = A[r * f + s]! + cfg.unobservedWeight * Y[j * f + r]! * Y[j * f + s]!;
  items.forEach((j, q) => { const w = 1 + cfg.alpha * values[q]! - cfg.unobservedWeight; for (let r = 0; r < f; r++) for (let s = 0; s < f; s++) A[r * f + s] = A[r * f + s]! + w * Y[j * f + r]! * Y[j * f + s]!; });
  for (let r = 0; r < f; r++) A[r * f + r] = A[r * f + r]! + cfg.regularization;
  for (const i of [1, 77, 199]) {
    const z = Float64Array.from({ length: f }, (_, r) => Y[i * f + r]!);
    choleskySolve(Float64Array.from(A), z, f);
    const x = explainHistory(model, items, values, i, { top: 40 });
    for (const c of x.contributions) {
      const q = items.indexOf(c.item);
      let s = 0;
      for (let r = 0; r < f; r++) s += z[r]! * Y[c.item * f + r]!;
      close(c.value, (1 + cfg.alpha * values[q]!) * s, 1e-9);
    }
    // The top 3 are the first three of the whole list, best first, and the rest is everything else.
    const three = explainHistory(model, items, values, i);
    assert.deepEqual(three.contributions.map((c) => [c.item, c.value]), x.contributions.slice(0, 3).map((c) => [c.item, c.value]));
    close(three.rest, x.contributions.slice(3).reduce((t, c) => t + c.value, 0), 1e-9);
  }
});

test('iALS with 64 factors, a repeated history item and frequency-scaled λ: merged shares and removals by explicit solves', () => {
  const f = 64, nI = 150, rng = new Rng(8);
  const Y = Float32Array.from({ length: nI * f }, () => (rng.next() - 0.5) * 0.4);
  const items = Int32Array.from({ length: 30 }, (_, q) => (q % 7 === 3 ? 11 : q * 4 + 1)), values = Float32Array.from({ length: 30 }, (_, q) => 1 + (q % 4));
  for (const fsr of [false, true]) {
    const cfg = { factors: f, regularization: fsr ? 0.004 : 0.3, alpha: 2, unobservedWeight: 0.3, frequencyScaledReg: fsr, regularizationExponent: 0.8 };
    const model = modelFromArtifact({ kind: 'ials', config: cfg, meta: { rows: 1, cols: nI, factors: f, weighting: { kind: 'none' } }, arrays: { ...train(), userFactors: new Float32Array(f), itemFactors: Y } });
    /** y_iᵀ(A⁻¹ y_j) for each history entry, A written out in float64 for `hist` (λ from its length with FSR). */
    const solveFor = (hist: Int32Array, vals: Float32Array, i: number) => {
      const lambda = fsr ? cfg.regularization * Math.pow(hist.length + cfg.unobservedWeight * nI, cfg.regularizationExponent) : cfg.regularization;
      const A = new Float64Array(f * f);
      for (let j = 0; j < nI; j++) for (let r = 0; r < f; r++) for (let s = 0; s < f; s++) A[r * f + s] = A[r * f + s]! + cfg.unobservedWeight * Y[j * f + r]! * Y[j * f + s]!;
      hist.forEach((j, q) => { const w = 1 + cfg.alpha * vals[q]! - cfg.unobservedWeight; for (let r = 0; r < f; r++) for (let s = 0; s < f; s++) A[r * f + s] = A[r * f + s]! + w * Y[j * f + r]! * Y[j * f + s]!; });
      for (let r = 0; r < f; r++) A[r * f + r] = A[r * f + r]! + lambda;
      const z = Float64Array.from({ length: f }, (_, r) => Y[i * f + r]!);
      choleskySolve(A, z, f);
      return Array.from(hist, (j, q) => { let s = 0; for (let r = 0; r < f; r++) s += z[r]! * Y[j * f + r]!; return (1 + cfg.alpha * vals[q]!) * s; });
    };
    for (const i of [0, 11, 149]) {
      const ref = solveFor(items, values, i), score = ref.reduce((s, v) => s + v, 0);
      const byItem = new Map<number, number>();
      items.forEach((j, q) => byItem.set(j, (byItem.get(j) ?? 0) + ref[q]!));
      const x = explainHistory(model, items, values, i, { top: 4 });
      close(x.score, score, 1e-9);
      assert.equal(x.contributions.length, 4);
      for (const c of x.contributions) {
        close(c.value, byItem.get(c.item)!, 1e-9);
        // Removing an item takes every entry of it away (and, with FSR, changes λ).
        const keep = Array.from(items, (j) => j !== c.item);
        const without = solveFor(items.filter((_, q) => keep[q]), values.filter((_, q) => keep[q]), i).reduce((s, v) => s + v, 0);
        close(c.removal!, without - score, 1e-8);
      }
      assert.ok(x.contributions.some((c) => c.item === 11) || byItem.get(11)! < x.contributions[3]!.value, 'the repeated item is merged into one share');
      close(x.rest + x.contributions.reduce((s, c) => s + c.value, 0), score, 1e-9);
    }
  }
});

test('on synthetic data every model\'s explained score is the score it serves (fold-in and training users)', async () => {
  const d = generateSynthetic({ users: 120, items: 80, interactions: 2000, seed: 5 });
  const m = toMatrix(d.interactions);
  const specs: [string, object][] = [
    ['ease', { l2: 20 }], ['itemknn', { weighting: { kind: 'bm25' } }], ['ials', { factors: 8, iterations: 8 }],
    ['ials', { factors: 8, iterations: 8, frequencyScaledReg: true, regularization: 0.001, weighting: { kind: 'confidence', alpha: 1 } }],
    ['userknn', {}], ['userknn', { centerRatings: true }], ['popularity', {}], ['bpr', { factors: 8, iterations: 5 }],
  ];
  for (const [kind, config] of specs) {
    const model = createModel(kind, config);
    await model.fit({ matrix: m }, { seed: 1, threads: 1 });
    const served = new Float32Array(m.cols), user = new Float32Array(m.cols);
    for (const u of [0, 7, 42]) {
      const items = m.indices.slice(m.indptr[u], m.indptr[u + 1]), values = m.data.slice(m.indptr[u], m.indptr[u + 1]);
      model.scoreHistory(items, values, served);
      model.scoreUser(u, user);
      for (const i of [0, 3, 11, 60]) {
        const what = `${kind} ${JSON.stringify(config)} user ${u} item ${i}`;
        const x = explainHistory(model, items, values, i, { top: 100 });
        close(x.score, served[i]!, 1e-5);
        if (x.exact) {
          const total = x.base + x.rest + x.contributions.reduce((s, c) => s + c.value, 0);
          // UserKNN's neighbour weights are float32 in the model, so its split is exact to float32 rounding.
          if (!(kind === 'userknn' && 'centerRatings' in config)) close(total, x.score, kind === 'userknn' ? 1e-6 : 1e-9);
        }
        // Predicted removal effects are the fold-in re-scored without the item (Sherman–Morrison for iALS, a re-solve with FSR).
        for (const c of x.contributions.slice(0, 3)) {
          if (c.removal === undefined) continue;
          const keep = Array.from(items, (j) => j !== c.item);
          const without = new Float32Array(m.cols);
          model.scoreHistory(items.filter((_, q) => keep[q]), values.filter((_, q) => keep[q]), without);
          close(x.score + c.removal, without[i]!, 1e-5);
        }
        const y = explainUser(model, u, i);
        // iALS: the stored user vector is the alternating solution, so its score is `served`, not the closed form.
        close(y.served ?? y.score, user[i]!, 1e-5);
        assert.equal(y.exact, kind !== 'bpr', what);
      }
    }
  }
});

test('explanations read the model\'s artifact once per fit: a refit model is explained from its new arrays', async () => {
  const d = generateSynthetic({ users: 60, items: 40, interactions: 700, seed: 4 });
  const m = toMatrix(d.interactions);
  const model = createModel('ials', { factors: 6, iterations: 4 });
  await model.fit({ matrix: m }, { seed: 1, threads: 1 });
  const view = model.artifactView!();
  assert.equal(model.artifactView!(), view, 'the same object until the next fit');
  const before = explainUser(model, 3, 5, { top: 100 });
  await model.fit({ matrix: m }, { seed: 2, threads: 1 });
  assert.notEqual(model.artifactView!(), view);
  assert.notEqual(model.artifactView!().arrays.itemFactors, view.arrays.itemFactors);
  const after = explainUser(model, 3, 5, { top: 100 }), user = new Float32Array(m.cols);
  model.scoreUser(3, user);
  close(after.served!, user[5]!, 1e-5);
  assert.notEqual(after.score, before.score);
});

test('explanations prepared together are the ones each call gives alone (iALS: one native call; other models: no-op)', async () => {
  const d = generateSynthetic({ users: 80, items: 60, interactions: 1500, seed: 6 });
  const m = toMatrix(d.interactions);
  const specs: [string, object][] = [['ials', { factors: 8, iterations: 4 }], ['ials', { factors: 8, iterations: 4, frequencyScaledReg: true, regularization: 0.001 }], ['ease', { l2: 20 }]];
  for (const [kind, config] of specs) {
    const model = createModel(kind, config);
    await model.fit({ matrix: m }, { seed: 1, threads: 1 });
    const items = [5, 0, 59, 17, 33, 2];
    for (const u of [1, 9]) {
      const hist = m.indices.slice(m.indptr[u], m.indptr[u + 1]), values = m.data.slice(m.indptr[u], m.indptr[u + 1]);
      for (const [make, top] of [[() => userExplainer(model, u), undefined], [() => historyExplainer(model, hist, values), 2]] as const) {
        const o = top === undefined ? {} : { top };
        const alone = items.map((i) => make()(i, o));
        const ex = make();
        ex.prepare!(items, o);
        assert.deepEqual(items.map((i) => ex(i, o)), alone, `${kind} ${JSON.stringify(config)} user ${u}`);
        // Each prepared answer is handed out once; asked again (or with other options) it is computed again.
        assert.deepEqual(ex(items[0]!, o), alone[0]);
        assert.deepEqual(ex(items[1]!, { top: 5 }), make()(items[1]!, { top: 5 }));
      }
    }
  }
});

test('a released explainer gives its scratch to the next one, whose explanations are unchanged', async () => {
  const d = generateSynthetic({ users: 60, items: 50, interactions: 1200, seed: 8 });
  const m = toMatrix(d.interactions);
  const model = createModel('ials', { factors: 16, iterations: 3 });
  await model.fit({ matrix: m }, { seed: 1, threads: 1 });
  const items = [3, 11, 40];
  // Computed before any release: nothing is lent yet.
  const expected = [2, 7, 19].map((u) => items.map((i) => explainUser(model, u, i)));
  for (const [n, u] of [2, 7, 19].entries()) {
    const other = userExplainer(model, (u + 5) % 60);
    other.prepare!(items);
    items.forEach((i) => other(i));
    other.release!(); // its factor goes back; the next explainer takes it
    const ex = userExplainer(model, u);
    assert.deepEqual(items.map((i) => ex(i)), expected[n], `user ${u}, on the released factor of user ${(u + 5) % 60}`);
    ex.release!();
  }
});

test('UserKNN: neighbour shares sum to the score', async () => {
  const d = generateSynthetic({ users: 80, items: 50, interactions: 1200, seed: 9 });
  const m = toMatrix(d.interactions);
  const model = createModel('userknn', { neighbors: 10 });
  await model.fit({ matrix: m }, { threads: 1 });
  const x = explainUser(model, 3, 5, { top: 100 });
  close(x.neighbours!.reduce((s, n) => s + n.value, 0), x.score, 1e-9);
  close(x.contributions.reduce((s, c) => s + c.value, 0) + x.rest, x.score, 1e-6);
  assert.ok(x.neighbours!.length <= 10);
});

test('an item or user outside the model is a clear ExplainError', async () => {
  const m = toMatrix(generateSynthetic({ users: 20, items: 10, interactions: 80, seed: 1 }).interactions);
  const model = createModel('itemknn', {});
  await model.fit({ matrix: m });
  assert.throws(() => explainHistory(model, Int32Array.of(0), Float32Array.of(1), 10), (e: unknown) => e instanceof ExplainError && /item index 10 outside 0..9/.test(e.message));
  assert.throws(() => explainUser(model, 99, 1), ExplainError);
  assert.throws(() => explainHistory(model, Int32Array.of(0, 1), Float32Array.of(1), 2), /2 history items but 1 values/);
});

test('explanations are part of the public API', async () => {
  const curio = await import('../index.ts');
  const m = curio.toMatrix(curio.generateSynthetic({ users: 30, items: 20, interactions: 200, seed: 2 }).interactions);
  const model = curio.createModel('ease', { l2: 10 });
  await model.fit({ matrix: m });
  const out = new Float32Array(m.cols);
  model.scoreUser(4, out);
  const x = curio.explainUser(model, 4, 7, { top: 50 });
  close(x.contributions.reduce((s, c) => s + c.value, x.rest), out[7]!, 1e-5);
  assert.equal(typeof curio.phrase, 'function');
});

test('collective EASE is explained by its item weights, text-learnt ones for an item nobody touched included', async () => {
  const b = blockMatrix();
  const r: number[] = [], c: number[] = [], v: number[] = [];
  for (let u = 0; u < b.rows; u++) for (let p = b.indptr[u]!; p < b.indptr[u + 1]!; p++) if (b.indices[p]! !== 9) { r.push(u); c.push(b.indices[p]!); v.push(1); }
  const m = csrFromCoo(20, 20, Int32Array.from(r), Int32Array.from(c), Float32Array.from(v));
  const model = createModel('cease', { textWeight: 3, l2: 2 });
  await model.fit({ matrix: m, ...textFitData(m) }, { threads: 1 });
  const u = 0, items = m.indices.slice(m.indptr[u], m.indptr[u + 1]), values = m.data.slice(m.indptr[u], m.indptr[u + 1]);
  const served = new Float32Array(20);
  model.scoreHistory(items, values, served);
  const x = explainHistory(model, items, values, 9, { top: 100 });
  assert.ok(x.exact);
  close(x.score, served[9]!, 1e-5);
  close(x.contributions.reduce((s, c) => s + c.value, 0) + x.rest, x.score, 1e-6);
  const topItem = x.contributions[0]!.item, keep = Array.from(items, (j) => j !== topItem);
  const without = new Float32Array(20);
  model.scoreHistory(items.filter((_, q) => keep[q]), values.filter((_, q) => keep[q]), without);
  assert.ok(without[9]! < served[9]!, 'removing the top cited item lowers the score');
});

test('cb2cf: a warm item is explained by its collaborative model (the score it serves); a cold one, scored from text, and a hybrid are ExplainErrors, not crashes', async () => {
  const m = withColdItems(), data = { matrix: m, ...textFitData(m) };
  const model = createModel('cb2cf', { collaborative: { kind: 'ease', config: { l2: 1 } }, observed: 0.5 });
  await model.fit(data, { threads: 1 });
  const u = 3, items = m.indices.slice(m.indptr[u], m.indptr[u + 1]), values = m.data.slice(m.indptr[u], m.indptr[u + 1]);
  const served = new Float32Array(20);
  model.scoreUser(u, served);
  for (const x of [explainUser(model, u, 5, { top: 100 }), explainHistory(model, items, values, 5, { top: 100 })]) {
    assert.equal(x.model, 'ease');
    close(x.score, served[5]!, 1e-5);
    close(x.contributions.reduce((s, c) => s + c.value, 0) + x.rest, x.score, 1e-6);
  }
  // prepared together, as the engine explains a list
  const e = userExplainer(model, u);
  e.prepare?.(Int32Array.of(5, 6));
  close(e(6).score, served[6]!, 1e-5);
  assert.throws(() => explainUser(model, u, 9), (err: unknown) => err instanceof ExplainError && /scored from its text/.test(err.message));
  const mixed = userExplainer(model, u);
  mixed.prepare?.(Int32Array.of(5, 19));
  close(mixed(5).score, served[5]!, 1e-5);
  assert.throws(() => mixed(19), ExplainError);
  const hybrid = createModel('hybrid', { collaborative: { kind: 'ease', config: { l2: 1 } } });
  await hybrid.fit(data, { threads: 1 });
  assert.throws(() => userExplainer(hybrid, u), (err: unknown) => err instanceof ExplainError && /no explanation for model kind "hybrid"/.test(err.message));
  assert.throws(() => historyExplainer(hybrid, items, values), ExplainError);
  // "people who bought X also bought this" counts from the training matrix the composite model keeps
  const both = (j: number, i: number) => { let n = 0; for (let v = 0; v < m.rows; v++) { const row = m.indices.subarray(m.indptr[v], m.indptr[v + 1]); if (row.includes(j) && row.includes(i)) n++; } return n; };
  for (const c of [model, hybrid]) assert.equal(coCounts(c)(1, 2), both(1, 2));
  assert.ok(both(1, 2) > 0);
});
