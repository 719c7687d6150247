import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import Database from 'better-sqlite3';
import { mulberry32 } from '../data/random.ts';
import { makeShop, serveShop, call, storeDump } from './testing.ts';
import { ApiKeys } from './keys.ts';

/** The body limit of the server under test: small, so thousands of bodies over it cost little to send. */
const LIMIT = 64 << 10;
const shop = await makeShop();
const srv = await serveShop(shop, { bodyLimit: LIMIT, ask: { encoder: 'tfidf' } });
const base = srv.url;
// Long enough that no pooled connection is closed for idleness while its worker sends a large body on its own.
srv.server.keepAliveTimeout = 120_000;
const { read, write, admin } = shop.keys;
const revoked = await new ApiKeys(shop.store).create('admin');
await new ApiKeys(shop.store).revoke(revoked.id);
after(async () => {
  await srv.close();
  await shop.store.close();
});

const dump = () => storeDump(shop.db);

const HOSTILE_IDS = [
  "'; DROP TABLE items; --", '" OR 1=1 --', 'Robert\'); DELETE FROM users;--', '%', '_', '\\', '../../etc/passwd', '<script>alert(1)</script>',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', 'ümlaut', '中文', '🙂'.repeat(60), 'a\u0000b', ' padded', 'trailing ', '\ud800', 'x'.repeat(257), '', '\t', 'null', '__proto__',
  'constructor', '${jndi:ldap://x}', '%00', '\u202e', 'a/b', 'a?b=c', '#frag',
];
/** Ids the schema refuses: a write that carries one must be refused whole. */
const INVALID_IDS = ['a\u0000b', ' padded', 'trailing ', '\ud800', 'x'.repeat(257), '', '\t'];
const WRONG_VALUES: unknown[] = [null, true, 0, -1, 1.5, 1e308, 'string', [], [1, 2], {}, { $gt: '' }, '1e999', 'NaN', '<x>'];

const WRITE_ROUTES: { method: string; path: string; valid: () => Record<string, unknown>; scope: 'write' | 'admin' }[] = [
  { method: 'POST', path: '/v1/events', scope: 'write', valid: () => ({ user: 'fz', item: 'A', type: 'view', timestamp: 1 }) },
  { method: 'POST', path: '/v1/events', scope: 'write', valid: () => ({ events: [{ user: 'fz', item: 'A', type: 'view', timestamp: 1 }, { user: 'fz', item: 'B', type: 'cart', timestamp: 2 }], idempotencyKey: 'fz-1' }) },
  { method: 'PUT', path: '/v1/items/FZ', scope: 'write', valid: () => ({ title: 'Fuzz', price: 1, categories: ['X'] }) },
  { method: 'POST', path: '/v1/items', scope: 'write', valid: () => ({ items: [{ id: 'FZ', title: 'Fuzz' }] }) },
  { method: 'PUT', path: '/v1/users/fz', scope: 'write', valid: () => ({ attrs: { a: 1 } }) },
  { method: 'DELETE', path: '/v1/users/b0', scope: 'admin', valid: () => ({}) },
  { method: 'DELETE', path: '/v1/items/A', scope: 'write', valid: () => ({}) },
  { method: 'POST', path: '/v1/model/reload', scope: 'admin', valid: () => ({}) },
  { method: 'POST', path: '/v1/model/retrain', scope: 'admin', valid: () => ({}) },
];
const READ_ROUTES = ['/v1/recommend', '/v1/related', '/v1/bought-together', '/v1/trending', '/v1/popular', '/v1/new-arrivals', '/v1/also-viewed', '/v1/continue', '/v1/ask', '/v1/search'];

/** Percent-encodes an id for a path; a lone surrogate becomes the bytes no valid UTF-8 has (CESU-8 of U+D800). */
const enc = (s: string) => { try { return encodeURIComponent(s) || '%20'; } catch { return '%ED%A0%80'; } };

interface Req { method: string; path: string; key?: string; body?: unknown; headers?: Record<string, string>; what: string }

/** One hostile request; none of them may write (they are malformed, unauthorised, or reads). */
function hostile(rand: () => number): Req {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const w = pick(WRITE_ROUTES.filter((r) => r.method !== 'DELETE' && !r.path.startsWith('/v1/model/')));
  switch (Math.floor(rand() * 13)) {
    case 0: { // not JSON at all
      const junk = pick(['{', '}', '[', 'nul', '{"a":', '\u0000', '💥', '{"user": "a",}', "{'user': 'a'}", 'undefined', '<xml/>', '--', Buffer.from(Array.from({ length: 64 }, () => Math.floor(rand() * 256))).toString('latin1')]);
      return { method: w.method, path: w.path, key: write, body: junk, what: `junk body ${JSON.stringify(junk).slice(0, 30)}` };
    }
    case 1: { // a field of the wrong type
      const body = w.valid();
      const target = 'events' in body ? (body.events as Record<string, unknown>[])[0]! : 'items' in body ? (body.items as Record<string, unknown>[])[0]! : body;
      const field = pick(Object.keys(target).filter((k) => k !== 'categories' || true));
      const bad = pick(WRONG_VALUES.filter((v) => typeof v !== typeof target[field] || (typeof v === 'string' && field === 'type') || (typeof v === 'number' && !Number.isFinite(v * 1e10) )));
      target[field] = field === 'timestamp' || field === 'price' ? pick(['1', null, [], {}, true]) : field === 'attrs' ? pick([1, 'x', [], null]) : bad;
      if (field === 'categories') target[field] = pick([[1], 'X', [null], {}]);
      return { method: w.method, path: w.path, key: write, body, what: `wrong type ${field}` };
    }
    case 2: { // an unknown field, named with hostile text
      const body = w.valid();
      // defineProperty: a "__proto__" key is sent as an own key, as a hostile client would write it.
      Object.defineProperty(body, pick(HOSTILE_IDS.filter((x) => x && !['events', 'idempotencyKey', 'title', 'price', 'categories', 'attrs', 'user', 'item', 'type', 'timestamp'].includes(x))), { value: pick(WRONG_VALUES), enumerable: true });
      return { method: w.method, path: w.path, key: write, body, what: 'unknown field' };
    }
    case 3: { // an invalid id inside an otherwise valid write
      const id = pick(INVALID_IDS);
      if (w.path === '/v1/events') return { method: 'POST', path: w.path, key: write, body: { events: [{ user: 'ok', item: 'A', type: 'view' }, { user: id, item: 'A', type: 'view' }] }, what: 'invalid user id in a batch' };
      if (w.path === '/v1/items') return { method: 'POST', path: w.path, key: write, body: { items: [{ id: 'FZ2' }, { id }] }, what: 'invalid item id in a batch' };
      const path = w.path.replace(/[^/]+$/, enc(id));
      return { method: w.method, path, key: write, body: w.valid(), what: `invalid id in path ${JSON.stringify(id).slice(0, 20)}` };
    }
    case 4: { // deep JSON
      const depth = pick([33, 40, 100, 1000, 10_000, 30_000]);
      const body = rand() < 0.5 ? '['.repeat(depth) + ']'.repeat(depth) : `{"filter":${'{"op":"not","arg":'.repeat(depth)}"x"${'}'.repeat(depth)}}`;
      return { method: 'POST', path: rand() < 0.5 ? '/v1/recommend' : w.path, key: rand() < 0.5 ? read : write, body, what: `deep JSON ${depth}` };
    }
    case 5: { // huge bodies
      const n = rand() < 0.01 ? 3 << 20 : pick([LIMIT + 1, 2 * LIMIT, 4 * LIMIT]);
      return { method: w.method, path: w.path, key: write, body: `{"title":"${'x'.repeat(n)}"}`, what: `huge body ${n}` };
    }
    case 6: { // no key, bad keys, wrong scopes, on valid writes
      const r = pick(WRITE_ROUTES);
      const auth = pick([
        {}, { authorization: 'Bearer' }, { authorization: 'Bearer ' }, { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
        { authorization: `Bearer ${read}` }, { authorization: `Bearer ${revoked.key}` }, { authorization: `Bearer ${write.slice(0, -2)}xx` },
        { authorization: `Bearer curio_${'0'.repeat(12)}_${'A'.repeat(43)}` }, { authorization: `Bearer ${"' OR 1=1 --"}` }, { 'x-api-key': 'x'.repeat(5000) },
        ...(r.scope === 'admin' ? [{ authorization: `Bearer ${write}` }] : []),
      ] as Record<string, string>[]);
      return { method: r.method, path: r.path, headers: auth, body: r.method === 'DELETE' ? undefined : r.valid(), what: `auth ${JSON.stringify(auth).slice(0, 40)} on ${r.path}` };
    }
    case 7: { // hostile ids in reads: answered (200/400/404), never 5xx
      const id = pick(HOSTILE_IDS);
      const r = pick([
        { method: 'GET', path: `/v1/items/${enc(id)}`, key: read },
        { method: 'GET', path: `/v1/users/${enc(id)}/export`, key: admin },
        { method: 'POST', path: '/v1/recommend', key: read, body: { user: id, k: 3 } },
        { method: 'POST', path: '/v1/related', key: read, body: { context: { item: id } } },
        { method: 'POST', path: '/v1/recommend', key: read, body: { user: 'b0', filter: `title:"${id}" OR category:'${id}'` } },
        { method: 'POST', path: '/v1/recommend', key: read, body: { user: 'b0', exclude: [id], pin: [{ item: id, position: 1 }] } },
        { method: 'GET', path: `/v1/items?after=${enc(id)}&limit=3`, key: read },
        { method: 'POST', path: '/v1/ask', key: read, body: { query: `${id} under 5, not ${id}`, user: id } },
        { method: 'POST', path: '/v1/search', key: read, body: { query: id, user: id, k: 3 } },
      ]);
      return { ...r, what: `hostile id ${JSON.stringify(id).slice(0, 20)} on ${r.path.slice(0, 20)}` };
    }
    case 8: { // wrong shapes for recommendation requests
      const path = pick(READ_ROUTES);
      const body = pick<unknown>([
        null, 1, 'x', [], { k: 0 }, { k: 1e9 }, { k: -1 }, { k: 2.5 }, { user: 1 }, { user: ['a'] }, { user: null }, { recipe: 'nope' }, { recipe: 1 },
        { items: 'A' }, { items: [1] }, { pin: [{ item: 'A', position: 0 }] }, { pin: [{ item: 'A' }] }, { cap: [{ field: 'category', max: 0 }] },
        { boost: [{ filter: 'price <', multiply: 2 }] }, { boost: [{ filter: 'x', multiply: -1 }] }, { excludeShown: 'forever' }, { window: '-1d' },
        { filter: 'price < "x"' }, { filter: 'nosuchfield:1' }, { filter: { op: 'nope' } }, { filter: 'x'.repeat(5000) }, { history: [{ item: 'A', type: 'teleport' }] },
        { context: { item: 'A', extra: 1 } }, { now: 'yesterday' }, { candidates: Array.from({ length: 3 }, () => ({})) }, { user: 'b0', __proto__: { k: 1 } },
        JSON.parse('{"user":"b0","__proto__":{"admin":true}}'), { user: 'b0', constructor: { prototype: { x: 1 } } },
      ]);
      return { method: 'POST', path, key: read, body, what: `bad recommend ${JSON.stringify(body)?.slice(0, 40)}` };
    }
    case 9: { // bad queries, methods and paths
      const r = pick([
        { method: 'GET', path: '/v1/items?limit=-1' }, { method: 'GET', path: '/v1/items?limit=abc' }, { method: 'GET', path: '/v1/items?limit=1e9' },
        { method: 'GET', path: `/v1/items?after=${'x'.repeat(300)}` }, { method: 'GET', path: '/v1/items?limit=1&limit=2' }, { method: 'PATCH', path: '/v1/items/A' },
        { method: 'GET', path: '/v1/items/%E0%A4%A' }, { method: 'GET', path: '/v1/items/..%2F..%2Fetc%2Fpasswd' }, { method: 'GET', path: '/v1/../openapi.json' },
        { method: 'POST', path: '/v1/items/A' }, { method: 'GET', path: '/v2/recommend' }, { method: 'DELETE', path: '/v1/events' }, { method: 'GET', path: '/v1/users/b0' },
        { method: 'GET', path: '/v1/model/reload' }, { method: 'PUT', path: '/v1/recommend' },
      ]);
      return { ...r, key: admin, what: `${r.method} ${r.path.slice(0, 40)}` };
    }
    case 10: { // hostile headers on otherwise invalid writes
      const body = { ...w.valid(), zzz: 1 };
      const headers = pick([
        { 'idempotency-key': 'x'.repeat(300) }, { 'idempotency-key': 'a b' }, { 'content-type': 'text/plain' }, { 'content-type': 'application/x-www-form-urlencoded' },
        { 'x-request-id': '<script>' }, { 'x-request-id': 'x'.repeat(1000) }, { 'content-encoding': 'gzip' },
      ] as Record<string, string>[]);
      return { method: w.method, path: w.path, key: write, body, headers, what: `header ${Object.keys(headers)[0]}` };
    }
    case 11: { // a required field left out
      const body = w.valid();
      const target = 'events' in body ? (body.events as Record<string, unknown>[])[0]! : 'items' in body ? (body.items as Record<string, unknown>[])[0]! : body;
      const required = w.path === '/v1/events' ? ['user', 'item', 'type'] : w.path === '/v1/items' ? ['id'] : [];
      if (!required.length) return { method: w.method, path: w.path, key: write, body: pick(['', '[]', 'null', ' ']), what: 'missing body' };
      const field = pick(required);
      delete target[field];
      return { method: w.method, path: w.path, key: write, body, what: `missing ${field}` };
    }
    default: { // events an enum or range refuses
      const bad = pick<Record<string, unknown>>([
        { type: 'purchase; DROP TABLE' }, { type: 'PURCHASE' }, { value: '1' }, { timestamp: -5 }, { timestamp: 1e20 }, { timestamp: 1.5 }, { value: 3.5e38 },
        { session: 1 }, { text: ['a'] }, { session: 'x'.repeat(300) },
      ]);
      return { method: 'POST', path: '/v1/events', key: write, body: { events: [{ user: 'fz', item: 'A', type: 'view', ...bad }] }, what: `bad event ${JSON.stringify(bad).slice(0, 40)}` };
    }
  }
}

/** Sends one request on a pooled keep-alive connection (or, for a body over the limit, a connection of its own). */
function send(r: Req, agent: Agent | false, retried = false): Promise<{ status: number; body: unknown }> {
  const text = r.body === undefined ? undefined : typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...(text !== undefined ? { 'content-type': 'application/json' } : {}), ...r.headers };
    if (r.key) headers.authorization = `Bearer ${r.key}`;
    const req = request(base + r.path, { method: r.method, headers, agent }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (data += d));
      res.on('end', () => {
        try { resolve({ status: res.statusCode!, body: JSON.parse(data) }); } catch { resolve({ status: res.statusCode!, body: data }); }
      });
      res.on('error', reject);
    });
    // A body over the limit is answered (413) before it is all read and the connection closed: EPIPE/reset after the answer.
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (!agent) return;
      // The one race keep-alive has (Node's documented retry): the server closed an idle pooled connection as it was reused.
      if (req.reusedSocket && e.code === 'ECONNRESET' && !retried) send(r, agent, true).then(resolve, reject);
      else reject(e);
    });
    req.end(text);
  });
}

/** Store fingerprint between requests: SQLite's data_version changes on every commit another connection makes. */
const watcher = new Database(shop.db, { readonly: true });
const dataVersion = () => watcher.pragma('data_version', { simple: true }) as number;
after(() => watcher.close());

const N = 10_000;

test(`${N.toLocaleString('en')} hostile requests: no 5xx, no write lands, and the server still answers correctly`, async () => {
  const rec = (await call(base, 'POST', '/v1/recommend', { key: read, body: { user: 'b0', k: 5 } })).body;
  const before = dump();
  const version0 = dataVersion();
  const rand = mulberry32(20261129);
  const reqs = Array.from({ length: N }, () => hostile(rand));
  const byStatus = new Map<number, number>();
  const fivexx: string[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  let next = 0;
  const inFlight = new Set<Req>();
  const worker = async () => {
    while (next < reqs.length) {
      const r = reqs[next++]!;
      inFlight.add(r);
      let status: number;
      let body: unknown;
      const text = typeof r.body === 'string' ? r.body : JSON.stringify(r.body) ?? '';
      try {
        ({ status, body } = await send(r, Buffer.byteLength(text) > LIMIT ? false : agent));
      } catch (e) {
        throw new Error(`${r.what}: ${(e as Error).message}`);
      }
      byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
      // Checked after every answer: a commit means one of the requests in flight wrote (none may).
      if (dataVersion() !== version0) assert.fail(`the store changed while these were in flight: ${[...inFlight].map((x) => `${x.what} (${x.method} ${x.path})`).join('; ')}`);
      inFlight.delete(r);
      if (status >= 500) fivexx.push(`${status} ${r.what}: ${JSON.stringify(body).slice(0, 200)}`);
      if (status >= 400) {
        const err = (body as { error?: { code?: unknown; message?: unknown } }).error;
        assert.ok(typeof err?.code === 'string' && typeof err.message === 'string', `${r.what}: not a JSON error: ${String(body).slice(0, 100)}`);
        assert.ok(!/\bat .*\.ts:\d+|SQLITE|SELECT |INSERT /.test(err.message as string), `${r.what}: leaks ${err.message}`);
      } else assert.ok(r.method === 'GET' || READ_ROUTES.includes(r.path), `${r.what}: a write was accepted (${status})`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  agent.destroy();
  assert.deepEqual(fivexx, []);
  assert.ok([...byStatus.keys()].every((s) => s < 500), JSON.stringify([...byStatus]));
  assert.ok((byStatus.get(400) ?? 0) > 3000 && (byStatus.get(401) ?? 0) > 200 && (byStatus.get(403) ?? 0) > 50 && (byStatus.get(413) ?? 0) > 200, JSON.stringify([...byStatus]));
  assert.equal(dump(), before, 'no hostile request changed the store');
  assert.deepEqual((await call(base, 'GET', '/health')).body, { status: 'ok' });
  assert.deepEqual((await call(base, 'POST', '/v1/recommend', { key: read, body: { user: 'b0', k: 5 } })).body, rec);
  const ok = await call(base, 'POST', '/v1/events', { key: write, body: { user: 'after-fuzz', item: 'A', type: 'view' } });
  assert.equal(ok.body.inserted, 1);
  assert.notEqual(dataVersion(), version0, 'the fingerprint sees a write that lands');
});
