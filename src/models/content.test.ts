import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrFromCoo } from '../data/csr.ts';
import { ModelFitError } from '../errors.ts';
import { content } from './content.ts';
import { blockMatrix, runModelContract } from './model.contract.ts';
import { textFitData } from './text-fixture.ts';

runModelContract(content, {
  config: { l2: 0.1 },
  badConfig: { config: { l2: -1 }, field: 'l2' },
  fitData: (m) => textFitData(m),
});

// 2 users × 4 items; texts make x0 = x2 and x1 = x3 orthonormal (in some rotation the SVD picks)
const m = csrFromCoo(2, 4, Int32Array.of(0, 1, 1), Int32Array.of(0, 1, 3), Float32Array.of(1, 1, 1));
const side = () => ({ ...textFitData(m), itemText: new Map([['i0', 'alpha'], ['i1', 'beta'], ['i2', 'alpha'], ['i3', 'beta']]) });
const close = (a: ArrayLike<number>, b: number[]) => b.forEach((v, i) => assert.ok(Math.abs(a[i]! - v) < 1e-5, `[${i}] ${a[i]} vs ${v}`));

test('content ridge: scores by hand (b = [.5,.5,0,.5], bᵤ = -1/8, θ = Xᵀr / (2 + λ))', async () => {
  const model = content.create({ l2: 1 });
  await model.fit({ matrix: m, ...side() });
  // residuals of user 0: (.625, -.375, .125, -.375); Xᵀr = (.75, -.75) in the (alpha, beta) basis; θ = (.25, -.25)
  const s = new Float32Array(4);
  model.scoreUser(0, s);
  close(s, [0.625, 0.125, 0.125, 0.125]);
  const h = new Float32Array(4);
  model.scoreHistory(Int32Array.of(0), Float32Array.of(1), h);
  close(h, [0.625, 0.125, 0.125, 0.125]);
});

test('content mean profile: the sum of the history vectors (plain content similarity)', async () => {
  const model = content.create({ profile: 'mean' });
  await model.fit({ matrix: m, ...side() });
  const s = new Float32Array(4);
  model.scoreUser(1, s);
  close(s, [0, 2, 0, 2]);
});

test('content: alpha > 0 (per-user solve) still ranks the text-matching unseen item first', async () => {
  const model = content.create({ l2: 1, alpha: 5 });
  await model.fit({ matrix: m, ...side() });
  assert.equal(model.recommend(0, { k: 1 }).items[0], 2, 'user 0 saw "alpha" i0, so "alpha" i2 comes first');
});

test('content: no item text is a clear fit error', async () => {
  await assert.rejects(content.create().fit({ matrix: m }), (e: unknown) => e instanceof ModelFitError && /item text/.test(e.message));
});

test("content: plain similarity on sparse word vectors (tfidf projection 'none') scores exactly the summed cosine", async () => {
  const m = blockMatrix();
  const model = content.create({ profile: 'mean', encoder: { name: 'tfidf', projection: 'none', minDf: 1, maxDfRatio: 1 } });
  await model.fit({ matrix: m, ...textFitData(m) });
  const x = model.itemVectors, d = model.dimension, out = new Float32Array(m.cols);
  assert.ok(d >= 12 && d <= 13, `one dimension per word, got ${d}`);
  model.scoreUser(3, out);
  for (let j = 0; j < m.cols; j++) {
    let want = 0;
    for (let p = m.indptr[3]!; p < m.indptr[4]!; p++) for (let a = 0; a < d; a++) want += x[m.indices[p]! * d + a]! * x[j * d + a]!;
    assert.ok(Math.abs(out[j]! - want) < 1e-5, `item ${j}: ${out[j]} vs ${want}`);
  }
});
