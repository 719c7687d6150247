import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrFromCoo, type Csr } from '../data/csr.ts';
import { toMatrix } from '../data/interactions.ts';
import { generateSynthetic } from '../data/synthetic.ts';
import { AbortedError, ArtifactError, ConfigError } from '../errors.ts';
import { decodeArtifact, encodeArtifact } from './artifact.ts';
import { nativeAddon } from '../linalg/native.ts';
import { Bpr, BprConfigSchema, bpr } from './bpr.ts';

/** Users 0-19 like items 0-5, users 20-39 items 6-11; each misses one item of their own block. */
function blocks(): { m: Csr; missing: number[] } {
  const r: number[] = [], c: number[] = [], missing: number[] = [];
  for (let u = 0; u < 40; u++) {
    const block = u < 20 ? 0 : 6, skip = block + (u % 6);
    missing.push(skip);
    for (let i = block; i < block + 6; i++) if (i !== skip) { r.push(u); c.push(i); }
  }
  return { m: csrFromCoo(40, 12, Int32Array.from(r), Int32Array.from(c), undefined), missing };
}

test('block-structured data: the missing item of the own block ranks first; loss falls (each kernel)', async () => {
  const { m, missing } = blocks();
  for (const preferNative of nativeAddon() ? [true, false] : [false]) {
    const model = new Bpr(BprConfigSchema.parse({ factors: 8, iterations: 60, learningRate: 0.1, regularization: 0.001, seed: 3 }));
    model.preferNative = preferNative;
    const r = await model.fit({ matrix: m }, { threads: 1 });
    for (let u = 0; u < 40; u++) assert.equal(model.recommend(u, { k: 1 }).items[0], missing[u], `native=${preferNative} user ${u}`);
    assert.ok(r.loss![r.loss!.length - 1]! < r.loss![0]! * 0.5, `native=${preferNative} loss ${r.loss![0]} -> ${r.loss!.at(-1)}`);
  }
});

test('fold-in of a history ranks its block first and is deterministic', async () => {
  const { m } = blocks();
  const model = bpr.create({ factors: 8, iterations: 60, learningRate: 0.1, regularization: 0.001 });
  await model.fit({ matrix: m }, { threads: 1 });
  const a = model.recommendHistory(Int32Array.of(6, 7, 8), Float32Array.of(1, 1, 1), { k: 3 });
  for (const i of a.items) assert.ok(i >= 9, `item ${i} is not an unseen item of block 2`);
  const b = model.recommendHistory(Int32Array.of(6, 7, 8), Float32Array.of(1, 1, 1), { k: 3 });
  assert.deepEqual(b, a);
});

test('save/load round trip gives identical scores', async () => {
  const { m } = blocks();
  const model = bpr.create({ factors: 4, iterations: 3 });
  await model.fit({ matrix: m }, { threads: 1 });
  const loaded = bpr.fromArtifact(decodeArtifact(Buffer.concat(encodeArtifact(model.toArtifact()))).artifact);
  const x = new Float32Array(12), y = new Float32Array(12);
  for (let u = 0; u < 40; u++) { model.scoreUser(u, x); loaded.scoreUser(u, y); assert.deepEqual(y, x); }
  assert.deepEqual(loaded.similarItems(3, 4), model.similarItems(3, 4));
  const art = model.toArtifact();
  art.arrays.itemBias = new Float32Array(2);
  assert.throws(() => Bpr.fromArtifact(art), ArtifactError);
});

test('same seed, same model; two workers (Hogwild) still learn', async () => {
  const { m } = blocks();
  const a = bpr.create({ factors: 4, iterations: 5, seed: 9 }), b = bpr.create({ factors: 4, iterations: 5, seed: 9 });
  await a.fit({ matrix: m }, { threads: 1 });
  await b.fit({ matrix: m }, { threads: 1 });
  assert.deepEqual(b.itemFactors, a.itemFactors);

  const d = generateSynthetic({ users: 300, items: 200, interactions: 20_000, seed: 4 });
  const big = toMatrix(d.interactions);
  const par = bpr.create({ factors: 64, iterations: 4, samplesPerEpoch: 320_000 }); // big enough to run on workers
  const r = await par.fit({ matrix: big }, { threads: 2 });
  assert.ok(r.loss!.at(-1)! < r.loss![0]!, `loss did not fall: ${r.loss}`);
});

test('abort and config errors', async () => {
  const { m } = blocks();
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(bpr.create({}).fit({ matrix: m }, { signal: ac.signal, threads: 1 }), AbortedError);
  assert.throws(() => bpr.create({ learningRate: -1 }), (e: unknown) => e instanceof ConfigError && e.field === 'bpr.learningRate');
});
