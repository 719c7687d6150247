import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importData } from '../src/data/importers/index.ts';
import { SqliteStore } from '../src/store/sqlite/index.ts';
import { Engine } from '../src/engine/engine.ts';
import { Asker } from '../src/ask/index.ts';
import { loadRequestSet, runRequestSet } from '../src/ask/request-set.ts';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const DATA = resolve(root, process.env.CURIO_DATA ?? '../shared/data');
const SETS = [
  { data: 'ml-latest-small', format: 'movielens-latest', path: 'ml-latest-small' },
  { data: 'online-retail', format: 'online-retail', path: 'online-retail/online_retail.csv' },
];

test('curio ask over ml-latest-small and Online Retail: >= 95% of the top-10 items satisfy their request (checked on the catalogue); empty answers name their constraint', async (t) => {
  const requests = loadRequestSet(join(root, 'test-data/ask-requests.json'));
  assert.ok(requests.length >= 60);
  let returned = 0, satisfied = 0;
  for (const s of SETS) {
    const path = join(DATA, s.path);
    if (!existsSync(path)) { t.skip(`${path} not found (set CURIO_DATA)`); return; }
    const store = SqliteStore.open(':memory:');
    try {
      await importData(store, { format: s.format, path });
      const asker = await Asker.open(await Engine.open({ store }), { encoder: 'tfidf' }); // use: see npm run bench -- ask
      const results = await runRequestSet(asker, requests.filter((r) => r.data === s.data));
      let ret = 0, sat = 0;
      for (const r of results) {
        if (r.emptyOk !== undefined) { assert.ok(r.emptyOk, `${r.request}: expected nothing, with the emptying constraint named`); continue; }
        assert.ok(r.returned > 0, `${r.request}: nothing returned`);
        ret += r.returned; sat += r.satisfied;
        if (r.broken.length) console.log(`  ${s.data} "${r.request}": ${r.satisfied}/${r.returned}; ${r.broken.join(' | ')}`);
      }
      console.log(`${s.data}: ${results.length} requests, constraint satisfaction of the top 10 ${(sat / ret).toFixed(4)} (${sat}/${ret} items)`);
      returned += ret; satisfied += sat;
    } finally {
      await store.close();
    }
  }
  console.log(`all: constraint satisfaction ${(satisfied / returned).toFixed(4)} (${satisfied}/${returned})`);
  assert.ok(satisfied / returned >= 0.95, `satisfaction ${satisfied / returned}`);
});
