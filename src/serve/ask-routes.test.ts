import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { resolve } from 'node:path';
import { call, makeShop, serveShop, type Shop } from './testing.ts';
import { jsonLogger } from './log.ts';
import { CurioClient } from '../client/index.ts';

const bin = resolve(import.meta.dirname, '../../bin/curio.js');

let shop: Shop;
let srv: Awaited<ReturnType<typeof serveShop>>;
const lines: { msg: string; [k: string]: unknown }[] = [];

before(async () => {
  shop = await makeShop();
  // tfidf: fitted on the catalogue in milliseconds (the default, use, would load a TensorFlow model)
  srv = await serveShop(shop, { ask: { encoder: 'tfidf' }, logger: jsonLogger((l) => lines.push(JSON.parse(l))) });
});
after(async () => {
  await srv.close();
  await shop.store.close();
});

const builds = () => lines.filter((l) => l.msg === 'ask index built').length;

/**
 * `curio <args> --json` on the shop's store and model, as a user runs it (asynchronously: the server in this
 * process keeps its event loop).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- compared whole; typed as the answer it must equal
async function cli(...args: string[]): Promise<any> {
  const r = await promisify(execFile)(process.execPath, [bin, ...args, '--db', shop.db, '--model', shop.models[0], '--encoder', 'tfidf', '--json'], { encoding: 'utf8' });
  return JSON.parse(r.stdout);
}

test('/v1/ask and /v1/search answer exactly what curio ask --json and curio search --json print; the index is built once', async () => {
  const key = shop.keys.read;
  const ask = await call(srv.url, 'POST', '/v1/ask', { key, body: { query: 'kitchen tea under 10', user: 'c0', k: 3 } });
  assert.equal(ask.status, 200, JSON.stringify(ask.body));
  assert.deepEqual(ask.body, await cli('ask', 'kitchen tea under 10', '--user', 'c0', '-k', '3'));
  assert.deepEqual(ask.body.understood.constraints.map((c: { text: string }) => c.text), ['category Kitchen', 'price < 10']);
  assert.deepEqual(ask.body.items.map((x: { item: string }) => x.item), ['B'], 'the kitchen items under 10 are tea cups (8) and the tea towel (4), which c0 bought');
  assert.equal(ask.body.understood.personalised, true);

  const search = await call(srv.url, 'POST', '/v1/search', { key, body: { query: 'tea', k: 5 } });
  assert.equal(search.status, 200, JSON.stringify(search.body));
  assert.deepEqual(search.body, await cli('search', 'tea', '-k', '5'));
  assert.deepEqual(new Set(search.body.items.slice(0, 3).map((x: { item: string }) => x.item)), new Set(['A', 'B', 'C']), 'the three items with "tea" in their title first');

  const anyone = await call(srv.url, 'POST', '/v1/ask', { key, body: { query: 'kitchen tea under 10' } });
  assert.deepEqual(anyone.body.items.map((x: { item: string }) => x.item).sort(), ['B', 'C']);
  const plain = await call(srv.url, 'POST', '/v1/ask', { key, body: { query: 'books' } });
  assert.deepEqual(plain.body.items.map((x: { item: string }) => x.item).sort(), ['G', 'H']);
  assert.equal(builds(), 1, 'one index for every request');

  // The typed client: the same answers.
  const client = new CurioClient({ url: srv.url, apiKey: key });
  assert.deepEqual(await client.ask({ query: 'kitchen tea under 10', user: 'c0', k: 3 }), ask.body);
  assert.deepEqual(await client.search({ query: 'tea', k: 5 }), search.body);

  const doc = (await call(srv.url, 'GET', '/openapi.json')).body;
  for (const p of ['/v1/ask', '/v1/search']) {
    assert.equal(doc.paths[p].post['x-scope'], 'read');
    assert.deepEqual(doc.paths[p].post.requestBody.content['application/json'].schema.required, ['query']);
    assert.ok(doc.paths[p].post.responses['200'].content['application/json'].schema.properties.items);
  }
});

test('bad requests: a 400 naming the field; constraints that exclude everything say which one emptied the set', async () => {
  const key = shop.keys.read;
  for (const path of ['/v1/ask', '/v1/search']) {
    for (const [body, field, message] of [
      [{ query: '' }, 'query', /empty/], [{ query: '   ' }, 'query', /empty/], [{ query: 'x'.repeat(10_000) }, 'query', /at most 1000 characters/],
      [{}, 'query', /./], [{ query: 1 }, 'query', /./], [{ query: 'tea', k: 0 }, 'k', /./], [{ query: 'tea', k: 1001 }, 'k', /./],
      [{ query: 'tea', user: '' }, 'user', /empty id/], [{ query: 'tea', filter: 'x' }, 'filter', /unknown field/],
    ] as const) {
      const r = await call(srv.url, 'POST', path, { key, body });
      assert.equal(r.status, 400, `${path} ${JSON.stringify(body).slice(0, 40)}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.field, field, JSON.stringify(r.body));
      assert.match(r.body.error.message, message);
    }
    assert.equal((await call(srv.url, 'POST', path, { body: { query: 'tea' } })).status, 401);
  }
  // a request with no word is a 400 naming the body's field, as curio ask refuses it
  const wordless = await call(srv.url, 'POST', '/v1/ask', { key, body: { query: '!!!' } });
  assert.equal(wordless.status, 400);
  assert.equal(wordless.body.error.field, 'query', JSON.stringify(wordless.body));
  assert.match(wordless.body.error.message, /has no words/);

  const none = await call(srv.url, 'POST', '/v1/ask', { key, body: { query: 'books under 5' } });
  assert.equal(none.status, 200);
  assert.deepEqual(none.body.items, []);
  assert.equal(none.body.understood.candidates, 0);
  assert.match(none.body.understood.nothingMatched, /"price < 5".*leaves none of the 2 items/);

  // A user the model does not know: answered, not personalised, and said so.
  const stranger = await call(srv.url, 'POST', '/v1/ask', { key, body: { query: 'tea', user: 'nobody' } });
  assert.equal(stranger.status, 200);
  assert.equal(stranger.body.understood.personalised, false);
  assert.ok(stranger.body.understood.warnings.some((w: string) => /unknown to the model/.test(w)));
});

test('an item upserted after the index was built: answered at once from the old index, found after the background rebuild', async () => {
  const before = builds();
  await call(srv.url, 'POST', '/v1/ask', { key: shop.keys.read, body: { query: 'tea' } });
  assert.equal((await call(srv.url, 'PUT', '/v1/items/K', { key: shop.keys.write, body: { title: 'Kettle', categories: ['Kitchen'], price: 25 } })).status, 200);
  const first = await call(srv.url, 'POST', '/v1/search', { key: shop.keys.read, body: { query: 'kettle' } });
  assert.equal(first.status, 200);
  for (let i = 0; i < 100 && builds() === before; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(builds(), before + 1, 'rebuilt once, in the background');
  const later = await call(srv.url, 'POST', '/v1/search', { key: shop.keys.read, body: { query: 'kettle' } });
  assert.equal(later.body.items[0].item, 'K');
  const ask = await call(srv.url, 'POST', '/v1/ask', { key: shop.keys.read, body: { query: 'kitchen over 20' } });
  assert.deepEqual(ask.body.items.map((x: { item: string }) => x.item), ['K']);
});

test('/v1/ask with an LLM endpoint: the LLM reads the request (understood.by "llm"); when it fails, the parser answers and says why', async () => {
  const { startStubLlm, answerJson } = await import('../llm/testing.ts');
  const stub = await startStubLlm({ script: [
    answerJson({ constraints: [{ kind: 'category', negated: false, field: null, value: 'Kitchen', min: null, max: null, source: 'for the kitchen' }], query: 'tea' }),
    { status: 500, raw: 'boom' },
  ] });
  const warnings: string[] = [];
  const s = await serveShop(shop, { ask: { encoder: 'tfidf', llm: { url: stub.url, model: 'stub-model' } }, logger: jsonLogger((l) => { const x = JSON.parse(l); if (x.level === 40) warnings.push(x.msg); }) });
  try {
    const key = shop.keys.read;
    const byLlm = await call(s.url, 'POST', '/v1/ask', { key, body: { query: 'something for making tea in the kitchen', k: 5 } });
    assert.equal(byLlm.status, 200, JSON.stringify(byLlm.body));
    assert.equal(byLlm.body.understood.by, 'llm');
    assert.deepEqual(byLlm.body.understood.constraints.map((c: { text: string }) => c.text), ['category Kitchen']);
    assert.equal(stub.requests[0]!.body.model, 'stub-model');
    assert.match(stub.requests[0]!.body.messages!.at(-1)!.content, /making tea/);
    const fallback = await call(s.url, 'POST', '/v1/ask', { key, body: { query: 'kitchen tea under 10', k: 3 } });
    assert.equal(fallback.status, 200, 'an LLM failure is not the client\'s failure');
    assert.notEqual(fallback.body.understood.by, 'llm');
    assert.deepEqual(fallback.body.understood.constraints.map((c: { text: string }) => c.text), ['category Kitchen', 'price < 10'], 'the parser\'s reading');
    assert.match(fallback.body.understood.llmFallback, /500/);
    assert.ok(warnings.some((w) => /\/v1\/ask: .*500/.test(w)), warnings.join('\n'));
  } finally {
    await s.close();
    await stub.close();
  }
});

test('curio serve refuses a bad --llm-url at start, with one line naming the flag (no stack trace)', async () => {
  const r = await promisify(execFile)(process.execPath, [bin, 'serve', '--db', shop.db, '--model', shop.models[0], '--port', '0', '--llm-url', 'not a url'], { encoding: 'utf8', timeout: 30_000 }).then(
    () => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /--llm-url.*expected a URL/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});
