import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InteractionsBuilder } from '../data/interactions.ts';
import { basketTasks, dailyCounts, evaluateBaskets, precisionAt, risingItems } from './evaluation.ts';

const DAY = 86_400_000;

test('basketTasks: one task per basket with >= 2 eligible items; the hidden item comes from the basket', () => {
  const b = new InteractionsBuilder();
  for (const id of ['a', 'b', 'c', 'd']) b.items.intern(id);
  b.add('u', 'a', 1, 10, 'purchase'); b.add('u', 'b', 1, 10, 'purchase'); b.add('u', 'c', 1, 10, 'purchase');
  b.add('u', 'a', 1, 20, 'purchase'); b.add('u', 'd', 1, 20, 'purchase'); // d ineligible: a alone, no task
  b.add('v', 'b', 1, 10, 'purchase'); b.add('v', 'c', 1, 10, 'purchase');
  b.add('v', 'a', 1, 99, 'purchase'); b.add('v', 'b', 1, 99, 'purchase'); // outside [0, 50)
  const x = b.build();
  const t = basketTasks(x, { since: 0, until: 50, eligible: Uint8Array.of(1, 1, 1, 0), seed: 3 });
  assert.equal(t.baskets, 3); assert.equal(t.eligibleBaskets, 2); assert.equal(t.hidden.length, 2);
  const first = [...t.items.subarray(t.ptr[0]!, t.ptr[1]!), t.hidden[0]!].sort();
  const second = [...t.items.subarray(t.ptr[1]!, t.ptr[2]!), t.hidden[1]!].sort();
  assert.deepEqual([first, second], [[0, 1, 2], [1, 2]]);
  assert.equal(basketTasks(x, { since: 0, until: 50, eligible: Uint8Array.of(1, 1, 1, 0), maxTasks: 1 }).hidden.length, 1);
});

test('evaluateBaskets: HR@k and NDCG@k of the hidden item by hand; given items are never ranked', () => {
  // Two tasks, 5 items. Scores = fixed order 4 > 3 > 2 > 1 > 0.
  const tasks = { ptr: Int32Array.of(0, 1, 2), items: Int32Array.of(4, 0), hidden: Int32Array.of(2, 1), eligibleBaskets: 2, baskets: 2 };
  const scorer = (_g: Int32Array, out: Float32Array) => { for (let i = 0; i < 5; i++) out[i] = i; };
  // Task 1: 4 given -> ranking 3, 2, ...: hidden 2 at rank 2. Task 2: 0 given -> 4, 3, 2, 1: hidden 1 at rank 4.
  const r2 = evaluateBaskets(tasks, 5, scorer, { k: 2 });
  assert.equal(r2.hr, 0.5);
  assert.ok(Math.abs(r2.ndcg - (1 / Math.log2(3)) / 2) < 1e-12, 'Math.abs(r2.ndcg - (1 / Math.log2(3)) / 2) < 1e-12');
  const r4 = evaluateBaskets(tasks, 5, scorer, { k: 4 });
  assert.equal(r4.hr, 1);
  assert.ok(Math.abs(r4.ndcg - (1 / Math.log2(3) + 1 / Math.log2(5)) / 2) < 1e-12, 'Math.abs(r4.ndcg - (1 / Math.log2(3) + 1 / Math.log2(5)) / 2) < 1e-12');
  const masked = evaluateBaskets(tasks, 5, scorer, { k: 2, candidates: Uint8Array.of(1, 1, 1, 0, 1) });
  // Item 3 not a candidate: task 1 ranks 2, 1 (hit at rank 1); task 2 ranks 4, 2 (miss).
  assert.equal(masked.hr, 0.5);
  assert.equal(masked.ndcg, 0.5);
});

test('dailyCounts, risingItems and precisionAt on a tiny series', () => {
  const b = new InteractionsBuilder();
  for (const id of ['a', 'b', 'c']) b.items.intern(id);
  const ev = (item: string, d: number, n: number) => { for (let k = 0; k < n; k++) b.add(`u${k}`, item, 1, d * DAY + k); };
  ev('a', 0, 2); ev('a', 1, 2); ev('a', 2, 3); // mean 2 -> 3: rise 1
  ev('b', 0, 1); ev('b', 1, 1); ev('b', 2, 5); // rise 4
  ev('c', 0, 4); ev('c', 1, 4); ev('c', 2, 1); // falls
  const c = dailyCounts(b.build(), { start: 0, days: 3 });
  assert.deepEqual(Array.from(c), [2, 1, 4, 2, 1, 4, 3, 5, 1]);
  assert.deepEqual(Array.from(risingItems(c, 3, 2, [0, 1], 5)), [1, 0]);
  assert.deepEqual(Array.from(risingItems(c, 3, 2, [0, 1], 5, Uint8Array.of(1, 0, 1))), [0]);
  assert.equal(precisionAt(Int32Array.of(2, 1, 0), Int32Array.of(1, 0), 2), 0.5);
});
