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

test('tfidf: ngrams 2 adds adjacent word pairs as terms, after stop words are dropped', () => {
  const e = new TfidfEncoder({ minDf: 1, maxDfRatio: 1, stem: false, ngrams: 2, projection: 'none' });
  assert.deepEqual(e.terms('Lunch bag of the spaceboy'), ['lunch', 'bag', 'spaceboy', 'lunch bag', 'bag spaceboy']);
  e.fit(['lunch bag spaceboy', 'lunch box spaceboy', 'jumbo bag red']);
  assert.ok(e.vocabulary.includes('lunch bag') && e.vocabulary.includes('bag red'));
  assert.ok(!e.vocabulary.includes('bag lunch'));
});

test("tfidf: projection 'none' is the unit BM25 row itself, one dimension per vocabulary word", async () => {
  const e = new TfidfEncoder({ minDf: 1, maxDfRatio: 1, stem: false, projection: 'none' });
  e.fit(corpus);
  assert.equal(e.dimension, 5);
  const v = await e.encode(['green apple', 'zzz']);
  const m = e.sparse(['green apple']);
  const dense = new Float32Array(5);
  for (let q = 0; q < m.indptr[1]!; q++) dense[m.indices[q]!] = m.data[q]!;
  assert.deepEqual([...v.subarray(0, 5)], [...dense]);
  assert.ok(near(Math.hypot(...v.subarray(0, 5)), 1, 1e-6));
  assert.deepEqual([...v.subarray(5)], [0, 0, 0, 0, 0]);
  // too large a vocabulary for one float per word is a clear error naming the fix
  const big = Array.from({ length: 2 }, () => Array.from({ length: 16_385 }, (_, i) => `w${i}`).join(' '));
  assert.throws(() => new TfidfEncoder({ projection: 'none', maxDfRatio: 1 }).fit(big), (err: unknown) => err instanceof ConfigError && /maxFeatures/.test(err.message));
});
