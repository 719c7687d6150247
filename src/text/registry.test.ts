import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../errors.ts';
import { EncoderUnavailableError } from './encoder.ts';
import { createEncoder, encoderAvailable, OPTIONAL_ENCODERS } from './registry.ts';
import { encodeCached, textHash, VectorCache, vectorCachePath } from './cache.ts';
import type { TfidfEncoder } from './tfidf.ts';
import { transformersInstalled } from '../llm/onnx-encoder.ts';

test('registry: tfidf is built in; a missing optional encoder names the package to install', () => {
  assert.equal(createEncoder('tfidf').name, 'tfidf');
  // with the add-on installed, src/llm/onnx-encoder.test.ts checks the encoder instead
  if (!transformersInstalled()) assert.throws(() => createEncoder({ name: 'onnx' }), (e: unknown) => e instanceof EncoderUnavailableError && /npm install @huggingface\/transformers/.test(e.message));
  assert.throws(() => createEncoder('bert9'), (e: unknown) => e instanceof ConfigError && /available: tfidf/.test(e.message));
  // the path \`use\` takes when its packages are absent (they are installed here): every missing package named
  OPTIONAL_ENCODERS.absent = { packages: ['@curio-test/absent-core', '@curio-test/absent-model'], what: 'a model not installed' };
  try {
    assert.equal(encoderAvailable('absent'), false);
    assert.throws(() => createEncoder('absent'), (e: unknown) => e instanceof EncoderUnavailableError && e.message === 'text encoder "absent" (a model not installed) needs @curio-test/absent-core, @curio-test/absent-model: run `npm install @curio-test/absent-core @curio-test/absent-model`, or use encoder "tfidf" (built in)');
  } finally {
    delete OPTIONAL_ENCODERS.absent;
  }
});

test('vector cache: only missing texts are encoded; the file round-trips and rejects another key', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'curio-vec-'));
  try {
    const e = createEncoder({ name: 'tfidf', minDf: 1, maxDfRatio: 1, dimension: 2 }) as TfidfEncoder;
    e.fit(['a cat', 'a dog', 'cat dog', 'fish']);
    let calls = 0;
    const counting = { name: e.name, dimension: e.dimension, key: e.key, encode: (t: readonly string[]) => { calls += t.length; return e.encode(t); } };
    const cache = new VectorCache(e.key, e.dimension);
    const first = await encodeCached(counting, ['cat', 'dog'], cache);
    const second = await encodeCached(counting, ['dog', 'fish', 'cat'], cache);
    assert.equal(calls, 3, 'dog and cat came from the cache');
    assert.deepEqual(second.subarray(0, 2), first.subarray(2, 4));
    const file = vectorCachePath(join(dir, 'store.db'), e.key);
    cache.save(file);
    const back = VectorCache.load(file, e.key, e.dimension);
    assert.equal(back.size, 3);
    assert.deepEqual(back.get(textHash('fish')), cache.get(textHash('fish')));
    assert.equal(VectorCache.load(file, 'tfidf:other', e.dimension).size, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
