import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateSynthetic } from '../data/synthetic.ts';
import { toMatrix } from '../data/interactions.ts';
import { ConfigError } from '../errors.ts';
import { createModel } from '../models/registry.ts';
import { CategoryJaccard, ItemCategories } from '../rerank/similarity.ts';
import { evaluate } from './evaluate.ts';
import { randomHoldout } from './splits.ts';
import { MAX_SWEEP_POINTS, paretoFront, parseRerankers, parseSweep, runSweep } from './sweep.ts';

const isConfig = (field: string, msg: RegExp) => (e: unknown) => e instanceof ConfigError && e.field === field && msg.test(e.message);

test('parseSweep: ranges include their end, lists are deduplicated, bad grids name the field', () => {
  assert.deepEqual(parseSweep('diversity=0:1:0.1').values, [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
  assert.deepEqual(parseSweep('novelty=0.5, 0, 0.5'), { knob: 'novelty', values: [0.5, 0] });
  assert.deepEqual(parseSweep('diversity=0:1:0.3').values, [0, 0.3, 0.6, 0.9]);
  assert.throws(() => parseSweep('diversity=1:0:0.1'), isConfig('--sweep', /empty/));
  assert.throws(() => parseSweep('diversity='), isConfig('--sweep', /empty/));
  assert.throws(() => parseSweep('diversity=0:1:0.001'), isConfig('--sweep', new RegExp(`1001 points; at most ${MAX_SWEEP_POINTS}`)));
  const many = Array.from({ length: MAX_SWEEP_POINTS + 1 }, (_, i) => i / 1000).join(',');
  assert.throws(() => parseSweep(`novelty=${many}`), isConfig('--sweep', new RegExp(`lists ${MAX_SWEEP_POINTS + 1} values; at most ${MAX_SWEEP_POINTS}`)));
  assert.equal(parseSweep(`novelty=${many.split(',').slice(0, MAX_SWEEP_POINTS).join(',')}`).values.length, MAX_SWEEP_POINTS);
  assert.throws(() => parseSweep('diversity=,'), isConfig('--sweep', /empty/));
  assert.throws(() => parseSweep('novelty=0.5,-0.1'), isConfig('--sweep', /novelty must be in \[0, 1\], got -0.1/));
  assert.throws(() => parseRerankers(' , '), isConfig('--rerank', /names no re-ranker/));
  assert.throws(() => parseSweep('diversity=0:2:0.5'), isConfig('--sweep', /diversity must be in \[0, 1\], got 1.5/));
  assert.throws(() => parseSweep('diversity=0:1:0'), isConfig('--sweep', /step must be > 0/));
  assert.throws(() => parseSweep('serendipity=0:1:0.5'), isConfig('--sweep', /unknown knob "serendipity"/));
  assert.throws(() => parseSweep('diversity'), isConfig('--sweep', /knob=start:stop:step/));
  assert.throws(() => parseSweep('diversity=a,0.5'), isConfig('--sweep', /"a" is not a number/));
  assert.deepEqual(parseRerankers('dpp, mmr,calibrated,dpp'), ['dpp', 'mmr', 'calibrated']);
  assert.throws(() => parseRerankers('dpp,xquad'), isConfig('--rerank', /unknown re-ranker "xquad"/));
});

test('paretoFront on a hand-made case, both directions', () => {
  // (ndcg, ild): (0.3, 0.2) (0.29, 0.4) (0.25, 0.3) dominated by the 2nd, (0.2, 0.5), (NaN, 1)
  const x = [0.3, 0.29, 0.25, 0.2, NaN], y = [0.2, 0.4, 0.3, 0.5, 1];
  assert.deepEqual([...paretoFront(x, y)], [1, 1, 0, 1, 0]);
  // lower y better (calibration KL): (0.3, 0.2) dominates every point with lower ndcg and higher KL
  assert.deepEqual([...paretoFront(x, y, true, false)], [1, 0, 0, 0, 0]);
  assert.deepEqual([...paretoFront([1, 1], [2, 2])], [1, 1], 'equal points do not dominate each other');
});

test('runSweep scores validation at each knob value: knob 0 is the plain model, diversity raises ILD', async () => {
  const data = generateSynthetic({ users: 200, items: 150, interactions: 6000, seed: 2 }).interactions;
  const split = randomHoldout(data, { ratios: [8, 1, 1], seed: 1 });
  const model = createModel('itemknn', { neighbors: 30 });
  await model.fit({ matrix: toMatrix(split.train), interactions: split.train });
  const categories = ItemCategories.fromLists(split.train.items.size, (i) => [`g${i % 4}`, ...(i % 3 ? [] : ['h'])]);
  const beyond = { categories, metrics: ['ild', 'novelty', 'calibration'] };
  const seen: number[] = [];
  const points = runSweep(model, split, {
    grid: parseSweep('diversity=0,1'), methods: ['dpp', 'mmr'], context: { similarity: new CategoryJaccard(categories), categories }, beyond,
    onPoint: (_p, i, n) => seen.push(i, n),
  });
  assert.deepEqual(seen, [0, 4, 1, 4, 2, 4, 3, 4]);
  assert.deepEqual(points.map((p) => `${p.method} ${p.value}`), ['dpp 0', 'dpp 1', 'mmr 0', 'mmr 1']);
  const plain = evaluate(model, split, { target: 'valid', ks: [10], metrics: ['ndcg', 'recall'], beyond }).means;
  for (const p of [points[0]!, points[2]!]) {
    assert.ok(Math.abs(p.means['ndcg@10']! - plain['ndcg@10']!) < 1e-9, `${p.means['ndcg@10']} vs ${plain['ndcg@10']}`);
    assert.ok(Math.abs(p.means['ild@10']! - plain['ild@10']!) < 1e-9);
  }
  for (const p of [points[1]!, points[3]!]) assert.ok(p.means['ild@10']! > plain['ild@10']! + 0.01, `${p.method}: ${p.means['ild@10']} vs ${plain['ild@10']}`);
  assert.throws(() => runSweep(model, { train: split.train, test: split.test }, { grid: parseSweep('diversity=0'), methods: ['dpp'], context: {} }), isConfig('--sweep', /validation part/));
  assert.throws(() => runSweep(model, split, { grid: parseSweep('diversity=0:1:0.01'), methods: ['dpp', 'mmr'], context: {} }), isConfig('--sweep', /101 values × 2 re-rankers = 202 points/));
});
