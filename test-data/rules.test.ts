import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Catalog } from '../src/catalog/catalog.ts';
import { importData } from '../src/data/importers/index.ts';
import { FilterCompiler } from '../src/rules/filter/compile.ts';
import { checkCatalogue } from '../src/rules/filter/random-filters.ts';
import { SqliteStore } from '../src/store/sqlite/index.ts';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const DATA = resolve(root, process.env.CURIO_DATA ?? '../shared/data');

test('MovieLens latest-small catalogue: genre filters count what movies.csv says; random filters over genres (multi-valued), years, titles and ids equal the item-by-item reading', async (t) => {
  const path = join(DATA, 'ml-latest-small');
  if (!existsSync(path)) { t.skip(`${path} not found (set CURIO_DATA)`); return; }
  const store = SqliteStore.open(':memory:');
  try {
    await importData(store, { format: 'movielens-latest', path });
    const c = await Catalog.fromStore(store);
    // Independent count from the CSV: genres are the last column and hold no commas.
    const genres = readFileSync(join(path, 'movies.csv'), 'utf8').split('\n').slice(1).filter(Boolean).map((l) => l.slice(l.lastIndexOf(',') + 1).trim().split('|'));
    const count = (pred: (g: string[]) => boolean) => genres.filter(pred).length;
    const fc = new FilterCompiler(c);
    assert.equal(fc.count('category:"Film-Noir"'), count((g) => g.includes('Film-Noir')));
    assert.equal(fc.count('category:Comedy AND category:Romance'), count((g) => g.includes('Comedy') && g.includes('Romance')));
    assert.equal(fc.count('category IN (Documentary, IMAX) AND NOT category:Drama'), count((g) => (g.includes('Documentary') || g.includes('IMAX')) && !g.includes('Drama')));
    checkCatalogue(c, ['id', 'title', 'category', 'attrs.year'], 3, 300, [{ field: 'category', max: 2 }]);
  } finally {
    await store.close();
  }
});
