import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deriveSeed, mulberry32, Rng, shuffleRange } from './random.ts';

test('mulberry32 is reproducible, seed-dependent and within [0, 1)', () => {
  const a = mulberry32(42), b = mulberry32(42), c = mulberry32(43);
  const xa = Array.from({ length: 1000 }, a), xb = Array.from({ length: 1000 }, b), xc = Array.from({ length: 1000 }, c);
  assert.deepEqual(xa, xb);
  assert.notDeepEqual(xa, xc);
  assert.ok(xa.every((x) => x >= 0 && x < 1));
  const mean = xa.reduce((s, x) => s + x, 0) / xa.length;
  assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`);
});

test('shuffleRange permutes only the given range', () => {
  const a = Int32Array.from({ length: 20 }, (_, i) => i);
  shuffleRange(a, 5, 15, mulberry32(1));
  assert.deepEqual([...a.subarray(0, 5)], [0, 1, 2, 3, 4]);
  assert.deepEqual([...a.subarray(15)], [15, 16, 17, 18, 19]);
  assert.deepEqual([...a.subarray(5, 15)].sort((x, y) => x - y), [5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
  assert.notDeepEqual([...a.subarray(5, 15)], [5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
});

test('deriveSeed separates salts', () => {
  assert.notEqual(deriveSeed(1, 0), deriveSeed(1, 1));
  assert.equal(deriveSeed(1, 5), deriveSeed(1, 5));
});

test('Rng draws the mulberry32 stream and shuffles typed arrays', () => {
  const r = new Rng(7), m = mulberry32(7);
  assert.equal(r.next(), m());
  assert.ok(r.int(10) >= 0 && r.int(10) < 10);
  const a = new Rng(1).shuffle(Int32Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual([...a].sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i));
});
