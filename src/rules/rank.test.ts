import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../catalog/catalog.ts';
import { ConfigError, FilterSyntaxError } from '../errors.ts';
import { FilterCompiler } from './filter/compile.ts';
import { applyBoosts, applyMask, exclusionMask, rankWithRules } from './rank.ts';

// Items i0..i7; scores fall with the index (i0 best) unless a test says otherwise.
const catalog = Catalog.fromRows([
  { id: 'i0', categories: ['a'], attrs: { brand: 'X' } },
  { id: 'i1', categories: ['a'], attrs: { brand: 'Y' } },
  { id: 'i2', categories: ['a', 'b'], attrs: { brand: 'X' } },
  { id: 'i3', categories: ['b'], attrs: { brand: 'Y' } },
  { id: 'i4', categories: ['b'], attrs: { brand: 'X' } },
  { id: 'i5', categories: ['c'] },
  { id: 'i6', categories: [] },
  { id: 'i7', categories: ['c'] },
]);
const fc = new FilterCompiler(catalog);
const falling = () => Float32Array.from({ length: 8 }, (_, i) => 8 - i); // 8, 7, ..., 1
const names = (r: { items: Int32Array }) => [...r.items].map((i) => catalog.ids.id(i));

test('boosts multiply and add on matching candidates only; buries lower; a negative score still moves the right way', () => {
  const s = Float32Array.from([4, -2, 1, NaN, 3, -Infinity, 0, 5]);
  const changed = applyBoosts(s, [{ filter: 'brand:X', multiply: 2 }, { filter: 'category:c', add: -1 }, { filter: 'brand:Y', multiply: 0.5 }], fc);
  // brand X = i0, i2, i4 (x2); category c = i5 (-Infinity: untouched), i7 (-1); brand Y = i1 (-2 -> -3), i3 (NaN: untouched)
  assert.deepEqual([...s], [8, -3, 2, NaN, 6, -Infinity, 0, 4]);
  assert.deepEqual(changed, [3, 1, 1]);
  const neg = Float32Array.from([-4, 0, 0, 0, 0, 0, 0, 0]);
  applyBoosts(neg, [{ filter: 'id:i0', multiply: 1.5 }], fc);
  assert.equal(neg[0], -2, 'a boost of x1.5 on -4 gives -4 + 4 * 0.5');
  assert.throws(() => applyBoosts(falling(), [{ filter: 'brand:' }], fc), (e: unknown) => e instanceof FilterSyntaxError && /^boosts\[0\]\.filter: position 7/.test(e.message));
});

test('a boost reorders the ranking', () => {
  const s = falling();
  applyBoosts(s, [{ filter: 'category:c', add: 10 }], fc);
  assert.deepEqual(names(rankWithRules(s, { k: 3 }, catalog)), ['i5', 'i7', 'i0']);
});

test('exclusion by id list and masks drop items; unknown ids are counted, not fatal', () => {
  const s = falling();
  const { mask, unknown } = exclusionMask(catalog, ['i0', 'i2', 'ghost']);
  assert.equal(unknown, 1);
  applyMask(s, mask);
  applyMask(s, fc.mask('NOT brand:Y'));
  assert.deepEqual(names(rankWithRules(s, { k: 4 }, catalog)), ['i4', 'i5', 'i6', 'i7']);
});

test('pins go to their positions whatever their score; the rest fill in by score', () => {
  const r = rankWithRules(falling(), { k: 4, pins: [{ item: 7, position: 1 }, { item: 1, position: 3 }] }, catalog);
  assert.deepEqual(names(r), ['i7', 'i0', 'i1', 'i2']);
  assert.deepEqual([...r.scores], [1, 8, 7, 6]);
  const s = falling(); s[6] = NaN;
  assert.deepEqual(names(rankWithRules(s, { k: 2, pins: [{ item: 6, position: 2 }] }, catalog)), ['i0', 'i6'], 'a pin need not be a candidate');
});

test('with too few candidates, pins close up and keep their order', () => {
  const s = new Float32Array(8).fill(NaN); s[3] = 1;
  assert.deepEqual(names(rankWithRules(s, { k: 10, pins: [{ item: 5, position: 9 }, { item: 0, position: 4 }] }, catalog)), ['i3', 'i0', 'i5']);
});

test('caps: at most n per category in the top k; an item counts against each of its categories; no category is uncapped', () => {
  // a: i0 i1 i2 ; b: i2 i3 i4 ; c: i5 i7 ; i6 none
  assert.deepEqual(names(rankWithRules(falling(), { k: 5, caps: [{ field: 'category', max: 1 }] }, catalog)), ['i0', 'i3', 'i5', 'i6']);
  // max 2: i0(a1) i1(a2) i2 (a full) skip, i3(b1) i4(b2) -> i5(c1)
  assert.deepEqual(names(rankWithRules(falling(), { k: 5, caps: [{ field: 'categories', max: 2 }] }, catalog)), ['i0', 'i1', 'i3', 'i4', 'i5']);
  // two caps at once, category at most 2 and brand at most 1: i2 (a full), i3 (Y taken), i4 (X taken) are skipped
  assert.deepEqual(names(rankWithRules(falling(), { k: 4, caps: [{ field: 'category', max: 2 }, { field: 'brand', max: 1 }] }, catalog)), ['i0', 'i1', 'i5', 'i6']);
});

test('pins count against caps but are never removed by them', () => {
  const r = rankWithRules(falling(), { k: 3, pins: [{ item: 2, position: 3 }], caps: [{ field: 'category', max: 1 }] }, catalog);
  // the pin i2 takes a and b; then only c and no-category items may join: i5, i6
  assert.deepEqual(names(r), ['i5', 'i6', 'i2']);
});

test('when caps reject most of the heap, the candidate pool grows until k is filled', () => {
  const n = 1000;
  const c = Catalog.fromRows(Array.from({ length: n }, (_, i) => ({ id: `x${i}`, categories: [i < 990 ? 'big' : `small${i}`] })));
  const s = Float32Array.from({ length: n }, (_, i) => n - i);
  const r = rankWithRules(s, { k: 6, caps: [{ field: 'category', max: 1 }] }, c);
  assert.deepEqual([...r.items], [0, 990, 991, 992, 993, 994]);
  // Only 11 categories, every item has one: the cut stops with 11 items once each category is at its cap.
  const all = rankWithRules(s, { k: 20, caps: [{ field: 'category', max: 1 }] }, c);
  assert.deepEqual([...all.items], [0, ...Array.from({ length: 10 }, (_, j) => 990 + j)]);
});

test('bad rules are ConfigErrors naming the field', () => {
  const cases: [object, string, RegExp][] = [
    [{ k: 3, pins: [{ item: 0, position: 4 }] }, 'pins[0].position', /position 4 is outside the result: positions run from 1 to k = 3/],
    [{ k: 3, pins: [{ item: 0, position: 0 }] }, 'pins[0].position', /outside/],
    [{ k: 3, pins: [{ item: 0, position: 1 }, { item: 1, position: 1 }] }, 'pins[1].position', /already taken by pins\[0\]/],
    [{ k: 3, pins: [{ item: 0, position: 1 }, { item: 0, position: 2 }] }, 'pins[1].item', /"i0" is already pinned/],
    [{ k: 3, pins: [{ item: 99, position: 1 }] }, 'pins[0].item', /not an item of the catalogue/],
    [{ k: 3, caps: [{ field: 'category', max: 0 }] }, 'caps[0].max', /at least 1, got 0/],
    [{ k: 3, caps: [{ field: 'colour', max: 2 }] }, 'caps[0].field', /no item has the attribute "colour"/],
    [{ k: 0 }, 'k', /at least 1/],
  ];
  for (const [rules, field, msg] of cases) {
    assert.throws(() => rankWithRules(falling(), rules as never, catalog), (e: unknown) => {
      assert.ok(e instanceof ConfigError, String(e));
      assert.equal(e.field, field);
      assert.match(e.message, msg);
      return true;
    }, JSON.stringify(rules));
  }
});

test('applyMask: whole words of passes and failures, mixed words, a tail, and an unaligned mask give the same answer', () => {
  const bits = [1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 1, 0, 1, 1, 0];
  const want = bits.map((b, i) => (b ? i : NaN));
  const run = (mask: Uint8Array) => { const s = Float32Array.from(bits, (_, i) => i); applyMask(s, mask); return [...s]; };
  assert.deepEqual(run(Uint8Array.from(bits)), want);
  const unaligned = new Uint8Array(bits.length + 1).subarray(1);
  unaligned.set(bits);
  assert.deepEqual(run(unaligned), want);
});

test('applyMask: negative, infinite and NaN scores fail to NaN and pass unchanged (the NaN is written on the bits)', () => {
  const scores = [-2.5, Infinity, -Infinity, NaN, 0, -0, 3e38, -1e-40, 7, -7];
  const bits = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1];
  for (const offset of [0, 1]) {
    const mask = new Uint8Array(bits.length + offset).subarray(offset);
    mask.set(bits);
    const s = Float32Array.from(scores);
    applyMask(s, mask);
    const want = Float32Array.from(scores, (v, i) => (bits[i] ? v : NaN));
    assert.deepEqual([...s].map((v) => Object.is(v, -0) ? '-0' : v), [...want].map((v) => Object.is(v, -0) ? '-0' : v));
  }
});
