import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashedFeatures, hashString, tokenize, MAX_CHARS } from './features.ts';

test('negation marks every word up to the clause break, and "but" ends the scope', () => {
  assert.deepEqual(tokenize("This is not good, but the colour isn't bad!").words, ['this', 'is', 'not', 'NOT_good', 'but', 'the', 'colour', "isn't", 'NOT_bad']);
  assert.deepEqual(tokenize('Never again. Love it').words, ['never', 'NOT_again', 'love', 'it']);
  assert.deepEqual(tokenize('Don’t buy').words, ["don't", 'NOT_buy'], 'a typographic apostrophe is an apostrophe');
  assert.equal(tokenize('wow!! ok!').exclamations, 3);
});

test('bigrams stay inside a clause; features are deduplicated bucket indices', () => {
  const B = 1 << 20;
  const tok = tokenize('good fit. good fit');
  assert.deepEqual(tok.clauseStarts, [0, 2]);
  const out = new Int32Array(16);
  const k = hashedFeatures(tok, B, out);
  // unigrams good, fit and the bigram (good, fit) once each; the cross-clause bigram (fit, good) is absent
  assert.equal(k, 3);
  assert.ok(Array.from(out.subarray(0, k)).includes(hashString('good') & (B - 1)));
  assert.ok(Array.from(out.subarray(0, k)).every((b) => b >= 0 && b < B));
});

test('empty and punctuation-only texts have no tokens; very long texts are cut at MAX_CHARS', () => {
  assert.equal(tokenize('').words.length, 0);
  assert.equal(tokenize(' ... !? ').words.length, 0);
  assert.equal(tokenize('ab '.repeat(MAX_CHARS)).words.length, Math.ceil(MAX_CHARS / 3));
});
