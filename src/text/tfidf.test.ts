import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../errors.ts';
import { TfidfEncoder } from './tfidf.ts';

const corpus = ['red apple', 'green apple', 'red car', 'blue car'];
const near = (a: number, b: number, eps = 1e-6) => Math.abs(a - b) < eps;

test('tfidf: BM25 weights by hand (idf = ln(1 + (N - df + .5)/(df + .5)), rows unit length)', () => {
  const e = new TfidfEncoder({ minDf: 1, maxDfRatio: 1, stem: false, dimension: 2 });
  e.fit(corpus);
  assert.deepEqual(e.vocabulary, ['apple', 'blue', 'car', 'green', 'red']);
  assert.ok(near(e.idf[0]!, Math.log(2)) && near(e.idf[1]!, Math.log(10 / 3)));
  assert.equal(e.avgLength, 2);
  const m = e.sparse(['green apple', 'red red apple', 'unknown words only']);
  // "green apple": length 2 = average, so each weight is idf: (ln 2, ln 10/3) scaled to unit length
  const g = Math.log(10 / 3), a = Math.log(2), n1 = Math.hypot(g, a);
  assert.deepEqual([...m.indices.subarray(0, 2)], [0, 3]);
  assert.ok(near(m.data[0]!, a / n1) && near(m.data[1]!, g / n1));
  // "red red apple": length 3, K = 1.2 (0.25 + 0.75 * 3/2) = 1.65; red = ln2 * 2 * 2.2 / 3.65, apple = ln2 * 2.2 / 2.65
  const red = (a * 4.4) / 3.65, apple = (a * 2.2) / 2.65, n2 = Math.hypot(red, apple);
  assert.ok(near(m.data[2]!, apple / n2) && near(m.data[3]!, red / n2));
  assert.equal(m.indptr[3], m.indptr[2], 'no vocabulary word: empty row');
});

test('tfidf: dense vectors are unit length, related texts closer, unknown text a zero row', async () => {
  const e = new TfidfEncoder({ minDf: 1, maxDfRatio: 1, dimension: 3 });
  e.fit(['space rocket launch', 'rocket engine space', 'apple pie recipe', 'pie crust recipe', 'space station']);
  const v = await e.encode(['rocket space', 'pie recipe', 'space', 'zzz']);
  const d = e.dimension;
  const dot = (a: number, b: number) => { let s = 0; for (let c = 0; c < d; c++) s += v[a * d + c]! * v[b * d + c]!; return s; };
  assert.ok(near(dot(0, 0), 1, 1e-5) && near(dot(1, 1), 1, 1e-5));
  assert.ok(dot(0, 2) > dot(0, 1) + 0.5, `space-rocket ${dot(0, 2)} vs pie ${dot(0, 1)}`);
  assert.equal(dot(3, 3), 0);
  assert.match(e.key, /^tfidf:[0-9a-f]{16}$/);
});

test('tfidf: encoding before fit and a bad config are clear errors', async () => {
  await assert.rejects(new TfidfEncoder().encode(['x']), /not fitted/);
  assert.throws(() => new TfidfEncoder({ dimension: 0 }), (e: unknown) => e instanceof ConfigError && e.field.includes('dimension'));
});
