import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrFromCoo } from '../data/csr.ts';
import { IdMap } from '../data/ids.ts';
import { InteractionsBuilder, type Interactions } from '../data/interactions.ts';
import { ConfigError } from '../errors.ts';
import { TableModel } from '../models/testing.ts';
import { CategoryJaccard, ItemCategories, VectorCosine } from '../rerank/similarity.ts';
import {
  calibrationKL, categoryDistribution, exposureEntropy, giniIndex, intraListDiversity, longTailMask, longTailShare,
  exposureCurve, mutualInformation, novelty, personalisation, resolveBeyondMetrics, selfInformation, serendipity,
} from './beyond.ts';
import { evaluate } from './evaluate.ts';
import type { Split } from './splits.ts';

const close = (a: number | undefined, b: number, msg = '') => assert.ok(a !== undefined && Math.abs(a - b) < 1e-5, `${msg} ${a} != ${b}`);
const ia = (...x: number[]) => Int32Array.from(x);
// i0 {a,b}, i1 {b}, i2 {c}, i3 {}
const cats4 = () => ItemCategories.fromLists(4, (i) => [['a', 'b'], ['b'], ['c'], []][i]);

test('intra-list diversity under category Jaccard and vector cosine', () => {
  const jac = new CategoryJaccard(cats4());
  close(jac.similarity(0, 1), 1 / 2);
  assert.equal(jac.similarity(3, 3), 1);
  assert.equal(jac.similarity(2, 3), 0);
  // pairs (0,1) 1/2, (0,2) 0, (1,2) 0: mean 1/6
  close(intraListDiversity(ia(0, 1, 2), jac), 5 / 6);
  close(intraListDiversity(ia(0, 1, 2), jac, 2), 1 / 2);
  assert.ok(Number.isNaN(intraListDiversity(ia(0), jac)));
  // (1,0), (1,1), (0,2): cos 1/√2, 0, 1/√2 -> 1 − (2/√2)/3
  const cos = new VectorCosine(Float32Array.from([1, 0, 1, 1, 0, 2]), 2);
  close(intraListDiversity(ia(0, 1, 2), cos), 1 - 2 / Math.SQRT2 / 3);
});

test('novelty: mean self-information with p(i) = max(n_i, 1) / |U_train|', () => {
  // 4 users; item 0 seen by all 4, item 1 by 2, item 2 by 1, item 3 by none (floored to 1 user)
  const r = ia(0, 1, 2, 3, 0, 1, 0), c = ia(0, 0, 0, 0, 1, 1, 2);
  const train = csrFromCoo(4, 4, r, c, undefined, 'max');
  const si = selfInformation(train, 4);
  assert.deepEqual([...si], [0, 1, 2, 2]);
  close(novelty(ia(0, 1, 2), si), 1);
  close(novelty(ia(3, 0, 1), si, 2), 1);
});

test('serendipity counts relevant items the popularity baseline would not have shown', () => {
  const rel = new Uint8Array(8); rel[1] = 1; rel[2] = 1;
  // 1 is relevant but expected (in the baseline's top 4), 2 relevant and unexpected
  close(serendipity(ia(0, 1, 2, 3), rel, ia(0, 1, 5, 6), 4), 1 / 4);
  // at k = 2 the baseline's top 2 is {0, 1}: nothing unexpected and relevant within the first 2
  close(serendipity(ia(0, 1, 2, 3), rel, ia(0, 1, 5, 6), 2), 0);
});

test('long tail: the head holds 80% of interactions; exposure Gini and entropy', () => {
  const tail = longTailMask(Float64Array.from([50, 30, 10, 5, 5]));
  assert.deepEqual([...tail], [0, 0, 1, 1, 1]);
  close(longTailShare(ia(0, 2, 3), tail), 2 / 3);
  close(giniIndex(Float64Array.from([0, 0, 0, 4])), 0.75); // (2·4 − 4 − 1)·4 / (4·4)
  close(giniIndex(Float64Array.from([1, 1, 1, 1])), 0);
  close(exposureEntropy(Float64Array.from([1, 1, 2, 0])), 1.5);
});

test('calibration KL with Steck smoothing α = 0.01, and mutual information', () => {
  const c = ItemCategories.fromLists(3, (i) => [['a', 'b'], ['a'], ['c']][i]);
  const p = new Float64Array(3), q = new Float64Array(3);
  assert.equal(categoryDistribution(ia(0, 1), 2, c, p), 2);
  assert.deepEqual([...p], [0.75, 0.25, 0]);
  categoryDistribution(ia(2), 1, c, q);
  // q̃ = (.0075, .0025, .99): KL = .75 ln 100 + .25 ln 100
  close(calibrationKL(p, q), Math.log(100));
  categoryDistribution(ia(1), 1, c, q);
  close(calibrationKL(p, q), 0.75 * Math.log(0.75 / 0.9975) + 0.25 * Math.log(100));
  close(calibrationKL(p, p), 0);
  // two users, each shown exactly their one category: 1 bit; everyone shown category 0: 0 bits
  close(mutualInformation(Float64Array.from([1, 0, 0, 1]), 2), 1);
  close(mutualInformation(Float64Array.from([1, 0, 1, 0]), 2), 0);
});

test('personalisation = 1 − mean pairwise overlap; sampled pairs are seeded', () => {
  const lists = ia(1, 2, 9, 1, 3, 9, 4, 5, 9);
  // k = 2: overlaps 1/2, 0, 0
  close(personalisation(lists, 3, 3, 2), 1 - 1 / 6);
  const a = personalisation(lists, 3, 3, 2, { maxPairs: 2, seed: 7 });
  assert.equal(a, personalisation(lists, 3, 3, 2, { maxPairs: 2, seed: 7 }));
  assert.equal(personalisation(ia(1, 2, 1, 2, 2, 1), 3, 2, 2, { maxPairs: 1, seed: 3 }), 0);
});

test('metric names and side data are checked: ConfigError, never a silent zero', () => {
  assert.throws(() => resolveBeyondMetrics({ metrics: ['novelty', 'surprise'] }), (e: unknown) => e instanceof ConfigError && e.field === 'beyond.metrics' && /surprise/.test(e.message));
  assert.throws(() => resolveBeyondMetrics({ metrics: ['calibration'] }), (e: unknown) => e instanceof ConfigError && /needs item categories/.test(e.message));
  const none = ItemCategories.fromLists(3, () => []);
  assert.throws(() => resolveBeyondMetrics({ metrics: ['ild'], categories: none }), /no item of this data has any/);
  assert.deepEqual(resolveBeyondMetrics({}), ['novelty', 'serendipity', 'longtail', 'gini', 'entropy', 'personalisation']);
  assert.deepEqual(resolveBeyondMetrics({ categories: cats4() }).length, 9);
});


function part(users: IdMap, items: IdMap, rows: [string, string][]): Interactions {
  const b = new InteractionsBuilder(users, items);
  for (const [u, i] of rows) b.add(u, i, 1, 0, 'rating');
  return b.build();
}

test('evaluate reports the beyond-accuracy metrics per user beside NDCG', () => {
  const users = IdMap.from(['u0', 'u1']), items = IdMap.from(['i0', 'i1', 'i2', 'i3']);
  const train = part(users, items, [['u0', 'i0'], ['u1', 'i0'], ['u1', 'i1']]);
  const test_ = part(users, items, [['u0', 'i2'], ['u1', 'i3']]);
  const split: Split = { train, test: test_, description: { kind: 'random-holdout', params: {}, sizes: { train: 3, test: 2 }, users: { train: 2, test: 2 }, notes: [] } };
  // u0 ranks i1 i2 i3 (i0 excluded); u1 ranks i3 i2
  const model = new TableModel([[9, 3, 2, 1], [9, 9, 1, 2]], 4);
  const categories = ItemCategories.fromLists(4, (i) => [['a'], ['b'], ['a'], []][i]);
  const r = evaluate(model, split, { ks: [2], metrics: ['ndcg'], beyond: { categories } });
  // u0 history {a}, list {b, a}: q̃(a) = .99·.5 + .01 -> KL = ln(1/.505); u1 history a .5 b .5, list {a} (i3 has none)
  close(r.perUser.values['calibration@2']![0], Math.log(1 / 0.505));
  close(r.perUser.values['calibration@2']![1], 0.5 * Math.log(0.5 / 0.995) + 0.5 * Math.log(0.5 / 0.005));
  // tail = {i2, i3} (head i0, i1 holds 3 of 3 interactions ≥ 80%)
  assert.deepEqual([...r.perUser.values['longtail@2']!], [0.5, 1]);
  close(r.means['longtail@2'], 0.75);
  assert.deepEqual([...r.perUser.values['ild@2']!], [1, 1]);
  // exposure i0..i3 = 0, 1, 2, 1: Gini (−1·1 + 1·1 + 3·2) / (4·4)
  close(r.means['gini@2'], 6 / 16);
  close(r.means['personalisation@2'], 0.5);
  // the exposure curve of the same lists: i0, i1 (2 training users, 1) are the head; 3 of 4 slots on the tail
  const e = r.exposure![0]!;
  assert.equal(e.k, 2);
  assert.equal(e.headItems, 2);
  close(e.tailSlotShare, 0.75);
  close(e.slotShare[50], 0.25, 'the top half of the catalogue (i0, i1) got 1 of 4 slots');
  // novelty: p(i1) = 1/2, p(i2) = p(i3) = floor 1/2 -> 1 bit each
  close(r.means['novelty@2'], 1);
  assert.ok(r.means['mi@2']! >= 0 && r.means['entropy@2']! > 0);
  assert.ok(!('calibration@2' in evaluate(model, split, { ks: [2], metrics: ['ndcg'] }).means), 'no categories: no calibration column');
  assert.throws(() => evaluate(model, split, { ks: [2], beyond: { metrics: ['calibration'] } }), ConfigError);
  assert.ok(!('novelty@2' in evaluate(model, split, { ks: [2], beyond: false }).means));
});

test('exposure curve: cumulative share of slots by training popularity rank, head and tail share', () => {
  // training counts 10, 5, 1, 0 (popularity order 0, 1, 2, 3); slots 0, 5, 3, 2 (10 in all)
  const c = exposureCurve(Float64Array.from([0, 5, 3, 2]), Float64Array.from([10, 5, 1, 0]), 10, 4);
  assert.deepEqual(c.catalogueShare, [0, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual(c.slotShare, [0, 0, 0.5, 0.8, 1]);
  assert.deepEqual(c.trainingShare, [0, 10 / 16, 15 / 16, 1, 1]);
  // head: items 0 (10 < 12.8 = 80% of 16) and 1 (15 >= 12.8); the tail (items 2, 3) got 5 of 10 slots
  assert.equal(c.headItems, 2);
  assert.equal(c.tailSlotShare, 0.5);
  assert.equal(c.k, 10);
  // ties in popularity go by index; 3 points over 4 items round to whole items (0, 1, 3, 4 items)
  const t = exposureCurve(Float64Array.from([1, 0, 0, 3]), Float64Array.from([2, 2, 2, 2]), 5, 3);
  assert.deepEqual(t.catalogueShare, [0, 0.25, 0.75, 1]);
  assert.deepEqual(t.slotShare, [0, 0.25, 0.25, 1]);
  assert.throws(() => exposureCurve(new Float64Array(2), new Float64Array(3), 10), RangeError);
});
