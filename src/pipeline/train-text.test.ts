import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../store/registry.ts';
import { loadItemTexts } from '../text/item-text.ts';
import { trainFromStore } from './train.ts';
import { loadModelFile, saveModelFile } from './model-file.ts';

test('a content model trained from a SQLite store reads item titles, categories and review texts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'curio-train-text-'));
  try {
    const store = await openStore(join(dir, 'shop.db'));
    const items = [
      { id: 'r1', title: 'Space rocket kit', categories: ['toys', 'space'] },
      { id: 'r2', title: 'Rocket launch poster', categories: ['space'] },
      { id: 'r3', title: 'Orbit planet lamp', categories: ['space'] },
      { id: 'c1', title: 'Baking recipe book', categories: ['kitchen'] },
      { id: 'c2', title: 'Oven glove', categories: ['kitchen'] },
      { id: 'c3', title: 'Spice rack', categories: ['kitchen'] },
    ];
    await store.upsertItems(items);
    const rows = [];
    for (const [u, list] of [['a', ['r1', 'r2']], ['b', ['c1', 'c2']], ['c', ['r2', 'c3']], ['d', ['r3', 'c1']]] as const) {
      for (const i of list) rows.push({ user: u, item: i, type: 'purchase' as const, value: 1, timestamp: 1 });
    }
    rows.push({ user: 'd', item: 'c3', type: 'review' as const, value: 5, timestamp: 2, text: 'great for the kitchen oven' });
    await store.addInteractions(rows);
    const texts = await loadItemTexts(store);
    assert.equal(texts.get('r1'), 'Space rocket kit. toys, space');
    assert.match(texts.get('c3')!, /^Spice rack\. kitchen\. great for the kitchen oven$/);
    const trained = await trainFromStore(store, { model: { kind: 'content', config: { itemBias: false, encoder: { name: 'tfidf', minDf: 1, maxDfRatio: 1, dimension: 4 } } } });
    const items_ = trained.items;
    const top = trained.model.recommend(items_.size ? trained.users.get('a') : 0, { k: 1 });
    assert.equal(items_.id(top.items[0]!), 'r3', 'the one space item user a has not bought');
    const file = join(dir, 'content.curio');
    await saveModelFile(file, trained);
    const back = await loadModelFile(file);
    const s1 = new Float32Array(items_.size), s2 = new Float32Array(items_.size);
    trained.model.scoreUser(1, s1); back.model.scoreUser(1, s2);
    assert.deepEqual(s2, s1);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
