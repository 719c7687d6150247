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
