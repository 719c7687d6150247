import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sStem, tokenize } from './tokenize.ts';

test('tokenize: lower case, unicode words, stop words dropped, plurals stemmed', () => {
  assert.deepEqual(tokenize('The Lord of the Rings (2001) — Amélie’s  CAFÉS, don\'t!'), ['lord', 'ring', '2001', 'amélie', 'café', 'dont']);
  assert.deepEqual(tokenize('Sci-Fi|Children'), ['sci', 'fi', 'children']);
  assert.deepEqual(tokenize('the cats', { stopWords: false, stem: false }), ['the', 'cats']);
  assert.deepEqual(tokenize('', {}), []);
  assert.deepEqual(tokenize('日本 映画'), ['日本', '映画']);
});

test('sStem: Harman rules and their exceptions', () => {
  const cases: [string, string][] = [
    ['ponies', 'pony'], ['horses', 'horse'], ['toes', 'toe'], ['glass', 'glass'], ['virus', 'virus'],
    ['bags', 'bag'], ['bus', 'bus'], ['his', 'his'], ['lunch', 'lunch'],
  ];
  for (const [w, s] of cases) assert.equal(sStem(w), s, w);
});
