import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrFromCoo } from '../data/csr.ts';
import { ConfigError } from '../errors.ts';
import { ease } from './ease.ts';
import { hybrid, standardize } from './hybrid.ts';
import { blockMatrix, runModelContract } from './model.contract.ts';
import { textFitData } from './text-fixture.ts';

runModelContract(hybrid, {
  config: { collaborative: { kind: 'ease', config: { l2: 10 } }, kappa: 2 },
  badConfig: { config: { kappa: -1 }, field: 'kappa' },
  fitData: (m) => textFitData(m),
});

test('standardize: z-scores by hand; NaN becomes the mean', () => {
  const v = standardize(Float32Array.of(1, 3, NaN, 5));
  const sd = Math.sqrt(8 / 3);
  [(1 - 3) / sd, 0, 0, (5 - 3) / sd].forEach((x, i) => assert.ok(Math.abs(v[i]! - x) < 1e-6));
});

test('hybrid: kappa = 0 ranks warm items exactly as the collaborative model; cold items by text', async () => {
  const b = blockMatrix();
  const r: number[] = [], c: number[] = [], v: number[] = [];
  for (let u = 0; u < b.rows; u++) for (let p = b.indptr[u]!; p < b.indptr[u + 1]!; p++) if (b.indices[p]! !== 9) { r.push(u); c.push(b.indices[p]!); v.push(b.data[p]!); }
  const m = csrFromCoo(20, 20, Int32Array.from(r), Int32Array.from(c), Float32Array.from(v));
  const side = textFitData(m);
  const h = hybrid.create({ collaborative: { kind: 'ease', config: { l2: 10 } }, kappa: 0 });
  const e = ease.create({ l2: 10 });
  await h.fit({ matrix: m, ...side });
  await e.fit({ matrix: m, ...side });
  const warm = Int32Array.from({ length: 20 }, (_, i) => i).filter((i) => i !== 9);
  for (const u of [1, 4, 13]) assert.deepEqual(h.recommend(u, { k: 5, candidates: warm }).items, e.recommend(u, { k: 5, candidates: warm }).items);
  // item 9 (group 0's text, no interactions): for a group-0 user it beats group 1's items
  const s = new Float32Array(20);
  h.scoreUser(2, s);
  for (let j = 10; j < 20; j++) assert.ok(s[9]! > s[j]!, `cold item 9 (${s[9]}) vs ${j} (${s[j]})`);
});

test('hybrid: an unknown collaborative kind names the field', () => {
  assert.throws(() => hybrid.create({ collaborative: { kind: 'nope' } }), (e: unknown) => e instanceof ConfigError && e.field === 'hybrid.collaborative.kind');
});
