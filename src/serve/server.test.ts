import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, renameSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { makeShop, serveShop, call, storeDump } from './testing.ts';
import { jsonLogger } from './log.ts';
import { openApiDocument } from './openapi.ts';

// One shop and one server for the file: a real SQLite file, real model files, a real socket on 127.0.0.1.
const shop = await makeShop();
const srv = await serveShop(shop);
const base = srv.url;
const { read, write, admin } = shop.keys;
after(async () => {
  await srv.close();
  await shop.store.close();
});

const ids = (r: { body: { items: { item: string }[] } }) => r.body.items.map((x) => x.item);

const dump = () => storeDump(shop.db);

test('binds 127.0.0.1; health, ready, the OpenAPI document and the docs page answer without a key', async () => {
  assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.deepEqual((await call(base, 'GET', '/health')).body, { status: 'ok' });
  const ready = await call(base, 'GET', '/ready');
  assert.equal(ready.status, 200);
  assert.equal(ready.body.ready, true);
  assert.match(ready.body.model, /^[0-9a-f]{12}$/);
  const doc = (await call(base, 'GET', '/openapi.json')).body;
  assert.equal(doc.openapi, '3.0.3');
  const rec = doc.paths['/v1/recommend'].post;
  assert.equal(rec['x-scope'], 'read');
  const req = rec.requestBody.content['application/json'].schema;
  assert.equal(req.additionalProperties, false, 'unknown fields are refused, and the document says so');
  assert.equal(req.properties.user.maxLength, 256);
  assert.ok(doc.paths['/v1/items/{id}'].put && doc.paths['/v1/users/{id}/export'].get && doc.paths['/v1/events'].post);
  const page = await call(base, 'GET', '/docs');
  assert.match(String(page.body), /<code>\/v1\/recommend<\/code>/);
  const nf = await call(base, 'GET', '/nope');
  assert.equal(nf.status, 404);
  assert.equal(nf.body.error.code, 'not_found');
});

test('the document is generated from the schemas: every route the server registered is in it', () => {
  assert.throws(() => openApiDocument([{ method: 'get', path: '/x', scope: null, summary: '', tag: '', response: null as never, status: 200 }]));
});

test('keys and scopes: 401 without or with a bad key, 403 with too small a scope; errors are JSON with a request id', async () => {
  const none = await call(base, 'POST', '/v1/recommend', { body: { user: 'b0' } });
  assert.equal(none.status, 401);
  assert.equal(none.body.error.code, 'unauthorized');
  assert.equal(none.body.error.requestId, none.headers.get('x-request-id'));
  const bad = await call(base, 'POST', '/v1/recommend', { key: read.slice(0, -1) + (read.endsWith('A') ? 'B' : 'A'), body: { user: 'b0' } });
  assert.equal(bad.status, 401);
  assert.equal((await call(base, 'POST', '/v1/recommend', { key: 'curio_000000000000_' + 'x'.repeat(43), body: { user: 'b0' } })).status, 401);
  const forbidden = await call(base, 'POST', '/v1/events', { key: read, body: { user: 'b0', item: 'C', type: 'view' } });
  assert.equal(forbidden.status, 403);
  assert.match(forbidden.body.error.message, /scope "write"/);
  assert.equal((await call(base, 'DELETE', '/v1/users/b0', { key: write })).status, 403);
  assert.equal((await call(base, 'POST', '/v1/model/reload', { key: write, body: {} })).status, 403);
  // A larger scope includes the smaller ones; X-Api-Key works as well as Bearer.
  assert.equal((await call(base, 'POST', '/v1/recommend', { key: admin, body: { user: 'b0' } })).status, 200);
  assert.equal((await call(base, 'GET', '/v1/model', { headers: { 'x-api-key': read } })).status, 200);
});

test('a revoked key is refused at once, although the server remembered it as verified', async () => {
  const { ApiKeys } = await import('./keys.ts');
  const keys = new ApiKeys(shop.store);
  const k = await keys.create('read', 'temp');
  assert.equal((await call(base, 'GET', '/v1/model', { key: k.key })).status, 200);
  assert.ok(await keys.revoke(k.id));
  assert.equal((await call(base, 'GET', '/v1/model', { key: k.key })).status, 401);
  const db = new Database(shop.db, { readonly: true });
  const row = db.prepare('SELECT * FROM curio_api_keys WHERE id = ?').get(k.id) as Record<string, unknown>;
  db.close();
  const secret = k.key.slice('curio_'.length + 12 + 1);
  assert.equal(secret.length, 43);
  assert.deepEqual(Object.keys(row).sort(), ['created_at', 'hash', 'id', 'name', 'revoked_at', 'salt', 'scope']);
  assert.ok(Object.values(row).every((v) => !String(v).includes(secret) && !(Buffer.isBuffer(v) && v.toString().includes(secret))), 'the secret is stored only hashed');
  assert.equal((row.hash as Buffer).length, 32);
});

test('a key revoked or created by another connection (curio keys in another process) counts from the next request', async () => {
  const { ApiKeys } = await import('./keys.ts');
  const { SqliteStore } = await import('../store/sqlite/index.ts');
  const other = SqliteStore.open(shop.db);
  try {
    const keys = new ApiKeys(other);
    const k = await keys.create('read');
    assert.equal((await call(base, 'GET', '/v1/model', { key: k.key })).status, 200);
    assert.equal((await call(base, 'GET', '/v1/model', { key: k.key })).status, 200, 'verified and remembered');
    assert.ok(await keys.revoke(k.id));
    assert.equal((await call(base, 'GET', '/v1/model', { key: k.key })).status, 401);
    // A request with an unknown id is remembered as unknown, until the store changes.
    const later = await keys.create('read');
    assert.equal((await call(base, 'GET', '/v1/model', { key: later.key })).status, 200);
  } finally {
    await other.close();
  }
});

test('a client that leaves in the middle of its body: a 400 (logged), not a server failure, and the server goes on', async () => {
  const lines: { msg: string; method?: string; status?: number }[] = [];
  const s = await serveShop(shop, { logger: jsonLogger((l) => lines.push(JSON.parse(l))) });
  try {
    const { port } = new URL(s.url);
    const sock = connect(Number(port), '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    sock.write(`POST /v1/recommend HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${read}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"user":`);
    await new Promise((r) => setTimeout(r, 100));
    sock.destroy();
    for (let t = 0; t < 50 && !lines.some((l) => l.msg === 'request'); t++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(lines.filter((l) => l.msg !== 'histories cached').map((l) => [l.msg, l.method, l.status]), [['request', 'POST', 400]], 'the cut-off request finished as the client\'s error, not a server failure');
    assert.equal((await call(s.url, 'POST', '/v1/recommend', { key: read, body: { user: 'b0' } })).status, 200);
  } finally {
    await s.close();
  }
});

test('every recipe route answers through the engine, with rules; bad requests name the field', async () => {
  const rec = await call(base, 'POST', '/v1/recommend', { key: read, body: { user: 'b0', k: 3 } });
  assert.equal(rec.status, 200);
  assert.equal(rec.body.recipe, 'recommend');
  assert.equal(rec.body.items.length, 3);
  assert.equal(rec.body.model, srv.engines.current.version);
  assert.ok(!ids(rec).includes('A') && !ids(rec).includes('B'), 'what b0 bought is left out');
  assert.equal(rec.body.items[0].reasons[0].kind, 'model');
  const pinned = await call(base, 'POST', '/v1/recommend', { key: read, body: { user: 'b0', k: 3, pin: [{ item: 'H', position: 1 }], filter: 'price < 100' } });
  assert.equal(ids(pinned)[0], 'H');
  const related = await call(base, 'POST', '/v1/related', { key: read, body: { context: { item: 'A' }, k: 2 } });
  assert.deepEqual(ids(related), ['B', 'C']);
  const fbt = await call(base, 'POST', '/v1/bought-together', { key: read, body: { items: ['A'], k: 1 } });
  assert.deepEqual(ids(fbt), ['B']);
  assert.equal((await call(base, 'POST', '/v1/popular', { key: read, body: { k: 2 } })).body.items.length, 2);
  assert.equal((await call(base, 'POST', '/v1/trending', { key: read, body: { k: 2 } })).status, 200);
  const newest = await call(base, 'POST', '/v1/new-arrivals', { key: read, body: { k: 1 } });
  assert.equal(newest.body.items[0].item, 'H');

  const wrongRecipe = await call(base, 'POST', '/v1/related', { key: read, body: { recipe: 'popular', context: { item: 'A' } } });
  assert.equal(wrongRecipe.status, 400);
  assert.equal(wrongRecipe.body.error.field, 'recipe');
  const badK = await call(base, 'POST', '/v1/recommend', { key: read, body: { user: 'b0', k: 'ten' } });
  assert.deepEqual([badK.status, badK.body.error.field], [400, 'k']);
  const badFilter = await call(base, 'POST', '/v1/recommend', { key: read, body: { user: 'b0', filter: 'price <' } });
  assert.deepEqual([badFilter.status, badFilter.body.error.code, badFilter.body.error.field], [400, 'invalid_request', 'filter']);
  const unknownItem = await call(base, 'POST', '/v1/related', { key: read, body: { context: { item: 'nope' } } });
  assert.deepEqual([unknownItem.status, unknownItem.body.error.code], [404, 'unknown_item']);
  const long = await call(base, 'POST', '/v1/recommend', { key: read, body: { user: 'u'.repeat(257) } });
  assert.deepEqual([long.status, long.body.error.field], [400, 'user']);
  const notJson = await call(base, 'POST', '/v1/recommend', { key: read, body: '{"user": ' });
  assert.equal(notJson.body.error.code, 'invalid_json');
});

test('items: upsert is served at once, get, list with paging, delete (with its events)', async () => {
  const put = await call(base, 'PUT', '/v1/items/NEW1', { key: write, body: { title: 'Kettle', categories: ['Kitchen'], price: 25, timestamp: Date.UTC(2025, 0, 1) } });
  assert.deepEqual(put.body, { rows: 1, inserted: 1, updated: 0, unchanged: 0 });
  // The newest item, served before any retraining; and related on an item the model never saw answers (falls back).
  assert.deepEqual(ids(await call(base, 'POST', '/v1/new-arrivals', { key: read, body: { k: 1 } })), ['NEW1']);
  assert.equal((await call(base, 'POST', '/v1/related', { key: read, body: { context: { item: 'NEW1' }, k: 2 } })).status, 200);
  const got = await call(base, 'GET', '/v1/items/NEW1', { key: read });
  assert.deepEqual(got.body, { id: 'NEW1', title: 'Kettle', categories: ['Kitchen'], price: 25, timestamp: Date.UTC(2025, 0, 1) });
  assert.equal((await call(base, 'PUT', '/v1/items/NEW1', { key: write, body: { price: 22 } })).body.updated, 1);
  assert.equal((await call(base, 'GET', '/v1/items/NEW1', { key: read })).body.title, 'Kettle', 'fields left out keep their value');
  const batch = await call(base, 'POST', '/v1/items', { key: write, body: { items: [{ id: 'NEW2', title: 'Mug' }, { id: 'NEW3', title: 'Jug' }] } });
  assert.equal(batch.body.inserted, 2);

  const page1 = await call(base, 'GET', '/v1/items?limit=4', { key: read });
  assert.deepEqual(page1.body.items.map((x: { id: string }) => x.id), ['A', 'B', 'C', 'D']);
  assert.equal(page1.body.next, 'D');
  const all: string[] = [];
  for (let after = ''; ;) {
    const p = await call(base, 'GET', `/v1/items?limit=4&after=${after}`, { key: read });
    all.push(...p.body.items.map((x: { id: string }) => x.id));
    if (!p.body.next) break;
    after = p.body.next;
  }
  assert.deepEqual(all, ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'NEW1', 'NEW2', 'NEW3']);
  assert.equal((await call(base, 'GET', '/v1/items?limit=0', { key: read })).status, 400);
  assert.equal((await call(base, 'GET', '/v1/items?bogus=1', { key: read })).body.error.field, 'query.bogus');

  await call(base, 'POST', '/v1/events', { key: write, body: { user: 'x1', item: 'NEW3', type: 'view' } });
  const del = await call(base, 'DELETE', '/v1/items/NEW3', { key: write });
  assert.deepEqual(del.body, { deleted: true, events: 1 });
  assert.equal((await call(base, 'GET', '/v1/items/NEW3', { key: read })).status, 404);
  assert.deepEqual((await call(base, 'DELETE', '/v1/items/NEW3', { key: write })).body, { deleted: false, events: 0 });
  const rel = await call(base, 'POST', '/v1/related', { key: read, body: { context: { item: 'NEW3' } } });
  assert.equal(rel.status, 404, 'a deleted item is no longer in the catalogue');
  // The store takes events on a deleted id again (the item comes back, bare).
  assert.equal((await call(base, 'POST', '/v1/events', { key: write, body: { user: 'x1', item: 'NEW3', type: 'view' } })).status, 200);
});

test('an acknowledged event is in the store and visible to the next request: bought items and shown items leave the list', async () => {
  const before = ids(await call(base, 'POST', '/v1/recommend', { key: read, body: { user: 'd0', k: 3 } }));
  const bought = before[0]!;
  const ack = await call(base, 'POST', '/v1/events', { key: write, body: { user: 'd0', item: bought, type: 'purchase' } });
  assert.equal(ack.status, 200);
  assert.equal(ack.body.inserted, 1);
  // Durable: another connection to the file sees the committed row.
  const db = new Database(shop.db, { readonly: true });
  assert.equal((db.prepare("SELECT count(*) AS n FROM interactions x JOIN users u ON u.id = x.user_id JOIN items i ON i.id = x.item_id WHERE u.ext = 'd0' AND i.ext = ?").get(bought) as { n: number }).n, 1);
  db.close();
  const afterBuy = ids(await call(base, 'POST', '/v1/recommend', { key: read, body: { user: 'd0', k: 3 } }));
  assert.ok(!afterBuy.includes(bought), `${bought} was just bought: ${afterBuy}`);

  // Shown (recorded impressions) then excluded for a window.
  const shown = await call(base, 'POST', '/v1/recommend', { key: read, body: { user: 'd1', k: 2, recordImpressions: true } });
  assert.equal(shown.body.impressions.inserted, 2);
  const next = ids(await call(base, 'POST', '/v1/recommend', { key: read, body: { user: 'd1', k: 2, excludeShown: '1h' } }));
  assert.ok(!next.some((x) => ids(shown).includes(x)), `shown ${ids(shown)} then ${next}`);

  // A brand-new user's first events fold in at once.
  await call(base, 'POST', '/v1/events', { key: write, body: { events: [{ user: 'newbie', item: 'G', type: 'purchase' }] } });
  const fresh = ids(await call(base, 'POST', '/v1/recommend', { key: read, body: { user: 'newbie', k: 1 } }));
  assert.deepEqual(fresh, ['H'], 'G was bought with H');
});

test('a refused write leaves the store unchanged: the whole batch fails on one bad event', async () => {
  const snapshot = dump();
  const badBatch = await call(base, 'POST', '/v1/events', {
    key: write, body: { events: [{ user: 'z', item: 'A', type: 'view' }, { user: 'z', item: 'B', type: 'teleport' }] },
  });
  assert.equal(badBatch.status, 400);
  assert.equal(badBatch.body.error.field, 'events[1].type');
  const badItem = await call(base, 'POST', '/v1/items', { key: write, body: { items: [{ id: 'Q1', title: 'ok' }, { id: ' Q2', title: 'padded' }] } });
  assert.deepEqual([badItem.status, badItem.body.error.field], [400, 'items[1].id']);
  const nan = await call(base, 'POST', '/v1/events', { key: write, body: '{"user":"z","item":"A","type":"view","value":1e999}' });
  assert.equal(nan.status, 400);
  assert.equal((await call(base, 'PUT', '/v1/users/z', { key: write, body: { attrs: { a: 1 }, extra: true } })).status, 400);
  assert.equal(dump(), snapshot);
});

test('idempotency: a retried batch is stored once and answered as the first time; the key with another batch is 409', async () => {
  const events = [{ user: 'idem', item: 'A', type: 'view' }, { user: 'idem', item: 'B', type: 'view' }];
  const first = await call(base, 'POST', '/v1/events', { key: write, body: { events, idempotencyKey: 'batch-1' } });
  assert.deepEqual(first.body, { rows: 2, inserted: 2, updated: 0, unchanged: 0, replayed: false });
  await new Promise((r) => setTimeout(r, 5)); // the server's clock moves: without the key the retry would be new events
  const retry = await call(base, 'POST', '/v1/events', { key: write, body: { events, idempotencyKey: 'batch-1' } });
  assert.deepEqual(retry.body, { rows: 2, inserted: 2, updated: 0, unchanged: 0, replayed: true });
  const viaHeader = await call(base, 'POST', '/v1/events', { key: write, body: events[0], headers: { 'idempotency-key': 'single-1' } });
  const viaHeader2 = await call(base, 'POST', '/v1/events', { key: write, body: events[0], headers: { 'idempotency-key': 'single-1' } });
  assert.deepEqual([viaHeader.body.replayed, viaHeader2.body.replayed], [false, true]);
  const db = new Database(shop.db, { readonly: true });
  assert.equal((db.prepare("SELECT count(*) AS n FROM interactions x JOIN users u ON u.id = x.user_id WHERE u.ext = 'idem'").get() as { n: number }).n, 3);
  db.close();
  const conflict = await call(base, 'POST', '/v1/events', { key: write, body: { events: events.slice(1), idempotencyKey: 'batch-1' } });
  assert.deepEqual([conflict.status, conflict.body.error.code], [409, 'idempotency_conflict']);
});

test('group commit: concurrent event requests share transactions, each acknowledged with its own report', async () => {
  const commits0 = srv.ingest.stats.commits, requests0 = srv.ingest.stats.requests;
  const n = 60;
  const answers = await Promise.all(Array.from({ length: n }, (_, q) => call(base, 'POST', '/v1/events', {
    key: write, body: { events: [{ user: `gc${q}`, item: 'A', type: 'view', timestamp: 1000 + q }, { user: `gc${q}`, item: 'B', type: 'view', timestamp: 1000 + q }] },
  })));
  assert.ok(answers.every((a) => a.status === 200 && a.body.inserted === 2));
  assert.equal(srv.ingest.stats.requests - requests0, n);
  assert.ok(srv.ingest.stats.commits - commits0 < n, `${srv.ingest.stats.commits - commits0} commits for ${n} requests`);
  // One bad request in a group fails alone.
  const mixed = await Promise.all([
    call(base, 'POST', '/v1/events', { key: write, body: { user: 'gcx', item: 'A', type: 'view', timestamp: 5 } }),
    call(base, 'POST', '/v1/events', { key: write, body: { events: [{ user: 'gcy', item: 'A', type: 'view' }], idempotencyKey: 'batch-1' } }),
    call(base, 'POST', '/v1/events', { key: write, body: { user: 'gcz', item: 'A', type: 'view', timestamp: 5 } }),
  ]);
  assert.deepEqual(mixed.map((a) => a.status), [200, 409, 200]);
});

test('users: upsert, export everything held, GDPR delete removes every trace from the store', async () => {
  assert.equal((await call(base, 'PUT', '/v1/users/gdpr', { key: write, body: { attrs: { country: 'FR' } } })).body.inserted, 1);
  await call(base, 'POST', '/v1/events', { key: write, body: { events: [{ user: 'gdpr', item: 'A', type: 'purchase', timestamp: 10 }, { user: 'gdpr', item: 'C', type: 'view', timestamp: 20, session: 's1' }] } });
  await call(base, 'POST', '/v1/recommend', { key: read, body: { user: 'gdpr', k: 2, recordImpressions: true } });
  const exp = await call(base, 'GET', '/v1/users/gdpr/export', { key: admin });
  assert.equal(exp.status, 200);
  assert.deepEqual(exp.body.attrs, { country: 'FR' });
  assert.equal(exp.body.events.length, 4);
  assert.deepEqual(exp.body.events.filter((e: { type: string }) => e.type !== 'impression'), [
    { item: 'C', type: 'view', value: 1, timestamp: 20, session: 's1' }, { item: 'A', type: 'purchase', value: 1, timestamp: 10 },
  ]);
  const del = await call(base, 'DELETE', '/v1/users/gdpr', { key: admin });
  assert.deepEqual(del.body, { deleted: true, events: 4, inModel: false });
  const db = new Database(shop.db, { readonly: true });
  const everything = ['users', 'interactions', 'curio_idempotency'].map((t) => JSON.stringify(db.prepare(`SELECT * FROM ${t}`).all())).join();
  db.close();
  assert.ok(!everything.includes('gdpr') && !everything.includes('FR'));
  assert.equal((await call(base, 'GET', '/v1/users/gdpr/export', { key: admin })).status, 404);
  assert.deepEqual((await call(base, 'DELETE', '/v1/users/gdpr', { key: admin })).body, { deleted: false, events: 0, inModel: false });
  // A user the served model was trained with: see the GDPR rollback test (its own server, as the erasure blocks rollbacks).
});

test('model: info, reload of another file, rollback; a bad file keeps the current model', async () => {
  const v1 = srv.engines.current.version;
  const info = await call(base, 'GET', '/v1/model', { key: read });
  assert.deepEqual([info.body.loaded, info.body.version, info.body.kind, info.body.items], [true, v1, 'ItemKNN', 8]);
  const swapped = await call(base, 'POST', '/v1/model/reload', { key: admin, body: { path: shop.models[1] } });
  assert.equal(swapped.status, 200);
  assert.notEqual(swapped.body.version, v1);
  assert.equal(swapped.body.previous, v1);
  assert.equal((await call(base, 'POST', '/v1/recommend', { key: read, body: { user: 'b0' } })).body.model, swapped.body.version);
  const missing = await call(base, 'POST', '/v1/model/reload', { key: admin, body: { path: join(shop.dir, 'missing.bin') } });
  assert.deepEqual([missing.status, missing.body.error.code], [400, 'model_unreadable']);
  const junk = join(shop.dir, 'junk.bin');
  copyFileSync(shop.db, junk);
  const bad = await call(base, 'POST', '/v1/model/reload', { key: admin, body: { path: junk } });
  assert.ok(bad.status >= 400 && bad.status < 500, `${bad.status} ${JSON.stringify(bad.body)}`);
  assert.equal(srv.engines.current.version, swapped.body.version, 'a failed reload keeps the model');
  const back = await call(base, 'POST', '/v1/model/rollback', { key: admin });
  assert.deepEqual([back.body.version, back.body.previous], [v1, swapped.body.version]);
});

test('hot swap under a stream of requests: zero failures, both models answer', async () => {
  const seen = new Set<string>();
  let failures = 0, done = 0, stop = false;
  const client = async () => {
    while (!stop) {
      const r = await call(base, 'POST', '/v1/recommend', { key: read, body: { user: `b${done % 5}`, k: 3 } });
      if (r.status !== 200 || r.body.items.length !== 3) failures++;
      else seen.add(r.body.model);
      done++;
    }
  };
  const clients = Array.from({ length: 4 }, client);
  for (let s = 0; s < 6; s++) {
    await new Promise((r) => setTimeout(r, 20));
    const r = await call(base, 'POST', '/v1/model/reload', { key: admin, body: { path: shop.models[s % 2] } });
    assert.equal(r.status, 200);
  }
  await new Promise((r) => setTimeout(r, 20));
  stop = true;
  await Promise.all(clients);
  assert.equal(failures, 0);
  assert.ok(done > 20, `${done} requests`);
  assert.equal(seen.size, 2, 'requests were answered by both models');
});

test('a model file replaced on disk is swapped in by the watcher', async () => {
  const live = join(shop.dir, 'live.bin');
  copyFileSync(shop.models[0], live);
  await srv.engines.reload(live);
  const v1 = srv.engines.current.version;
  const swaps: string[] = [];
  const stop = srv.engines.watch((g) => swaps.push(g instanceof Error ? g.message : g.version!), 50);
  try {
    await new Promise((r) => setTimeout(r, 120));
    copyFileSync(shop.models[1], join(shop.dir, 'live.tmp'));
    renameSync(join(shop.dir, 'live.tmp'), live);
    for (let t = 0; t < 100 && !swaps.length; t++) await new Promise((r) => setTimeout(r, 20));
  } finally {
    stop();
  }
  assert.equal(swaps.length, 1, JSON.stringify(swaps));
  assert.notEqual(srv.engines.current.version, v1);
});

test('body size limit and rate limit answer 413 and 429 with JSON errors', async () => {
  const big = await call(base, 'POST', '/v1/recommend', { key: read, body: { user: 'b0', exclude: Array.from({ length: 200_000 }, (_, q) => `item-${q}`) } });
  assert.deepEqual([big.status, big.body.error.code], [413, 'body_too_large']);
  const limited = await serveShop(shop, { rateLimit: { rate: 1, burst: 3 } });
  try {
    const statuses = [];
    for (let q = 0; q < 5; q++) statuses.push((await call(limited.url, 'GET', '/v1/model', { key: read })).status);
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
    const r = await call(limited.url, 'GET', '/v1/model', { key: read });
    assert.equal(r.body.error.code, 'rate_limited');
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
    assert.equal((await call(limited.url, 'GET', '/v1/model', { key: write })).status, 200, 'buckets are per key');
  } finally {
    await limited.close();
  }
});

test('CORS is off by default and on for the origins given', async () => {
  const r = await fetch(`${base}/v1/model`, { method: 'OPTIONS', headers: { origin: 'https://shop.example', 'access-control-request-method': 'GET' } });
  assert.equal(r.headers.get('access-control-allow-origin'), null);
  const withCors = await serveShop(shop, { corsOrigins: ['https://shop.example'] });
  try {
    const ok = await fetch(`${withCors.url}/v1/model`, { method: 'OPTIONS', headers: { origin: 'https://shop.example', 'access-control-request-method': 'GET' } });
    assert.equal(ok.headers.get('access-control-allow-origin'), 'https://shop.example');
    const other = await fetch(`${withCors.url}/v1/model`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } });
    assert.notEqual(other.headers.get('access-control-allow-origin'), 'https://evil.example');
  } finally {
    await withCors.close();
  }
});

test('GDPR: a user erased through the API does not come back by a rollback to a model trained with them', async () => {
  const own = await makeShop();
  const s = await serveShop(own);
  try {
    const admin = own.keys.admin, v1 = s.engines.current.version;
    const reload = () => call(s.url, 'POST', '/v1/model/reload', { key: admin, body: { path: own.models[1] } });
    assert.equal((await reload()).status, 200);
    assert.equal((await call(s.url, 'POST', '/v1/model/rollback', { key: admin })).body.version, v1, 'before any erasure a rollback works');
    assert.equal((await reload()).status, 200);
    assert.equal(s.engines.previous?.trained?.users.has('c2'), true);
    // The answer says the served model holds the user's factors until the next training.
    assert.deepEqual((await call(s.url, 'DELETE', '/v1/users/c2', { key: admin })).body, { deleted: true, events: 2, inModel: true });
    const back = await call(s.url, 'POST', '/v1/model/rollback', { key: admin });
    assert.deepEqual([back.status, back.body.error.code], [409, 'previous_model_erased']);
    assert.match(back.body.error.message, /user "c2", erased since/);
    assert.equal(s.engines.current.version, (await call(s.url, 'GET', '/v1/model', { key: admin })).body.version, 'the served model is unchanged');
  } finally {
    await s.close();
    await own.store.close();
  }
});
