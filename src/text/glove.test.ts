import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GloveEncoder, GLOVE_FILE, gloveVectors } from './glove.ts';
import { createEncoder } from './registry.ts';

test('glove: the int8 file gives the float vectors\' cosines (400 reference pairs from the 307 MB source)', () => {
  const v = gloveVectors();
  assert.equal(v.size, 100_000);
  assert.equal(v.dimension, 100);
  const pairs = JSON.parse(readFileSync(join(GLOVE_FILE, '..', 'glove-100d-check.json'), 'utf8')) as [string, string, number][];
  assert.ok(pairs.length >= 400);
  let worst = 0, sum = 0;
  for (const [a, b, ref] of pairs) {
    const err = Math.abs(v.cosineRows(v.row(a), v.row(b)) - ref);
    worst = Math.max(worst, err);
    sum += err;
  }
  assert.ok(worst < 0.01, `largest cosine error ${worst}`);
  assert.ok(sum / pairs.length < 0.003, `mean cosine error ${sum / pairs.length}`);
  assert.deepEqual(v.nearest('scary', 2).map((x) => x.word), ['frightening', 'weird']);
});

test('glove encoder: the weighted mean of unit word vectors (SIF weights unfitted, catalogue idf once fitted), unit rows', async () => {
  const v = gloveVectors();
  const e = createEncoder('glove') as GloveEncoder;
  assert.equal(e.dimension, 100);
  const dot = (x: Float32Array, y: Float32Array) => x.reduce((s, a, i) => s + a * y[i]!, 0);
  const unit = (x: Float32Array) => { const n = Math.sqrt(dot(x, x)); return x.map((a) => a / n); };
  // unfitted: SIF a / (a + p), p = 1 / (rank × (ln N + 0.5772)), rank from 1
  const sif = (w: string) => { const p = 1 / ((v.row(w) + 1) * (Math.log(v.size) + 0.5772)); return 1e-3 / (1e-3 + p); };
  const [got] = [await e.encode(['Scary movies!'])];
  const want = unit(v.vector('scary')!.map((a, i) => sif('scary') * a + sif('movies') * v.vector('movies')![i]!));
  for (let i = 0; i < 100; i++) assert.ok(Math.abs(got![i]! - want[i]!) < 1e-5);
  assert.equal(e.key, 'glove:100d-int8:sif-0.001');

  // fitted on 4 texts: "movie" is in 3 of them, "ghost" in 1; idf = ln(1 + (n - f + .5) / (f + .5)) / ln(1 + (n + .5) / .5)
  e.fit(['a ghost movie', 'a war movie', 'a funny movie', 'lunch bags']);
  assert.match(e.key, /^glove:100d-int8:idf-[0-9a-f]{16}$/);
  const idf = (f: number) => Math.log(1 + (4 - f + 0.5) / (f + 0.5)) / Math.log(1 + 4.5 / 0.5);
  const [fitted] = [await e.encode(['ghost movie'])];
  const wantFitted = unit(v.vector('ghost')!.map((a, i) => idf(1) * a + idf(3) * v.vector('movie')![i]!));
  for (let i = 0; i < 100; i++) assert.ok(Math.abs(fitted![i]! - wantFitted[i]!) < 1e-5);

  const rows = await e.encode(['a frightening horror film', 'a scary ghost story', 'lunch bag with cutlery', 'qwxz zzkj']);
  const row = (r: number) => rows.subarray(r * 100, r * 100 + 100);
  assert.ok(dot(row(0), row(1)) > dot(row(0), row(2)) + 0.2);
  assert.equal(dot(row(3), row(3)), 0, 'no known word: zero row');
});
