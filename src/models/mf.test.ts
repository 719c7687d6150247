import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../data/random.ts';
import { nativeAddon } from '../linalg/native.ts';
import { topKFactors, topKFactorsReference } from './mf.ts';

const native = nativeAddon();

/**
 * Random factors with ties (repeated rows), a NaN row and a -inf row, model items missing from the catalogue, and a
 * catalogue larger than the model (items without factors), masked at random.
 */
function data(seed: number, nItems: number, f: number) {
  const rng = new Rng(seed);
  const Y = Float32Array.from({ length: nItems * f }, () => rng.normal());
  for (let j = 0; j < nItems; j++) {
    // Every 7th row repeats an earlier one (equal scores, to be broken by catalogue index), some far apart.
    if (j % 7 === 3 && j > 10) Y.copyWithin(j * f, (j - 1 - rng.int(Math.min(j, 900))) * f, (j - 1 - rng.int(1)) * f + f);
  }
  Y.fill(NaN, 5 * f, 6 * f);
  Y[8 * f] = -Infinity;
  const nCatalog = nItems + 37;
  // A shuffled map: model order and catalogue order differ, so ties must be broken in catalogue indices.
  const perm = Int32Array.from({ length: nCatalog }, (_, i) => i);
  for (let i = nCatalog - 1; i > 0; i--) { const r = rng.int(i + 1); [perm[i], perm[r]] = [perm[r]!, perm[i]!]; }
  const toCatalog = Int32Array.from({ length: nItems }, (_, j) => (j % 11 === 4 ? -1 : perm[j]!));
  const allowed = Uint8Array.from({ length: nCatalog }, () => (rng.next() < 0.8 ? 1 : 0));
  const x = Float32Array.from({ length: f + 3 }, () => rng.normal());
  return { Y, toCatalog, allowed, x };
}

test('topKFactors gives the reference ranking (full array, mask, topK): same items, scores bit for bit, ties, counts', () => {
  for (const [seed, nItems, f] of [[1, 1003, 13], [2, 2051, 64], [3, 30, 8], [4, 517, 64], [5, 4, 3]] as const) {
    const { Y, toCatalog, allowed, x } = data(seed, nItems, f);
    for (const k of [0, 1, 10, 100, nItems + 50]) {
      for (const xo of [0, 3]) {
        const want = topKFactorsReference(Y, nItems, f, x, xo, toCatalog, allowed, k);
        const got = topKFactors(Y, nItems, f, x, xo, toCatalog, allowed, k);
        const where = `seed ${seed}, k ${k}, xo ${xo}`;
        assert.equal(got.count, want.count, where);
        assert.deepEqual(Array.from(got.items), Array.from(want.items), where);
        assert.deepEqual(Array.from(got.scores), Array.from(want.scores), where);
      }
    }
  }
});

test('topKFactors reference: masked, unmapped, NaN and -inf rows are never listed; ties go to the lower catalogue index', () => {
  const f = 2;
  // Rows 0 and 1 tie (catalogue 5 and 2), row 2 is NaN, row 3 unmapped, row 4 masked, row 5 is -inf.
  const Y = Float32Array.of(1, 1, 1, 1, NaN, 0, 9, 9, 8, 8, -Infinity, 0, 0.5, 0);
  const toCatalog = Int32Array.of(5, 2, 0, -1, 1, 3, 4);
  const allowed = Uint8Array.of(1, 0, 1, 1, 1, 1);
  const x = Float32Array.of(1, 1);
  for (const fn of [topKFactors, topKFactorsReference]) {
    const r = fn(Y, 7, f, x, 0, toCatalog, allowed, 5);
    assert.deepEqual(Array.from(r.items), [2, 5, 4]);
    assert.deepEqual(Array.from(r.scores), [2, 2, 0.5]);
    assert.equal(r.count, 3);
  }
});

test('native topFactors rejects arrays that do not match', { skip: native?.topFactors ? false : 'native addon not built' }, () => {
  const Y = new Float32Array(12), x = new Float32Array(3), map = Int32Array.of(0, 1, 2, 3), allowed = new Uint8Array(4);
  assert.throws(() => native!.topFactors!(Y, 3, x, map.subarray(1), allowed, 2, new Int32Array(2), new Float32Array(2)), /sizes/);
  assert.throws(() => native!.topFactors!(Y, 3, x, map, allowed, 3, new Int32Array(2), new Float32Array(2)), /fit the output/);
  assert.throws(() => native!.topFactors!(Y, 3, x, map, new Float32Array(4) as never, 2, new Int32Array(2), new Float32Array(2)), /allowed: Uint8Array/);
});
