import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../store/registry.ts';
import type { InteractionRow, ItemRow } from '../data/types.ts';
import { trainFromStore } from '../pipeline/train.ts';
import { Engine } from '../engine/engine.ts';
import { ConfigError } from '../errors.ts';
import { Asker } from './ask.ts';
import { Searcher, reciprocalRankFusion } from './search.ts';

const dir = mkdtempSync(join(tmpdir(), 'curio-search-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

test('reciprocal rank fusion adds 1 / (60 + rank) per list', () => {
  const f = reciprocalRankFusion([Int32Array.of(2, 0), Int32Array.of(0)], 3);
  assert.ok(Math.abs(f[0]! - (1 / 62 + 1 / 61)) < 1e-12);
  assert.equal(f[1], 0);
  assert.ok(Math.abs(f[2]! - 1 / 61) < 1e-12);
});

const ITEMS: ItemRow[] = [
  { id: 'bag1', title: 'LUNCH BAG WOODLAND ANIMALS PRINT' },
  { id: 'bag2', title: 'LUNCH BAG RED RETROSPOT' },
  { id: 'bag3', title: 'LUNCH BAG SPACEBOY' },
  { id: 'box', title: 'LUNCH BOX WOODLAND' },
  { id: 'mug', title: 'RETROSPOT MUG' },
  { id: 'cup', title: 'WOODLAND PAPER CUPS' },
  { id: 'POST', title: 'POSTAGE BAG', attrs: { nonProduct: true } },
];

test('search: text matches first, the model reorders them for a user, postage never; empty query is a ConfigError', async () => {
  const store = await openStore(join(dir, 's.db'));
  try {
    await store.upsertItems(ITEMS);
    // woodland fans buy woodland things together; u1 bought the woodland box and cups, so bag1 is theirs
    const rows: InteractionRow[] = [];
    let t = Date.UTC(2024, 0, 1);
    const buy = (user: string, items: string[]) => { for (const item of items) rows.push({ user, item, type: 'purchase', value: 1, timestamp: t++ }); };
    for (let u = 0; u < 4; u++) buy(`w${u}`, ['bag1', 'box', 'cup']);
    for (let u = 0; u < 6; u++) buy(`r${u}`, ['bag2', 'mug']);
    buy('r9', ['bag3', 'mug']);
    buy('u1', ['box', 'cup']);
    await store.addInteractions(rows);
    const model = await trainFromStore(store, { model: { kind: 'itemknn', config: { neighbors: 10, shrink: 0 } } });
    const s = Searcher.open(await Asker.open(await Engine.open({ store, model })), { dimension: 4 });
    const plain = await s.search('lunch bag', { k: 3 });
    assert.deepEqual(plain.words, ['lunch', 'bag']);
    assert.deepEqual(new Set(plain.items.map((x) => x.item)), new Set(['bag1', 'bag2', 'bag3']));
    assert.equal(plain.personalised, false);
    assert.notEqual(plain.items[0]!.item, 'bag1', 'the longest title has the lowest BM25');
    const mine = await s.search('lunch bag', { k: 3, user: 'u1' });
    assert.equal(mine.personalised, true);
    assert.equal(mine.items[0]!.item, 'bag1');
    assert.ok(mine.items[0]!.reasons.some((r) => r.kind === 'model'));
    assert.ok((await s.search('postage', { k: 5 })).items.every((x) => x.item !== 'POST'));
    await assert.rejects(s.search('  '), (e) => e instanceof ConfigError && /query: empty/.test(e.message));
  } finally {
    await store.close();
  }
});

test('items without text: ask and search rank them by behaviour and say so; the model never brings non-matches into a search', async () => {
  const store = await openStore(join(dir, 'no-text.db'));
  try {
    // a, b, d have no title, category or tag; c and e do
    await store.upsertItems([{ id: 'a' }, { id: 'b' }, { id: 'c', title: 'LUNCH BAG' }, { id: 'd' }, { id: 'e', title: 'GARDEN TOOLS' }]);
    const rows: InteractionRow[] = [];
    let t = Date.UTC(2024, 0, 1);
    const buy = (user: string, items: string[]) => { for (const item of items) rows.push({ user, item, type: 'purchase', value: 1, timestamp: t++ }); };
    buy('u1', ['a', 'b']); buy('u2', ['a', 'd']); buy('u3', ['a', 'b', 'd']); buy('u4', ['b', 'd']); buy('u5', ['e', 'c']); buy('u6', ['a', 'c']);
    await store.addInteractions(rows);
    const model = await trainFromStore(store, { model: { kind: 'itemknn', config: { neighbors: 10, shrink: 0 } } });
    const asker = await Asker.open(await Engine.open({ store, model }), { encoder: 'tfidf' });
    const r = await asker.ask('garden tools', { k: 5 });
    assert.equal(r.items[0]!.item, 'e');
    assert.match(r.understood.warnings.join('\n'), /3 of the 5 candidates have no text \(no title, categories or tags\): the words cannot rank them, popularity alone does/);
    for (const x of r.items) assert.equal(x.reasons.some((y) => y.kind === 'no-text'), ['a', 'b', 'd'].includes(x.item), x.item);
    const mine = await asker.ask('garden tools', { k: 5, user: 'u1' });
    assert.match(mine.understood.warnings.join('\n'), /1 of the 3 candidates have no text.*your model alone does/, 'u1 saw a and b');

    const s = Searcher.open(asker);
    // u1's model puts d first of all items: it matches no word, so it stays out
    const found = await s.search('garden tools', { user: 'u1' });
    assert.equal(found.personalised, true);
    assert.deepEqual(found.items.map((x) => x.item).filter((id) => !['c', 'e'].includes(id)), []);
    assert.equal(found.items[0]!.item, 'e');
    assert.match(found.warnings.join('\n'), /3 items have no text \(no title, categories or tags\): a search cannot find them/);
    // no word matches anything: the items without text, by the user's model, said so
    const none = await s.search('spaceboy', { user: 'u1', k: 5 });
    assert.deepEqual(none.items.map((x) => x.item), ['d', 'a', 'b'].filter((id) => none.items.some((x) => x.item === id)));
    assert.equal(none.items.length, 3);
    assert.ok(none.items.every((x) => x.reasons[0]!.kind === 'no-text'));
    assert.match(none.warnings.join('\n'), /nothing matched "spaceboy": the 3 items without text, ranked by your model/);
    const anon = await s.search('spaceboy', { k: 2 });
    assert.equal(anon.items.length, 2);
    assert.match(anon.warnings.join('\n'), /ranked by popularity/);
    assert.deepEqual(anon.items.map((x) => x.reasons[0]!.text), ['has no text to match: popular among all users', 'has no text to match: popular among all users']);
  } finally {
    await store.close();
  }
});
