import { test } from 'node:test';
import assert from 'node:assert/strict';
import { topK } from './topk.ts';

function naive(s: number[], k: number, cand?: number[]): number[] {
  const idx = (cand ?? s.map((_, i) => i)).filter((i) => s[i]! > -Infinity);
  idx.sort((a, b) => s[b]! - s[a]! || a - b);
  return idx.slice(0, k);
}

test('topK returns best first with ties to the lower index', () => {
  const r = topK(new Float32Array([1, 3, 3, 2, NaN, -Infinity, 0]), 3);
  assert.deepEqual([...r.items], [1, 2, 3]);
  assert.deepEqual([...r.scores], [3, 3, 2]);
});

test('topK skips NaN/-Infinity and returns fewer when too few are finite', () => {
  const r = topK(new Float32Array([NaN, -Infinity, 5]), 10);
  assert.deepEqual([...r.items], [2]);
});

test('topK agrees with a sort on random inputs, with and without candidates', () => {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let t = 0; t < 200; t++) {
    const n = 1 + Math.floor(rnd() * 60);
    const s = Array.from({ length: n }, () => (rnd() < 0.1 ? NaN : Math.floor(rnd() * 10)));
    const k = Math.floor(rnd() * 12);
    assert.deepEqual([...topK(Float32Array.from(s), k).items], naive(s, k));
    const cand = Array.from({ length: n }, (_, i) => i).filter(() => rnd() < 0.5);
    assert.deepEqual([...topK(Float32Array.from(s), k, Int32Array.from(cand)).items], naive(s, k, cand));
  }
});
