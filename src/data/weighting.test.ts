import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrFromCoo } from './csr.ts';
import { applyWeighting, decayByTime, fitWeighting, weightRow } from './weighting.ts';
import { InteractionsBuilder } from './interactions.ts';

// users × items: u0 = {0: 4, 1: 2}, u1 = {0: 1}
const m = csrFromCoo(2, 2, Int32Array.of(0, 0, 1), Int32Array.of(0, 1, 0), Float32Array.of(4, 2, 1));

test('binary, threshold and confidence weightings', () => {
  assert.deepEqual([...applyWeighting(fitWeighting({ kind: 'binary' }, m), m).data], [1, 1, 1]);
  const th = applyWeighting(fitWeighting({ kind: 'threshold', min: 2 }, m), m);
  assert.deepEqual([...th.indptr], [0, 2, 2]);
  assert.deepEqual([...th.data], [1, 1]);
  assert.deepEqual([...applyWeighting(fitWeighting({ kind: 'confidence', alpha: 0.5 }, m), m).data], [3, 2, 1.5]);
});

test('tfidf and bm25 follow their formulas', () => {
  const tf = fitWeighting({ kind: 'tfidf' }, m);
  // idf(item0) = ln(2/2) = 0, idf(item1) = ln(2/1)
  assert.deepEqual([...applyWeighting(tf, m).data].map((x) => +x.toFixed(5)), [0, +(2 * Math.log(2)).toFixed(5), 0]);
  const w = fitWeighting({ kind: 'bm25', k1: 1.2, b: 0.75 }, m);
  // idf(item1) = ln(1 + (2 - 1 + .5) / (1 + .5)) = ln 2 ; avg row sum = 3.5 ; u0 row sum 6
  const norm = 1.2 * (1 - 0.75 + (0.75 * 6) / 3.5);
  const expected = ((2 * 2.2) / (2 + norm)) * Math.log(2);
  assert.ok(Math.abs(weightRow(w, Int32Array.of(1), Float32Array.of(2))[0]! - (2 * 2.2) / (2 + 1.2 * (1 - 0.75 + (0.75 * 2) / 3.5)) * Math.log(2)) < 1e-6);
  assert.ok(Math.abs(applyWeighting(w, m).data[1]! - expected) < 1e-6);
});

test('time decay halves the weight every half-life before the latest event', () => {
  const b = new InteractionsBuilder();
  const day = 86_400_000;
  b.add('u', 'a', 1, 10 * day);
  b.add('u', 'b', 4, 8 * day);
  const d = decayByTime(b.build(), 2);
  assert.deepEqual([...d.value], [1, 2]);
});
