import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrFromCoo, type Csr } from '../data/csr.ts';
import { toMatrix } from '../data/interactions.ts';
import { generateSynthetic } from '../data/synthetic.ts';
import { AbortedError, ArtifactError, ConfigError } from '../errors.ts';
import { decodeArtifact, encodeArtifact } from './artifact.ts';
import { nativeAddon } from '../linalg/native.ts';
import { Ials, IalsConfigSchema, ials } from './ials.ts';

/**
 * Two taste groups: users 0-9 like items 0-5, users 10-19 like items 6-11. Each user misses one item of
 * their own block, so the right top-1 is that item.
 */
function blocks(): { m: Csr; missing: number[] } {
  const r: number[] = [], c: number[] = [], v: number[] = [], missing: number[] = [];
  for (let u = 0; u < 20; u++) {
    const block = u < 10 ? 0 : 6;
    const skip = block + (u % 6);
    missing.push(skip);
    for (let i = block; i < block + 6; i++) if (i !== skip) { r.push(u); c.push(i); v.push(1 + (u + i) % 3); }
  }
  return { m: csrFromCoo(20, 12, Int32Array.from(r), Int32Array.from(c), Float32Array.from(v)), missing };
}

test('block-structured data: every user gets the missing item of their own block first', async () => {
  const { m, missing } = blocks();
  for (const solver of ['cg', 'cholesky'] as const) {
    for (const frequencyScaledReg of [false, true]) {
      const model = ials.create({ factors: 2, iterations: 10, solver, frequencyScaledReg, regularization: frequencyScaledReg ? 0.005 : 0.05, seed: 1 });
      await model.fit({ matrix: m }, { threads: 1 });
      for (let u = 0; u < 20; u++) assert.equal(model.recommend(u, { k: 1 }).items[0], missing[u], `${solver} fsr=${frequencyScaledReg} user ${u}`);
    }
  }
});

test('fold-in of a training user reproduces the trained user vector and its ranking', async () => {
  const { m } = blocks();
  // The trained vector was solved against the item factors of the previous half-step, so agreement is
  // close, not exact: it tightens as ALS converges.
  const model = ials.create({ factors: 2, iterations: 30, seed: 2 });
  await model.fit({ matrix: m }, { threads: 1 });
  for (const u of [0, 13]) {
    const s = m.indptr[u]!, e = m.indptr[u + 1]!;
    const x = model.foldIn(m.indices.slice(s, e), m.data.slice(s, e));
    for (let k = 0; k < 2; k++) assert.ok(Math.abs(x[k]! - model.userFactors[u * 2 + k]!) < 0.01 * (1 + Math.abs(x[k]!)), `user ${u} factor ${k}: ${x[k]} vs ${model.userFactors[u * 2 + k]}`);
    const a = model.recommend(u, { k: 1 }), b = model.recommendHistory(m.indices.slice(s, e), m.data.slice(s, e), { k: 1 });
    assert.deepEqual([...b.items], [...a.items]);
    const sa = new Float32Array(12), sb = new Float32Array(12);
    model.scoreUser(u, sa);
    model.scoreHistory(m.indices.slice(s, e), m.data.slice(s, e), sb);
    for (let i = 0; i < 12; i++) assert.ok(Math.abs(sa[i]! - sb[i]!) < 0.02, `user ${u} item ${i}: ${sa[i]} vs ${sb[i]}`);
  }
});

test('save/load round trip gives identical scores; wrong arrays are rejected', async () => {
  const { m } = blocks();
  const model = ials.create({ factors: 3, iterations: 3 });
  await model.fit({ matrix: m }, { threads: 1 });
  const buf = Buffer.concat(encodeArtifact(model.toArtifact()));
  const loaded = ials.fromArtifact(decodeArtifact(buf).artifact);
  const a = new Float32Array(12), b = new Float32Array(12);
  for (let u = 0; u < 20; u++) {
    model.scoreUser(u, a); loaded.scoreUser(u, b);
    assert.deepEqual(b, a);
  }
  assert.deepEqual(loaded.similarItems(2, 3), model.similarItems(2, 3));
  const art = model.toArtifact();
  art.arrays.itemFactors = new Float32Array(5);
  assert.throws(() => Ials.fromArtifact(art), ArtifactError);
});

test('similarItems ranks items of the same block first and never the item itself', async () => {
  const { m } = blocks();
  const model = ials.create({ factors: 4, iterations: 10 });
  await model.fit({ matrix: m }, { threads: 1 });
  const r = model.similarItems(8, 5);
  assert.ok(!r.items.includes(8));
  for (const i of r.items) assert.ok(i >= 6, `item ${i} is from the other block`);
});

test('two threads give the same factors as one thread, for each kernel; progress is reported per iteration', async () => {
  const d = generateSynthetic({ users: 400, items: 300, interactions: 40_000, seed: 5 });
  const m = toMatrix(d.interactions);
  for (const preferNative of nativeAddon() ? [true, false] : [false]) {
    const one = new Ials(IalsConfigSchema.parse({ factors: 64, iterations: 2 })), two = new Ials(IalsConfigSchema.parse({ factors: 64, iterations: 2 }));
    one.preferNative = two.preferNative = preferNative;
    const epochs: number[] = [];
    await one.fit({ matrix: m }, { threads: 1 });
    await two.fit({ matrix: m }, { threads: 2, onProgress: (p) => epochs.push(p.epoch) });
    assert.deepEqual(epochs, [1, 2]);
    assert.deepEqual(two.itemFactors, one.itemFactors, `native=${preferNative}`);
    assert.deepEqual(two.userFactors, one.userFactors, `native=${preferNative}`);
  }
});

test('the native and TypeScript kernels fit the same model (CG and exact solve)', { skip: nativeAddon() ? false : 'native addon not built' }, async () => {
  const d = generateSynthetic({ users: 300, items: 200, interactions: 20_000, seed: 9 });
  const m = toMatrix(d.interactions);
  for (const solver of ['cg', 'cholesky'] as const) {
    const fit = async (preferNative: boolean) => {
      const model = new Ials(IalsConfigSchema.parse({ factors: 16, iterations: 5, solver, alpha: 2, regularization: 0.5 }));
      model.preferNative = preferNative;
      await model.fit({ matrix: m }, { threads: 2 });
      return model;
    };
    const [a, b] = [await fit(true), await fit(false)];
    let worst = 0, scale = 0;
    for (let k = 0; k < a.userFactors.length; k++) { worst = Math.max(worst, Math.abs(a.userFactors[k]! - b.userFactors[k]!)); scale = Math.max(scale, Math.abs(b.userFactors[k]!)); }
    assert.ok(worst < 1e-3 * scale, `${solver}: largest difference ${worst} against factor scale ${scale}`);
    for (let u = 0; u < 300; u += 37) assert.deepEqual([...a.recommend(u, { k: 5 }).items], [...b.recommend(u, { k: 5 }).items], `${solver} user ${u}`);
  }
});

test('abort signal stops the fit; bad config names the field', async () => {
  const { m } = blocks();
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(ials.create({}).fit({ matrix: m }, { signal: ac.signal, threads: 1 }), AbortedError);
  assert.throws(() => ials.create({ factors: 0 }), (e: unknown) => e instanceof ConfigError && e.field === 'ials.factors');
  assert.throws(() => ials.create({ solver: 'lu' }), (e: unknown) => e instanceof ConfigError && e.field === 'ials.solver');
});
