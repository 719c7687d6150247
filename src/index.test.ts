import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as curio from './index.ts';

test('the README example works through the public API', async () => {
  const store = await curio.openStore(':memory:');
  const syn = curio.generateSynthetic({ users: 100, items: 60, interactions: 1500, seed: 2 });
  const d = syn.interactions;
  await store.upsertItems(syn.itemRows());
  await store.addInteractions(Array.from({ length: d.length }, (_, k) => ({
    user: d.users.id(d.user[k]!), item: d.items.id(d.item[k]!), type: 'rating' as const, value: d.value[k]!, timestamp: d.time[k]!,
  })));
  const trained = await curio.trainFromStore(store, { model: { kind: 'ease', config: { l2: 50 } } });
  const u = trained.users.get('u7');
  const { items, scores } = trained.model.recommend(u, { k: 5 });
  assert.equal(items.length, 5);
  assert.ok(scores[0]! >= scores[4]!);
  const titles = await store.getItems([...items].map((i) => trained.items.id(i)));
  assert.ok(titles.every((t) => typeof t?.title === 'string'));
  await store.close();
  assert.deepEqual(curio.modelKinds(), ['popularity', 'itemknn', 'userknn', 'ials', 'bpr', 'ease', 'cease', 'content', 'cb2cf', 'hybrid']);
});
