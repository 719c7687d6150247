import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WordVectors } from '../text/glove.ts';
import { tokenize } from './features.ts';
import { SentimentWordVectors } from './word-vectors.ts';

// three words, 2-d, int8 with scale 1/100: "good" = (0.6, 0.8), "bad" = (1, 0), "fit" = (0, 1); ranks 0, 1, 2
const vectors = new WordVectors(['good', 'bad', 'fit'], 2, Int8Array.of(60, 80, 100, 0, 0, 100), new Float32Array(3).fill(0.01));

test('word-vector features: SIF-weighted mean, a negated word subtracted, unknown words skipped (hand-computed)', () => {
  const wv = new SentimentWordVectors(vectors, 1e-3);
  // SIF with n = 3 words: H = ln 3 + 0.5772, p(rank r) = 1 / ((r + 1) H), weight a / (a + p)
  const h = Math.log(3) + 0.5772, sif = (r: number) => 1e-3 / (1e-3 + 1 / ((r + 1) * h));
  const out = new Float64Array(4).fill(9);
  wv.features(tokenize('Good fit, zebra'), out, 1);
  const [g, f] = [sif(0), sif(2)];
  assert.equal(out[0], 9, 'writes only its own columns');
  assert.ok(Math.abs(out[1]! - (0.6 * g) / (g + f)) < 1e-6, `${out[1]}`);
  assert.ok(Math.abs(out[2]! - (0.8 * g + f) / (g + f)) < 1e-6, `${out[2]}`);
  // "not good": good is negated, so its vector counts against
  wv.features(tokenize('not good'), out, 0);
  assert.ok(Math.abs(out[0]! + 0.6) < 1e-6 && Math.abs(out[1]! + 0.8) < 1e-6, `${out[0]} ${out[1]}`);
  wv.features(tokenize('zebra quagga'), out, 0);
  assert.deepEqual([out[0], out[1]], [0, 0], 'no known word: zeros');
});
