import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrFromCoo } from '../data/csr.ts';
import { cb2cf } from './cb2cf.ts';
import { blockMatrix, runModelContract } from './model.contract.ts';
import { textFitData } from './text-fixture.ts';

const ials = { factors: 8, regularization: 1, alpha: 5, iterations: 10, solver: 'cholesky' as const };
runModelContract(cb2cf, {
  config: { ials },
  badConfig: { config: { mapL2: 0 }, field: 'mapL2' },
  fitData: (m) => textFitData(m),
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
