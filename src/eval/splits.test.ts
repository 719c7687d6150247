import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InteractionsBuilder, type Interactions } from '../data/interactions.ts';
import { ConfigError } from '../errors.ts';
import { mulberry32 } from '../data/random.ts';
import {
  kCore, leaveLastOut, positivesAtLeast, randomHoldout, ratioCounts, strongGeneralization, temporalCut, type Split,
} from './splits.ts';

/** Synthetic log: user u has 1 + (u*7 % 25) events on random items, times with deliberate ties. */
function synth(seed = 3, nUsers = 60, nItems = 40): Interactions {
  const rng = mulberry32(seed);
  const b = new InteractionsBuilder();
  for (let u = 0; u < nUsers; u++) {
    const n = 1 + ((u * 7) % 25);
    for (let q = 0; q < n; q++) {
      b.add(`u${u}`, `i${Math.floor(rng() * nItems)}`, 1 + Math.floor(rng() * 5), 1000 * Math.floor(rng() * 50), 'rating');
    }
  }
  return b.build();
}

/** Entry fingerprints (user, item, time, value) so parts can be compared with the source. */
function keys(d: Interactions): string[] {
  const out: string[] = [];
  for (let k = 0; k < d.length; k++) out.push(`${d.user[k]}|${d.item[k]}|${d.time[k]}|${d.value[k]}`);
  return out;
}

function assertPartition(data: Interactions, s: Split): void {
  const parts = [s.train, s.valid, s.test, s.foldIn].filter((p): p is Interactions => !!p);
  for (const p of parts) { assert.equal(p.users, data.users); assert.equal(p.items, data.items); }
  const all = parts.flatMap(keys).sort();
  assert.deepEqual(all, keys(data).sort(), 'parts must be a partition of the data');
  assert.equal(parts.reduce((n, p) => n + p.length, 0), data.length);
}

function countsByUser(d: Interactions): Int32Array {
  const c = new Int32Array(d.users.size);
  for (let k = 0; k < d.length; k++) c[d.user[k]!]!++;
  return c;
}

test('ratioCounts reproduces RecBole rounding', () => {
  assert.deepEqual(ratioCounts(10, [8, 1, 1]), [8, 1, 1]);
  assert.deepEqual(ratioCounts(1, [8, 1, 1]), [1, 0, 0]); // train must keep > 1 before anything is bumped
  assert.deepEqual(ratioCounts(2, [8, 1, 1]), [1, 0, 1]); // test bumped first (walks backwards), then train = 1 stops
  assert.deepEqual(ratioCounts(3, [8, 1, 1]), [1, 1, 1]);
  assert.deepEqual(ratioCounts(25, [0.8, 0.1, 0.1]), [21, 2, 2]); // floor(2.5) = 2 each
  assert.deepEqual(ratioCounts(19, [0.8, 0.2]), [16, 3]); // floor(3.8) = 3
});

test('randomHoldout partitions per user with RecBole sizes, reproducibly', () => {
  const data = synth();
  const s = randomHoldout(data, { ratios: [8, 1, 1], seed: 7 });
  assertPartition(data, s);
  const all = countsByUser(data), tr = countsByUser(s.train), va = countsByUser(s.valid!), te = countsByUser(s.test);
  for (let u = 0; u < data.users.size; u++) {
    assert.deepEqual([tr[u], va[u], te[u]], ratioCounts(all[u]!, [8, 1, 1]), `user ${u}`);
  }
  assert.deepEqual(keys(randomHoldout(data, { ratios: [8, 1, 1], seed: 7 }).test), keys(s.test));
  assert.notDeepEqual(keys(randomHoldout(data, { ratios: [8, 1, 1], seed: 8 }).test), keys(s.test));
  assert.equal(s.description.kind, 'random-holdout');
  assert.equal(s.description.sizes.train, s.train.length);
  const two = randomHoldout(data, { ratios: [0.8, 0.2], seed: 1 });
  assert.equal(two.valid, undefined);
  assertPartition(data, two);
  assert.throws(() => randomHoldout(data, { ratios: [1], seed: 1 }), ConfigError);
});

test('leaveLastOut holds out each user\'s latest events, ties broken by input order', () => {
  const b = new InteractionsBuilder();
  b.add('a', 'x', 1, 100); b.add('a', 'y', 1, 300); b.add('a', 'z', 1, 300); b.add('a', 'w', 1, 200);
  b.add('b', 'x', 1, 5);
  b.add('c', 'x', 1, 9); b.add('c', 'y', 1, 1);
  const data = b.build();
  const s = leaveLastOut(data, { n: 1, validation: true });
  assertPartition(data, s);
  const name = (d: Interactions) => keys(d).map((k) => { const [u, i] = k.split('|'); return `${data.users.id(+u!)}:${data.items.id(+i!)}`; }).sort();
  // a: times x100 w200 y300 z300 -> z last (same time as y, later in input) to test, y to valid
  // b: single event stays in train; c: y(1) x(9) -> x test, y stays (train must keep one)
  assert.deepEqual(name(s.test), ['a:z', 'c:x']);
  assert.deepEqual(name(s.valid!), ['a:y']);
  assert.deepEqual(name(s.train), ['a:w', 'a:x', 'b:x', 'c:y']);
});

test('leaveLastOut on a larger log: test events are never older than the user\'s train events', () => {
  const data = synth();
  const s = leaveLastOut(data, { n: 2 });
  assertPartition(data, s);
  const maxTrain = new Float64Array(data.users.size).fill(-Infinity);
  for (let k = 0; k < s.train.length; k++) maxTrain[s.train.user[k]!] = Math.max(maxTrain[s.train.user[k]!]!, s.train.time[k]!);
  for (let k = 0; k < s.test.length; k++) assert.ok(s.test.time[k]! >= maxTrain[s.test.user[k]!]!);
  const all = countsByUser(data), te = countsByUser(s.test);
  for (let u = 0; u < data.users.size; u++) assert.equal(te[u], Math.min(2, all[u]! - 1));
});

test('temporalCut separates by a global time, with a validation window', () => {
  const data = synth();
  const s = temporalCut(data, { quantile: 0.8, validQuantile: 0.6 });
  assertPartition(data, s);
  const at = s.description.params.at as number, validAt = s.description.params.validAt as number;
  assert.ok(validAt <= at);
  for (let k = 0; k < s.train.length; k++) assert.ok(s.train.time[k]! < validAt);
  for (let k = 0; k < s.valid!.length; k++) assert.ok(s.valid!.time[k]! >= validAt && s.valid!.time[k]! < at);
  for (let k = 0; k < s.test.length; k++) assert.ok(s.test.time[k]! >= at);
  assert.ok(s.test.length > 0.1 * data.length && s.test.length <= 0.2 * data.length + 200);
  const fixed = temporalCut(data, { at: 25000 });
  for (let k = 0; k < fixed.test.length; k++) assert.ok(fixed.test.time[k]! >= 25000);
  assert.throws(() => temporalCut(data, { quantile: 1.5 }), ConfigError);
});

test('strongGeneralization keeps held-out users out of train and splits their history', () => {
  const data = synth();
  const s = strongGeneralization(data, { testUsers: 0.2, validUsers: 0.1, holdout: 0.3, seed: 5 });
  assertPartition(data, s);
  const tr = countsByUser(s.train), te = countsByUser(s.test), va = countsByUser(s.valid!), fo = countsByUser(s.foldIn!);
  let nTest = 0, nValid = 0;
  for (let u = 0; u < data.users.size; u++) {
    if (te[u]) { nTest++; assert.equal(tr[u], 0); assert.equal(va[u], 0); assert.ok(fo[u]! >= 1); assert.deepEqual([fo[u], te[u]], ratioCounts(fo[u]! + te[u]!, [0.7, 0.3])); }
    if (va[u]) { nValid++; assert.equal(tr[u], 0); assert.ok(fo[u]! >= 1); }
    if (tr[u]) assert.equal(fo[u], 0);
  }
  assert.equal(nTest, Math.round(0.2 * data.users.size));
  assert.equal(nValid, Math.round(0.1 * data.users.size));
  const again = strongGeneralization(data, { testUsers: 0.2, validUsers: 0.1, holdout: 0.3, seed: 5 });
  assert.deepEqual(keys(again.test), keys(s.test));
  assert.notDeepEqual(keys(strongGeneralization(data, { testUsers: 0.2, holdout: 0.3, seed: 6 }).test), keys(s.test));
});

test('kCore reaches a fixed point and compacts ids', () => {
  // Chain: removing item "rare" drops user "b" below 2, which drops item "y" below 2, etc.
  const b = new InteractionsBuilder();
  for (const [u, i] of [['a', 'x'], ['a', 'y'], ['c', 'x'], ['c', 'y'], ['b', 'y'], ['b', 'rare'], ['d', 'x'], ['d', 'y']] as const) b.add(u, i);
  const data = b.build();
  const f = kCore(data, { user: 2, item: 3 });
  // pass 1: item counts x3 y4 rare1 -> drop b:rare; user b now has 1 -> pass 2 drops b:y; then y has 3, all ok
  assert.deepEqual(f.users.toArray(), ['a', 'c', 'd']);
  assert.deepEqual(f.items.toArray(), ['x', 'y']);
  assert.equal(f.length, 6);

  const big = kCore(synth(11, 200, 60), { user: 10, item: 10 });
  const cu = new Int32Array(big.users.size), ci = new Int32Array(big.items.size);
  for (let k = 0; k < big.length; k++) { cu[big.user[k]!]!++; ci[big.item[k]!]!++; }
  assert.ok(big.length > 0);
  assert.ok(cu.every((c) => c >= 10) && ci.every((c) => c >= 10), 'every remaining user and item meets the bar');
  assert.equal(kCore(big, { user: 10, item: 10 }).length, big.length, 'applying it again changes nothing');
});

test('positivesAtLeast keeps high values, compacts and can binarize', () => {
  const b = new InteractionsBuilder();
  b.add('a', 'x', 5); b.add('a', 'y', 2); b.add('b', 'y', 1); b.add('c', 'z', 3);
  const f = positivesAtLeast(b.build(), 3, { binarize: true });
  assert.deepEqual(f.users.toArray(), ['a', 'c']);
  assert.deepEqual(f.items.toArray(), ['x', 'z']);
  assert.deepEqual([...f.value], [1, 1]);
  assert.deepEqual([...f.user], [0, 1]);
});
