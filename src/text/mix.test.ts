import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../errors.ts';
import type { FittableTextEncoder } from './encoder.ts';
import { createEncoder, encoderAvailable } from './registry.ts';

const corpus = ['red retrospot lunch bag', 'red retrospot cake tin', 'spaceboy lunch bag', 'pink regency teacup and saucer', 'green regency teacup and saucer', 'jumbo bag red retrospot'];
const words = { name: 'tfidf', projection: 'none', minDf: 1, maxDfRatio: 1 };
const pairs = { ...words, ngrams: 2 };

function cosines(v: Float32Array, d: number, a: number, b: number): number {
  let t = 0;
  for (let c = 0; c < d; c++) t += v[a * d + c]! * v[b * d + c]!;
  return t;
}

test('mix encoder: parts side by side; a dot product is the weighted mean of the parts\' cosines; unit rows', async () => {
  const mix = createEncoder({ name: 'mix', parts: [{ encoder: words, weight: 3 }, { encoder: pairs, weight: 1 }] }) as FittableTextEncoder;
  const w = createEncoder(words) as FittableTextEncoder, p = createEncoder(pairs) as FittableTextEncoder;
  mix.fit(corpus); w.fit(corpus); p.fit(corpus);
  assert.equal(mix.dimension, w.dimension + p.dimension);
  const [vm, vw, vp] = await Promise.all([mix.encode(corpus), w.encode(corpus), p.encode(corpus)]);
  for (const [a, b] of [[0, 1], [0, 2], [3, 4], [1, 5], [2, 2]] as const) {
    const want = 0.75 * cosines(vw, w.dimension, a, b) + 0.25 * cosines(vp, p.dimension, a, b);
    assert.ok(Math.abs(cosines(vm, mix.dimension, a, b) - want) < 1e-6, `${a}·${b}`);
  }
  // the key names every part and its weight: another weighting is another vector space
  const other = createEncoder({ name: 'mix', parts: [{ encoder: words, weight: 1 }, { encoder: pairs, weight: 1 }] }) as FittableTextEncoder;
  other.fit(corpus);
  assert.notEqual(other.key, mix.key);
  assert.match(mix.key, /^mix\(0\.750000\*tfidf.*,0\.250000\*tfidf/);
  // a text no part can read stays a zero row
  const z = await mix.encode(['zzz qqq']);
  assert.ok(z.every((v) => v === 0));
});

test('mix encoder: bad config names the field', () => {
  assert.throws(() => createEncoder({ name: 'mix', parts: [] }), (e: unknown) => e instanceof ConfigError && /encoder\.mix\.parts/.test(e.message));
  assert.throws(() => createEncoder({ name: 'mix', parts: [{ encoder: words, weight: -1 }] }), (e: unknown) => e instanceof ConfigError && /weight/.test(e.message));
  assert.throws(() => createEncoder({ name: 'mix', parts: [{ encoder: 'bert9' }] }), (e: unknown) => e instanceof ConfigError && /unknown text encoder "bert9"/.test(e.message));
});

test('mix encoder without parts: words, word pairs and (when installed) USE, weighted 0.4 / 0.4 / 0.2', () => {
  const mix = createEncoder({ name: 'mix' }) as FittableTextEncoder;
  mix.fit(corpus);
  const w = createEncoder(words) as FittableTextEncoder, p = createEncoder(pairs) as FittableTextEncoder;
  w.fit(corpus); p.fit(corpus);
  const use = encoderAvailable('use');
  assert.equal(mix.dimension, w.dimension + p.dimension + (use ? 512 : 0));
  assert.match(mix.key, use ? /^mix\(0\.400000\*tfidf:.*,0\.400000\*tfidf:.*,0\.200000\*use:/ : /^mix\(0\.500000\*tfidf:.*,0\.500000\*tfidf:[^,]*\)$/);
});
