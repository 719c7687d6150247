import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrFromCoo } from '../data/csr.ts';
import { TableModel } from '../models/testing.ts';
import { RerankedModel } from './reranked-model.ts';
import { CategoryJaccard, ItemCategories } from './similarity.ts';


test('RerankedModel: seen items never candidates; chosen items scored k..1, the rest NaN', () => {
  // user 0 saw item 0; items 1, 2 share category a, item 3 has b
  const seen = csrFromCoo(1, 5, Int32Array.from([0]), Int32Array.from([0]), undefined, 'max');
  const cats = ItemCategories.fromLists(5, (i) => [['a'], ['a'], ['a'], ['b'], ['c']][i]);
  const inner = new TableModel([[10, 9, 8, 7, 1]], 5);
  const plain = new RerankedModel(inner, { seen, k: 3, knobs: {}, context: {} });
  assert.deepEqual([...plain.recommend(0, { k: 3 }).items], [1, 2, 3]);
  const out = new Float32Array(5);
  plain.scoreUser(0, out);
  assert.deepEqual([...out], [NaN, 3, 2, 1, NaN]);
  // MMR at diversity 1 (λ = 0): after item 1, items 3 and 4 (similarity 0) beat item 2 (similarity 1)
  const diverse = new RerankedModel(inner, { seen, k: 3, knobs: { diversity: 1, method: 'mmr' }, context: { similarity: new CategoryJaccard(cats) } });
  assert.deepEqual([...diverse.recommend(0, { k: 3 }).items], [1, 3, 4]);
  assert.throws(() => new RerankedModel(inner, { seen, k: 3, knobs: { novelty: 2 }, context: {} }), /novelty/);
});
