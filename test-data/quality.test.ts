/**
 * The quality bar on real data, through the whole pipeline (importer → store → RecBole preset →
 * fit → full-ranking test): EASE and iALS beat Popularity and ItemKNN on NDCG@10. The parameters are the
 * ones `npm run bench -- quality` found by random search on the validation part (seed 2020).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '../src/store/registry.ts';
import { importData } from '../src/data/importers/index.ts';
import { runExperiment } from '../src/pipeline/experiment.ts';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const data = resolve(root, process.env.CURIO_DATA ?? '../shared/data');

const cases = [
  {
    name: 'ml-100k', format: 'movielens-100k',
    models: { itemknn: { neighbors: 400, shrink: 0 }, ials: { factors: 64, regularization: 37.5, alpha: 9.37 }, ease: { l2: 367 } },
  },
  {
    name: 'ml-latest-small', format: 'movielens-latest',
    models: { itemknn: { neighbors: 20, shrink: 10 }, ials: { factors: 128, regularization: 23, alpha: 5.77 }, ease: { l2: 114 } },
  },
];

for (const c of cases) {
  test(`${c.name}: EASE and iALS beat Popularity and ItemKNN on NDCG@10 (RecBole protocol)`, { skip: !existsSync(join(data, c.name)) && `no ${c.name} in ${data}` }, async () => {
    const store = await openStore(':memory:');
    await importData(store, { format: c.format, path: join(data, c.name) });
    const snap = await store.snapshot({ types: ['rating'] });
    await store.close();
    const r = await runExperiment(snap, {
      name: c.name, preset: 'recbole', seed: 2020,
      models: [{ kind: 'popularity' }, ...Object.entries(c.models).map(([kind, config]) => ({ kind, config }))],
    });
    const ndcg = Object.fromEntries(r.report.models.map((m) => [m.kind, m.metrics['ndcg@10']!]));
    const bar = Math.max(ndcg.popularity!, ndcg.itemknn!);
    assert.ok(ndcg.popularity! > 0.08 && ndcg.popularity! < 0.2, `popularity ${ndcg.popularity}`);
    assert.ok(ndcg.ease! > bar, `EASE ${ndcg.ease} vs ${bar}`);
    assert.ok(ndcg.ials! > bar, `iALS ${ndcg.ials} vs ${bar}`);
  });
}
