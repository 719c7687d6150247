import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../store/registry.ts';
import type { InteractionRow, ItemRow } from '../data/types.ts';
import { trainFromStore } from '../pipeline/train.ts';
import { Engine } from '../engine/engine.ts';
import { Asker } from './ask.ts';
import { Searcher } from './search.ts';
import { existsSync } from 'node:fs';
import { vectorCachePath } from '../text/cache.ts';

const dir = mkdtempSync(join(tmpdir(), 'curio-ask-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
let nDb = 0;

const ITEMS: ItemRow[] = [
  { id: 'p1', title: 'LUNCH BAG RED RETROSPOT', price: 1.65 },
  { id: 'p2', title: 'LUNCH BAG SPACEBOY DESIGN', price: 1.65 },
  { id: 'p3', title: 'LUNCH BAG WOODLAND', price: 6.5 },
  { id: 'p4', title: 'JUMBO BAG RED RETROSPOT', price: 2.08 },
  { id: 'p5', title: 'LUNCH BOX WITH CUTLERY', price: 2.55 },
  { id: 'p6', title: 'CHRISTMAS LIGHTS', price: 12 },
  { id: 'p7', title: 'REGENCY CAKESTAND 3 TIER', price: 12.75 },
  { id: 'POST', title: 'POSTAGE BAG', attrs: { nonProduct: true }, price: 1 },
];

/** u1 and u2 buy jumbo bags and lunch boxes; everyone buys p1 (the most popular); u3 buys lights and cake stands. */
function events(): InteractionRow[] {
  const rows: InteractionRow[] = [];
  let t = Date.UTC(2024, 0, 1);
  const buy = (user: string, items: string[]) => { for (const item of items) rows.push({ user, item, type: 'purchase', value: 1, timestamp: t++ }); };
  for (let u = 0; u < 6; u++) buy(`a${u}`, ['p1']);
  for (let u = 0; u < 3; u++) buy(`b${u}`, ['p4', 'p5']);
  buy('u1', ['p4']);
  buy('u3', ['p6', 'p7']);
  return rows;
}

async function asker(withModel: boolean): Promise<{ a: Asker; close: () => Promise<void> }> {
  const store = await openStore(join(dir, `shop-${nDb++}.db`));
  await store.upsertItems(ITEMS);
  await store.addInteractions(events());
  const model = withModel ? await trainFromStore(store, { model: { kind: 'itemknn', config: { neighbors: 10, shrink: 0 } } }) : undefined;
  const engine = await Engine.open({ store, ...(model ? { model } : {}) });
  return { a: await Asker.open(engine), close: () => store.close() };
}

test('a request on a store with no model: constraints hold, every query word first, popularity breaks ties, non-products never', async () => {
  const { a, close } = await asker(false);
  try {
    const r = await a.ask('lunch bags under £5 but not the spaceboy design', { k: 10 });
    assert.deepEqual(r.understood.constraints.map((c) => [c.text, c.matches, c.remaining]), [['price < 5', 5, 4], ['not title has the word "spaceboy"', 7, 3]]);
    assert.deepEqual(r.understood.queryWords, ['lunch', 'bag']);
    assert.equal(r.understood.candidates, 3);
    // p1 has both words; p5 has "lunch" only, rarer (4 of 8 texts) than p4's "bag" (5 of 8), so higher BM25
    assert.deepEqual(r.items.map((x) => x.item), ['p1', 'p5', 'p4']);
    assert.match(r.items[0]!.reasons.map((x) => x.text).join('; '), /meets price < 5; avoids title has the word "spaceboy".*text matches "lunch", "bags"/);
    assert.equal(r.understood.personalised, false);
  } finally {
    await close();
  }
});

test('constraints that exclude everything: nothing, and the constraint that emptied the set is named', async () => {
  const { a, close } = await asker(false);
  try {
    // Unquoted words only rank: the price holds, and nothing in the price range is about christmas
    const r = await a.ask('christmas lights under £5');
    assert.ok(r.items.length > 0 && r.items.every((x) => x.reasons.every((y) => y.kind !== 'text')));
    const q = await a.ask('"christmas lights" under £5');
    assert.deepEqual(q.items, []);
    assert.equal(q.understood.nothingMatched, 'nothing matched: "price < 5" (from "under £5") leaves none of the 1 items the earlier constraints allowed (5 items satisfy it alone)');
    const y = await a.ask('bags from the 80s');
    assert.deepEqual(y.items, []);
    assert.match(y.understood.nothingMatched!, /no item satisfies "year 1980–1989 \(1980s\)" \(from "from the 80s"\): no item has a year or a date/);
  } finally {
    await close();
  }
});

test('with a model and a known user: personalised inside the constraints, seen items left out', async () => {
  const { a, close } = await asker(true);
  try {
    const r = await a.ask('bags under £5', { user: 'u1', k: 10 });
    assert.equal(r.understood.personalised, true);
    const ids = r.items.map((x) => x.item);
    assert.ok(!ids.includes('p4'), 'u1 bought p4');
    for (const id of ids) assert.ok(['p1', 'p2', 'p5'].includes(id), `${id} breaks price < 5 or is postage`);
    const anon = await a.ask('bags under £5', { user: 'nobody' });
    assert.equal(anon.understood.personalised, false);
    assert.match(anon.understood.warnings.join(), /unknown to the model/);
  } finally {
    await close();
  }
});

test('the soft query by meaning (use): items sharing no word with the query rank by closeness; vectors are cached beside the store', async () => {
  const file = join(dir, `films-${nDb++}.db`);
  const store = await openStore(file);
  try {
    await store.upsertItems([
      { id: 'ghost', title: 'The Haunted House of Ghosts' },
      { id: 'zombie', title: 'Night of the Living Dead' },
      { id: 'cook', title: 'Baking Bread at Home' },
      { id: 'tax', title: 'Accounting Basics' },
    ]);
    const engine = await Engine.open({ store });
    const steps: string[] = [];
    const a = await Asker.open(engine, { encoder: 'use', onProgress: (done, total, note) => steps.push(`${note} ${done}/${total}`) });
    assert.equal(a.itemVectors?.computed, 4);
    assert.ok(steps.includes('vectors (use) 4/4'), steps.join(', '));
    assert.ok(existsSync(vectorCachePath(file, 'use:en-0.2.0')));
    const r = await a.ask('something spooky and frightening', { k: 4 });
    assert.equal(r.understood.encoder, 'use');
    assert.deepEqual(r.understood.queryWords, ['spooky', 'frightening'], 'no item has these words: BM25 alone would rank nothing');
    assert.deepEqual(new Set(r.items.slice(0, 2).map((x) => x.item)), new Set(['ghost', 'zombie']));
    assert.match(r.items[0]!.reasons.map((x) => x.text).join('; '), /text close to "spooky frightening" \(cosine 0\.\d\d, use\)/);
    const again = await Asker.open(engine, { encoder: 'use' });
    assert.equal(again.itemVectors?.computed, 0, 'every vector came from the cache file');
    assert.deepEqual(again.itemVectors?.vectors, a.itemVectors?.vectors);
    await store.upsertItems([{ id: 'tax', title: 'Tax Returns Made Simple' }]);
    const changed = await Asker.open(await Engine.open({ store }), { encoder: 'use' });
    assert.equal(changed.itemVectors?.computed, 1, 'only the changed text is encoded again');
    const plain = await Asker.open(engine, { encoder: false });
    assert.equal((await plain.ask('something spooky and frightening')).understood.encoder, 'none');
  } finally {
    await store.close();
  }
});

test('at scale the query vector goes through the HNSW graph (the vector index search uses), with the exact top results', async () => {
  // 400 products over 20 kinds × 20 looks; a forced threshold of 100 candidates takes the ANN path at this size
  const kinds = ['lantern', 'mug', 'bag', 'clock', 'candle', 'cushion', 'doormat', 'notebook', 'teapot', 'bunting', 'frame', 'vase', 'tray', 'tin', 'jar', 'plate', 'bowl', 'sign', 'bell', 'mirror'];
  const looks = ['red retrospot', 'vintage paisley', 'spaceboy', 'woodland', 'regency', 'pink polkadot', 'blue stripe', 'french floral', 'union jack', 'skull', 'owl', 'heart', 'star', 'rose', 'gingham', 'lace', 'folkart', 'birdcage', 'apple', 'doily'];
  const items: ItemRow[] = [];
  for (const [a, kind] of kinds.entries()) for (const [b, look] of looks.entries()) items.push({ id: `i${a}-${b}`, title: `${look} ${kind}`.toUpperCase(), price: 1 + ((a * 7 + b * 3) % 20) / 2 });
  const store = await openStore(join(dir, `scale-${nDb++}.db`));
  try {
    await store.upsertItems(items);
    const engine = await Engine.open({ store });
    const exact = await Asker.open(engine, { encoder: 'tfidf' });
    const ann = await Asker.open(engine, { encoder: 'tfidf', annThreshold: 100 });
    assert.equal(exact.vectorIndex!.kind, 'exact', '400 items: below ANN_THRESHOLD');
    assert.equal(ann.vectorIndex!.kind, 'hnsw');
    for (const request of ['a vintage lantern', 'something with owls for the kitchen', 'red spaceboy teapot', 'rose mirror']) {
      const e = await exact.ask(request, { k: 10 }), h = await ann.ask(request, { k: 10 });
      assert.equal(e.understood.vectorSearch, 'exact');
      assert.equal(h.understood.vectorSearch, 'hnsw', request);
      assert.deepEqual(h.items.map((x) => x.item), e.items.map((x) => x.item), request);
      for (const [r, x] of h.items.entries()) assert.ok(Math.abs(x.score - e.items[r]!.score) < 1e-4, `${request} #${r + 1}`);
    }
    // constraints leaving fewer candidates than the threshold: the exact scan of those
    const few = await ann.ask('a vintage lantern under £1.50', { k: 10 });
    assert.ok(few.understood.candidates < 100);
    assert.equal(few.understood.vectorSearch, 'exact');
    // curio search shares the asker's graph instead of building its own
    assert.equal(Searcher.open(ann).vectorIndex, ann.vectorIndex);
  } finally {
    await store.close();
  }
});

test('without events nothing is "popular": the reasons and a warning say there is no behaviour to rank by', async () => {
  const store = await openStore(join(dir, `shop-${nDb++}.db`));
  try {
    await store.upsertItems(ITEMS);
    const a = await Asker.open(await Engine.open({ store }), { encoder: false });
    const r = await a.ask('anything but christmas', { k: 3 });
    assert.equal(r.items.length, 3);
    for (const it of r.items) assert.doesNotMatch(it.reasons.map((x) => x.text).join('; '), /popular/, it.item);
    assert.match(r.items[0]!.reasons.map((x) => x.text).join('; '), /no one has interacted with it yet/);
    assert.match(r.understood.warnings.join('\n'), /no events in the store: nothing to rank by but the words/);
  } finally {
    await store.close();
  }
});
