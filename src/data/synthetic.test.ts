import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateSynthetic } from './synthetic.ts';
import { toMatrix } from './interactions.ts';
import { columnCounts } from './csr.ts';

test('synthetic data has the requested size, no duplicate pairs, and a long tail', () => {
  const s = generateSynthetic({ users: 500, items: 400, interactions: 20_000, seed: 3 });
  const d = s.interactions;
  assert.equal(d.length, 20_000);
  const m = toMatrix(d);
  assert.equal(m.indptr[m.rows], 20_000, 'every (user, item) pair occurs once');
  const counts = Array.from(columnCounts(m)).sort((a, b) => b - a);
  const top10 = counts.slice(0, 40).reduce((a, b) => a + b, 0);
  assert.ok(top10 / 20_000 > 0.25, `top 10% of items take ${top10 / 20_000} of events`);
  for (let k = 0; k < d.length; k++) assert.ok(d.value[k]! >= 1 && d.value[k]! <= 5);
});

test('synthetic data is reproducible from the seed and users follow their tastes', () => {
  const a = generateSynthetic({ users: 200, items: 300, interactions: 5_000, seed: 9 });
  const b = generateSynthetic({ users: 200, items: 300, interactions: 5_000, seed: 9 });
  const c = generateSynthetic({ users: 200, items: 300, interactions: 5_000, seed: 10 });
  assert.deepEqual(a.interactions.item, b.interactions.item);
  assert.notDeepEqual(a.interactions.item, c.interactions.item);
  // Users concentrate on their tastes: far more of them have one dominant category than without tastes.
  const concentrated = (s: ReturnType<typeof generateSynthetic>) => {
    const d = s.interactions;
    const hist = new Float64Array(200 * 20), n = new Float64Array(200);
    for (let k = 0; k < d.length; k++) { hist[d.user[k]! * 20 + s.itemCategory[d.item[k]!]!]!++; n[d.user[k]!]!++; }
    let c = 0;
    for (let u = 0; u < 200; u++) if (Math.max(...hist.subarray(u * 20, u * 20 + 20)) / n[u]! > 0.3) c++;
    return c;
  };
  const flat = generateSynthetic({ users: 200, items: 300, interactions: 5_000, seed: 9, tasteStrength: 0 });
  assert.ok(concentrated(a) > 2 * concentrated(flat), `${concentrated(a)} vs ${concentrated(flat)} users concentrate on one category`);
  const rows = a.itemRows();
  assert.equal(rows.length, 300);
  assert.match(rows[0]!.text!, /title about/);
});
