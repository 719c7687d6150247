import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { LlmClient, retryAfter } from './client.ts';
import { resolveLlmConfig, type LlmConfigInput } from './config.ts';
import { LlmError } from './errors.ts';
import { answerJson, startStubLlm, type StubStep } from './testing.ts';

const Answer = z.object({ genres: z.array(z.string()), max: z.number().nullable() });
const ask = { system: 'You extract constraints.', user: 'funny films under 5', schema: Answer, name: 'constraints' };
const good = answerJson({ genres: ['Comedy'], max: 5 });

/** A client of the stub with fast back-off; `waits` records every back-off asked for. */
async function setup(script: StubStep[], config: Partial<LlmConfigInput> = {}) {
  const stub = await startStubLlm({ script, chat: () => good });
  const waits: number[] = [];
  const client = new LlmClient(resolveLlmConfig({ baseUrl: stub.url, model: 'm', timeoutMs: 10_000, backoffMs: 1, ...config })!, { sleep: async (ms) => { waits.push(ms); } });
  return { stub, client, waits };
}

test('chatJson: a good answer is validated, sent with a JSON schema and the key, then cached', async () => {
  const { stub, client } = await setup([], { apiKey: 'k123' });
  try {
    const r = await client.chatJson(ask);
    assert.deepEqual(r, { value: { genres: ['Comedy'], max: 5 }, cached: false });
    const sent = stub.requests[0]!;
    assert.equal(sent.path, '/chat/completions');
    assert.equal(sent.headers.authorization, 'Bearer k123');
    const rf = sent.body.response_format as { type: string; json_schema: { name: string; schema: { required: string[] } } };
    assert.equal(rf.type, 'json_schema');
    assert.deepEqual(rf.json_schema.schema.required.sort(), ['genres', 'max']);
    assert.deepEqual(await client.chatJson(ask), { value: r.value, cached: true });
    assert.equal(stub.requests.length, 1, 'the second answer came from the cache');
    assert.equal(client.usage.cacheHits, 1);
  } finally {
    await stub.close();
  }
});

test('chatJson: garbage JSON, a wrong shape and a 500 are retried with growing back-off; then an answer is taken', async () => {
  const { stub, client, waits } = await setup([{ content: 'Sure! Here you go: {genres: Comedy' }, answerJson({ genres: 'Comedy' }), { status: 500, raw: 'oops' }], { retries: 3 });
  try {
    assert.deepEqual((await client.chatJson(ask)).value, { genres: ['Comedy'], max: 5 });
    assert.equal(stub.requests.length, 4);
    assert.equal(waits.length, 3);
    assert.ok(waits[2]! > waits[1]! && waits[1]! > waits[0]!, 'back-off doubles');
    // four bad answers in a row: a typed error naming the last failure
    stub.script.push(...Array(4).fill({ content: 'not json at all' }));
    await assert.rejects(client.chatJson({ ...ask, user: 'other' }), (e: unknown) => e instanceof LlmError && e.failure === 'bad-json' && e.attempts === 4 && /after 4 attempts: the answer is not JSON: "not json at all"/.test(e.message));
  } finally {
    await stub.close();
  }
});

test('chatJson: a fenced JSON answer is accepted; json_object mode puts the schema in the prompt', async () => {
  const { stub, client } = await setup([{ content: '```json\n{"genres": [], "max": null}\n```' }], { responseFormat: 'json_object' });
  try {
    assert.deepEqual((await client.chatJson(ask)).value, { genres: [], max: null });
    assert.deepEqual(stub.requests[0]!.body.response_format, { type: 'json_object' });
    assert.match(stub.requests[0]!.body.messages![0]!.content, /JSON Schema:\n\{.*"genres"/);
  } finally {
    await stub.close();
  }
});

test('chatJson: a hang past the timeout is retried, then a typed timeout error', async () => {
  const { stub, client } = await setup([{ hang: true }, { hang: true }], { timeoutMs: 300, retries: 1 });
  try {
    const t = performance.now();
    await assert.rejects(client.chatJson(ask), (e: unknown) => e instanceof LlmError && e.failure === 'timeout' && e.attempts === 2 && /after 2 attempts: no answer within 300 ms/.test(e.message));
    assert.ok(performance.now() - t < 10_000, 'a hung endpoint does not hang the caller');
    assert.equal(client.usage.calls, 2);
  } finally {
    await stub.close();
  }
});

test('chatJson: a slow answer within the timeout is taken', async () => {
  const { stub, client } = await setup([{ ...good, delayMs: 60 }], { timeoutMs: 5000, retries: 0 });
  try {
    assert.deepEqual((await client.chatJson(ask)).value.genres, ['Comedy']);
  } finally {
    await stub.close();
  }
});

test('chatJson: 429 waits Retry-After; a Retry-After beyond the limit ends the retries', async () => {
  const { stub, client, waits } = await setup([{ status: 429, headers: { 'retry-after': '2' }, json: { error: { message: 'slow down' } } }]);
  try {
    assert.deepEqual((await client.chatJson(ask)).value.max, 5);
    assert.deepEqual(waits, [2000]);
    stub.script.push({ status: 429, headers: { 'retry-after': '3600' } });
    await assert.rejects(client.chatJson({ ...ask, user: 'other' }), (e: unknown) => e instanceof LlmError && e.failure === 'rate-limited' && e.attempts === 1 && e.status === 429);
  } finally {
    await stub.close();
  }
});

test('chatJson: a 401 is not retried; an unreachable endpoint is a network error', async () => {
  const { stub, client } = await setup([{ status: 401, json: { error: { message: 'bad key' } } }]);
  try {
    await assert.rejects(client.chatJson(ask), (e: unknown) => e instanceof LlmError && e.failure === 'http' && e.status === 401 && e.attempts === 1 && /HTTP 401.*bad key/.test(e.message));
    assert.equal(stub.requests.length, 1);
  } finally {
    await stub.close();
  }
  // the port is closed now
  const dead = new LlmClient(resolveLlmConfig({ baseUrl: stub.url, retries: 1, backoffMs: 1 })!);
  await assert.rejects(dead.chatJson(ask), (e: unknown) => e instanceof LlmError && e.failure === 'network' && e.attempts === 2 && /cannot reach it/.test(e.message));
});

test('budget: calls past llm.maxCalls fail without a request', async () => {
  const { stub, client } = await setup([], { maxCalls: 2 });
  try {
    await client.chatJson({ ...ask, user: 'a' });
    await client.chatJson({ ...ask, user: 'b' });
    await assert.rejects(client.chatJson({ ...ask, user: 'c' }), (e: unknown) => e instanceof LlmError && e.failure === 'budget' && /llm\.maxCalls 2/.test(e.message));
    assert.equal(stub.requests.length, 2);
    assert.equal((await client.chatJson({ ...ask, user: 'a' })).cached, true, 'a cached answer costs nothing');
  } finally {
    await stub.close();
  }
});

test('budget: tokens past llm.maxTokens', async () => {
  const { stub, client } = await setup([], { maxTokens: 5 });
  try {
    await client.chatJson(ask);
    await assert.rejects(client.chatJson({ ...ask, user: 'x' }), (e: unknown) => e instanceof LlmError && e.failure === 'budget' && /tokens/.test(e.message));
  } finally {
    await stub.close();
  }
});

test('embed: batches, keeps the order of the index field, caches per text on disk', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'curio-llm-'));
  const stub = await startStubLlm();
  try {
    const config = resolveLlmConfig({ baseUrl: stub.url, model: 'chat', embeddingModel: 'emb', embeddingBatch: 2, cacheDir: dir })!;
    const a = await new LlmClient(config).embed(['cat', 'dog', 'fish']);
    assert.equal(stub.requests.length, 2, '3 texts in batches of 2');
    assert.deepEqual(stub.requests.map((r) => r.body.input), [['cat', 'dog'], ['fish']]);
    assert.equal(stub.requests[0]!.body.model, 'emb');
    assert.equal(a.length, 3);
    assert.ok(Math.abs(a[0]!.reduce((s, x) => s + x * x, 0) - 1) < 1e-5);
    assert.equal(readdirSync(dir).length, 3);
    // a new client (a new run) reads the disk cache: only "eel" is asked for
    const b = await new LlmClient(config).embed(['fish', 'eel', 'cat']);
    assert.deepEqual(stub.requests.slice(2).map((r) => r.body.input), [['eel']]);
    assert.deepEqual(b[0], a[2]);
    assert.deepEqual(b[2], a[0]);
    // answers listed out of order are put back by their index
    stub.script.push({ json: { data: [{ index: 1, embedding: [0, 1] }, { index: 0, embedding: [1, 0] }] } });
    const c = await new LlmClient({ ...config, cacheDir: undefined }).embed(['x', 'y']);
    assert.deepEqual([...c[0]!], [1, 0]);
    // a short answer is a schema failure
    stub.script.push(...Array(3).fill({ json: { data: [{ embedding: [1] }] } }));
    await assert.rejects(new LlmClient({ ...config, cacheDir: undefined, backoffMs: 1 }).embed(['p', 'q']), (e: unknown) => e instanceof LlmError && e.failure === 'schema' && /asked for 2 embeddings, got 1/.test(e.message));
  } finally {
    await stub.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('config: unknown keys rejected, /v1 added to a bare host, key from CURIO_LLM_API_KEY, absent without an endpoint', () => {
  assert.equal(resolveLlmConfig(undefined), undefined);
  assert.throws(() => resolveLlmConfig({ baseUrl: 'http://x', timeout: 5 }), (e: unknown) => e instanceof ConfigError && /llm\.timeout: unknown key; valid keys: baseUrl/.test(e.message));
  assert.throws(() => resolveLlmConfig({ baseUrl: 'http://x', retries: -1 }), (e: unknown) => e instanceof ConfigError && e.field === 'llm.retries');
  assert.throws(() => resolveLlmConfig(undefined, { url: 'localhost:11434' }), (e: unknown) => e instanceof ConfigError && /--llm-url/.test(e.message));
  const c = resolveLlmConfig(undefined, { url: 'http://127.0.0.1:11434/', model: 'llama3' }, { CURIO_LLM_API_KEY: 'env-key' })!;
  assert.equal(c.baseUrl, 'http://127.0.0.1:11434/v1');
  assert.equal(c.model, 'llama3');
  assert.equal(c.apiKey, 'env-key');
  assert.equal(c.timeoutMs, 20_000);
  assert.equal(resolveLlmConfig({ baseUrl: 'https://api.example.com/v1/', apiKey: 'file' }, {}, { CURIO_LLM_API_KEY: 'env' })!.apiKey, 'file');
  assert.equal(resolveLlmConfig({ baseUrl: 'https://api.example.com/v1/' })!.baseUrl, 'https://api.example.com/v1');
});

test('retryAfter: seconds or an HTTP date', () => {
  assert.equal(retryAfter('2'), 2000);
  assert.equal(retryAfter(null), undefined);
  assert.equal(retryAfter('soon'), undefined);
  const t = retryAfter(new Date(Date.now() + 5000).toUTCString())!;
  assert.ok(t > 3000 && t <= 5000);
});

test('chatJson: a hung endpoint costs at most the deadline, retries included, whatever the timeout and retries', async () => {
  const { stub, client } = await setup([{ hang: true }, { hang: true }, { hang: true }, { hang: true }], { timeoutMs: 400, retries: 3, deadlineMs: 600 });
  try {
    const t = performance.now();
    await assert.rejects(client.chatJson(ask), (e: unknown) => e instanceof LlmError && e.failure === 'timeout' && e.attempts === 2 && /after 2 attempts: no answer within the 600 ms deadline \(llm\.deadlineMs\)/.test(e.message));
    const took = performance.now() - t;
    assert.ok(took >= 550 && took < 1500, `took ${took} ms`);
  } finally {
    await stub.close();
  }
});
