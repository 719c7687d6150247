import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../errors.ts';
import { EncoderUnavailableError } from '../text/encoder.ts';
import { createEncoder } from '../text/registry.ts';
import { encodeCached, VectorCache } from '../text/cache.ts';
import { hashEmbedding, startStubLlm } from './testing.ts';

test('openai encoder: registered, batched over the socket, unit rows, zero rows for empty texts, cache-compatible', async () => {
  const stub = await startStubLlm();
  try {
    const e = createEncoder({ name: 'openai', baseUrl: stub.url, model: 'emb', embeddingBatch: 2 });
    assert.throws(() => e.dimension, (x: unknown) => x instanceof ConfigError && /encoder\.openai\.dimension/.test(x.message));
    const v = await e.encode(['a red teapot', '', 'blue mug', 'cat']);
    assert.equal(e.dimension, 16);
    assert.equal(v.length, 4 * 16);
    assert.deepEqual([...v.subarray(16, 32)], Array(16).fill(0));
    const want = hashEmbedding('blue mug');
    for (let c = 0; c < 16; c++) assert.ok(Math.abs(v[32 + c]! - want[c]!) < 1e-6);
    assert.deepEqual(stub.requests.map((r) => r.body.input), [['a red teapot', 'blue mug'], ['cat']]);
    assert.equal(e.key, `openai:${stub.url}:emb`);
    const cache = new VectorCache(e.key, e.dimension);
    await encodeCached(e, ['cat', 'dog'], cache);
    assert.deepEqual(stub.requests.at(-1)!.body.input, ['dog'], 'cat came from the client cache; dog is new');
  } finally {
    await stub.close();
  }
});

test('openai encoder: a failing endpoint is EncoderUnavailableError naming the cause; bad options are ConfigErrors', async () => {
  const stub = await startStubLlm({ script: [{ status: 500 }, { status: 500 }] });
  try {
    const e = createEncoder({ name: 'openai', baseUrl: stub.url, retries: 1, backoffMs: 1, dimension: 16 });
    await assert.rejects(e.encode(['x']), (x: unknown) => x instanceof EncoderUnavailableError && /HTTP 500.*use encoder "tfidf"/.test(x.message));
    stub.script.push({ json: { data: [{ embedding: [1, 0, 0] }] } });
    await assert.rejects(e.encode(['y']), /returned 3-d vectors, but encoder\.openai\.dimension is 16/);
  } finally {
    await stub.close();
  }
  assert.throws(() => createEncoder({ name: 'openai' }), (x: unknown) => x instanceof ConfigError && x.field === 'encoder.openai.baseUrl');
  assert.throws(() => createEncoder({ name: 'openai', baseUrl: 'http://x', dims: 3 }), /encoder\.openai\.dims: unknown key/);
});
