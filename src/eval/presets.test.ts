import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InteractionsBuilder, type Interactions } from '../data/interactions.ts';
import { ConfigError } from '../errors.ts';
import { mulberry32 } from '../data/random.ts';
import { applyPreset, PRESETS, resolvePreset } from './presets.ts';

/** 80 users × 30 items, 90% rated 1..5 (about 16 positives each), dense enough that a 10-core keeps most of it. */
function ratings(): Interactions {
  const rng = mulberry32(9);
  const b = new InteractionsBuilder();
  for (let u = 0; u < 80; u++) for (let i = 0; i < 30; i++) {
    if (rng() < 0.9) b.add(`u${u}`, `i${i}`, 1 + Math.floor(rng() * 5), 1e9 + Math.floor(rng() * 1e6), 'rating');
  }
  // a sparse user and an item only rated low: both must disappear under the recbole preset
  b.add('lonely', 'i0', 5, 1e9, 'rating');
  b.add('u0', 'hated', 1, 1e9, 'rating');
  return b.build();
}

test('every built-in preset validates and applies', () => {
  const data = ratings();
  for (const name of Object.keys(PRESETS)) {
    const p = applyPreset(data, name, 1);
    assert.equal(p.preset.name, name);
    assert.ok(p.split.train.length > 0 && p.split.test.length > 0, name);
    assert.equal(p.split.train.items, p.data.items);
  }
});

test('recbole preset: positives >= 3 binarized, 10-core, 8:1:1 per user', () => {
  const data = ratings();
  const p = applyPreset(data, 'recbole', 2020);
  assert.ok(!p.data.users.has('lonely') && !p.data.items.has('hated'));
  assert.ok(p.data.value.every((v) => v === 1));
  let kept = 0;
  for (let k = 0; k < data.length; k++) if (data.value[k]! >= 3) kept++;
  assert.ok(p.data.length <= kept && p.data.length > 0.9 * kept - 20);
  const cu = new Int32Array(p.data.users.size);
  for (let k = 0; k < p.data.length; k++) cu[p.data.user[k]!]!++;
  assert.ok(cu.every((c) => c >= 10));
  assert.equal(p.split.description.kind, 'random-holdout');
  assert.deepEqual(p.split.description.params.ratios, [8, 1, 1]);
  assert.ok(p.split.valid);
  assert.deepEqual(p.ks, [10, 20]);
  assert.equal(p.stats.raw.interactions, data.length);
  assert.equal(p.stats.filtered.interactions, p.data.length);
  // same seed, same split
  assert.deepEqual([...applyPreset(data, 'recbole', 2020).split.test.item], [...p.split.test.item]);
});

test('custom presets are validated with errors naming the field', () => {
  assert.throws(() => resolvePreset('nope'), (e: unknown) => e instanceof ConfigError && e.field === 'preset');
  assert.throws(() => resolvePreset({ name: 'x', split: { kind: 'random', ratios: [8] } }), (e: unknown) => e instanceof ConfigError && e.field === 'preset.split.ratios');
  assert.throws(() => resolvePreset({ name: 'x', split: { kind: 'temporal', quantile: 2 } }), (e: unknown) => e instanceof ConfigError && e.field === 'preset.split.quantile');
  assert.throws(() => resolvePreset({ name: 'x', split: { kind: 'random', ratios: [8, 2] }, ks: [0] }), (e: unknown) => e instanceof ConfigError && e.field === 'preset.ks.0');
  const p = resolvePreset({ name: 'x', split: { kind: 'leave-last-out' } });
  assert.deepEqual(p.split, { kind: 'leave-last-out', n: 1, validation: true });
  assert.deepEqual(p.ks, [10]);
  assert.throws(() => applyPreset(ratings(), { name: 'x', positives: { atLeast: 99 }, split: { kind: 'random', ratios: [8, 2] } }, 1), /filtered away every interaction/);
});
