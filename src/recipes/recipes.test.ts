import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InteractionsBuilder, type Interactions } from '../data/interactions.ts';
import type { InteractionType } from '../data/types.ts';
import { BoughtTogether } from './bought-together.ts';
import { CoOccurrence } from './co-occurrence.ts';
import { countPairs, pairCount } from './pairs.ts';
import { sessionMatrix } from './sessions.ts';
import { popularScores, trendingScores } from './trending.ts';
import { ConfigError } from '../errors.ts';

const DAY = 86_400_000;

/** Baskets as item-id lists; basket b is user "u<b%2>" at time b*1000 (same user, same time = one basket). */
function baskets(list: string[][], type: InteractionType = 'purchase'): Interactions {
  const b = new InteractionsBuilder();
  for (const id of ['A', 'B', 'C', 'D']) b.items.intern(id);
  list.forEach((items, k) => { for (const it of items) b.add(`u${k % 2}`, it, 1, (k + 1) * 1000, type); });
  return b.build();
}

// Five baskets: A in 4, B in 4, C in 3, D in 1; AB together 3, AC 2, BC 2, AD 1, BD 1, CD 0.
const FIVE = [['A', 'B', 'C'], ['A', 'B'], ['A', 'C'], ['B', 'C'], ['A', 'B', 'D']];
const [A, B, C, D] = [0, 1, 2, 3];

test('sessionMatrix: same timestamp per user by default; a gap joins close events; duplicates counted once', () => {
  const b = new InteractionsBuilder();
  b.add('u', 'x', 1, 100); b.add('v', 'x', 1, 100); b.add('u', 'y', 1, 100); b.add('u', 'x', 1, 100);
  b.add('u', 'z', 1, 110); b.add('u', 'x', 1, 300);
  const x = b.build();
  const rows = (m: ReturnType<typeof sessionMatrix>) => Array.from({ length: m.rows }, (_, r) => Array.from(m.indices.subarray(m.indptr[r]!, m.indptr[r + 1]!)));
  assert.deepEqual(rows(sessionMatrix(x)), [[0, 1], [2], [0], [0]]);
  assert.deepEqual(rows(sessionMatrix(x, { gapMs: 20 })), [[0, 1, 2], [0], [0]]);
  assert.deepEqual(rows(sessionMatrix(x, { gapMs: Infinity })), [[0, 1, 2], [0]]);
  assert.deepEqual(rows(sessionMatrix(x, { types: ['cart'] })), []);
});

test('countPairs: exact counts on five baskets', () => {
  const c = countPairs(sessionMatrix(baskets(FIVE)));
  assert.equal(c.sessions, 5);
  assert.deepEqual(Array.from(c.itemSessions), [4, 4, 3, 1]);
  const expect: [number, number, number][] = [[A, B, 3], [A, C, 2], [B, C, 2], [A, D, 1], [B, D, 1], [C, D, 0]];
  for (const [i, j, n] of expect) {
    assert.equal(pairCount(c.pairs, i, j), n, `${i},${j}`);
    assert.equal(pairCount(c.pairs, j, i), n, `${j},${i}`);
  }
});

test('countPairs: a basket over the cap keeps symmetric counts and the expected total per item', () => {
  const b = new InteractionsBuilder();
  for (let i = 0; i < 40; i++) b.add('u', `i${i}`, 1, 5);
  const c = countPairs(sessionMatrix(b.build()), { maxSessionSize: 8 });
  for (let i = 0; i < 40; i++) {
    let sum = 0;
    for (let p = c.pairs.indptr[i]!; p < c.pairs.indptr[i + 1]!; p++) {
      sum += c.pairs.data[p]!;
      assert.equal(pairCount(c.pairs, c.pairs.indices[p]!, i), c.pairs.data[p]!);
    }
    assert.ok(Math.abs(sum - 39) < 1e-4, `row ${i} sums to ${sum}, expected n - 1 = 39`);
    assert.equal(c.pairs.indptr[i + 1]! - c.pairs.indptr[i]!, 8);
  }
});

test('BoughtTogether: support, confidence and lift by hand on five baskets', () => {
  const bt = BoughtTogether.fit(baskets(FIVE), { minSupport: 1 });
  assert.equal(bt.baskets, 5);
  const e = bt.evidence(B, Int32Array.of(A))!;
  assert.equal(e.with, A); assert.equal(e.count, 3);
  assert.equal(e.support, 3 / 5);
  assert.equal(e.confidence, 3 / 4);
  assert.ok(Math.abs(e.lift - 0.75 / (4 / 5)) < 1e-12, 'Math.abs(e.lift - 0.75 / (4 / 5)) < 1e-12');
  const d = bt.evidence(A, Int32Array.of(D))!;
  assert.equal(d.confidence, 1); assert.ok(Math.abs(d.lift - 1.25) < 1e-12, 'Math.abs(d.lift - 1.25) < 1e-12');
  assert.equal(bt.evidence(D, Int32Array.of(C)), undefined);
});

test('BoughtTogether.score: confidence, lift exponent, sum and max over a basket', () => {
  const bt = BoughtTogether.fit(baskets(FIVE), { minSupport: 1, shrink: 0, liftExponent: 0 });
  const out = new Float32Array(4);
  assert.deepEqual(bt.score(Int32Array.of(A), out), { supported: true });
  assert.ok(Number.isNaN(out[A]!), 'Number.isNaN(out[A]!)');
  assert.ok(Math.abs(out[B]! - 0.75) < 1e-6 && Math.abs(out[C]! - 0.5) < 1e-6 && Math.abs(out[D]! - 0.25) < 1e-6, 'Math.abs(out[B]! - 0.75) < 1e-6 && Math.abs(out[C]! - 0.5) < 1e-6 && Math.abs(out[D]! - 0.25) < 1e-6');
  bt.score(Int32Array.of(A, C), out);
  assert.ok(Math.abs(out[B]! - (0.75 + 2 / 3)) < 1e-6, `sum: ${out[B]}`);
  assert.ok(Math.abs(out[D]! - 0.25) < 1e-6, 'Math.abs(out[D]! - 0.25) < 1e-6');
  bt.withConfig({ combine: 'max' }).score(Int32Array.of(A, C), out);
  assert.ok(Math.abs(out[B]! - 0.75) < 1e-6, `max: ${out[B]}`);
  bt.withConfig({ liftExponent: 1 }).score(Int32Array.of(A), out);
  assert.ok(Math.abs(out[B]! - 0.75 * 0.9375) < 1e-6 && Math.abs(out[D]! - 0.25 * 1.25) < 1e-6, 'Math.abs(out[B]! - 0.75 * 0.9375) < 1e-6 && Math.abs(out[D]! - 0.25 * 1.25) < 1e-6');
  bt.withConfig({ shrink: 4 }).score(Int32Array.of(A), out);
  assert.ok(Math.abs(out[B]! - 3 / 8) < 1e-6, 'shrunk confidence 3 / (4 + 4)');
});

test('BoughtTogether: the minimum-support guard drops rare pairs and reports unsupported baskets', () => {
  const bt = BoughtTogether.fit(baskets(FIVE), { minSupport: 2 });
  const out = new Float32Array(4);
  assert.deepEqual(bt.score(Int32Array.of(A), out), { supported: true });
  assert.ok(Number.isNaN(out[D]!), 'AD seen once: not trusted');
  assert.deepEqual(bt.score(Int32Array.of(D), out), { supported: false });
  assert.ok(out.every((v) => Number.isNaN(v)), 'out.every((v) => Number.isNaN(v))');
  assert.deepEqual(bt.score(Int32Array.of(-1), out), { supported: false });
  assert.throws(() => BoughtTogether.fit(baskets(FIVE), { minSupport: 0 }), ConfigError);
});

test('BoughtTogether: halfLifeDays ranks recent associations first; the guard and the evidence count plain baskets', () => {
  const b = new InteractionsBuilder();
  const at = (u: string, items: string[], t: number) => { for (const it of items) b.add(u, it, 1, t, 'purchase'); };
  at('u', ['A', 'B'], 0); at('v', ['A', 'B'], 0); at('w', ['A', 'C'], 100 * DAY); at('z', ['A', 'C'], 100 * DAY);
  const x = b.build();
  const [a, bb, c] = [x.items.get('A'), x.items.get('B'), x.items.get('C')];
  const out = new Float32Array(3);
  const plain = BoughtTogether.fit(x, { minSupport: 2, shrink: 0, liftExponent: 0 });
  plain.score(Int32Array.of(a), out);
  assert.equal(out[bb], out[c]);
  const decayed = BoughtTogether.fit(x, { minSupport: 2, shrink: 0, liftExponent: 0, halfLifeDays: 50 });
  decayed.score(Int32Array.of(a), out);
  // Weighted: c(A) = 2·0.25 + 2·1 = 2.5, c(A,B) = 0.5, c(A,C) = 2.
  assert.ok(Math.abs(out[bb]! - 0.5 / 2.5) < 1e-6 && Math.abs(out[c]! - 2 / 2.5) < 1e-6, `${out[bb]} ${out[c]}`);
  assert.deepEqual(decayed.evidence(bb, Int32Array.of(a)), { with: a, count: 2, support: 0.5, confidence: 0.5, lift: 1 });
  assert.equal(BoughtTogether.fit(x, { minSupport: 3, halfLifeDays: 50 }).score(Int32Array.of(a), out).supported, false);
});

test('CoOccurrence: cosine shrunk by count, views within a session gap', () => {
  const x = baskets(FIVE, 'view');
  const co = CoOccurrence.fit(x, { gapMs: 0, minCount: 1, shrink: 0 });
  const out = new Float32Array(4);
  co.score(Int32Array.of(A), out);
  assert.ok(Math.abs(out[B]! - 3 / Math.sqrt(16)) < 1e-6, 'Math.abs(out[B]! - 3 / Math.sqrt(16)) < 1e-6');
  assert.ok(Math.abs(out[C]! - 2 / Math.sqrt(12)) < 1e-6, 'Math.abs(out[C]! - 2 / Math.sqrt(12)) < 1e-6');
  assert.ok(Number.isNaN(out[A]!), 'Number.isNaN(out[A]!)');
  assert.deepEqual(Array.from(co.neighbors(A, 2).items), [B, C]);
  const shrunk = co.withConfig({ shrink: 3 });
  shrunk.score(Int32Array.of(A), out);
  assert.ok(Math.abs(out[B]! - (3 / 4) * (3 / 6)) < 1e-6, 'Math.abs(out[B]! - (3 / 4) * (3 / 6)) < 1e-6');
  assert.deepEqual(co.evidence(B, Int32Array.of(C, A)), { with: A, count: 3, strength: 0.75 });
  // Baskets 1 second apart: one 30-minute session per user merges them.
  const merged = CoOccurrence.fit(x, { minCount: 1, normalize: 'count' });
  merged.score(Int32Array.of(C), out);
  assert.ok(Number.isNaN(out[C]!), 'Number.isNaN(out[C]!)');
  assert.equal(out[D], 1, 'C and D are both viewed by u0 (baskets 1, 3, 5)');
});

test('trendingScores: the riser tops the list; a single new event does not; no recent event = NaN', () => {
  const b = new InteractionsBuilder();
  const now = 35 * DAY;
  const perDay = (item: string, from: number, to: number, n: number) => {
    for (let d = from; d < to; d++) for (let k = 0; k < n; k++) b.add(`u${k}`, item, 1, d * DAY + 3600_000 * (k + 1));
  };
  perDay('steady', 0, 35, 4);
  perDay('riser', 0, 28, 2); perDay('riser', 28, 35, 8);
  perDay('faller', 0, 28, 6); perDay('faller', 28, 35, 2);
  perDay('gone', 0, 28, 3);
  b.add('x', 'once', 1, now - DAY / 2);
  const x = b.build();
  const out = new Float32Array(x.items.size);
  const recent = new Float64Array(x.items.size), baseline = new Float64Array(x.items.size);
  trendingScores(x, { now, windowMs: 7 * DAY, baselineMs: 28 * DAY, recent, baseline }, out);
  const s = (id: string) => out[x.items.get(id)]!;
  assert.ok(s('riser') > s('once'), `riser ${s('riser')} vs once ${s('once')}`);
  assert.ok(s('riser') > s('steady') && s('steady') > s('faller'), 'riser > steady > faller');
  assert.ok(Math.abs(s('steady')) < 0.5, `steady near 0, got ${s('steady')}`);
  assert.ok(Number.isNaN(s('gone')), 'gone: no recent event');
  assert.equal(baseline[x.items.get('riser')], 56);
  // What the bound and the prior prevent: the plain ratio puts the single event first.
  trendingScores(x, { now, windowMs: 7 * DAY, z: 0, prior: 0.01 }, out);
  assert.ok(s('once') > s('riser'), 'plain ratio: once first');
  // Without decay the recent count is the plain count.
  trendingScores(x, { now, windowMs: 7 * DAY, halfLifeMs: Infinity, recent }, out);
  assert.equal(recent[x.items.get('riser')], 56);
  assert.throws(() => trendingScores(x, { now, windowMs: 0 }, out), RangeError);
  // By difference: riser +42 events a week (56 vs 14 expected) first; once (+1, bound 1 - sqrt 2) far below.
  trendingScores(x, { now, windowMs: 7 * DAY, halfLifeMs: Infinity, measure: 'difference', z: 1, prior: 1 }, out);
  assert.ok(Math.abs(s('riser') - (56 - 14 - Math.sqrt(56 + 56 / 16 + 1))) < 1e-4, `riser ${s('riser')}`);
  assert.ok(Math.abs(s('once') - (1 - Math.sqrt(2))) < 1e-6, 'Math.abs(s("once") - (1 - Math.sqrt(2))) < 1e-6');
  assert.ok(s('riser') > s('once') && s('once') > s('faller') && s('steady') > s('faller'), 'riser first, faller last');
});

test('popularScores: counts in the window, NaN without events, half-life decay', () => {
  const b = new InteractionsBuilder();
  b.add('u', 'a', 1, 10 * DAY); b.add('v', 'a', 1, 10 * DAY); b.add('u', 'b', 1, 9 * DAY); b.add('u', 'c', 1, 2 * DAY);
  b.add('u', 'a', 1, 8 * DAY, 'cart');
  const x = b.build();
  const out = new Float32Array(3);
  popularScores(x, { since: 5 * DAY }, out);
  assert.deepEqual(Array.from(out.subarray(0, 2)), [3, 1]);
  assert.ok(Number.isNaN(out[2]!), 'Number.isNaN(out[2]!)');
  popularScores(x, { since: 5 * DAY, types: ['view'] }, out);
  assert.equal(out[0], 2);
  popularScores(x, { until: 11 * DAY, halfLifeMs: DAY, types: ['view'] }, out);
  assert.ok(Math.abs(out[0]! - 2 * 0.5) < 1e-6 && Math.abs(out[1]! - 0.25) < 1e-6 && Math.abs(out[2]! - 2 ** -9) < 1e-8, 'Math.abs(out[0]! - 2 * 0.5) < 1e-6 && Math.abs(out[1]! - 0.25) < 1e-6 && Math.abs(out[2]! - 2 ** -9) < 1e-8');
});
