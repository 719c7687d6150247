import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEncoder, defaultEncoderSpec, encoderAvailable } from './registry.ts';
import { UseEncoder } from './use.ts';

const dot = (x: Float32Array, a: number, b: number, d: number) => {
  let s = 0;
  for (let c = 0; c < d; c++) s += x[a * d + c]! * x[b * d + c]!;
  return s;
};

test('use: installed, the default encoder, and loads from the package folder', () => {
  assert.ok(encoderAvailable('use'));
  const saved = process.env.CURIO_ENCODER;
  delete process.env.CURIO_ENCODER;
  try {
    assert.deepEqual(defaultEncoderSpec(), { name: 'use' });
    assert.deepEqual(defaultEncoderSpec('tfidf'), { name: 'tfidf' }, 'an explicit name wins');
    process.env.CURIO_ENCODER = 'glove';
    assert.deepEqual(defaultEncoderSpec(), { name: 'glove' }, 'CURIO_ENCODER sets the default');
    assert.deepEqual(defaultEncoderSpec({ name: 'tfidf', dimension: 8 }), { name: 'tfidf', dimension: 8 });
    delete process.env.CURIO_ENCODER;
  } finally {
    if (saved !== undefined) process.env.CURIO_ENCODER = saved;
  }
  const e = createEncoder({ name: 'use', batch: 2 });
  assert.ok(e instanceof UseEncoder);
  assert.equal(e.dimension, 512);
  assert.equal(e.key, 'use:en-0.2.0');
});

test('use: unit rows that put paraphrases closer than unrelated sentences; batching does not change a vector; empty text is a zero row', async () => {
  const texts = ['a scary horror film', 'a frightening movie full of monsters', 'a lunch bag with a spaceboy design', '', 'a funny comedy for kids'];
  const batched = await new UseEncoder({ batch: 2 }).encode(texts);
  const whole = await new UseEncoder({ batch: 32 }).encode(texts);
  const d = 512;
  for (const r of [0, 1, 2, 4]) assert.ok(Math.abs(dot(batched, r, r, d) - 1) < 1e-5, `row ${r} has unit length`);
  assert.equal(dot(batched, 3, 3, d), 0, 'empty text: zero row');
  for (let q = 0; q < batched.length; q++) assert.ok(Math.abs(batched[q]! - whole[q]!) < 1e-4, `value ${q} depends on the batch`);
  assert.ok(dot(batched, 0, 1, d) > dot(batched, 0, 2, d) + 0.2, `horror~monsters ${dot(batched, 0, 1, d)} vs horror~lunch bag ${dot(batched, 0, 2, d)}`);
  assert.ok(dot(batched, 0, 1, d) > dot(batched, 0, 4, d));
});

test('use on 2 threads: each worker encodes a share with its own model; every row as on one thread (cosine >= 0.9999)', async () => {
  const words = ['haunted', 'lunch', 'spaceboy', 'comedy', 'war', 'vintage', 'alarm', 'clock', 'romantic', 'kids', 'christmas', 'musical'];
  // 90 texts of different lengths (and two empty ones): 3 model batches of 32, shared between the workers
  const texts = Array.from({ length: 90 }, (_, i) => (i % 45 === 7 ? '' : Array.from({ length: 1 + (i % 9) }, (_, j) => words[(i * 7 + j * 5) % words.length]).join(' ')));
  const one = new UseEncoder({ threads: 1 });
  const two = new UseEncoder({ threads: 2 });
  const a = await one.encode(texts), b = await two.encode(texts);
  assert.equal(one.lastThreads, 1);
  assert.equal(two.lastThreads, 2);
  const d = 512;
  let worst = 1;
  for (let r = 0; r < texts.length; r++) {
    if (!texts[r]) { assert.equal(dot(b, r, r, d), 0, `row ${r}: empty text, zero row`); continue; }
    let ab = 0;
    for (let c = 0; c < d; c++) ab += a[r * d + c]! * b[r * d + c]!;
    worst = Math.min(worst, ab / Math.sqrt(dot(a, r, r, d) * dot(b, r, r, d)));
  }
  assert.ok(worst >= 0.9999, `lowest cosine ${worst}`);
  // a single query stays on this thread (no hand-off cost on a request)
  await two.encode(['a funny film']);
  assert.equal(two.lastThreads, 1);
});
