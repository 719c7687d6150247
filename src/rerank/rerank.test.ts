import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../errors.ts';
import { mulberry32 } from '../data/random.ts';
import { calibrationKL, categoryDistribution } from '../eval/beyond.ts';
import { calibratedRerank } from './calibrated.ts';
import { normaliseCandidates } from './candidates.ts';
import { dppGreedy } from './dpp.ts';
import { DEFAULT_DPP_RIDGE, rerank } from './knobs.ts';
import { longTailRerank } from './longtail.ts';
import { mmr } from './mmr.ts';
import { CategoryJaccard, ItemCategories, VectorCosine, type ItemSimilarity } from './similarity.ts';

const ia = (...x: number[]) => Int32Array.from(x);
const fa = (...x: number[]) => Float32Array.from(x);
const list = (a: Int32Array) => [...a];

test('candidates: non-finite scores are dropped, relevance min-max normalised', () => {
  const n = normaliseCandidates({ items: ia(5, 6, 7, 8), scores: fa(3, NaN, 1, -Infinity) });
  assert.deepEqual(list(n.items), [5, 7]);
  assert.deepEqual([...n.rel], [1, 0]);
});

test('MMR: hand-computed picks at λ = 1, 0.8, 0.5', () => {
  // 0 {a} rel 1, 1 {a} rel .9, 2 {b} rel .5, 3 {c} rel 0
  const sim = new CategoryJaccard(ItemCategories.fromLists(4, (i) => [['a'], ['a'], ['b'], ['c']][i]));
  const c = { items: ia(0, 1, 2, 3), scores: fa(1, 0.9, 0.5, 0) };
  assert.deepEqual(list(mmr(c, 4, sim, 1)), [0, 1, 2, 3]);
  // step 2 at λ = .8: item 1 .72 − .2 = .52 beats item 2 .4
  assert.deepEqual(list(mmr(c, 4, sim, 0.8)), [0, 1, 2, 3]);
  // at λ = .5: item 1 .45 − .5 < item 2 .25, then item 3 (0) beats item 1 (−.05)
  assert.deepEqual(list(mmr(c, 4, sim, 0.5)), [0, 2, 3, 1]);
  assert.deepEqual(list(mmr(c, 2, sim, 0.5)), [0, 2]);
});

test('DPP: hand case with duplicate categories, and agreement with greedy log-det on explicit determinants', () => {
  const sim = new CategoryJaccard(ItemCategories.fromLists(3, (i) => [['a'], ['a'], ['b']][i]));
  const c = { items: ia(0, 1, 2), scores: fa(1, 0.9, 0) };
  assert.deepEqual(list(dppGreedy(c, 3, sim, 1)), [0, 1, 2]);
  // θ = .5: after 0, item 1 has d² = 0 (same categories) and item 2 d² = 1: .5·0 + .5·log 1 wins
  assert.deepEqual(list(dppGreedy(c, 3, sim, 0.5)), [0, 2, 1]);
  // ridge β = 1 (S + I): after 0, d²(1) = 2 − 1/2 = 1.5 and d²(2) = 2: .5·.9 + .5·ln 1.5 = .653 > .5·ln 2 = .347
  assert.deepEqual(list(dppGreedy(c, 3, sim, 0.5, { ridge: 1 })), [0, 1, 2]);
  // β = .1: d²(1) = 1.1 − 1/1.1 = .191: .45 + .5·ln .191 = −.378 < .5·ln 1.1 = .048
  assert.deepEqual(list(dppGreedy(c, 3, sim, 0.5, { ridge: 0.1 })), [0, 2, 1]);

  // Reference: greedy on θ·r_i + (1 − θ)·(log det S_{Y∪i} − log det S_Y), determinants by elimination.
  const rng = mulberry32(11);
  const n = 14, f = 6;
  const vec = Float32Array.from({ length: n * f }, () => rng() - 0.3);
  const cos = new VectorCosine(vec, f);
  const scores = Float32Array.from({ length: n }, () => rng() * 5);
  const items = Int32Array.from({ length: n }, (_, q) => q);
  const logdet = (ys: number[]) => {
    const m = ys.length, A = ys.flatMap((a) => ys.map((b) => cos.similarity(a, b)));
    let ld = 0;
    for (let p = 0; p < m; p++) {
      const piv = A[p * m + p]!; ld += Math.log(piv);
      for (let r = p + 1; r < m; r++) { const x = A[r * m + p]! / piv; for (let s = p; s < m; s++) A[r * m + s]! -= x * A[p * m + s]!; }
    }
    return ld;
  };
  const rel = normaliseCandidates({ items, scores }).rel;
  for (const theta of [0, 0.3, 0.7, 0.9]) {
    const ys: number[] = [];
    for (let step = 0; step < 6; step++) {
      let best = -1, bv = -Infinity;
      const base = logdet(ys);
      for (let q = 0; q < n; q++) if (!ys.includes(q)) { const v = theta * rel[q]! + (1 - theta) * (logdet([...ys, q]) - base); if (v > bv + 1e-12) { bv = v; best = q; } }
      ys.push(best);
    }
    assert.deepEqual(list(dppGreedy({ items, scores }, 6, cos, theta)), ys, `θ = ${theta}`);
  }
});

test('calibrated: hand case, and the incremental KL agrees with calibrationKL on random data', () => {
  const cats = ItemCategories.fromLists(3, (i) => [['a'], ['a'], ['b']][i]);
  const c = { items: ia(0, 1, 2), scores: fa(1, 0.9, 0) };
  const p = Float64Array.from([0.5, 0.5]);
  assert.deepEqual(list(calibratedRerank(c, 3, cats, p, 0)), [0, 1, 2]);
  // λ = .5, step 2: item 1 .5·1.9 − .5·KL(q = a) = .95 − .979 vs item 2 .5·1 − .5·0 = .5
  assert.deepEqual(list(calibratedRerank(c, 3, cats, p, 0.5)), [0, 2, 1]);

  const rng = mulberry32(5);
  const G = 5, n = 30;
  const rc = ItemCategories.fromLists(n, () => ['g0', 'g1', 'g2', 'g3', 'g4'].filter(() => rng() < 0.35));
  const hist = Float64Array.from([0.4, 0.3, 0.2, 0.1, 0]);
  const scores = Float32Array.from({ length: n }, () => rng());
  const items = Int32Array.from({ length: n }, (_, q) => q);
  const rel = normaliseCandidates({ items, scores }).rel;
  const q = new Float64Array(G);
  for (const lambda of [0.2, 0.6, 0.95]) {
    const ys: number[] = [];
    for (let step = 0; step < 8; step++) {
      let best = -1, bv = -Infinity;
      for (let x = 0; x < n; x++) {
        if (ys.includes(x)) continue;
        const l = [...ys, x];
        categoryDistribution(l, l.length, rc, q);
        const v = (1 - lambda) * l.reduce((s, y) => s + rel[y]!, 0) - lambda * calibrationKL(hist, q);
        if (v > bv + 1e-12) { bv = v; best = x; }
      }
      ys.push(best);
    }
    assert.deepEqual(list(calibratedRerank({ items, scores }, 8, rc, hist, lambda)), ys, `λ = ${lambda}`);
  }
});

test('long-tail xQuAD: hand-computed picks', () => {
  const tail = Uint8Array.from([0, 0, 1, 1]);
  const c = { items: ia(0, 1, 2, 3), scores: fa(1, 0.9, 0.5, 0) };
  assert.deepEqual(list(longTailRerank(c, 4, tail, 0.5, 0)), [0, 1, 2, 3]);
  // λ = .7, P(tail) = .5: after head item 0, tail bonus .35·(1 − 0/2) lifts item 2 (.15 + .35) over item 1
  // (.27 + .35·(1 − 1/2)); then both bonuses are .35·(2/3) and item 1 beats item 3 on relevance
  assert.deepEqual(list(longTailRerank(c, 4, tail, 0.5, 0.7)), [0, 2, 1, 3]);
  assert.deepEqual(list(longTailRerank(c, 4, tail, 0.5, 0.5)), [0, 1, 2, 3]);
  // P(tail) = 1, λ = 1: tail items only while there are any (the tail bonus stays 1 − |S∩tail|/(|S|+1) > 0)
  assert.deepEqual(list(longTailRerank(c, 3, tail, 1, 1)), [2, 3, 0]);
});

test('knobs: documented mapping, and ConfigError naming the field for bad values or missing side data', () => {
  const cats = ItemCategories.fromLists(4, (i) => [['a'], ['a'], ['b'], ['c']][i]);
  const sim: ItemSimilarity = new CategoryJaccard(cats);
  const c = { items: ia(0, 1, 2, 3), scores: fa(1, 0.9, 0.5, 0) };
  const tail = Uint8Array.from([0, 0, 1, 1]);
  assert.deepEqual(list(rerank(c, 3, {}, {})), [0, 1, 2]);
  assert.deepEqual(list(rerank(c, 4, { diversity: 0.5, method: 'mmr', order: 'greedy' }, { similarity: sim })), list(mmr(c, 4, sim, 0.5)));
  assert.deepEqual(list(rerank(c, 4, { diversity: 0.3, order: 'greedy' }, { similarity: sim })), list(dppGreedy(c, 4, sim, 0.7, { ridge: DEFAULT_DPP_RIDGE })));
  assert.deepEqual(list(rerank(c, 4, { diversity: 0.3, order: 'greedy' }, { similarity: sim, dppRidge: 0 })), list(dppGreedy(c, 4, sim, 0.7)));
  // order 'relevance' (default): the same set, best score first. MMR λ = .5 picks 0, 2 from the first three
  // (greedy [0, 2, 3, 1] at k = 4, see above), shown as 0, 2; at k = 3 it picks {0, 2, 3}.
  assert.deepEqual(list(mmr(c, 3, sim, 0.5)), [0, 2, 3]);
  assert.deepEqual(list(rerank(c, 3, { diversity: 0.5, method: 'mmr' }, { similarity: sim })), [0, 2, 3]);
  // DPP θ = .5 on {a}, {a}, {b}: greedy [0, 2, 1] (hand case above) is shown [0, 1, 2] (scores 1, .9, 0)
  const dup = { items: ia(0, 1, 2), scores: fa(1, 0.9, 0) };
  const dupSim = new CategoryJaccard(ItemCategories.fromLists(3, (i) => [['a'], ['a'], ['b']][i]));
  assert.deepEqual(list(rerank(dup, 2, { diversity: 0.5, order: 'greedy' }, { similarity: dupSim })), [0, 2]);
  assert.deepEqual(list(rerank(dup, 2, { diversity: 0.5 }, { similarity: dupSim })), [0, 2]);
  // candidates in any order: scores decide the display order, not candidate positions
  const shuffled = { items: ia(3, 1, 2, 0), scores: fa(0, 0.9, 0.5, 1) };
  assert.deepEqual(list(rerank(shuffled, 3, { diversity: 0.5, method: 'mmr' }, { similarity: sim })), [0, 2, 3]);
  assert.deepEqual(list(rerank(shuffled, 3, { diversity: 0.5, method: 'mmr', order: 'greedy' }, { similarity: sim })), [0, 2, 3]);
  assert.deepEqual(list(rerank(shuffled, 4, { diversity: 0.5, method: 'mmr', order: 'greedy' }, { similarity: sim })), [0, 2, 3, 1]);
  assert.deepEqual(list(rerank(shuffled, 4, { diversity: 0.5, method: 'mmr' }, { similarity: sim })), [0, 1, 2, 3]);
  // calibrated λ = .5 with p = (a .5, b .5): greedy [0, 2, 1] (hand case above), shown [0, 1, 2]
  const cal = { categories: ItemCategories.fromLists(3, (i) => [['a'], ['a'], ['b']][i]), history: ia(0, 2) };
  assert.deepEqual(list(rerank(dup, 3, { diversity: 0.5, method: 'calibrated', order: 'greedy' }, cal)), [0, 2, 1]);
  assert.deepEqual(list(rerank(dup, 3, { diversity: 0.5, method: 'calibrated' }, cal)), [0, 1, 2]);
  // the knob's DPP kernel is S + 0.1·I: at diversity 0.1 (θ = .9) the duplicate item 1 costs .1·ln(1.1 − 1/1.1)
  // = −.166 against its relevance .81, and beats item 2 (0 + .1·ln 1.1); with S alone its log d² is floored at
  // ln 1e-10 and item 2 wins
  assert.equal(DEFAULT_DPP_RIDGE, 0.1);
  assert.deepEqual(list(rerank(dup, 2, { diversity: 0.1 }, { similarity: dupSim })), [0, 1]);
  assert.deepEqual(list(rerank(dup, 2, { diversity: 0.1 }, { similarity: dupSim, dppRidge: 0 })), [0, 2]);
  // DPP ridge from the context: β = 1 keeps the duplicate (hand case above)
  assert.deepEqual(list(rerank(dup, 2, { diversity: 0.5, order: 'greedy' }, { similarity: dupSim, dppRidge: 1 })), [0, 1]);
  // novelty 1 with no history: P(tail) = 1, λ = 1 -> tail items first
  assert.deepEqual(list(rerank(c, 2, { novelty: 1 }, { tail })), [2, 3]);
  assert.equal(rerank(c, 3, { novelty: 0.5, diversity: 0.5 }, { tail, similarity: sim }).length, 3);
  const bad = (knobs: object, ctx: object, field: RegExp) =>
    assert.throws(() => rerank(c, 3, knobs, ctx, 'rerank'), (e: unknown) => e instanceof ConfigError && field.test(e.field), JSON.stringify(knobs));
  bad({ diversity: 1.5 }, { similarity: sim }, /^rerank\.diversity$/);
  bad({ diversity: NaN }, { similarity: sim }, /^rerank\.diversity$/);
  bad({ novelty: -0.1 }, { tail }, /^rerank\.novelty$/);
  bad({ diversity: 0.2, method: 'fancy' }, { similarity: sim }, /^rerank\.method$/);
  bad({ diversity: 0.2, order: 'random' }, { similarity: sim }, /^rerank\.order$/);
  bad({ novelty: 0.2 }, {}, /^rerank\.novelty$/);
  bad({ diversity: 0.2 }, {}, /^rerank\.diversity$/);
  bad({ diversity: 0.2, method: 'calibrated' }, { categories: ItemCategories.fromLists(4, () => []), history: ia(0) }, /^rerank\.method$/);
});

test('item categories align store rows to an id map; unknown ids are ignored, missing ones uncategorised', async () => {
  const { IdMap } = await import('../data/ids.ts');
  const c = ItemCategories.fromRows(IdMap.from(['m1', 'm2', 'm3']), [{ id: 'm2', categories: ['Drama', 'Comedy', 'Drama'] }, { id: 'zz', categories: ['X'] }, { id: 'm1', categories: ['Comedy'] }]);
  assert.deepEqual(c.names, ['Comedy', 'Drama'], 'first seen in item-index order');
  assert.deepEqual([...c.of(0)], [0]);
  assert.deepEqual([...c.of(1)], [0, 1]);
  assert.equal(c.of(2).length, 0);
  assert.equal(c.nCategorised, 2);
});

test('similarity rows (the re-rankers\' fast path) equal pairwise similarities', async () => {
  const { similarityRow } = await import('./similarity.ts');
  const rng = mulberry32(3);
  const n = 40;
  const cats = ItemCategories.fromLists(n, () => ['a', 'b', 'c', 'd'].filter(() => rng() < 0.4));
  const sims: ItemSimilarity[] = [new CategoryJaccard(cats), new VectorCosine(Float32Array.from({ length: n * 5 }, () => rng() - 0.5), 5)];
  const items = Int32Array.from({ length: n }, (_, q) => (q * 7) % n);
  const row = new Float64Array(n);
  for (const sim of sims) for (const a of [0, 3, 17]) {
    similarityRow(sim, a, items, row);
    for (let q = 0; q < n; q++) assert.ok(Math.abs(row[q]! - sim.similarity(a, items[q]!)) < 1e-6, `${sim.name} ${a} ${items[q]}`);
  }
});

test('DPP kernel: category Jaccard is positive definite over distinct category sets (Bouchard et al. 2013), so S needs no ridge to be a kernel', () => {
  // every distinct non-empty subset of 5 categories, plus uncategorised items (similarity 0 to all others)
  const subsets: string[][] = [];
  for (let mask = 1; mask < 32; mask++) subsets.push(['a', 'b', 'c', 'd', 'e'].filter((_, b) => mask & (1 << b)));
  const n = subsets.length + 3;
  const sim = new CategoryJaccard(ItemCategories.fromLists(n, (i) => subsets[i]));
  // Cholesky without any ridge: every pivot stays positive
  const L = new Float64Array(n * n);
  let minPivot = Infinity;
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) {
    let s = sim.similarity(i, j);
    for (let t = 0; t < j; t++) s -= L[i * n + t]! * L[j * n + t]!;
    if (i === j) { minPivot = Math.min(minPivot, s); L[i * n + i] = Math.sqrt(s); } else L[i * n + j] = s / L[j * n + j]!;
  }
  assert.ok(minPivot > 1e-6, `smallest Cholesky pivot ${minPivot}`);
});
