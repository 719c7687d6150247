import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrFromCoo } from '../data/csr.ts';
import { runModelContract } from './model.contract.ts';
import { itemKnn } from './item-knn.ts';

runModelContract(itemKnn, { config: { neighbors: 20, shrink: 0 }, badConfig: { config: { neighbors: 0 }, field: 'itemknn.neighbors' } });

test('item-knn similarity is cosine with shrinkage, computed by hand', async () => {
  // users × items: u0 = {0:1, 1:1}, u1 = {0:1, 1:1, 2:1}, u2 = {2:1}
  const m = csrFromCoo(3, 3, Int32Array.of(0, 0, 1, 1, 1, 2), Int32Array.of(0, 1, 0, 1, 2, 2), undefined);
  const model = itemKnn.create({ neighbors: 5, shrink: 1 });
  await model.fit({ matrix: m });
  // item0·item1 = 2, |item0| = |item1| = sqrt2 -> 2 / (2 + 1); item0·item2 = 1, |item2| = sqrt2 -> 1 / (2 + 1)
  const s = model.similarItems(0, 5);
  assert.deepEqual([...s.items], [1, 2]);
  assert.ok(Math.abs(s.scores[0]! - 2 / 3) < 1e-6 && Math.abs(s.scores[1]! - 1 / 3) < 1e-6);
  // user 2 has only item 2: score(0) = sim(2,0) = 1/3, score(1) = sim(2,1) = 1/3
  const r = model.recommend(2, { k: 2 });
  assert.deepEqual([...r.items], [0, 1]);
  assert.ok(Math.abs(r.scores[0]! - 1 / 3) < 1e-6);
});
