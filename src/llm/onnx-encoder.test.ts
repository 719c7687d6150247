import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../errors.ts';
import { EncoderUnavailableError } from '../text/encoder.ts';
import { createEncoder } from '../text/registry.ts';
import { transformersInstalled } from './onnx-encoder.ts';

// The fixture is written by scripts/make-tiny-bert.py: a random-weight BERT-shaped ONNX model, with the vectors
// numpy computes for a few texts.
const fixture = join(import.meta.dirname, 'fixtures', 'tiny-bert');
const expected = JSON.parse(readFileSync(join(fixture, 'expected.json'), 'utf8')) as { dimension: number; texts: string[]; vectors: number[][] };
const installed = transformersInstalled();

test('onnx encoder without the add-on: the install line', { skip: installed && 'the add-on is installed here' }, () => {
  assert.throws(() => createEncoder({ name: 'onnx', path: fixture }), (e: unknown) => e instanceof EncoderUnavailableError && /needs @huggingface\/transformers: run `npm install @huggingface\/transformers`/.test(e.message));
});

test('onnx encoder: the tiny BERT fixture, offline, gives numpy\'s mean-pooled unit vectors (padded batches too)', { skip: !installed && 'needs the add-on: npm install @huggingface/transformers' }, async () => {
  const e = createEncoder({ name: 'onnx', path: fixture, batch: 3 });
  assert.equal(e.dimension, expected.dimension);
  assert.match(e.key, /^onnx:[0-9a-f]{16}$/);
  // texts of different lengths in one batch (padding), an empty text (a zero row) in the middle
  const texts = [...expected.texts.slice(0, 2), '', ...expected.texts.slice(2)];
  const v = await e.encode(texts);
  const d = expected.dimension;
  assert.equal(v.length, texts.length * d);
  assert.deepEqual([...v.subarray(2 * d, 3 * d)], Array(d).fill(0));
  const rows = [0, 1, 3, 4];
  rows.forEach((r, q) => {
    for (let c = 0; c < d; c++) assert.ok(Math.abs(v[r * d + c]! - expected.vectors[q]![c]!) < 1e-5, `${texts[r]} [${c}]: ${v[r * d + c]} vs ${expected.vectors[q]![c]}`);
  });
  // one at a time: the same vectors
  const single = await e.encode([expected.texts[1]!]);
  for (let c = 0; c < d; c++) assert.ok(Math.abs(single[c]! - v[d + c]!) < 1e-5);
});

test('onnx encoder: a folder that is not a model is a ConfigError naming the field', { skip: !installed && 'needs the add-on: npm install @huggingface/transformers' }, () => {
  assert.throws(() => createEncoder({ name: 'onnx', path: import.meta.dirname }), (e: unknown) => e instanceof ConfigError && e.field === 'encoder.onnx.path' && /has no config\.json/.test(e.message));
  assert.throws(() => createEncoder({ name: 'onnx', path: fixture, dtype: 'q8' }), /has no onnx\/model_quantized\.onnx/);
  assert.throws(() => createEncoder({ name: 'onnx', path: fixture, pool: 'mean' }), /encoder\.onnx\.pool: unknown key/);
});
