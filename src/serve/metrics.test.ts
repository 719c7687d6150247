import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeShop, serveShop, call } from './testing.ts';

// A real SQLite file and a real socket on 127.0.0.1; the scrape is read back through the text format.
const shop = await makeShop();
const srv = await serveShop(shop);
const base = srv.url;
const { read, write, admin } = shop.keys;
after(async () => {
  await srv.close();
  await shop.store.close();
});

interface Sample { name: string; labels: Record<string, string>; value: number }

/** The Prometheus text exposition format (0.0.4): `name{a="x",b="y"} value` lines, `# HELP` / `# TYPE` comments. */
function parse(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: m[1]!, labels, value: m[3] === '+Inf' ? Infinity : Number(m[3]) });
  }
  return { samples, types };
}

async function scrape(url = base, key: string | undefined = admin) {
  const r = await call<string>(url, 'GET', '/metrics', { key });
  assert.equal(r.status, 200, String(r.body));
  assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parse(r.body);
}

/** The one sample named `name` whose labels include `labels`; undefined when none, an error when several. */
function one(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const hits = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  assert.ok(hits.length <= 1, `${hits.length} samples of ${name} ${JSON.stringify(labels)}`);
  return hits[0]?.value;
}

const requests = (samples: Sample[], method: string, route: string, status_class: string) =>
  one(samples, 'curio_http_request_duration_seconds_count', { method, route, status_class }) ?? 0;

test('/metrics needs an admin key: 401 without one, 403 for read and write keys', async () => {
  const none = await call(base, 'GET', '/metrics');
  assert.equal(none.status, 401);
  assert.equal(none.body.error.code, 'unauthorized');
  for (const key of [read, write]) {
    const r = await call(base, 'GET', '/metrics', { key });
    assert.equal(r.status, 403);
    assert.match(r.body.error.message, /scope "admin"/);
  }
});

test('request latency per route template and status class; events and commits counted; model age and swaps', async () => {
  const before = await scrape();
  // The three refused scrapes of the test above (this file's tests run in order on one server).
  assert.equal(requests(before.samples, 'GET', '/metrics', '4xx'), 3);
  assert.equal(one(before.samples, 'curio_events_ingested_total'), 0);
  assert.equal(one(before.samples, 'curio_event_commits_total'), 0);
  assert.equal(one(before.samples, 'curio_model_swaps_total'), 0);
  assert.ok(one(before.samples, 'curio_history_cache_events')! > 0, 'the shop\'s histories were cached after the server started');

  for (let i = 0; i < 2; i++) assert.equal((await call(base, 'GET', '/health')).status, 200);
  for (const user of ['b0', 'c0', 'd0']) assert.equal((await call(base, 'POST', '/v1/recommend', { key: read, body: { user } })).status, 200);
  assert.equal((await call(base, 'POST', '/v1/recommend', { body: { user: 'b0' } })).status, 401);
  assert.equal((await call(base, 'POST', '/v1/popular', { key: read, body: { k: 2 } })).status, 200);
  assert.equal((await call(base, 'GET', '/v1/items/A', { key: read })).status, 200);
  assert.equal((await call(base, 'GET', '/v1/items/B', { key: read })).status, 200);
  assert.equal((await call(base, 'GET', '/v1/items/no-such-item', { key: read })).status, 404);
  assert.equal((await call(base, 'GET', '/no/such/route/42')).status, 404);
  // Events: one alone, a batch of three with an idempotency key, then the same batch again (a replay adds none).
  assert.equal((await call(base, 'POST', '/v1/events', { key: write, body: { user: 'b1', item: 'C', type: 'view' } })).status, 200);
  const batch = { events: ['D', 'E', 'F'].map((item) => ({ user: 'b2', item, type: 'view' })), idempotencyKey: 'metrics-batch-1' };
  assert.equal((await call(base, 'POST', '/v1/events', { key: write, body: batch })).body.replayed, false);
  assert.equal((await call(base, 'POST', '/v1/events', { key: write, body: batch })).body.replayed, true);
  assert.equal((await call(base, 'POST', '/v1/events', { key: read, body: { user: 'b1', item: 'C', type: 'view' } })).status, 403);

  const mid = await scrape();
  const s = mid.samples;
  assert.equal(mid.types.get('curio_http_request_duration_seconds'), 'histogram');
  assert.equal(requests(s, 'GET', '/health', '2xx'), 2);
  assert.equal(requests(s, 'POST', '/v1/recommend', '2xx'), 3);
  assert.equal(requests(s, 'POST', '/v1/recommend', '4xx'), 1);
  assert.equal(requests(s, 'POST', '/v1/popular', '2xx'), 1);
  assert.equal(requests(s, 'GET', '/v1/items/:id', '2xx'), 2);
  assert.equal(requests(s, 'GET', '/v1/items/:id', '4xx'), 1);
  assert.equal(requests(s, 'GET', 'unmatched', '4xx'), 1);
  assert.equal(requests(s, 'POST', '/v1/events', '2xx'), 3);
  assert.equal(requests(s, 'POST', '/v1/events', '4xx'), 1);
  assert.equal(requests(s, 'GET', '/metrics', '2xx'), 1, 'the first good scrape; this one is counted once it has answered');
  // Templates only: no id or raw path ever becomes a label value.
  const routes = new Set(s.filter((x) => x.name.startsWith('curio_http_request_duration_seconds')).map((x) => x.labels.route));
  assert.deepEqual([...routes].sort(), ['/health', '/metrics', '/v1/events', '/v1/items/:id', '/v1/popular', '/v1/recommend', 'unmatched']);
  // Each series is a histogram: buckets cumulative, +Inf equal to the count, a positive sum.
  const series = { method: 'POST', route: '/v1/recommend', status_class: '2xx' };
  const buckets = s.filter((x) => x.name === 'curio_http_request_duration_seconds_bucket' && x.labels.route === series.route && x.labels.status_class === '2xx');
  assert.equal(buckets.length, 14);
  for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i]!.value >= buckets[i - 1]!.value);
  assert.equal(buckets.at(-1)!.labels.le, '+Inf');
  assert.equal(buckets.at(-1)!.value, 3);
  assert.ok(one(s, 'curio_http_request_duration_seconds_sum', series)! > 0);

  assert.equal(one(s, 'curio_events_ingested_total'), 4);
  assert.equal(one(s, 'curio_event_commits_total'), 3, 'three sequential requests, one commit each (the replay is answered in its own)');
  // Default process metrics, under their standard names.
  assert.ok(one(s, 'process_cpu_user_seconds_total')! > 0);
  assert.ok(one(s, 'nodejs_heap_size_used_bytes')! > 0);

  // Model age: labelled with the served version, counted from when it was loaded.
  const v0 = (await call(base, 'GET', '/v1/model', { key: read })).body.version as string;
  const age0 = one(s, 'curio_model_age_seconds', { version: v0 })!;
  assert.ok(age0 >= 0 && age0 <= (Date.now() - srv.engines.current.loadedAt!.getTime()) / 1000 + 0.001, String(age0));
  const swapAt = Date.now();
  const reloaded = await call(base, 'POST', '/v1/model/reload', { key: admin, body: { path: shop.models[1] } });
  assert.equal(reloaded.status, 200);
  assert.equal((await call(base, 'POST', '/v1/model/reload', { key: admin, body: { path: `${shop.dir}/missing.bin` } })).status, 400);
  const afterSwap = (await scrape()).samples;
  assert.equal(one(afterSwap, 'curio_model_swaps_total'), 1, 'a failed reload swaps nothing');
  assert.equal(one(afterSwap, 'curio_model_age_seconds', { version: v0 }), undefined, 'the replaced model has no age any more');
  const age1 = one(afterSwap, 'curio_model_age_seconds', { version: reloaded.body.version })!;
  assert.ok(age1 >= 0 && age1 <= (Date.now() - swapAt) / 1000 + 0.001, String(age1));
  assert.equal(requests(afterSwap, 'POST', '/v1/model/reload', '2xx'), 1);
  assert.equal(requests(afterSwap, 'POST', '/v1/model/reload', '4xx'), 1);
  assert.equal((await call(base, 'POST', '/v1/model/rollback', { key: admin })).status, 200);
  const rolled = (await scrape()).samples;
  assert.equal(one(rolled, 'curio_model_swaps_total'), 2);
  assert.ok(one(rolled, 'curio_model_age_seconds', { version: v0 })! >= age0, 'a rollback keeps the old model\'s load time');
});

test('concurrent events: every one counted, commits grouped and matching the ingest', async () => {
  const before = (await scrape()).samples;
  const events0 = one(before, 'curio_events_ingested_total')!;
  const commits0 = one(before, 'curio_event_commits_total')!;
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => call(base, 'POST', '/v1/events', { key: write, body: { user: `m${i}`, item: 'A', type: 'view' } })));
  assert.ok(answers.every((a) => a.status === 200));
  const s = (await scrape()).samples;
  assert.equal(one(s, 'curio_events_ingested_total'), events0 + 20);
  const commits = one(s, 'curio_event_commits_total')! - commits0;
  assert.ok(commits >= 1 && commits <= 20, String(commits));
  assert.equal(one(s, 'curio_event_commits_total'), srv.ingest.stats.commits);
});

test('each server has its own registry; --metrics-public serves /metrics without a key', async () => {
  const other = await serveShop(shop, { metricsPublic: true });
  try {
    assert.equal((await call(other.url, 'GET', '/health')).status, 200);
    const s = (await scrape(other.url, undefined)).samples;
    assert.equal(requests(s, 'GET', '/health', '2xx'), 1, 'only its own request, none of the first server\'s');
    assert.equal(requests(s, 'POST', '/v1/recommend', '2xx'), 0);
    assert.equal(one(s, 'curio_events_ingested_total'), 0);
    assert.equal(one(s, 'curio_model_swaps_total'), 0);
    // The first server still counts its own.
    assert.equal(requests((await scrape()).samples, 'GET', '/health', '2xx'), 2);
  } finally {
    await other.close();
  }
});

test('a body refused by the size limit before its route ran is still labelled with that route\'s template', async () => {
  const before = requests((await scrape()).samples, 'POST', '/v1/events', '4xx');
  const huge = { events: [{ user: 'x'.repeat(200), item: 'A', type: 'view', text: 'y'.repeat(2 << 20) }] };
  assert.equal((await call(base, 'POST', '/v1/events', { key: write, body: huge })).status, 413);
  const s = (await scrape()).samples;
  assert.equal(requests(s, 'POST', '/v1/events', '4xx'), before + 1);
  assert.equal(requests(s, 'POST', 'unmatched', '4xx'), 0);
});
