import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, UnknownItemError, UnknownUserError } from '../errors.ts';
import { openStore } from '../store/registry.ts';
import type { DataStore } from '../store/types.ts';
import type { InteractionRow, ItemRow } from '../data/types.ts';
import { trainFromStore } from '../pipeline/train.ts';
import type { TrainedModel } from '../pipeline/model-file.ts';
import { Engine } from './engine.ts';

const dir = mkdtempSync(join(tmpdir(), 'curio-engine-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
let nDb = 0;

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);

/**
 * A shop with known answers: baskets (same user, same timestamp) put A with B five times and A with C three
 * times; D, E, F are bought alone; POST is postage on many invoices (nonProduct); G and H are books.
 */
const ITEMS: ItemRow[] = [
  { id: 'A', title: 'Teapot', categories: ['Kitchen'], price: 20, timestamp: T0 },
  { id: 'B', title: 'Tea cups', categories: ['Kitchen'], price: 8, timestamp: T0 + 1 * DAY },
  { id: 'C', title: 'Tea towel', categories: ['Kitchen', 'Textiles'], price: 4, timestamp: T0 + 2 * DAY },
  { id: 'D', title: 'Cushion', categories: ['Textiles'], price: 12, timestamp: T0 + 3 * DAY },
  { id: 'E', title: 'Lamp', categories: ['Home'], price: 30, timestamp: T0 + 4 * DAY },
  { id: 'F', title: 'Candle', categories: ['Home'], price: 3, timestamp: T0 + 5 * DAY },
  { id: 'G', title: 'Cookbook', categories: ['Books'], price: 15, timestamp: T0 + 6 * DAY },
  { id: 'H', title: 'Novel', categories: ['Books'], price: 9, timestamp: T0 + 7 * DAY },
  { id: 'POST', title: 'Postage', attrs: { nonProduct: true }, price: 5 },
];

function shopEvents(): InteractionRow[] {
  const rows: InteractionRow[] = [];
  const basket = (user: string, t: number, items: string[]) => {
    for (const item of items) rows.push({ user, item, type: 'purchase', value: 1, timestamp: t, session: `${user}-${t}` });
  };
  for (let u = 0; u < 5; u++) basket(`b${u}`, T0 + 10 * DAY + u, ['A', 'B', 'POST']);
  for (let u = 0; u < 3; u++) basket(`c${u}`, T0 + 11 * DAY + u, ['A', 'C', 'POST']);
  for (let u = 0; u < 4; u++) basket(`d${u}`, T0 + 12 * DAY + u, ['D', 'E', 'POST']);
  basket('f0', T0 + 13 * DAY, ['F']);
  basket('g0', T0 + 13 * DAY, ['G', 'H']);
  basket('g1', T0 + 14 * DAY, ['G', 'H', 'B']);
  return rows;
}

async function shop(): Promise<DataStore> {
  const store = await openStore(join(dir, `shop-${nDb++}.db`));
  await store.upsertItems(ITEMS);
  await store.addInteractions(shopEvents());
  return store;
}

async function shopEngine(): Promise<{ store: DataStore; engine: Engine; t: TrainedModel }> {
  const store = await shop();
  const t = await trainFromStore(store, { model: { kind: 'itemknn', config: { neighbors: 10, shrink: 0 } }, data: { types: ['purchase'] } });
  return { store, engine: await Engine.open({ store, model: t }), t };
}

const ids = (r: { items: { item: string }[] }) => r.items.map((x) => x.item);

test('recommend for a known user is the model\'s own top-k with seen items and non-products left out', async () => {
  const { store, engine, t } = await shopEngine();
  try {
    const r = await engine.recommend({ recipe: 'recommend', user: 'c0', k: 3 });
    const direct = t.model.recommend(t.users.get('c0'), { k: 10 });
    const expected = Array.from(direct.items, (i) => t.items.id(i)).filter((id) => id !== 'POST').slice(0, 3);
    assert.deepEqual(ids(r), expected);
    assert.ok(!ids(r).includes('A') && !ids(r).includes('C'), 'seen items are excluded');
    assert.equal(r.items[0]!.rank, 1);
    assert.equal(r.items[0]!.title, ITEMS.find((x) => x.id === expected[0])!.title);
    assert.equal(r.items[0]!.reasons[0]!.kind, 'model');
    assert.match(r.items[0]!.reasons[0]!.text, /^because you bought "[^"]+"( and "[^"]+")?; model score [\d.]+ \(itemknn\)$/);
    // The cited items are the history items with the largest exact shares of the score (src/explain).
    const ev = r.items[0]!.reasons[0]!.evidence as { exact: boolean; rest: number; contributions: { item: string; share: number }[] };
    assert.equal(ev.exact, true);
    assert.ok(Math.abs(ev.contributions.reduce((s, c) => s + c.share, ev.rest) - r.items[0]!.score) < 1e-5);
    assert.ok(Math.abs(r.items[0]!.score - direct.scores[Array.from(direct.items).indexOf(t.items.get(expected[0]!))]!) < 1e-6);
  } finally {
    await store.close();
  }
});

test('concurrent requests answer as one at a time: the score arrays they share are lent and returned whole', async () => {
  const { store, engine } = await shopEngine();
  try {
    const reqs = [
      { recipe: 'recommend', user: 'c0', k: 3 }, { recipe: 'recommend', user: 'c1', k: 3, boost: [{ filter: 'price < 10', multiply: 2 }] },
      { recipe: 'related', context: { item: 'A' }, k: 3 }, { recipe: 'popular', k: 4 }, { recipe: 'bought-together', items: ['A'], k: 3 },
      { recipe: 'recommend', user: 'c2', k: 3, filter: 'price < 30' }, { recipe: 'continue', user: 'c0', k: 3 },
    ];
    const alone = [];
    for (const r of reqs) alone.push(await engine.recommend(r));
    for (let round = 0; round < 3; round++) assert.deepEqual(await Promise.all([...reqs, ...reqs].map((r) => engine.recommend(r))), [...alone, ...alone]);
  } finally {
    await store.close();
  }
});

test('a reused request mask keeps nothing of the request before it (excluded items, filters, seen items)', async () => {
  const { store, engine } = await shopEngine();
  const fresh = await shopEngine();
  try {
    const b = { recipe: 'recommend', user: 'c1', k: 4 };
    const expected = await fresh.engine.recommend(b);
    // Requests that clear items of the mask (seen, excluded, filtered out), then b on the masks they returned.
    await engine.recommend({ recipe: 'recommend', user: 'c0', k: 4, exclude: expected.items.map((x) => x.item) });
    await engine.recommend({ recipe: 'recommend', user: 'c2', k: 4, filter: 'price < 10' });
    for (let round = 0; round < 3; round++) assert.deepEqual(await engine.recommend(b), expected);
  } finally {
    await store.close();
    await fresh.store.close();
  }
});

test('a user unseen in training is folded in from the stored history; without history it is UnknownUserError', async () => {
  const { store, engine, t } = await shopEngine();
  try {
    await store.addInteractions([{ user: 'newbie', item: 'A', type: 'purchase', value: 1, timestamp: T0 + 20 * DAY }]);
    const r = await engine.recommend({ user: 'newbie', k: 2 });
    const direct = t.model.recommendHistory(Int32Array.of(t.items.get('A')), Float32Array.of(1), { k: 3 });
    assert.deepEqual(ids(r), Array.from(direct.items, (i) => t.items.id(i)).filter((id) => id !== 'POST').slice(0, 2));
    assert.match(r.items[0]!.reasons[0]!.text, /folded in from 1 events/);
    await assert.rejects(engine.recommend({ user: 'nobody' }), UnknownUserError);
    // An anonymous session's history is folded in the same way, and its items are not recommended back.
    const anon = await engine.recommend({ history: ['A'], k: 2 });
    assert.deepEqual(ids(anon), ids(r));
  } finally {
    await store.close();
  }
});

test('filters, categories, exclusions and the non-product default', async () => {
  const { store, engine } = await shopEngine();
  try {
    const all = await engine.recommend({ recipe: 'popular', k: 20 });
    assert.ok(!ids(all).includes('POST'), 'postage is not a product');
    // Purchases: A 8, B 6, D 4, E 4 (a tie goes to the catalogue order), C 3, G 2, H 2, F 1.
    assert.deepEqual(ids(all), ['A', 'B', 'D', 'E', 'C', 'G', 'H', 'F']);
    const withPost = await engine.recommend({ recipe: 'popular', k: 1, includeNonProducts: true });
    assert.deepEqual(ids(withPost), ['POST']);
    const cheap = await engine.recommend({ recipe: 'popular', k: 20, filter: 'price < 10 AND NOT category:"Books"' });
    assert.deepEqual(ids(cheap).sort(), ['B', 'C', 'F']);
    const textiles = await engine.recommend({ recipe: 'popular', k: 20, category: 'Textiles' });
    assert.deepEqual(ids(textiles), ['D', 'C']);
    const excl = await engine.recommend({ recipe: 'popular', k: 2, exclude: ['A'] });
    assert.deepEqual(ids(excl), ['B', 'D']);
    // Given candidates: only they may come back, still filtered; an unknown id is simply never returned.
    const given = await engine.recommend({ recipe: 'popular', k: 20, candidates: ['H', 'C', 'POST', 'nope'] });
    assert.deepEqual(ids(given), ['C', 'H']);
    const givenCheap = await engine.recommend({ recipe: 'popular', k: 20, candidates: ['A', 'B', 'C'], filter: 'price < 10' });
    assert.deepEqual(ids(givenCheap), ['B', 'C']);
    const personal = await engine.recommend({ user: 'g0', k: 20, candidates: ['A', 'G', 'B'] });
    assert.ok(ids(personal).every((x) => x === 'A' || x === 'B'), `only given candidates, not seen ones: ${ids(personal)}`);
    assert.equal(all.items[0]!.reasons[0]!.text, 'popular: 8 events');
  } finally {
    await store.close();
  }
});

test('boosts, pins and caps re-rank, and say so in the reasons', async () => {
  const { store, engine } = await shopEngine();
  try {
    const boosted = await engine.recommend({ recipe: 'popular', k: 3, boost: [{ filter: 'category:Books', multiply: 10 }] });
    assert.deepEqual(ids(boosted).slice(0, 2).sort(), ['G', 'H']);
    assert.ok(boosted.items[0]!.reasons.some((x) => x.kind === 'boost' && x.text === '×10 for category:Books'));
    const pinned = await engine.recommend({ recipe: 'popular', k: 3, pin: [{ item: 'F', position: 2 }] });
    assert.deepEqual(ids(pinned), ['A', 'F', 'B']);
    assert.ok(pinned.items[1]!.reasons.some((x) => x.kind === 'pin'));
    const capped = await engine.recommend({ recipe: 'popular', k: 4, cap: [{ field: 'category', max: 1 }] });
    assert.deepEqual(ids(capped), ['A', 'D', 'E', 'G']);
  } finally {
    await store.close();
  }
});

test('bad requests are ConfigErrors naming the field', async () => {
  const { store, engine } = await shopEngine();
  try {
    const field = async (req: Parameters<Engine['recommend']>[0]) => {
      const e = await engine.recommend(req).then(() => undefined, (x: unknown) => x);
      assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
      return e;
    };
    let e = await field({ recipe: 'nope' });
    assert.equal(e.field, 'recipe');
    assert.match(e.message, /unknown recipe "nope"; available: .*bought-together.*trending/);
    e = await field({ recipe: 'popular', k: 3, pin: [{ item: 'A', position: 4 }] });
    assert.equal(e.field, 'pin[0].position');
    e = await field({ recipe: 'popular', cap: [{ field: 'category', max: 0 }] });
    assert.equal(e.field, 'cap[0].max');
    e = await field({ recipe: 'popular', colour: 'red' } as never);
    assert.equal(e.field, 'colour');
    assert.match(e.message, /valid fields: recipe, user, history, context/);
    e = await field({ recipe: 'popular', pin: [{ item: 'nope', position: 1 }] });
    assert.equal(e.field, 'pin[0].item');
    await assert.rejects(engine.recommend({ recipe: 'related', context: { item: 'nope' } }), (x: unknown) =>
      x instanceof UnknownItemError && x.message === 'unknown item "nope": it is not in the store (import it first)');
    e = await field({ recipe: 'related' });
    assert.equal(e.field, 'context.item');
    e = await field({ recipe: 'popular', excludeShown: '7 days' });
    assert.equal(e.field, 'excludeShown');
  } finally {
    await store.close();
  }
});

test('impressions are recorded (counted, not training signal) and excludeShown hides them within the window', async () => {
  const { store, engine } = await shopEngine();
  try {
    const now = Date.now();
    const first = await engine.recommend({ recipe: 'popular', user: 'f0', k: 2, recordImpressions: true });
    assert.deepEqual(ids(first), ['A', 'B']);
    assert.equal(first.impressions?.inserted, 2);
    assert.equal((await store.stats()).byType.impression, 2);
    const again = await engine.recommend({ recipe: 'popular', user: 'f0', k: 2, excludeShown: '7d' });
    assert.deepEqual(ids(again), ['D', 'E']);
    // Shown is not seen: without excludeShown they come back.
    assert.deepEqual(ids(await engine.recommend({ recipe: 'popular', user: 'f0', k: 2 })), ['A', 'B']);
    // Outside the window they come back too.
    assert.deepEqual(ids(await engine.recommend({ recipe: 'popular', user: 'f0', k: 2, excludeShown: '1h', now: now + 2 * 3_600_000 })), ['A', 'B']);
    await assert.rejects(engine.recommend({ recipe: 'popular', k: 2, recordImpressions: true }), (e: ConfigError) => e.field === 'recordImpressions');
    // Impressions do not become purchases for training or for the recipes' statistics.
    const t = await trainFromStore(store, { model: { kind: 'popularity' } });
    assert.equal(t.info.interactions, shopEvents().length);
  } finally {
    await store.close();
  }
});

test('bought-together: the strongest association first, with support, confidence and lift; falls back without baskets', async () => {
  const { store, engine } = await shopEngine();
  try {
    const r = await engine.recommend({ recipe: 'bought-together', context: { item: 'A' }, k: 2 });
    assert.deepEqual(ids(r), ['B', 'C']);
    // 8 baskets hold A, 5 of them B: confidence 5/8; lift = (5 · 15 baskets) / (8 · 6 baskets with B).
    assert.equal(r.items[0]!.reasons[0]!.kind, 'bought-together');
    assert.equal(r.items[0]!.reasons[0]!.text, `bought with "Teapot" in 5 baskets (confidence 0.63, lift ${+(5 * 15 / (8 * 6)).toFixed(1)})`);
    assert.equal(r.fallbacks, undefined);
    // F was only ever bought alone: nothing passes the minimum support, related then popular fill the list.
    const f = await engine.recommend({ recipe: 'bought-together', context: { item: 'F' }, k: 3 });
    assert.equal(f.items.length, 3);
    assert.ok(!ids(f).includes('F'));
    assert.ok(f.fallbacks && f.fallbacks.length >= 1);
    assert.equal(f.items[0]!.reasons[0]!.kind, 'fallback');
    const basket = await engine.recommend({ recipe: 'bought-together', items: ['A', 'B'], k: 1 });
    assert.deepEqual(ids(basket), ['C']);
  } finally {
    await store.close();
  }
});

test('trending ranks the item whose rate rose, popular over a window, new arrivals by timestamp', async () => {
  const store = await openStore(join(dir, `trend-${nDb++}.db`));
  try {
    await store.upsertItems(ITEMS);
    const now = T0 + 60 * DAY;
    const rows: InteractionRow[] = [];
    // X: 1 view a week for 4 weeks, then 12 this week. Y: 10 a week throughout (busier, flat).
    for (let w = 1; w <= 4; w++) {
      rows.push({ user: `x${w}`, item: 'A', type: 'view', value: 1, timestamp: now - (w + 0.5) * 7 * DAY });
      for (let q = 0; q < 10; q++) rows.push({ user: `y${w}-${q}`, item: 'B', type: 'view', value: 1, timestamp: now - (w + 0.5) * 7 * DAY });
    }
    for (let q = 0; q < 12; q++) rows.push({ user: `xn${q}`, item: 'A', type: 'view', value: 1, timestamp: now - (q + 1) * 3_600_000 });
    for (let q = 0; q < 10; q++) rows.push({ user: `yn${q}`, item: 'B', type: 'view', value: 1, timestamp: now - (q + 1) * 3_600_000 });
    await store.addInteractions(rows);
    const engine = await Engine.open({ store });
    const r = await engine.recommend({ recipe: 'trending', window: '7d', k: 2, now });
    assert.deepEqual(ids(r), ['A', 'B']);
    assert.equal(r.items[0]!.reasons[0]!.text, 'trending: +1100% this week (12 events vs 1 per week over the 4 before)');
    const pop = await engine.recommend({ recipe: 'popular', window: '7d', k: 2, now });
    assert.deepEqual(ids(pop), ['A', 'B']);
    assert.equal(pop.items[0]!.reasons[0]!.text, 'popular: 12 events in the last week');
    const popAll = await engine.recommend({ recipe: 'popular', k: 2 });
    assert.deepEqual(ids(popAll), ['B', 'A']);
    const fresh = await engine.recommend({ recipe: 'new-arrivals', k: 3 });
    assert.deepEqual(ids(fresh), ['H', 'G', 'F']);
    assert.equal(fresh.items[0]!.reasons[0]!.text, 'new: added 2024-01-08');
    // A recipe that needs a model says so.
    await assert.rejects(engine.recommend({ user: 'x1' }), (e: ConfigError) => e.field === 'model');
  } finally {
    await store.close();
  }
});

test('continue lists the user\'s own recent items, newest first; also-viewed uses views only', async () => {
  const store = await openStore(join(dir, `cont-${nDb++}.db`));
  try {
    await store.upsertItems(ITEMS);
    const now = T0 + 30 * DAY;
    await store.addInteractions([
      { user: 'u', item: 'G', type: 'view', value: 1, timestamp: now - 3 * DAY },
      { user: 'u', item: 'H', type: 'purchase', value: 1, timestamp: now - 1 * DAY - 3_600_000 },
      { user: 'u', item: 'G', type: 'view', value: 1, timestamp: now - 10 * DAY },
      { user: 'v', item: 'G', type: 'view', value: 1, timestamp: now - 2 * DAY },
      { user: 'v', item: 'E', type: 'view', value: 1, timestamp: now - 2 * DAY + 60_000 },
      { user: 'w', item: 'G', type: 'view', value: 1, timestamp: now - 2 * DAY },
      { user: 'w', item: 'E', type: 'view', value: 1, timestamp: now - 2 * DAY + 60_000 },
      { user: 'w', item: 'D', type: 'purchase', value: 1, timestamp: now - 2 * DAY + 90_000 },
      { user: 'z', item: 'G', type: 'purchase', value: 1, timestamp: now - 2 * DAY },
      { user: 'z', item: 'D', type: 'purchase', value: 1, timestamp: now - 2 * DAY + 60_000 },
    ]);
    const engine = await Engine.open({ store });
    const r = await engine.recommend({ recipe: 'continue', user: 'u', now });
    assert.deepEqual(ids(r), ['H', 'G']);
    assert.equal(r.items[0]!.reasons[0]!.text, 'you bought it yesterday');
    assert.equal(r.items[1]!.reasons[0]!.text, 'you viewed it 3 days ago');
    await assert.rejects(engine.recommend({ recipe: 'continue', user: 'ghost' }), UnknownUserError);
    const av = await engine.recommend({ recipe: 'also-viewed', context: { item: 'G' }, k: 3 });
    // Only E was viewed with G (D was bought with it): the rest of the list comes from the fallbacks.
    assert.equal(ids(av)[0], 'E');
    assert.equal(av.items[0]!.reasons[0]!.text, 'viewed with "Cookbook" in 2 sessions');
    assert.ok(av.items.slice(1).every((x) => x.reasons[0]!.kind === 'fallback'));
  } finally {
    await store.close();
  }
});

test('a pipeline config file adds recipes and defaults; unknown keys list the valid ones', async () => {
  const { store, t } = await shopEngine();
  try {
    const file = join(dir, 'pipeline.json');
    writeFileSync(file, JSON.stringify({
      defaults: { k: 2 },
      recipes: { 'cheap-picks': { scorers: [{ kind: 'popular' }], filter: 'price < 10' } },
    }));
    const engine = await Engine.open({ store, model: t, config: file });
    const r = await engine.recommend({ recipe: 'cheap-picks' });
    assert.deepEqual(ids(r), ['B', 'C']);
    writeFileSync(file, JSON.stringify({ recipes: { x: { scorers: [{ kind: 'popular', windw: '7d' }] } } }));
    await assert.rejects(Engine.open({ store, config: file }), (e: ConfigError) =>
      e.field === `${file}.recipes.x.scorers[0].windw` && /valid fields: kind, weight, window/.test(e.message));
    writeFileSync(file, JSON.stringify({ recipes: { x: { scorers: [{ kind: 'popular' }], fallback: ['nope'] } } }));
    await assert.rejects(Engine.open({ store, config: file }), (e: ConfigError) => e.field === 'recipes.x.fallback[0]');
    writeFileSync(file, '{ "defaults": ');
    await assert.rejects(Engine.open({ store, config: file }), /not valid JSON/);
  } finally {
    await store.close();
  }
});

test('related blends model similarity with co-occurrence and names the seed in its reasons', async () => {
  const { store, engine } = await shopEngine();
  try {
    const r = await engine.recommend({ recipe: 'related', context: { item: 'G' }, k: 3 });
    assert.equal(ids(r)[0], 'H');
    const kinds = r.items[0]!.reasons.map((x) => x.kind).sort();
    assert.deepEqual(kinds, ['cooccurrence', 'similar']);
    assert.match(r.items[0]!.reasons.find((x) => x.kind === 'similar')!.text, /^similar to "Cookbook" \(model similarity [\d.]+\)$/);
  } finally {
    await store.close();
  }
});

test('the engine is part of the public API', async () => {
  const curio = await import('../index.ts');
  const store = await shop();
  try {
    const engine = await curio.Engine.open({ store });
    const r = await engine.recommend({ recipe: 'popular', k: 1 });
    assert.deepEqual(ids(r), ['A']);
    assert.ok(Object.keys(curio.RECIPE_PRESETS).includes('bought-together'));
  } finally {
    await store.close();
  }
});

test('property: whatever the recipe and filter, no returned item violates the filter', async () => {
  const { parseFilter, matchesFilter } = await import('../rules/index.ts');
  const { Rng } = await import('../data/random.ts');
  const { store, engine } = await shopEngine();
  try {
    const rng = new Rng(3);
    const pick = <T,>(xs: readonly T[]) => xs[rng.int(xs.length)]!;
    const clause = () => pick([
      () => `category:${JSON.stringify(pick(['Kitchen', 'Textiles', 'Home', 'Books']))}`,
      () => `price ${pick(['<', '<=', '>', '>='])} ${pick([3, 5, 9, 12, 20])}`,
      () => `category IN ("Kitchen", "Books")`,
      () => `title:${JSON.stringify(pick(ITEMS).title)}`,
      () => 'EXISTS price',
    ])();
    const filter = (depth: number): string => depth === 0 || rng.next() < 0.4
      ? (rng.next() < 0.2 ? `NOT ${clause()}` : clause())
      : `(${filter(depth - 1)} ${pick(['AND', 'OR'])} ${filter(depth - 1)})`;
    for (let trial = 0; trial < 60; trial++) {
      const f = filter(2);
      const recipe = pick(['recommend', 'popular', 'related', 'bought-together', 'new-arrivals']);
      const r = await engine.recommend({ recipe, k: 5, filter: f, user: 'c0', ...(recipe === 'related' || recipe === 'bought-together' ? { context: { item: 'A' } } : {}) });
      const node = parseFilter(f);
      for (const it of r.items) assert.ok(matchesFilter(node, engine.catalog, engine.catalog.ids.get(it.item)), `${recipe} returned ${it.item} against ${f}`);
    }
  } finally {
    await store.close();
  }
});

test('seen items are excluded however long the history (the oldest purchase of a very active user too)', async () => {
  const store = await shop();
  try {
    const rows: InteractionRow[] = [{ user: 'heavy', item: 'A', type: 'purchase', value: 1, timestamp: T0 }];
    for (let q = 1; q <= 1100; q++) rows.push({ user: 'heavy', item: 'G', type: 'view', value: 1, timestamp: T0 + q * 60_000 });
    await store.addInteractions(rows);
    const engine = await Engine.open({ store });
    assert.deepEqual(ids(await engine.recommend({ recipe: 'popular', user: 'heavy', k: 2 })), ['B', 'D']);
    // A cap on the history read is a choice the pipeline file makes, with its cost spelled out.
    const capped = await Engine.open({ store, config: { defaults: { historyLimit: 100 } } });
    assert.deepEqual(ids(await capped.recommend({ recipe: 'popular', user: 'heavy', k: 2 })), ['A', 'B']);
  } finally {
    await store.close();
  }
});

test('concurrent first requests share one snapshot and one fit, and agree', async () => {
  const store = await shop();
  try {
    const engine = await Engine.open({ store });
    let snapshots = 0;
    const snapshot = store.snapshot.bind(store);
    store.snapshot = (o) => { snapshots++; return snapshot(o); };
    const rs = await Promise.all(Array.from({ length: 4 }, () => engine.recommend({ recipe: 'bought-together', context: { item: 'A' }, k: 2 })));
    assert.equal(snapshots, 1);
    for (const r of rs) assert.deepEqual(ids(r), ['B', 'C']);
    engine.refresh();
    await engine.recommend({ recipe: 'popular', k: 1 });
    assert.equal(snapshots, 2, 'refresh() refits from the store');
  } finally {
    await store.close();
  }
});

test('adopting nothing reads no events until a request needs them; a request waiting meanwhile gets the snapshot', async () => {
  const store = await shop();
  try {
    let snapshots = 0;
    const snapshot = store.snapshot.bind(store);
    store.snapshot = (o) => { snapshots++; return snapshot(o); };
    const engine = await Engine.open({ store });
    engine.adopt(Promise.resolve(undefined));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(snapshots, 0, 'a model swap on a server that needed no snapshot reads none');
    assert.deepEqual(ids(await engine.recommend({ recipe: 'bought-together', context: { item: 'A' }, k: 2 })), ['B', 'C']);
    assert.equal(snapshots, 1, 'read on first need');
    // A request that asks while the adoption is in flight is answered from a snapshot read for it.
    let release!: () => void;
    engine.adopt(new Promise((r) => { release = () => r(undefined); }));
    const waiting = engine.recommend({ recipe: 'popular', k: 1 });
    await new Promise((r) => setTimeout(r, 10));
    release();
    assert.equal((await waiting).items.length, 1);
    assert.equal(snapshots, 2);
  } finally {
    await store.close();
  }
});

test('bought-together blends association with the model\'s fold-in of the basket (each max-normalised, weights 1); pure association without a model', async () => {
  const { store, engine, t } = await shopEngine();
  try {
    const n = engine.catalog.size, cat = (id: string) => engine.catalog.ids.get(id);
    const snap = await engine.snapshot(), bt = await engine.boughtTogether();
    const assoc = new Float32Array(n).fill(NaN), model = new Float32Array(n).fill(NaN);
    const buf = new Float32Array(snap.x.items.size).fill(NaN);
    bt.score(snap.toSnapshot(Int32Array.of(cat('A'))), buf);
    snap.toCatalogScores(buf, assoc);
    const mbuf = new Float32Array(t.model.nItems);
    t.model.scoreHistory(Int32Array.of(t.items.get('A')), Float32Array.of(1), mbuf);
    for (let j = 0; j < mbuf.length; j++) if (mbuf[j]! > 0) model[cat(t.items.id(j))] = mbuf[j]!;
    // Expected by hand from the two parts: candidates = every item but the seed and the postage.
    const allowed = (c: number) => c !== cat('A') && c !== cat('POST');
    const maxOf = (a: Float32Array) => Math.max(...[...a].filter((v, c) => allowed(c) && !Number.isNaN(v)));
    const ma = maxOf(assoc), mm = maxOf(model);
    assert.ok(ma > 0 && mm > 0, `max ${ma} ${mm}`);
    const want = [...Array(n).keys()].filter((c) => allowed(c) && (!Number.isNaN(assoc[c]!) || !Number.isNaN(model[c]!)))
      .map((c) => ({ id: engine.catalog.ids.id(c), s: (Number.isNaN(assoc[c]!) ? 0 : assoc[c]! / ma) + (Number.isNaN(model[c]!) ? 0 : model[c]! / mm) }))
      .sort((a, b) => b.s - a.s || a.id.localeCompare(b.id));
    assert.ok(want.length >= 2, JSON.stringify(want));
    const r = await engine.recommend({ recipe: 'bought-together', context: { item: 'A' }, k: want.length });
    assert.deepEqual(ids(r), want.map((w) => w.id));
    r.items.forEach((it, q) => assert.ok(Math.abs(it.score - want[q]!.s) < 1e-5, `${it.item}: ${it.score} vs ${want[q]!.s}`));
    const top = r.items[0]!;
    assert.deepEqual(top.reasons.map((x) => x.kind), ['bought-together', 'model']);
    assert.match(top.reasons[1]!.text, /^model score [\d.]+ \(itemknn, folded in from the given item\)$/);

    // No model: the association scores as they are, and only association reasons.
    const plain = await Engine.open({ store });
    const p = await plain.recommend({ recipe: 'bought-together', context: { item: 'A' }, k: 3 });
    const assocOnly = [...Array(n).keys()].filter((c) => allowed(c) && !Number.isNaN(assoc[c]!)).sort((a, b) => assoc[b]! - assoc[a]! || a - b);
    assert.deepEqual(ids(p).slice(0, assocOnly.length), assocOnly.map((c) => engine.catalog.ids.id(c)));
    assert.equal(p.items[0]!.score, assoc[assocOnly[0]!]);
    assert.ok(p.items.every((x) => !x.reasons.some((y) => y.kind === 'model')));
  } finally {
    await store.close();
  }
});

test('the direct path (iALS ranks a known user without catalogue arrays) answers exactly as the general path', async () => {
  const store = await openStore(join(dir, `direct-${nDb++}.db`));
  const { Rng } = await import('../data/random.ts');
  const rng = new Rng(3);
  // Items i0..i149 with events; j0..j9 in the catalogue only; a non-product; two categories for filters.
  await store.upsertItems([
    ...Array.from({ length: 150 }, (_, i) => ({ id: `i${i}`, title: `Item ${i}`, categories: [i % 2 ? 'odd' : 'even'], price: i })),
    ...Array.from({ length: 10 }, (_, i) => ({ id: `j${i}`, title: `Shelf ${i}` })),
    { id: 'POST', title: 'Postage', attrs: { nonProduct: true } },
  ]);
  const rows: InteractionRow[] = [];
  for (let u = 0; u < 80; u++) {
    const n = u === 0 ? 140 : 3 + rng.int(20); // u0 has seen nearly everything: fewer candidates than k
    for (let e = 0; e < n; e++) rows.push({ user: `u${u}`, item: u === 0 ? `i${e}` : `i${Math.min(149, Math.floor(rng.next() ** 2 * 150))}`, type: 'purchase', value: 1, timestamp: T0 + e * DAY + u });
    if (u % 5 === 0) rows.push({ user: `u${u}`, item: 'POST', type: 'purchase', value: 1, timestamp: T0 + u });
  }
  await store.addInteractions(rows);
  const t = await trainFromStore(store, { model: { kind: 'ials', config: { factors: 8, iterations: 4 } } });
  const engine = await Engine.open({ store, model: t });
  const model = t.model as { topForUser?: unknown };
  const direct = model.topForUser as (...a: unknown[]) => unknown;
  let directCalls = 0;
  const requests = [
    { user: 'u1' }, { user: 'u2', k: 3 }, { user: 'u3', k: 25 }, { user: 'u4', filter: 'category:odd' }, { user: 'u5', exclude: ['i0', 'i1', 'i2'] },
    { user: 'u6', excludeSeen: false }, { user: 'u10', includeNonProducts: true }, { user: 'u0', k: 20 }, { user: 'u7', filter: 'price < 30', k: 5 },
    ...Array.from({ length: 30 }, (_, q) => ({ user: `u${11 + q}`, k: 1 + (q % 12) })),
  ];
  for (const r of requests) {
    model.topForUser = (...a: unknown[]) => { directCalls++; return direct.apply(t.model, a); };
    const fast = await engine.recommend({ recipe: 'recommend', ...r });
    model.topForUser = undefined; // the instance property hides the method: the general path answers
    const general = await engine.recommend({ recipe: 'recommend', ...r });
    assert.deepEqual(fast, general, JSON.stringify(r));
  }
  delete model.topForUser;
  assert.equal(directCalls, requests.length); // every request tried the direct path (u0 then fell back: too few candidates)
  // u0 left 10 items unseen (popular has nothing new to add): the direct path declines, the general one lists 10.
  const u0 = await engine.recommend({ recipe: 'recommend', user: 'u0', k: 20 });
  assert.equal(u0.items.length, 10);
  await store.close();
});

test('text-aware models without a training row in their file (hybrid, cb2cf, content) recommend with a model reason, never a TypeError', async () => {
  const store = await shop();
  try {
    for (const model of [
      { kind: 'hybrid', config: { collaborative: { kind: 'ease', config: { l2: 10 } } } },
      { kind: 'cb2cf', config: {} },
      { kind: 'content', config: {} },
    ] as const) {
      const t = await trainFromStore(store, { model, data: { types: ['purchase'] } });
      const engine = await Engine.open({ store, model: t });
      const r = await engine.recommend({ recipe: 'recommend', user: 'c0', k: 3 });
      assert.equal(r.items.length, 3, model.kind);
      assert.match(r.items[0]!.reasons.map((x) => x.text).join('; '), new RegExp(`model score .* \\(${model.kind}\\)`), model.kind);
      // a history the model folds in (an unknown user's events)
      const h = await engine.recommend({ recipe: 'recommend', user: 'newcomer', history: [{ item: 'A', type: 'purchase', value: 1 }], k: 2 } as Parameters<Engine['recommend']>[0]);
      assert.equal(h.items.length, 2, model.kind);
    }
  } finally {
    await store.close();
  }
});
