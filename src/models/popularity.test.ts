import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrFromCoo } from '../data/csr.ts';
import { runModelContract } from './model.contract.ts';
import { popularity } from './popularity.ts';

runModelContract(popularity, {
  config: {},
  badConfig: { config: { by: 'clicks' }, field: 'popularity.by' },
  skip: { knownTop1: 'popularity gives everyone the same list', similarItems: 'popularity has no item similarity' },
});

test('popularity ranks by distinct users, or by summed value', async () => {
  // item 0: two users with value 1; item 1: one user with value 5
  const m = csrFromCoo(3, 2, Int32Array.of(0, 1, 2), Int32Array.of(0, 0, 1), Float32Array.of(1, 1, 5));
  const byUsers = popularity.create({});
  await byUsers.fit({ matrix: m });
  assert.deepEqual([...byUsers.recommend(2, { k: 2, excludeSeen: false }).items], [0, 1]);
  const bySum = popularity.create({ by: 'sum' });
  await bySum.fit({ matrix: m });
  assert.deepEqual([...bySum.recommend(2, { k: 2, excludeSeen: false }).items], [1, 0]);
  assert.deepEqual([...bySum.recommend(2, { k: 2 }).items], [0]);
});
