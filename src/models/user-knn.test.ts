import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrFromCoo } from '../data/csr.ts';
import { runModelContract } from './model.contract.ts';
import { userKnn } from './user-knn.ts';

runModelContract(userKnn, { config: { neighbors: 5, shrink: 0 }, badConfig: { config: { shrink: -1 }, field: 'userknn.shrink' } });

test('user-knn weights neighbours by cosine and averages centred ratings', async () => {
  // u0 rates items 0,1 with 5,3 ; u1 rates 0,1,2 with 5,3,4 ; u2 rates 1,2 with 1,2
  const m = csrFromCoo(3, 3, Int32Array.of(0, 0, 1, 1, 1, 2, 2), Int32Array.of(0, 1, 0, 1, 2, 1, 2), Float32Array.of(5, 3, 5, 3, 4, 1, 2));
  const model = userKnn.create({ neighbors: 1, shrink: 0, centerRatings: true });
  await model.fit({ matrix: m });
  // u0's nearest user is u1 (cos = 34 / (sqrt34 * sqrt50) = 0.8246) over u2 (cos = 3 / (sqrt34 * sqrt5) = 0.23)
  // score(item2) = u1's centred rating: 4 - mean(5,3,4) = 0
  const out = new Float32Array(3);
  model.scoreUser(0, out);
  assert.ok(Math.abs(out[2]!) < 1e-6);
  const model2 = userKnn.create({ neighbors: 2, shrink: 0, centerRatings: true });
  await model2.fit({ matrix: m });
  model2.scoreUser(0, out);
  // two neighbours: (0.8246 * 0 + 0.2301 * (2 - 1.5)) / (0.8246 + 0.2301)
  const c1 = 34 / Math.sqrt(34 * 50), c2 = 3 / Math.sqrt(34 * 5);
  assert.ok(Math.abs(out[2]! - (c2 * 0.5) / (c1 + c2)) < 1e-5, `${out[2]}`);
});
