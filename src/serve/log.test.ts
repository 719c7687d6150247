import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonLogger } from './log.ts';
import { call, makeShop, serveShop, type Shop } from './testing.ts';

test('jsonLogger writes one pino JSON object per line: level, time, pid, msg and the fields', () => {
  const lines: string[] = [];
  const log = jsonLogger((l) => lines.push(l));
  const t0 = Date.now();
  log.info('hello', { a: 1, nested: { b: 'x' } });
  log.warn('careful');
  log.error('broken', { error: 'boom' });
  assert.equal(lines.length, 3);
  for (const l of lines) assert.ok(!l.includes('\n'), 'no newline inside a line');
  const [i, w, e] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual({ level: i!.level, msg: i!.msg, a: i!.a, nested: i!.nested, pid: i!.pid }, { level: 30, msg: 'hello', a: 1, nested: { b: 'x' }, pid: process.pid });
  assert.ok(typeof i!.time === 'number' && i!.time >= t0 && i!.time <= Date.now() + 1);
  assert.deepEqual([w!.level, w!.msg], [40, 'careful']);
  assert.deepEqual([e!.level, e!.msg, e!.error], [50, 'broken', 'boom']);
});

test('jsonLogger survives fields JSON cannot hold (cycles, bigint) and honours the level', () => {
  const lines: string[] = [];
  const cyclic: Record<string, unknown> = { name: 'c' };
  cyclic.self = cyclic;
  jsonLogger((l) => lines.push(l)).info('odd', { cyclic, big: 10n });
  const o = JSON.parse(lines[0]!) as { cyclic: { name: string; self: unknown }; big: unknown };
  assert.equal(o.cyclic.name, 'c');
  assert.equal(o.cyclic.self, '[Circular]');
  assert.equal(o.big, 10);
  const quiet: string[] = [];
  const warnOnly = jsonLogger((l) => quiet.push(l), { level: 'warn' });
  warnOnly.info('dropped');
  warnOnly.warn('kept');
  assert.deepEqual(quiet.map((l) => (JSON.parse(l) as { msg: string }).msg), ['kept']);
});

let shop: Shop;
let base: string;
let close: () => Promise<void>;
const lines: string[] = [];
const logged = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

before(async () => {
  shop = await makeShop();
  const s = await serveShop(shop, { logger: jsonLogger((l) => lines.push(l)) });
  base = s.url;
  close = s.close;
});
after(async () => {
  await close();
  await shop.store.close();
});

test('a request id sent by the client is echoed in the response header and logged with the request', async () => {
  const r = await call(base, 'POST', '/v1/recommend', { key: shop.keys.read, body: { user: 'b0', k: 2 }, headers: { 'x-request-id': 'shop-req.42_a' } });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('x-request-id'), 'shop-req.42_a');
  const line = logged().find((l) => l.reqId === 'shop-req.42_a');
  assert.ok(line, lines.join('\n'));
  assert.deepEqual([line.level, line.msg, line.method, line.route, line.status, typeof line.ms, line.key !== undefined], [30, 'request', 'POST', '/v1/recommend', 200, 'number', true]);
});

test('an unusable request id (too long, spaces, markup) is replaced by a generated one, echoed and logged', async () => {
  for (const bad of ['x'.repeat(65), 'two words', '<script>', '']) {
    const r = await call(base, 'GET', '/health', { headers: { 'x-request-id': bad } });
    const id = r.headers.get('x-request-id')!;
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, `for ${JSON.stringify(bad)}: ${id}`);
    assert.ok(logged().some((l) => l.reqId === id && l.route === '/health'));
    assert.ok(!lines.some((l) => bad && l.includes(bad)), 'the refused id is not written to the log');
  }
  const a = (await call(base, 'GET', '/health')).headers.get('x-request-id');
  const b = (await call(base, 'GET', '/health')).headers.get('x-request-id');
  assert.notEqual(a, b, 'each request gets its own id');
});

test('an error answer carries the request id in its body, header and log line', async () => {
  const r = await call(base, 'POST', '/v1/recommend', { body: { user: 'b0' }, headers: { 'x-request-id': 'no-key-1' } });
  assert.equal(r.status, 401);
  assert.equal(r.body.error.requestId, 'no-key-1');
  assert.equal(r.headers.get('x-request-id'), 'no-key-1');
  const line = logged().find((l) => l.reqId === 'no-key-1');
  assert.equal(line?.status, 401);
});

/** Runs `body` in a child process with jsonLogger() on its stdout; returns its lines, each with when it arrived. */
async function childLines(body: string): Promise<{ line: Record<string, unknown>; at: number }[]> {
  const { spawn } = await import('node:child_process');
  const { createInterface } = await import('node:readline');
  const script = `const { jsonLogger } = await import(${JSON.stringify(new URL('./log.ts', import.meta.url).href)});\nconst log = jsonLogger();\n${body}`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const out: { line: Record<string, unknown>; at: number }[] = [];
  for await (const l of createInterface({ input: child.stdout })) out.push({ line: JSON.parse(l) as Record<string, unknown>, at: performance.now() });
  return out;
}

test('request lines on stdout are batched but never lost or reordered: other lines flush them first, exit flushes the rest', async () => {
  const out = await childLines(`
    for (let i = 0; i < 5; i++) log.request({ reqId: 'r' + i, status: 200 });
    log.warn('between');
    for (let i = 0; i < 3; i++) log.request({ reqId: 'late' + i, status: 200 });
  `);
  assert.deepEqual(out.map((o) => o.line.reqId ?? o.line.msg), ['r0', 'r1', 'r2', 'r3', 'r4', 'between', 'late0', 'late1', 'late2']);
  assert.deepEqual([out[0]!.line.msg, out[0]!.line.level, out[0]!.line.status], ['request', 30, 200]);
});

test('a batched request line is written within its flush delay, not held until the next line', async () => {
  const out = await childLines(`
    log.request({ reqId: 'alone' });
    setTimeout(() => log.info('two seconds later'), 2000);
  `);
  assert.deepEqual(out.map((o) => o.line.reqId ?? o.line.msg), ['alone', 'two seconds later']);
  assert.ok(out[1]!.at - out[0]!.at > 1000, `the request line arrived ${Math.round(out[1]!.at - out[0]!.at)} ms before the next`);
});
