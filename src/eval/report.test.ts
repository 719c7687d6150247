import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InteractionsBuilder } from '../data/interactions.ts';
import type { ModelResult } from './evaluate.ts';
import { buildReport, formatMarkdown, formatTable, formatTerminal, metricColumns, type ReportModel } from './report.ts';
import type { TuneResult } from './tune.ts';
import type { SplitDescription } from './splits.ts';

const models: ReportModel[] = [
  { kind: 'pop', params: {}, trainSeconds: 0.0123, peakMemoryMiB: 80.4, metrics: { 'ndcg@20': 0.1, 'ndcg@10': 0.123456, 'recall@10': 0.2, 'coverage@10': 0.05 }, usersEvaluated: 9 },
  { kind: 'ials-long-name', params: { factors: 64 }, trainSeconds: 12.5, peakMemoryMiB: 1234.6, metrics: { 'ndcg@10': 0.3, 'ndcg@20': 0.35, 'recall@10': NaN, 'coverage@10': 0.5 }, usersEvaluated: 9 },
];

test('metric columns: metric order as first seen, K ascending', () => {
  assert.deepEqual(metricColumns(models), ['ndcg@10', 'ndcg@20', 'recall@10', 'coverage@10']);
});

test('formatTable aligns columns and prints metrics with 4 decimals', () => {
  const expected = [
    'model           fit s   MiB  ndcg@10  ndcg@20  recall@10  coverage@10',
    '--------------  -----  ----  -------  -------  ---------  -----------',
    'pop              0.01    80   0.1235   0.1000     0.2000       0.0500',
    'ials-long-name  12.50  1235   0.3000   0.3500          -       0.5000',
  ].join('\n');
  assert.equal(formatTable(models), expected);
  assert.equal(formatTable(models, ['ndcg@10']).split('\n')[0], 'model           fit s   MiB  ndcg@10');
});

test('buildReport and formatMarkdown describe data, split, seed and models', () => {
  const b = new InteractionsBuilder();
  b.add('a', 'x', 4); b.add('a', 'y', 5); b.add('b', 'x', 3);
  const split: SplitDescription = { kind: 'random-holdout', seed: 42, params: { ratios: [8, 1, 1] }, sizes: { train: 2, valid: 0, test: 1 }, users: { train: 2, valid: 0, test: 1 }, notes: ['n1'] };
  const result = {
    kind: 'pop', config: { a: 1 }, fitSeconds: 0.5, peakRssMiB: 100, processMaxRssMiB: 120,
    metrics: { 'ndcg@10': 0.25 }, perUser: { users: new Int32Array(0), nRelevant: new Int32Array(0), values: {} },
    evaluation: { usersEvaluated: 7 },
  } as unknown as ModelResult;
  const r = buildReport({ datasetName: 'toy', data: b.build(), split, protocol: 'recbole', results: [result], createdAt: new Date(0) });
  assert.equal(r.seed, 42);
  assert.deepEqual(r.models[0], { kind: 'pop', params: { a: 1 }, trainSeconds: 0.5, peakMemoryMiB: 100, metrics: { 'ndcg@10': 0.25 }, usersEvaluated: 7 });
  assert.equal(r.dataset.users, 2);
  assert.equal(r.dataset.interactions, 3);
  assert.deepEqual(JSON.parse(JSON.stringify(r)), r, 'the report is plain JSON');
  const md = formatMarkdown(r);
  assert.equal(md, [
    '## Evaluation on toy',
    '',
    '- data: 2 users, 2 items, 3 interactions after filters (density 75.000%)',
    '- protocol: recbole',
    '- split: random-holdout {"ratios":[8,1,1]}, seed 42; train 2, valid 0, test 1 interactions',
    '- note: n1',
    '',
    '| model | fit s | MiB | ndcg@10 |',
    '| --- | ---: | ---: | ---: |',
    '| pop | 0.50 | 100 | 0.2500 |',
    '',
  ].join('\n'));
});

test('formatMarkdown explains each beyond-accuracy column under the table', () => {
  const b = new InteractionsBuilder();
  b.add('a', 'x', 4);
  const split: SplitDescription = { kind: 'random-holdout', seed: 1, params: {}, sizes: { train: 1, test: 0 }, users: { train: 1, test: 0 }, notes: [] };
  const result = {
    kind: 'pop', config: {}, fitSeconds: 0, peakRssMiB: 1, processMaxRssMiB: 1,
    metrics: { 'ndcg@10': 0.25, 'novelty@10': 3.5, 'calibration@10': 0.4, 'novelty@20': 4 },
    perUser: { users: new Int32Array(0), nRelevant: new Int32Array(0), values: {} }, evaluation: { usersEvaluated: 1 },
  } as unknown as ModelResult;
  const md = formatMarkdown(buildReport({ datasetName: 't', data: b.build(), split, results: [result], createdAt: new Date(0) }));
  assert.match(md, /\| novelty@10 \| novelty@20 \| calibration@10 \|/);
  const legend = md.split('\n').filter((l) => l.startsWith('- novelty:') || l.startsWith('- calibration:') || l.startsWith('- ndcg'));
  assert.equal(legend.length, 2, md);
  assert.match(legend[1]!, /Steck 2018 with α = 0.01/);
});

test('reports state the protocol, tuned parameters with their space and edges, intervals and paired tests', () => {
  const b = new InteractionsBuilder();
  b.add('a', 'x', 4); b.add('b', 'y', 5);
  const split: SplitDescription = { kind: 'random-holdout', seed: 7, params: { ratios: [8, 1, 1] }, sizes: { train: 8, valid: 1, test: 1 }, users: { train: 2, valid: 1, test: 1 }, notes: [] };
  const users = new Int32Array([0, 1, 2, 3]);
  const perUser = (ndcg: number[]) => ({ users, nRelevant: new Int32Array(4).fill(1), values: { 'ndcg@10': Float32Array.from(ndcg) } });
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x) / xs.length;
  const good = [0.5, 0.25, 0.75, 0.5], worse = good.map((x) => x - 0.125);
  const result = (kind: string, v: number[]) => ({
    kind, config: { l2: 5 }, fitSeconds: 1, peakRssMiB: 1, processMaxRssMiB: 1,
    metrics: { 'ndcg@10': mean(v), 'coverage@10': 0.5 }, perUser: perUser(v), evaluation: { usersEvaluated: 4 },
  }) as unknown as ModelResult;
  const tuning = { metric: 'ndcg@10', mode: 'random', trials: [{ params: { l2: 5 }, score: 0.4 }, { params: { l2: 50 }, score: 0.3 }], best: { params: { l2: 5 }, score: 0.4 },
    space: { l2: { min: 4.5, max: 3000, log: true } }, onEdge: [{ param: 'l2', value: 5, edge: 'low', range: [4.5, 3000] }] } as unknown as TuneResult;
  const r = buildReport({
    datasetName: 'toy', data: b.build(), split, results: [result('worse', worse), result('good', good)], createdAt: new Date(0), tuning: { good: tuning },
    method: { positives: { atLeast: 3, binarize: true }, kCore: { user: 10, item: 10 }, fitOn: 'train', fitOnReason: 'why', masked: 'train and valid items', target: 'test', candidates: 'all 2 items', ks: [10] },
  });
  assert.deepEqual(r.uncertainty!.reference, { model: 'good', metric: 'ndcg@10' });
  assert.deepEqual(r.uncertainty!.catalogueLevel, ['coverage@10']);
  const [w, g] = r.models;
  // every resample of a constant shift keeps the shift: the difference and its interval are exactly −0.125
  assert.deepEqual([w!.vsReference!['ndcg@10']!.meanDifference, w!.vsReference!['ndcg@10']!.interval.lo, w!.vsReference!['ndcg@10']!.interval.hi], [-0.125, -0.125, -0.125]);
  assert.equal(w!.vsReference!['ndcg@10']!.p, 0);
  assert.equal(g!.vsReference, undefined);
  assert.ok(g!.intervals!['ndcg@10']!.lo >= 0.25 && g!.intervals!['ndcg@10']!.hi <= 0.75 && g!.intervals!['ndcg@10']!.lo < 0.5);
  assert.equal(g!.intervals!['coverage@10'], undefined);
  assert.deepEqual(g!.tuning!.best, { l2: 5 });
  for (const text of [formatMarkdown(r), formatTerminal(r)]) {
    assert.match(text, /filters: interactions with value >= 3 kept as positives, turned into 1s/);
    assert.match(text, /k-core: users >= 10, items >= 10/);
    assert.match(text, /split: random-holdout \{"ratios":\[8,1,1\]\}, seed 7/);
    assert.match(text, /final models fitted on: train \(why\)/);
    assert.match(text, /masked at ranking time: train and valid items/);
    assert.match(text, /paired t-test/);
    assert.match(text, /good: l2=5 \(validation ndcg@10 0\.4000, best of 2 random-search trials; space l2 ∈ \[4\.5, 3000\] log\) WARNING: l2=5 is on the low edge/);
    assert.match(text, /worse: not tuned; parameters \{"l2":5\}/);
    assert.match(text, /ndcg@10 +\|? *worse +\|? *0\.3750 +\|? *\[0\.\d{4}, 0\.\d{4}\] +\|? *-0\.1250 +\|? *\[-0\.1250, -0\.1250\] +\|? *<0\.0001/);
    assert.match(text, /ndcg@10 +\|? *good +\|? *0\.5000 .*reference/);
  }
  assert.deepEqual(JSON.parse(JSON.stringify(r)).models[0].vsReference['ndcg@10'].meanDifference, -0.125);
});
