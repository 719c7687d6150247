import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { call, makeShop, serveShop, type Shop } from '../serve/testing.ts';
import { CurioApiError, CurioClient, CurioConnectionError, type RecommendResponse } from './index.ts';
import { CurioError } from '../errors.ts';

let shop: Shop;
let base: string;
let close: () => Promise<void>;
let read: CurioClient, write: CurioClient, admin: CurioClient;

before(async () => {
  shop = await makeShop();
  const s = await serveShop(shop, { refreshMs: 0 });
  base = s.url;
  close = s.close;
  read = new CurioClient({ url: base, apiKey: shop.keys.read });
  write = new CurioClient({ url: `${base}/`, apiKey: shop.keys.write });
  admin = new CurioClient({ url: base, apiKey: shop.keys.admin });
});
after(async () => {
  await close();
  await shop.store.close();
});

/** The thrown error, for asserting on its fields. */
async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  assert.fail('expected a rejection');
}

test('recommend and the recipe routes answer what the raw HTTP API answers, typed', async () => {
  const r: RecommendResponse = await read.recommend({ user: 'c0', k: 3 });
  const raw = await call(base, 'POST', '/v1/recommend', { key: shop.keys.read, body: { user: 'c0', k: 3 } });
  assert.deepEqual(r, raw.body);
  assert.equal(r.items.length, 3);
  const titles: string[] = r.items.map((x) => x.title);
  assert.ok(titles.every((t) => t.length > 0));

  const related = await read.related({ item: 'A', k: 2 });
  assert.deepEqual(related, (await call(base, 'POST', '/v1/related', { key: shop.keys.read, body: { context: { item: 'A' }, k: 2 } })).body);
  assert.deepEqual(related.items.map((x) => x.title), ['Tea cups', 'Tea towel']);
  assert.equal((await read.popular({ k: 1 })).items[0]!.item, 'A');
  assert.equal((await read.boughtTogether({ item: 'G', k: 1 })).items[0]!.item, 'H');
  assert.equal((await read.trending()).recipe, 'trending');
  const filtered = await read.recommend({ recipe: 'popular', k: 3, filter: 'price < 10' });
  assert.deepEqual(filtered.items.map((x) => x.item), ['B', 'C', 'H'], 'popular items under 10: tea cups 6 events, tea towel 3, novel 2');

  // The request types are the server's: a wrong field does not compile.
  // @ts-expect-error k is a number
  const wrong = () => read.recommend({ user: 'c0', k: 'ten' });
  // @ts-expect-error unknown fields are refused by the server's strict schema, and by the type
  const unknown = () => read.recommend({ user: 'c0', count: 3 });
  assert.equal(typeof wrong + typeof unknown, 'functionfunction');
});

test('an event sent through the client changes the user\'s next recommendations', async () => {
  const before = await read.recommend({ user: 'g0', k: 8 });
  assert.ok(before.items.some((x) => x.item === 'B'), 'tea cups are recommended to g0');
  const ack = await write.events.send({ user: 'g0', item: 'B', type: 'purchase' });
  assert.deepEqual(ack, { rows: 1, inserted: 1, updated: 0, unchanged: 0, replayed: false });
  const afterBuying = await read.recommend({ user: 'g0', k: 8 });
  assert.ok(!afterBuying.items.some((x) => x.item === 'B'), 'what g0 just bought is not recommended again');

  const batch = [{ user: 'n1', item: 'A', type: 'view' as const, timestamp: 1 }, { user: 'n1', item: 'C', type: 'view' as const, timestamp: 2 }];
  const first = await write.events.send(batch, { idempotencyKey: 'client-batch-1' });
  assert.deepEqual(first, { rows: 2, inserted: 2, updated: 0, unchanged: 0, replayed: false });
  assert.deepEqual(await write.events.send(batch, { idempotencyKey: 'client-batch-1' }), { ...first, replayed: true });
  assert.equal((await write.events.send(batch[0]!, { idempotencyKey: 'client-one' })).inserted, 0, 'already stored');
});

test('items: upsert one or many, get, list page by page, iterate all, delete', async () => {
  assert.deepEqual(await write.items.upsert({ id: 'K 1/é', title: 'Kettle', price: 25, categories: ['Kitchen'] }), { rows: 1, inserted: 1, updated: 0, unchanged: 0 });
  assert.deepEqual(await write.items.get('K 1/é'), { id: 'K 1/é', title: 'Kettle', price: 25, categories: ['Kitchen'] });
  const many = Array.from({ length: 5 }, (_, q) => ({ id: `M${q}`, title: `Mug ${q}` }));
  assert.equal((await write.items.upsert(many)).inserted, 5);
  const page = await read.items.list({ limit: 4 });
  assert.deepEqual(page.items.map((x) => x.id), ['A', 'B', 'C', 'D']);
  assert.equal(page.next, 'D');
  assert.deepEqual((await read.items.list({ after: 'D', limit: 2 })).items.map((x) => x.id), ['E', 'F']);
  const all: string[] = [];
  for await (const it of read.items.all(3)) all.push(it.id);
  assert.deepEqual(all, ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'K 1/é', 'M0', 'M1', 'M2', 'M3', 'M4']);
  assert.deepEqual(await write.items.delete('M4'), { deleted: true, events: 0 });
  const gone = await rejection(read.items.get('M4'));
  assert.ok(gone instanceof CurioApiError);
  assert.deepEqual([gone.status, gone.code, gone.field], [404, 'unknown_item', 'id']);
});

test('users: upsert, GDPR export and erasure with an admin key', async () => {
  await write.users.upsert('u-client', { tier: 'gold' });
  await write.events.send({ user: 'u-client', item: 'A', type: 'click', timestamp: 5 });
  const ex = await admin.users.export('u-client');
  assert.deepEqual([ex.user, ex.attrs, ex.events.map((e) => [e.item, e.type, e.timestamp])], ['u-client', { tier: 'gold' }, [['A', 'click', 5]]]);
  assert.deepEqual(await admin.users.delete('u-client'), { deleted: true, events: 1, inModel: false });
  const forbidden = await rejection(write.users.delete('b0'));
  assert.ok(forbidden instanceof CurioApiError && forbidden.status === 403 && forbidden.code === 'forbidden');
});

test('model info, reload and rollback, health and readiness', async () => {
  const info = await read.model.info();
  assert.equal(info.loaded, true);
  assert.equal(info.path, shop.models[0]);
  const swapped = await admin.model.reload(shop.models[1]);
  assert.equal(swapped.previous, info.version);
  assert.equal((await admin.model.rollback()).version, info.version);
  assert.deepEqual(await read.health(), { status: 'ok' });
  assert.deepEqual(await read.ready(), { ready: true, model: info.version });
});

test('server errors become CurioApiError with the server\'s JSON error: status, code, field, request id', async () => {
  const noKey = new CurioClient({ url: base });
  const e401 = await rejection(noKey.recommend({ user: 'b0' }, { requestId: 'client-req-1' }));
  assert.ok(e401 instanceof CurioApiError && e401 instanceof CurioError);
  assert.deepEqual([e401.status, e401.code, e401.requestId], [401, 'unauthorized', 'client-req-1']);
  assert.match(e401.message, /^POST \/v1\/recommend: 401 unauthorized: an API key is required/);

  const e403 = await rejection(read.events.send({ user: 'b0', item: 'A', type: 'view' }));
  assert.ok(e403 instanceof CurioApiError);
  assert.deepEqual([e403.status, e403.code], [403, 'forbidden']);

  const e400 = await rejection(read.recommend({ user: 'b0', k: 0 }));
  assert.ok(e400 instanceof CurioApiError);
  assert.deepEqual([e400.status, e400.code, e400.field], [400, 'invalid_request', 'k']);
  assert.deepEqual(e400.body.error.field, 'k');

  const e404 = await rejection(read.recipe('no-such-recipe'));
  assert.ok(e404 instanceof CurioApiError && e404.status === 404 && e404.code === 'not_found');
});

test('no answer is a CurioConnectionError: a closed port, a server that never answers (timeout), a bad URL', async () => {
  const closed = await new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as AddressInfo).port; s.close(() => resolve(p)); });
  });
  const refused = await rejection(new CurioClient({ url: `http://127.0.0.1:${closed}` }).health());
  assert.ok(refused instanceof CurioConnectionError, String(refused));
  assert.equal(refused.code, 'CONNECTION_ERROR');

  const sockets = new Set<import('node:net').Socket>();
  const silent: Server = createServer((sock) => { sockets.add(sock); });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    const t0 = performance.now();
    const slow = await rejection(new CurioClient({ url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, timeoutMs: 200 }).health());
    assert.ok(slow instanceof CurioConnectionError);
    assert.match(slow.message, /^GET \/health: no answer within 200 ms/);
    assert.ok(performance.now() - t0 < 5000);
  } finally {
    for (const s of sockets) s.destroy();
    silent.close();
  }
  assert.throws(() => new CurioClient({ url: 'not a url' }), /url "not a url" is not a URL/);
});
