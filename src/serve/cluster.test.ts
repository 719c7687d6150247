import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import { ApiKeys } from './keys.ts';
import { makeShop } from './testing.ts';
import { nativeAddon } from '../linalg/native.ts';

const bin = resolve(import.meta.dirname, '../../bin/curio.js');

interface Reply { status: number; body: any; headers: Record<string, string | string[] | undefined> }

/** One request on a connection of its own (agent: false): the cluster hands each new connection to the next worker. */
function fresh(url: string, method: string, path: string, o: { key?: string; body?: unknown; form?: string; cookie?: string; id?: string } = {}): Promise<Reply> {
  return new Promise((done, fail) => {
    const headers: Record<string, string> = {};
    if (o.key) headers.authorization = `Bearer ${o.key}`;
    if (o.cookie) headers.cookie = o.cookie;
    if (o.id) headers['x-request-id'] = o.id;
    const body = o.form ?? (o.body === undefined ? undefined : JSON.stringify(o.body));
    if (body !== undefined) headers['content-type'] = o.form ? 'application/x-www-form-urlencoded' : 'application/json';
    const req = request(url + path, { method, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => { text += d; }).on('end', () => {
        let parsed: unknown = text;
        try { parsed = JSON.parse(text); } catch { /* a page or metrics text */ }
        done({ status: res.statusCode!, body: parsed, headers: res.headers });
      });
    });
    req.on('error', fail);
    req.end(body);
  });
}

test('--workers 2: one port, two processes; writes, swaps and logins through one are seen by both at once; one rate limit per key; metrics summed; a dead worker is replaced', { skip: !nativeAddon()?.sharedBucketsOpen && 'native addon not built', timeout: 180_000 }, async () => {
  const shop = await makeShop();
  const { read, write, admin } = shop.keys;
  const limited = (await new ApiKeys(shop.store).create('read')).key;
  await shop.store.close();
  const child = spawn(process.execPath, [bin, 'serve', '--db', shop.db, '--model', shop.models[0], '--port', '0', '--workers', '2', '--rate', '2', '--burst', '30'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: { msg: string; worker?: number; reqId?: string; url?: string; pids?: number[] }[] = [];
  let serving: (l: (typeof lines)[number]) => void;
  const up = new Promise<(typeof lines)[number]>((r) => { serving = r; });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const l = JSON.parse(line) as (typeof lines)[number];
    lines.push(l);
    if (l.msg === 'curio serving') serving(l);
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  try {
    const { url, pids } = await up;
    assert.equal(pids!.length, 2);
    let n = 0;
    /** `times` requests on fresh connections; the workers that answered them, read from the request log. */
    const spread = async (times: number, method: string, path: string, o: Parameters<typeof fresh>[3] = {}) => {
      const ids: string[] = [];
      const replies: Reply[] = [];
      for (let i = 0; i < times; i++) {
        const id = `t${++n}`;
        ids.push(id);
        replies.push(await fresh(url!, method, path, { ...o, id }));
      }
      await new Promise((r) => setTimeout(r, 300)); // request lines are written in batches, at most 100 ms late
      const workers = new Set(lines.filter((l) => l.reqId && ids.includes(l.reqId)).map((l) => l.worker));
      return { replies, workers };
    };

    const first = await spread(6, 'GET', '/v1/model', { key: read });
    assert.deepEqual([...first.workers].sort(), [0, 1], 'new connections reach both workers');

    // An item written through one worker is served by both before the write is answered.
    assert.equal((await fresh(url!, 'PUT', '/v1/items/NEW1', { key: write, body: { title: 'Kettle', timestamp: Date.UTC(2030, 0, 1) } })).status, 200);
    const arrivals = await spread(6, 'POST', '/v1/new-arrivals', { key: read, body: { k: 1 } });
    assert.deepEqual(arrivals.replies.map((r) => r.body.items?.[0]?.item), Array(6).fill('NEW1'));
    assert.equal(arrivals.workers.size, 2);
    assert.equal((await fresh(url!, 'DELETE', '/v1/items/NEW1', { key: write })).body.deleted, true);
    const gone = await spread(6, 'POST', '/v1/related', { key: read, body: { context: { item: 'NEW1' } } });
    assert.deepEqual(gone.replies.map((r) => r.status), Array(6).fill(404), 'a deleted item leaves both catalogues');

    // A model reload through one worker swaps both; a rollback too.
    const before = (await fresh(url!, 'GET', '/v1/model', { key: read })).body.version as string;
    const swapped = await fresh(url!, 'POST', '/v1/model/reload', { key: admin, body: { path: shop.models[1] } });
    assert.equal(swapped.status, 200);
    assert.notEqual(swapped.body.version, before);
    const after = await spread(6, 'GET', '/v1/model', { key: read });
    assert.deepEqual(after.replies.map((r) => r.body.version), Array(6).fill(swapped.body.version));
    assert.equal((await fresh(url!, 'POST', '/v1/model/rollback', { key: admin })).body.version, before);
    assert.deepEqual((await spread(4, 'GET', '/v1/model', { key: read })).replies.map((r) => r.body.version), Array(4).fill(before));

    // A dashboard login is good on both workers; a logout ends it on both.
    const login = await fresh(url!, 'POST', '/dashboard/login', { form: `key=${admin}` });
    assert.equal(login.status, 303);
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    assert.deepEqual((await spread(6, 'GET', '/dashboard', { cookie })).replies.map((r) => r.status), Array(6).fill(200));
    assert.equal((await fresh(url!, 'POST', '/dashboard/logout', { cookie })).status, 303);
    assert.deepEqual((await spread(6, 'GET', '/dashboard', { cookie })).replies.map((r) => r.status), Array(6).fill(303));

    // Failed dashboard logins are counted for the server as a whole too (10 allowed, then 429 from either worker).
    const bad = await spread(14, 'POST', '/dashboard/login', { form: 'key=curio_not_a_key' });
    assert.deepEqual(bad.replies.map((r) => r.status), [...Array(10).fill(401), ...Array(4).fill(429)]);
    assert.equal(bad.workers.size, 2);

    // One bucket per key for the whole server: 30 at once, then 2 a second, whichever worker answers.
    const t0 = Date.now();
    const burst = await spread(50, 'GET', '/v1/model', { key: limited });
    const refill = Math.ceil(((Date.now() - t0) / 1000) * 2);
    const ok = burst.replies.filter((r) => r.status === 200).length;
    assert.ok(ok >= 30 && ok <= 30 + refill, `${ok} of 50 answered (burst 30, refill ${refill}); per-worker buckets would answer 50`);
    assert.equal(burst.workers.size, 2);

    // Metrics count the requests of both workers.
    const metrics = await fresh(url!, 'GET', '/metrics', { key: admin });
    const count = Number(/curio_http_request_duration_seconds_count\{method="POST",route="\/v1\/new-arrivals",status_class="2xx"\} (\d+)/.exec(String(metrics.body))?.[1]);
    assert.equal(count, 6, 'the 6 new-arrivals requests, answered by two workers, counted once each');

    // A worker killed outright is replaced; the other answers meanwhile.
    const replaced = lines.length;
    process.kill(pids![1]!, 'SIGKILL');
    const seen = async (msg: string) => {
      for (let i = 0; i < 200 && !lines.slice(replaced).some((l) => l.msg === msg); i++) await new Promise((r) => setTimeout(r, 50));
    };
    // Once the primary knows (a connection handed over in the instant before would be reset, as by any crash).
    await seen('worker died; starting another');
    assert.equal((await fresh(url!, 'GET', '/v1/model', { key: read })).status, 200);
    await seen('worker serving');
    assert.ok(lines.slice(replaced).some((l) => l.msg === 'worker serving'), 'a new worker serves');
    assert.deepEqual([...(await spread(6, 'GET', '/v1/model', { key: read })).workers].sort(), [0, 1]);
  } finally {
    child.kill('SIGTERM');
  }
  const stopped = await Promise.race([exited, new Promise<string>((r) => setTimeout(r, 20_000, 'still running 20 s after SIGTERM'))]);
  if (typeof stopped === 'string') {
    child.kill('SIGKILL');
    for (const l of lines) if (l.pids) for (const pid of l.pids) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
  assert.equal(stopped, 0, 'SIGTERM stops the workers and the primary cleanly');
});
