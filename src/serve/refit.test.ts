import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../engine/engine.ts';
import { BoughtTogether } from '../recipes/index.ts';
import { Engines } from './engines.ts';
import { startServer } from './server.ts';
import { silentLogger } from './log.ts';
import { call, makeShop, type Shop } from './testing.ts';

const shops: Shop[] = [];
after(async () => { for (const s of shops) await s.store.close(); });

const T = Date.UTC(2024, 0, 20);
/** Requests over every aggregate recipe (co-occurrence, bought-together, trending, popular). */
const REQUESTS = [
  { path: '/v1/related', body: { context: { item: 'E' }, k: 5 } },
  { path: '/v1/bought-together', body: { items: ['E'], k: 5 } },
  { path: '/v1/bought-together', body: { items: ['G'], k: 5 } },
  { path: '/v1/also-viewed', body: { context: { item: 'F' }, k: 5 } },
  { path: '/v1/trending', body: { k: 5, window: '3d' } },
  { path: '/v1/popular', body: { k: 8 } },
  { path: '/v1/recommend', body: { user: 'b0', k: 4 } },
];

async function serve(shop: Shop, refit: 'worker' | 'inline', refitSlowMs?: number) {
  const engines = await Engines.open({ store: shop.store, model: shop.models[0], refit, ...(refitSlowMs ? { refitSlowMs } : {}) });
  const s = await startServer({ store: shop.store, engines, port: 0, logger: silentLogger, rateLimit: false, refreshMs: 0 });
  return { ...s, engines };
}

async function answers(url: string, key: string): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const r of REQUESTS) {
    const a = await call(url, 'POST', r.path, { key, body: r.body });
    assert.equal(a.status, 200, `${r.path}: ${JSON.stringify(a.body)}`);
    const { model: _m, ...rest } = a.body;
    out.push(rest);
  }
  return out;
}

/** What an engine opened now on the store answers: the parts fitted on the event loop, as before the worker existed. */
async function freshAnswers(shop: Shop): Promise<unknown[]> {
  const engine = await Engine.open({ store: shop.store, model: shop.models[0] });
  const out: unknown[] = [];
  for (const r of REQUESTS) out.push(await engine.recommend({ recipe: r.path.slice(4), ...r.body }));
  return JSON.parse(JSON.stringify(out)) as unknown[]; // as the server sends it (-0 becomes 0)
}

const newEvents = () => [
  ...['x0', 'x1', 'x2', 'x3'].flatMap((u, n) => ['E', 'F', 'C'].map((item) => ({ user: u, item, type: 'purchase', timestamp: T + n }))),
  ...['v0', 'v1', 'v2'].flatMap((u, n) => ['F', 'H'].map((item, q) => ({ user: u, item, type: 'view', timestamp: T + 10 + n * 2 + q, session: `${u}-s` }))),
];

test('after a background refit in the worker, every aggregate recipe answers exactly what parts fitted on the event loop answer', async () => {
  const shop = await makeShop();
  shops.push(shop);
  const srv = await serve(shop, 'worker');
  try {
    const before = await answers(srv.url, shop.keys.read); // fits every part once (the snapshot read in the worker)
    assert.deepEqual(before, await freshAnswers(shop));
    const r0 = srv.engines.refits;
    assert.equal(r0, 1, 'the first snapshot came from the worker');
    const w = await call(srv.url, 'POST', '/v1/events', { key: shop.keys.write, body: { events: newEvents() } });
    assert.equal(w.body.inserted, 18);
    // The refit may be over before the answer arrives (a small store): its count says it ran in the worker.
    await srv.engines.refitting;
    assert.equal(srv.engines.refits, r0 + 1, 'the events started a refit in the worker');
    const afterRefit = await answers(srv.url, shop.keys.read);
    assert.deepEqual(afterRefit, await freshAnswers(shop));
    assert.notDeepEqual(afterRefit, before, 'the new events changed the answers');

    // A GDPR erasure drops the parts at once and refits them in the worker: no answer counts the user's events again.
    assert.equal((await call(srv.url, 'DELETE', '/v1/users/x0', { key: shop.keys.admin })).status, 200);
    assert.deepEqual(await answers(srv.url, shop.keys.read), await freshAnswers(shop));
    assert.equal(srv.engines.refits, r0 + 2);
  } finally {
    await srv.close();
  }
});

test('requests are answered while a slow refit runs in the worker; inline, the same refit holds every request', async () => {
  const SLOW = 3000;
  for (const mode of ['worker', 'inline'] as const) {
    const shop = await makeShop();
    shops.push(shop);
    const srv = await serve(shop, mode, SLOW);
    try {
      const related = { context: { item: 'E' }, k: 3 };
      const old = (await call(srv.url, 'POST', '/v1/related', { key: shop.keys.read, body: related })).body;
      // New events start the refit; a request sent at the same time, and one after, are timed.
      const t0 = performance.now();
      const [events, health] = await Promise.all([
        call(srv.url, 'POST', '/v1/events', { key: shop.keys.write, body: { events: newEvents() } }),
        call(srv.url, 'GET', '/health'),
      ]);
      const during = await call(srv.url, 'POST', '/v1/related', { key: shop.keys.read, body: related });
      const ms = performance.now() - t0;
      assert.equal(health.status, 200);
      assert.equal(events.body.inserted, 18);
      if (mode === 'worker') {
        assert.ok(ms < SLOW / 2, `answered in ${ms.toFixed(0)} ms while the refit runs`);
        assert.ok(srv.engines.refitting, 'the refit was still running');
        assert.deepEqual(during.body, old, 'answered from the parts fitted before');
        await srv.engines.refitting;
        const now = (await call(srv.url, 'POST', '/v1/related', { key: shop.keys.read, body: related })).body;
        assert.notDeepEqual(now.items, old.items, 'then from the refitted parts');
      } else {
        assert.ok(ms >= SLOW, `inline, the refit held the event loop (${ms.toFixed(0)} ms)`);
      }
    } finally {
      await srv.close();
    }
  }
});

test('the first aggregate request\'s snapshot is read in the worker: a known user\'s request meanwhile is not held up', async () => {
  const shop = await makeShop();
  shops.push(shop);
  const srv = await serve(shop, 'worker', 1500);
  try {
    const t0 = performance.now();
    let popularAt = 0, recommendAt = 0;
    const popular = call(srv.url, 'POST', '/v1/popular', { key: shop.keys.read, body: { k: 3 } }).then((r) => { popularAt = performance.now() - t0; return r; });
    await new Promise((r) => setTimeout(r, 100)); // the popular request is waiting for the worker's snapshot
    const rec = await call(srv.url, 'POST', '/v1/recommend', { key: shop.keys.read, body: { user: 'b0', k: 3 } });
    recommendAt = performance.now() - t0;
    assert.equal(rec.status, 200);
    const p = await popular;
    assert.equal(p.status, 200);
    assert.ok(popularAt >= 1400, `popular waited for the (slowed) worker: ${popularAt.toFixed(0)} ms`);
    assert.ok(recommendAt < 1000, `recommend answered meanwhile: ${recommendAt.toFixed(0)} ms`);
    const { model: _m, ...rest } = p.body;
    const fresh = await Engine.open({ store: shop.store, model: shop.models[0] });
    assert.deepEqual(rest, JSON.parse(JSON.stringify(await fresh.recommend({ recipe: 'popular', k: 3 }))));
  } finally {
    await srv.close();
  }
});

test('the first bought-together request has its component fitted in the worker with the snapshot, not on the event loop', async () => {
  const shop = await makeShop();
  shops.push(shop);
  const srv = await serve(shop, 'worker');
  const fit = BoughtTogether.fit;
  let inline = 0;
  BoughtTogether.fit = ((...a: Parameters<typeof fit>) => { inline++; return fit(...a); }) as typeof fit;
  try {
    const r = await call(srv.url, 'POST', '/v1/bought-together', { key: shop.keys.read, body: { items: ['E'], k: 5 } });
    assert.equal(r.status, 200);
    assert.equal(inline, 0, 'nothing fitted on the event loop');
    assert.equal(srv.engines.refits, 1, 'one worker job brought the snapshot and the component');
    const { model: _m, ...rest } = r.body;
    BoughtTogether.fit = fit;
    const fresh = await Engine.open({ store: shop.store, model: shop.models[0] });
    assert.deepEqual(rest, JSON.parse(JSON.stringify(await fresh.recommend({ recipe: 'bought-together', items: ['E'], k: 5 }))));
  } finally {
    BoughtTogether.fit = fit;
    await srv.close();
  }
});
