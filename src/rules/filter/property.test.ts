/** Property tests of filters and the rules cut over random filters (see random-filters.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Catalog } from '../../catalog/catalog.ts';
import { importData } from '../../data/importers/index.ts';
import { mulberry32 } from '../../data/random.ts';
import { SqliteStore } from '../../store/sqlite/index.ts';
import { FilterCompiler } from './compile.ts';
import { SYNTHETIC_CAPS, SYNTHETIC_FIELDS, checkCatalogue, checkFilter, randomFilter, syntheticCatalog, syntheticRow, valuePools } from './random-filters.ts';

test('synthetic catalogue: 400 random filters over categories, prices, times and mixed-type attributes', () => {
  checkCatalogue(syntheticCatalog(300, 7), SYNTHETIC_FIELDS, 11, 400, SYNTHETIC_CAPS);
});

test('through upserts (a few: cached masks and indexes patched; many: rebuilt), masks and capped rankings stay exact', () => {
  const c = syntheticCatalog(300, 9);
  const pools = valuePools(c, SYNTHETIC_FIELDS);
  const rng = mulberry32(13);
  const fc = new FilterCompiler(c);
  const filters = Array.from({ length: 40 }, () => randomFilter(rng, pools, 3));
  for (const f of filters) checkFilter(c, fc, f, rng, SYNTHETIC_CAPS);
  let added = 0;
  for (const changes of [1, 3, 5, 2, 120, 4, 400]) {
    for (let j = 0; j < changes; j++) {
      const id = rng() < 0.5 ? c.ids.id(Math.floor(rng() * c.size)) : `added${added++}`;
      c.upsert(syntheticRow(rng, id));
    }
    // The long-lived compiler patches its cached masks; a fresh one builds clauses from the (stale) value indexes.
    const fresh = new FilterCompiler(c);
    for (const f of filters) { checkFilter(c, fc, f, rng, SYNTHETIC_CAPS); checkFilter(c, fresh, f, rng, SYNTHETIC_CAPS); }
  }
  assert.ok(c.size > 300);
});

test('demo catalogue (Online Retail sample, read from a SQLite store): 200 random filters over its ids, titles and prices', async () => {
  const store = SqliteStore.open(':memory:');
  try {
    await importData(store, { format: 'online-retail', path: fileURLToPath(new URL('../../../data/demo/online-retail-sample.csv', import.meta.url)) });
    const c = await Catalog.fromStore(store);
    assert.ok(c.size > 500);
    checkCatalogue(c, ['id', 'title', 'price'], 5, 200, [{ field: 'title', max: 1 }]);
  } finally {
    await store.close();
  }
});
