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
