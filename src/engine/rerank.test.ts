import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../errors.ts';
import { openStore } from '../store/registry.ts';
import type { DataStore } from '../store/types.ts';
import type { InteractionRow, ItemRow } from '../data/types.ts';
import { mulberry32 } from '../data/random.ts';
import { trainFromStore } from '../pipeline/train.ts';
import { formatFilter, matchesFilter } from '../rules/index.ts';
import { randomFilter, syntheticRow, valuePools } from '../rules/filter/random-filters.ts';
import { Engine, type EngineRequest } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'curio-rerank-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
let nDb = 0;

/**
 * Popularity with a known order: X1 (10 users) > X2 (9) > Y (8) > Z (7) > T1, T2, T3 (1 each). X1 and X2 are
 * near-duplicates (same categories). The head holding 80% of the 37 events is X1, X2, Y, Z (34); T* are the tail.
 */
async function store(categories: (id: string) => string[]): Promise<DataStore> {
  const s = await openStore(join(dir, `r-${nDb++}.db`));
  const counts: Record<string, number> = { X1: 10, X2: 9, Y: 8, Z: 7, T1: 1, T2: 1, T3: 1 };
  const items: ItemRow[] = Object.keys(counts).map((id) => ({ id, title: id, categories: categories(id) }));
  await s.upsertItems(items);
  const rows: InteractionRow[] = [];
  for (const [id, n] of Object.entries(counts)) for (let u = 0; u < n; u++) rows.push({ user: `u${u}`, item: id, type: 'purchase', value: 1, timestamp: 1000 + u });
  await s.addInteractions(rows);
  return s;
}
const byKind = (id: string) => ({ X1: ['Kitchen'], X2: ['Kitchen'], Y: ['Garden'], Z: ['Books'] } as Record<string, string[]>)[id] ?? ['Misc'];
const ids = (r: { items: { item: string }[] }) => r.items.map((x) => x.item);

test('diversity: of two near-duplicate top items the second drops (dpp and mmr over category Jaccard), with a reason', async () => {
  const s = await store(byKind);
  try {
    const engine = await Engine.open({ store: s });
    assert.deepEqual(ids(await engine.recommend({ recipe: 'popular', k: 2 })), ['X1', 'X2']);
    for (const rerank of ['dpp', 'mmr'] as const) {
      const r = await engine.recommend({ recipe: 'popular', k: 2, diversity: 0.5, rerank });
      assert.deepEqual(ids(r), ['X1', 'Y'], rerank);
      assert.equal(r.items[1]!.score, 8, 'the score shown stays the relevance score');
      const why = r.items[1]!.reasons.find((x) => x.kind === 'diversity');
      assert.ok(why, rerank);
      assert.match(why.text, new RegExp(`^moved up for diversity 0.5 \\(${rerank}, jaccard\\(categories\\)\\): 2nd instead of 3rd by relevance$`));
      assert.ok(!r.items[0]!.reasons.some((x) => x.kind === 'diversity'), 'the top item was not moved');
    }
    // Diversity 0 is the relevance order.
    assert.deepEqual(ids(await engine.recommend({ recipe: 'popular', k: 2, diversity: 0 })), ['X1', 'X2']);
  } finally {
    await s.close();
  }
});

test('diversity uses the model\'s item factors (cosine) when it has them, not the categories', async () => {
  // Every item in one category: Jaccard cannot tell them apart, so only the factors can push X2 out.
  const s = await store(() => ['All']);
  try {
    assert.deepEqual(ids(await (await Engine.open({ store: s })).recommend({ recipe: 'popular', k: 2, diversity: 0.5 })), ['X1', 'X2']);
    const t = await trainFromStore(s, { model: { kind: 'ials', config: { factors: 2, iterations: 1 } } });
    const m = t.model as unknown as { itemFactors: Float32Array };
    const v: Record<string, [number, number]> = { X1: [1, 0], X2: [1, 0.001], Y: [0, 1], Z: [0.6, 0.8], T1: [0.5, 0.5], T2: [0.5, 0.5], T3: [0.5, 0.5] };
    for (const [id, [a, b]] of Object.entries(v)) { const j = t.items.get(id); m.itemFactors[2 * j] = a; m.itemFactors[2 * j + 1] = b; }
    const engine = await Engine.open({ store: s, model: t });
    const r = await engine.recommend({ recipe: 'popular', k: 2, diversity: 0.5 });
    assert.deepEqual(ids(r), ['X1', 'Y']);
    assert.match(r.items[1]!.reasons.find((x) => x.kind === 'diversity')!.text, /\(dpp, cosine\(item factors\)\)/);
  } finally {
    await s.close();
  }
});

test('novelty 1 fills the list with long-tail items (training popularity), each with a novelty reason; xquad alone too', async () => {
  const s = await store(byKind);
  try {
    const engine = await Engine.open({ store: s });
    for (const req of [{ novelty: 1 }, { novelty: 1, rerank: 'xquad' as const }]) {
      const r = await engine.recommend({ recipe: 'popular', k: 3, ...req });
      assert.deepEqual(ids(r).sort(), ['T1', 'T2', 'T3'], JSON.stringify(req));
      for (const it of r.items) assert.match(it.reasons.find((x) => x.kind === 'novelty')!.text, /^long-tail item moved up for novelty 1: \d(st|nd|rd) instead of [5-7]th by relevance$/);
    }
    // Pins and caps still apply after re-ranking: a pinned head item keeps its place, a cap still caps.
    const pinned = await engine.recommend({ recipe: 'popular', k: 3, novelty: 1, pin: [{ item: 'X1', position: 1 }] });
    assert.equal(pinned.items[0]!.item, 'X1');
    assert.deepEqual(ids(pinned).slice(1).sort(), ['T1', 'T2']);
    const capped = await engine.recommend({ recipe: 'popular', k: 3, diversity: 0.1, cap: [{ field: 'category', max: 1 }] });
    assert.equal(new Set(capped.items.flatMap((x) => byKind(x.item))).size, 3);
  } finally {
    await s.close();
  }
});

test('knobs outside [0, 1], an unknown re-ranker and xquad with diversity are ConfigErrors naming the request field', async () => {
  const s = await store(byKind);
  try {
    const engine = await Engine.open({ store: s });
    const field = async (req: Partial<EngineRequest>) => {
      try {
        await engine.recommend({ recipe: 'popular', ...req } as EngineRequest);
      } catch (e) {
        assert.ok(e instanceof ConfigError, String(e));
        return e.field;
      }
      assert.fail(`no error for ${JSON.stringify(req)}`);
    };
    assert.equal(await field({ diversity: 1.5 }), 'diversity');
    assert.equal(await field({ novelty: -0.1 }), 'novelty');
    assert.equal(await field({ diversity: Number.NaN }), 'diversity');
    assert.equal(await field({ rerank: 'shuffle' as never, diversity: 0.3 }), 'rerank');
    assert.equal(await field({ rerank: 'xquad', diversity: 0.3 }), 'rerank');
    assert.equal(await field({ rerank: 'calibrated', diversity: 0.3 }), 'rerank'); // no user history to calibrate to
    await assert.rejects(Engine.open({ store: s, config: { recipes: { p: { scorers: [{ kind: 'popular' }], rerank: { novelty: 2 } } } } }), (e: unknown) => e instanceof ConfigError && e.field === 'pipeline.recipes.p.rerank.novelty');
  } finally {
    await s.close();
  }
});

test('pipeline defaults and recipe defaults set the knobs; the request overrides them', async () => {
  const s = await store(byKind);
  try {
    const engine = await Engine.open({
      store: s,
      config: { defaults: { rerank: { novelty: 1 } }, recipes: { varied: { scorers: [{ kind: 'popular' }], rerank: { diversity: 0.5, novelty: 0 } } } },
    });
    assert.deepEqual(ids(await engine.recommend({ recipe: 'varied', k: 2 })), ['X1', 'Y']);
    assert.deepEqual(ids(await engine.recommend({ recipe: 'varied', k: 2, diversity: 0 })), ['X1', 'X2']);
    assert.deepEqual(ids(await engine.recommend({ recipe: 'popular', k: 3 })).sort(), ['T1', 'T2', 'T3']);
    assert.deepEqual(ids(await engine.recommend({ recipe: 'popular', k: 2, novelty: 0 })), ['X1', 'X2']);
  } finally {
    await s.close();
  }
});

test('the display order: a pipeline default `order: greedy` shows the pick order, the request\'s relevance the scores', async () => {
  const s = await store(byKind);
  try {
    const engine = await Engine.open({ store: s, config: { defaults: { rerank: { novelty: 0.7, order: 'greedy' } } } });
    const greedy = ids(await engine.recommend({ recipe: 'popular', k: 4 }));
    const relevance = ids(await engine.recommend({ recipe: 'popular', k: 4, order: 'relevance' }));
    assert.deepEqual(relevance, ['X1', 'X2', 'T1', 'T2']);
    assert.deepEqual(greedy, ['T1', 'X1', 'T2', 'X2']);
  } finally {
    await s.close();
  }
});

test('property: re-ranked results never contain an item violating the filter, and are as long as without re-ranking', async () => {
  const rng = mulberry32(21);
  const rows = Array.from({ length: 300 }, (_, i) => syntheticRow(rng, `p${i}`));
  const s = await openStore(join(dir, `prop-${nDb++}.db`));
  try {
    await s.upsertItems(rows);
    const events: InteractionRow[] = [];
    for (let e = 0; e < 3000; e++) {
      // Skewed popularity, so there is a head and a tail.
      const i = Math.floor(300 * rng() ** 3);
      events.push({ user: `u${e % 200}`, item: `p${i}`, type: 'purchase', value: 1, timestamp: e });
    }
    await s.addInteractions(events);
    const engine = await Engine.open({ store: s });
    const pools = valuePools(engine.catalog, ['category', 'price', 'attrs.brand', 'attrs.year', 'attrs.inStock', 'attrs.tags']);
    let checked = 0;
    for (let trial = 0; trial < 60; trial++) {
      const ast = randomFilter(rng, pools, 3);
      const filter = rng() < 0.5 ? ast : formatFilter(ast);
      const k = 1 + Math.floor(rng() * 15);
      const base = { recipe: 'popular', k, filter, user: `u${trial % 200}` } as const;
      const plain = await engine.recommend(base);
      const method = (['dpp', 'mmr', 'calibrated', 'xquad'] as const)[trial % 4]!;
      const r = await engine.recommend({ ...base, rerank: method, diversity: method === 'xquad' ? 0 : rng(), novelty: rng() });
      assert.equal(r.items.length, plain.items.length, formatFilter(ast));
      for (const it of r.items) assert.ok(matchesFilter(ast, engine.catalog, engine.catalog.ids.get(it.item)), `${it.item} violates ${formatFilter(ast)}`);
      checked += r.items.length;
    }
    assert.ok(checked > 100, `only ${checked} items checked`);
  } finally {
    await s.close();
  }
});
