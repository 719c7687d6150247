import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { call, makeShop, serveShop, type Shop } from '../testing.ts';

let shop: Shop;
let srv: Awaited<ReturnType<typeof serveShop>>;
before(async () => {
  shop = await makeShop();
  srv = await serveShop(shop);
});
after(async () => {
  await srv.close();
  await shop.store.close();
});

/** POST /dashboard/login from `localAddress` (any 127.x.y.z is this machine's loopback: another client address). */
function login(key: string, localAddress = '127.0.0.1'): Promise<{ status: number; retryAfter: string | undefined; cookie: string | undefined; text: string }> {
  const body = new URLSearchParams({ key }).toString();
  return new Promise((resolve, reject) => {
    const req = request(`${srv.url}/dashboard/login`, { method: 'POST', localAddress, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => { text += d; }).on('end', () => resolve({
        status: res.statusCode!, retryAfter: res.headers['retry-after'], cookie: res.headers['set-cookie']?.[0]?.split(';')[0], text,
      }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('failed dashboard logins are limited per client address: 10, then 429 before any key is checked; other addresses are not', async () => {
  const ok = await login(shop.keys.admin);
  assert.equal(ok.status, 303, 'a good key logs in (and costs nothing of the allowance)');
  for (let i = 0; i < 10; i++) {
    const r = await login(i % 2 ? 'curio_0123456789ab_wrong' : shop.keys.read);
    assert.equal(r.status, i % 2 ? 401 : 403, `attempt ${i + 1}`);
  }
  const limited = await login('curio_0123456789ab_wrong');
  assert.equal(limited.status, 429);
  assert.ok(Number(limited.retryAfter) >= 1 && Number(limited.retryAfter) <= 60, limited.retryAfter);
  assert.match(limited.text, /Too many failed logins from this address; try again in \d+ s\./);
  assert.equal((await login(shop.keys.admin)).status, 429, 'locked out: not even a good key is checked');
  const elsewhere = await login(shop.keys.admin, '127.0.0.2');
  assert.equal(elsewhere.status, 303, 'another address logs in');
  assert.equal((await login('nope', '127.0.0.2')).status, 401);
});

test('the dashboard statistics do not wait behind ingestion: answered while the store is held by a write transaction', async () => {
  const { cookie } = await login(shop.keys.admin, '127.0.0.3');
  assert.ok(cookie);
  const events = async () => {
    const res = await fetch(`${srv.url}/dashboard`, { headers: { cookie: cookie! }, redirect: 'manual' });
    assert.equal(res.status, 200);
    return Number(/<b id="stat-events">([\d,]+)<\/b>/.exec(await res.text())![1]!.replace(/,/g, ''));
  };
  const before = await events();
  assert.equal((await call(srv.url, 'POST', '/v1/events', { key: shop.keys.write, body: { user: 'z', item: 'A', type: 'view' } })).body.inserted, 1);
  assert.equal(await events(), before + 1, 'the read connection sees the last commit');

  // The store's connection runs one call at a time: hold it as a long group commit would.
  let release!: () => void;
  const held = new Promise<void>((r) => { release = r; });
  let entered!: () => void;
  const inside = new Promise<void>((r) => { entered = r; });
  const tx = shop.store.transaction(async () => { entered(); await held; });
  await inside;
  try {
    const t0 = performance.now();
    const during = await Promise.race([events(), new Promise<'waited'>((r) => setTimeout(() => r('waited'), 3000))]);
    assert.equal(during, before + 1, `answered in ${(performance.now() - t0).toFixed(0)} ms while the store was held`);
    const again = await Promise.race([login(shop.keys.admin, '127.0.0.3'), new Promise<'waited'>((r) => setTimeout(() => r('waited'), 3000))]);
    assert.notEqual(again, 'waited', 'a login does not wait either');
  } finally {
    release();
    await tx;
  }
});
