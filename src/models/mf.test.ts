import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../data/random.ts';
import { nativeAddon } from '../linalg/native.ts';
import { quantizeRows, topKFactors, topKFactorsReference } from './mf.ts';

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

test('the int8 first pass lists exactly what the float scan lists, scoring few rows in float; near-ties and odd rows too', () => {
  const cases: [string, ReturnType<typeof data>, number, number][] = [];
  for (const [seed, nItems, f] of [[11, 3001, 64], [12, 777, 13], [13, 40, 32]] as const) cases.push([`random ${seed}`, data(seed, nItems, f), nItems, f]);
  // Near-ties: every row the same up to 1e-6, far below the int8 step, so the first pass rules out nothing.
  const rng = new Rng(14), f = 16, n = 600;
  const base = Float32Array.from({ length: f }, () => rng.normal());
  const near = data(15, n, f);
  for (let j = 0; j < n; j++) for (let k = 0; k < f; k++) if (j !== 5 && j !== 8) near.Y[j * f + k] = base[k]! + (rng.next() - 0.5) * 1e-6;
  cases.push(['near-ties', near, n, f]);
  // A query with NaN: the int8 pass declines and the float scan answers.
  const nanX = data(16, 300, 8);
  nanX.x[2] = NaN;
  cases.push(['NaN query', nanX, 300, 8]);
  for (const [name, { Y, toCatalog, allowed, x }, nItems, f] of cases) {
    const q = quantizeRows(Y, nItems, f);
    for (const k of [1, 10, 50, nItems + 5]) {
      const want = topKFactorsReference(Y, nItems, f, x, 0, toCatalog, allowed, k);
      const got = topKFactors(Y, nItems, f, x, 0, toCatalog, allowed, k, q);
      assert.equal(got.count, want.count, `${name}, k ${k}`);
      assert.deepEqual(Array.from(got.items), Array.from(want.items), `${name}, k ${k}`);
      assert.deepEqual(Array.from(got.scores), Array.from(want.scores), `${name}, k ${k}`);
      if (native?.topFactorsInt8 && name.startsWith('random') && nItems >= 500 && k === 10) {
        assert.ok(got.exactlyScored !== undefined && got.exactlyScored < nItems / 4, `${name}: ${got.exactlyScored} of ${nItems} rows scored in float`);
      }
    }
  }
});

test('quantizeRows: each value within half a step of its row scale; rows with NaN or infinity get an infinite scale', () => {
  const Y = Float32Array.of(0.5, -1.27, 0.004, 0, 0, 0, 1, NaN, 2, 3, -Infinity, 1);
  const { Q, scale } = quantizeRows(Y, 4, 3);
  assert.ok(Math.abs(scale[0]! - 1.27 / 127) < 1e-9);
  assert.equal(Q.length, 32 * 4); // one block of 32 rows, factors in pairs (3 padded to 4)
  const at = (j: number, k: number) => ((j >> 5) * 2 * 32 + (j & 31)) * 2 + (k >> 1) * 64 + (k & 1);
  for (let k = 0; k < 3; k++) assert.ok(Math.abs(Y[k]! - scale[0]! * Q[at(0, k)]!) <= scale[0]! / 2, `entry ${k}`);
  assert.deepEqual([Q[0], Q[1], Q[64]], [50, -127, 0]);
  assert.equal(Q[at(2, 0)], 0); // a NaN row is not quantised
  assert.equal(Q[at(3, 1)], 0);
  assert.equal(scale[1], 0);
  assert.deepEqual([scale[2], scale[3]], [Infinity, Infinity]);
});

test('the pruned scan (rows by decreasing norm) lists exactly what the float scan lists and stops early on skewed norms', { skip: native?.topFactorsPruned ? false : 'native addon not built' }, () => {
  for (const [seed, nItems, f] of [[21, 5000, 64], [22, 3001, 13], [23, 700, 8]] as const) {
    const d = data(seed, nItems, f);
    // Popularity-like norms: row j scaled by 1/(1 + j/20), so a few rows are long and most are short; ties kept.
    const rng = new Rng(seed);
    const scaleOf = Float32Array.from({ length: nItems }, (_, j) => 1 / (1 + ((j * 7919) % nItems) / 20));
    for (let j = 0; j < nItems; j++) for (let k = 0; k < f; k++) d.Y[j * f + k] = d.Y[j * f + k]! * scaleOf[j]!;
    for (let j = 30; j < 60; j += 3) d.Y.copyWithin(j * f, (j - 1) * f, j * f); // exact ties next to each other
    const q = quantizeRows(d.Y, nItems, f);
    assert.equal(q.abnormal, 2, 'the NaN row and the -inf row');
    assert.ok(q.norms[0] === Infinity && q.norms[1] === Infinity && q.norms[2]! >= q.norms[3]!);
    for (const k of [1, 10, 50]) {
      for (let t = 0; t < 5; t++) {
        const x = Float32Array.from({ length: f }, () => rng.normal());
        const want = topKFactorsReference(d.Y, nItems, f, x, 0, d.toCatalog, d.allowed, k);
        const got = topKFactors(d.Y, nItems, f, x, 0, d.toCatalog, d.allowed, k, q);
        const where = `seed ${seed}, k ${k}, query ${t}`;
        assert.equal(got.count, want.count, where);
        assert.deepEqual(Array.from(got.items), Array.from(want.items), where);
        assert.deepEqual(Array.from(got.scores), Array.from(want.scores), where);
        if (k === 10 && nItems >= 3000) assert.ok(got.exactlyScored !== undefined && got.exactlyScored < nItems / 8, `${where}: ${got.exactlyScored} rows scored`);
      }
    }
  }
  // An order naming a row outside Y is refused, not read.
  const Y = new Float32Array(8), x = Float32Array.of(1, 1);
  assert.throws(() => native!.topFactorsPruned!(Y, 2, x, Int32Array.of(0, 1, 2, 9), Float64Array.of(3, 2, 1, 0), 0, Int32Array.of(0, 1, 2, 3), new Uint8Array(4).fill(1), new Uint8Array(4).fill(1), 2, 100, new Int32Array(2), new Float32Array(2)), /outside Y/);
});
