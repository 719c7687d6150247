import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { call, makeShop, serveShop, type Shop } from '../testing.ts';
import { ApiKeys } from '../keys.ts';
import { trainFromStore } from '../../pipeline/train.ts';
import { saveModelFile } from '../../pipeline/model-file.ts';
import { CSP } from './index.ts';
import { escapeHtml, html, jsonForScript } from './html.ts';
import { eventsPerDay, eventsPerHour, longTail } from './data.ts';
import { openStore } from '../../store/registry.ts';

export const HOSTILE_TITLE = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>"'&`;

let shop: Shop;
let base: string;
let close: () => Promise<void>;

before(async () => {
  shop = await makeShop();
  const s = await serveShop(shop);
  base = s.url;
  close = s.close;
});
after(async () => {
  await close();
  await shop.store.close();
});

async function emptyStore() {
  const s = await openStore(join(shop.dir, 'empty.db'));
  after(() => s.close());
  return s;
}

/** Logs in with `key` the way the login form does; the session cookie, or undefined with the answer. */
async function login(key: string, headers: Record<string, string> = {}): Promise<{ status: number; cookie?: string; setCookie: string | null; location: string | null; text: string }> {
  const res = await fetch(`${base}/dashboard/login`, { method: 'POST', body: new URLSearchParams({ key }), redirect: 'manual', headers });
  const setCookie = res.headers.get('set-cookie');
  return { status: res.status, setCookie, cookie: setCookie?.split(';')[0], location: res.headers.get('location'), text: await res.text() };
}

const page = async (path: string, cookie?: string) => {
  const res = await fetch(base + path, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  return { status: res.status, location: res.headers.get('location'), headers: res.headers, text: await res.text() };
};

test('html escapes every interpolation unless it is itself html, and JSON in a script block cannot close it', () => {
  assert.equal(escapeHtml(`<a href="x">'&`), '&#60;a href=&#34;x&#34;&#62;&#39;&#38;');
  const title = '<b>bold</b>';
  assert.equal(html`<td>${title}</td>`.text, '<td>&#60;b&#62;bold&#60;/b&#62;</td>');
  assert.equal(html`<tr>${[html`<td>${'a&b'}</td>`, 'x<y']}</tr>`.text, '<tr><td>a&#38;b</td>x&#60;y</tr>');
  assert.equal(html`${null}${undefined}${false}${0}`.text, '0');
  const json = jsonForScript({ t: '</script><script>alert(1)</script>\u2028' }).text;
  assert.ok(!json.includes('<'), json);
  assert.deepEqual(JSON.parse(json), { t: '</script><script>alert(1)</script>\u2028' });
});

test('events per hour and the long tail are counted from the store, checked by hand', async () => {
  // makeShop: 10 events on Jan 11 (b*), 6 on Jan 12 (c*), 8 on Jan 13 (d*), 4 on Jan 14 (f0, g0), 3 on Jan 15 00:00 (g1),
  // each day's at 00:00 plus a few ms; the newest (g1) is the last hour, 2024-01-15T00:00Z.
  const H = 3_600_000, newest = Date.UTC(2024, 0, 15);
  const h = await eventsPerHour(shop.store, 72);
  assert.equal(h.newest, newest);
  assert.equal(h.hours.length, 72);
  assert.equal(h.hours.at(-1), newest);
  assert.equal(h.hours[0], newest - 71 * H);
  const expected = new Array<number>(72).fill(0);
  expected[71] = 3; expected[71 - 24] = 4; expected[71 - 48] = 8; // Jan 12 00:00 is before the window's first hour
  assert.deepEqual(h.counts, expected);
  const week = await eventsPerHour(shop.store);
  assert.equal(week.counts.reduce((a, b) => a + b, 0), 31, 'the whole week holds every event');
  assert.deepEqual([week.counts[167], week.counts[167 - 96]], [3, 10]);

  // A 8, B 6, E 5, D 4, C 3, G 2, H 2, F 1: the top 20% (2 items) get 14 of 31 events
  const tail = await longTail(shop.store, 3);
  assert.deepEqual(tail.counts, [8, 6, 5, 4, 3, 2, 2, 1]);
  assert.equal(tail.top20Share, 14 / 31);
  assert.equal(tail.itemsWithoutEvents, 0);
  assert.deepEqual(tail.top, [{ id: 'A', title: 'Teapot', events: 8 }, { id: 'B', title: 'Tea cups', events: 6 }, { id: 'E', title: 'Lamp', events: 5 }]);
  const days = await eventsPerDay(shop.store);
  assert.deepEqual(days.hours, [11, 12, 13, 14, 15].map((d) => Date.UTC(2024, 0, d)));
  assert.deepEqual(days.counts, [10, 6, 8, 4, 3]);
  const empty = await emptyStore();
  assert.deepEqual(await eventsPerHour(empty), { hours: [], counts: [], newest: null });
  assert.deepEqual(await eventsPerDay(empty), { hours: [], counts: [], newest: null });
});

test('without a session every dashboard page sends the browser to the login page; the login page needs no key', async () => {
  const r = await page('/dashboard');
  assert.equal(r.status, 303);
  assert.equal(r.location, '/dashboard/login');
  const l = await page('/dashboard/login');
  assert.equal(l.status, 200);
  assert.match(l.text, /<form method="post" action="\/dashboard\/login">/);
  assert.match(l.text, /type="password"/);
  assert.equal(l.headers.get('content-security-policy'), CSP);
  const preview = await call(base, 'POST', '/dashboard/api/preview', { body: { mode: 'user', id: 'b0' } });
  assert.equal(preview.status, 401);
  assert.equal(preview.body.error.code, 'unauthorized');
  // an API key in the query string or an Authorization header is not a dashboard login
  assert.equal((await page(`/dashboard?key=${shop.keys.admin}`)).status, 303);
  assert.equal((await call(base, 'GET', '/dashboard', { key: shop.keys.admin })).status, 200, 'fetch followed the redirect to the login page');
  assert.match((await call(base, 'GET', '/dashboard', { key: shop.keys.admin })).body, /Admin API key/);
});

test('only a valid admin key logs in: wrong keys get 401, a read or write key 403, each with the form again', async () => {
  for (const bad of ['', 'nonsense', `${shop.keys.admin.slice(0, -2)}xx`, 'x'.repeat(5000)]) {
    const r = await login(bad);
    assert.equal(r.status, 401, bad.slice(0, 20));
    assert.equal(r.setCookie, null);
    assert.match(r.text, /not valid or was revoked/);
  }
  for (const scope of ['read', 'write'] as const) {
    const r = await login(shop.keys[scope]);
    assert.equal(r.status, 403);
    assert.equal(r.setCookie, null);
    assert.match(r.text, new RegExp(`scope &#34;${scope}&#34;; the dashboard needs an admin key`));
  }
});

test('an admin key gets an HttpOnly SameSite=Strict session cookie that is not the key; logout ends the session', async () => {
  const r = await login(shop.keys.admin);
  assert.equal(r.status, 303);
  assert.equal(r.location, '/dashboard');
  assert.match(r.setCookie!, /^curio_dashboard=[A-Za-z0-9_-]{43}; Max-Age=28800; Path=\/dashboard; HttpOnly; SameSite=Strict$/);
  // The key's secret is what follows "curio_<id>_" (base64url: it may hold "_" itself).
  const secret = shop.keys.admin.slice(shop.keys.admin.indexOf('_', 'curio_'.length) + 1);
  assert.ok(secret.length >= 40 && !r.setCookie!.includes(secret), 'the cookie does not carry the key');
  const home = await page('/dashboard', r.cookie);
  assert.equal(home.status, 200);
  assert.equal(home.headers.get('content-security-policy'), CSP);
  assert.equal(home.headers.get('x-frame-options'), 'DENY');
  assert.ok(!home.text.includes(shop.keys.admin), 'the page does not show the key');
  assert.match(home.text, /<b id="stat-users">15<\/b>/);
  assert.match(home.text, /<b id="stat-items">8<\/b>/);
  assert.match(home.text, /<b id="stat-events">31<\/b>/);
  assert.ok(!/<script>/.test(home.text) && !/ on\w+=/.test(home.text) && !/ style=/.test(home.text), 'no inline script, handler or style: the CSP allows none');

  const out = await fetch(`${base}/dashboard/logout`, { method: 'POST', redirect: 'manual', headers: { cookie: r.cookie! } });
  assert.equal(out.status, 303);
  assert.equal(out.headers.get('location'), '/dashboard/login');
  assert.match(out.headers.get('set-cookie')!, /^curio_dashboard=; Max-Age=0; Path=\/dashboard/);
  assert.equal((await page('/dashboard', r.cookie)).status, 303, 'the old cookie no longer opens the dashboard');
});

test('revoking the admin key ends its dashboard sessions at their next request', async () => {
  const keys = new ApiKeys(shop.store);
  const k = await keys.create('admin', 'dashboard-test');
  const r = await login(k.key);
  assert.equal((await page('/dashboard', r.cookie)).status, 200);
  await keys.revoke(k.id);
  assert.equal((await page('/dashboard', r.cookie)).status, 303);
  assert.equal((await call(base, 'POST', '/dashboard/api/preview', { body: { mode: 'user', id: 'b0' }, headers: { cookie: r.cookie! } })).status, 401);
});

test('a cross-site POST (login, preview, logout) is refused even with the session cookie', async () => {
  const { cookie } = await login(shop.keys.admin);
  const evil = { origin: 'http://evil.example', cookie: cookie! };
  assert.equal((await call(base, 'POST', '/dashboard/api/preview', { body: { mode: 'user', id: 'b0' }, headers: evil })).status, 403);
  assert.equal((await call(base, 'POST', '/dashboard/api/preview', { body: { mode: 'user', id: 'b0' }, headers: { 'sec-fetch-site': 'cross-site', cookie: cookie! } })).status, 403);
  assert.equal((await login(shop.keys.admin, { origin: 'http://evil.example' })).status, 403);
  const out = await fetch(`${base}/dashboard/logout`, { method: 'POST', redirect: 'manual', headers: evil });
  assert.equal(out.status, 403);
  assert.equal((await page('/dashboard', cookie)).status, 200, 'the refused logout did not end the session');
  const same = await call(base, 'POST', '/dashboard/api/preview', { body: { mode: 'user', id: 'b0' }, headers: { origin: base, cookie: cookie! } });
  assert.equal(same.status, 200);
});

test('the preview runs the API\'s engine: the same items, titles and reasons as POST /v1/recommend, plus what it was seeded with', async () => {
  const { cookie } = await login(shop.keys.admin);
  const headers = { cookie: cookie! };
  const user = await call(base, 'POST', '/dashboard/api/preview', { body: { mode: 'user', id: 'c0', k: 3 }, headers });
  assert.equal(user.status, 200, JSON.stringify(user.body));
  const api = await call(base, 'POST', '/v1/recommend', { key: shop.keys.read, body: { user: 'c0', k: 3 } });
  assert.deepEqual(user.body.items, api.body.items);
  assert.equal(user.body.model, api.body.model);
  assert.equal(user.body.seed, 'for c0, who last had Tea towel (purchase), Teapot (purchase)');
  assert.ok(user.body.items.length > 0 && user.body.items.every((r: { title: string; reasons: unknown[] }) => r.title && r.reasons.length > 0));

  const item = await call(base, 'POST', '/dashboard/api/preview', { body: { mode: 'item', id: 'A', k: 2 }, headers });
  const related = await call(base, 'POST', '/v1/related', { key: shop.keys.read, body: { context: { item: 'A' }, k: 2 } });
  assert.deepEqual(item.body.items, related.body.items);
  assert.deepEqual(item.body.items.map((r: { title: string }) => r.title), ['Tea cups', 'Tea towel'], 'bought with the teapot by 5 and 3 users');
  assert.equal(item.body.items[0].reasons[0].text, 'similar to "Teapot" (model similarity 0.722)');
  assert.equal(item.body.seed, 'like A (Teapot)');

  const popular = await call(base, 'POST', '/dashboard/api/preview', { body: { mode: 'user', id: 'nobody', recipe: 'popular', k: 1 }, headers });
  assert.equal(popular.body.recipe, 'popular');
  assert.equal(popular.body.items[0].title, 'Teapot');

  for (const [body, field] of [[{ mode: 'user' }, 'id'], [{ mode: 'shop', id: 'x' }, 'mode'], [{ mode: 'user', id: 'b0', k: 51 }, 'k'], [{ mode: 'user', id: 'b0', extra: 1 }, '']] as const) {
    const r = await call(base, 'POST', '/dashboard/api/preview', { body, headers });
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.body.error.field, field || undefined, JSON.stringify(r.body));
  }
  const unknown = await call(base, 'POST', '/dashboard/api/preview', { body: { mode: 'item', id: 'nope' }, headers });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error.code, 'unknown_item');
  const broken = await call(base, 'POST', '/dashboard/api/preview', { body: '{"mode":', headers });
  assert.equal(broken.status, 400);
});

test('a hostile item title is shown as text, never as markup, in the server-rendered page', async () => {
  await call(base, 'PUT', '/v1/items/Z%3Cscript%3E', { key: shop.keys.write, body: { title: HOSTILE_TITLE } });
  const events = Array.from({ length: 20 }, (_, q) => ({ user: `z${q}`, item: 'Z<script>', type: 'purchase' }));
  assert.equal((await call(base, 'POST', '/v1/events', { key: shop.keys.write, body: { events } })).status, 200);
  const { cookie } = await login(shop.keys.admin);
  const home = await page('/dashboard', cookie);
  assert.ok(!home.text.includes('<img src=x') && !home.text.includes('<script>window') && !home.text.includes('<script>'), 'the raw title never reaches the page');
  assert.ok(home.text.includes('<td><code>Z&#60;script&#62;</code></td><td>&#60;img src=x onerror=&#34;window.__xss=1&#34;&#62;&#60;script&#62;window.__xss=2&#60;/script&#62;&#34;&#39;&#38;</td><td class="n">20</td>'),
    'the most popular item is listed first with its title escaped');
});

test('the assets are served from node_modules and this module: uPlot, its stylesheet, the page script', async () => {
  const js = await page('/dashboard/assets/uPlot.iife.min.js');
  assert.equal(js.status, 200);
  assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.match(js.text, /uPlot/);
  assert.ok(js.text.length > 30_000);
  assert.match((await page('/dashboard/assets/uPlot.min.css')).text, /\.uplot/);
  assert.match((await page('/dashboard/assets/dashboard.js')).text, /new uPlot\(/);
  assert.equal((await page('/dashboard/assets/..%2f..%2fpackage.json')).status, 404);
  assert.equal((await page('/dashboard/assets/nothing.js')).status, 404);
});

test('the model section shows the evaluation figures a model file records, and the version history after a reload', async () => {
  const trained = await trainFromStore(shop.store, { model: { kind: 'ease', config: { l2: 10 } }, data: { types: ['purchase'] } });
  trained.info.evaluation = { report: '/tmp/rep/report.json', metric: 'ndcg@10', score: 0.4321, metrics: { 'ndcg@10': 0.4321, 'recall@10': 0.65, coverage: null } };
  const file = join(shop.dir, 'evaluated.bin');
  await saveModelFile(file, trained);
  const reload = await call(base, 'POST', '/v1/model/reload', { key: shop.keys.admin, body: { path: file } });
  assert.equal(reload.status, 200);
  const { cookie } = await login(shop.keys.admin);
  const home = (await page('/dashboard', cookie)).text;
  assert.match(home, /Serving <b>ease<\/b> version <code>[0-9a-f]{12}<\/code>/);
  const evaluation = /<table id="evaluation">[\s\S]*?<\/table>/.exec(home)![0].replace(/\n/g, '');
  assert.equal(evaluation, '<table id="evaluation"><thead><tr><th>metric</th><th class="n">@10</th><th class="n">value</th></tr></thead><tbody>' +
    '<tr><td>ndcg</td><td class="n">0.4321</td><td class="n"></td></tr><tr><td>recall</td><td class="n">0.6500</td><td class="n"></td></tr>' +
    '<tr><td>coverage</td><td class="n"></td><td class="n">—</td></tr></tbody></table>');
  assert.match(home, /from <code>\/tmp\/rep\/report\.json<\/code>; chosen by ndcg@10/);
  const versions = /<table id="versions">[\s\S]*?<\/table>/.exec(home)![0];
  assert.match(versions, new RegExp(`<tr><td>current</td><td><code>${reload.body.version}</code></td><td>ease</td>`));
  assert.match(versions, new RegExp(`<tr><td>previous \\(rollback\\)</td><td><code>${reload.body.previous}</code></td><td>itemknn</td>`));
});

test('recent imports are listed newest first, their source escaped', async () => {
  await shop.store.recordImport({ source: '/data/first.csv', format: 'generic', rows: 10, inserted: 9, skipped: 1, at: Date.UTC(2024, 1, 1, 12, 30) });
  await shop.store.recordImport({ source: '/data/<b>second</b>.csv', format: 'movielens-latest', rows: 2500, inserted: 2500, skipped: 0, at: Date.UTC(2024, 1, 2, 8, 5) });
  const { cookie } = await login(shop.keys.admin);
  const home = (await page('/dashboard', cookie)).text;
  const table = /<section id="imports">[\s\S]*?<\/section>/.exec(home)![0];
  assert.ok(table.includes('<tr><td>2024-02-02 08:05 UTC</td><td>movielens-latest</td><td><code>/data/&#60;b&#62;second&#60;/b&#62;.csv</code></td><td class="n">2,500</td><td class="n">2,500</td><td class="n">0</td></tr>' +
    '<tr><td>2024-02-01 12:30 UTC</td><td>generic</td><td><code>/data/first.csv</code></td><td class="n">10</td><td class="n">9</td><td class="n">1</td></tr>'), table);
});

test('a server started without keys (--no-auth) opens the dashboard without a login', async () => {
  const open = await serveShop(shop, { auth: false });
  try {
    const res = await fetch(`${open.url}/dashboard`, { redirect: 'manual' });
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.match(text, /<b id="stat-users">/);
    assert.ok(!text.includes('Log out'), 'nothing to log out of');
    const preview = await call(open.url, 'POST', '/dashboard/api/preview', { body: { mode: 'item', id: 'A', k: 1 } });
    assert.equal(preview.body.items[0].title, 'Tea cups');
  } finally {
    await open.close();
  }
});
