import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateSynthetic } from '../data/synthetic.ts';
import { runExperiment } from './experiment.ts';
import { ConfigError } from '../errors.ts';

const data = generateSynthetic({ users: 300, items: 200, interactions: 9_000, seed: 4 }).interactions;
const preset = { name: 'small', positives: { atLeast: 1, binarize: true }, kCore: { user: 5, item: 5 }, split: { kind: 'random', ratios: [8, 1, 1] }, ks: [10], metrics: ['ndcg', 'recall'] };

test('an experiment tunes on validation, evaluates on test, and a personalised model beats popularity', async () => {
  const stages: string[] = [];
  const r = await runExperiment(data, {
    preset, seed: 3,
    models: [{ kind: 'popularity' }, { kind: 'itemknn', tune: { trials: 2, space: { neighbors: [10, 50], shrink: [0] } } }],
  }, { onStage: (s) => stages.push(s) });
  assert.deepEqual(stages, ['split', 'fit popularity', 'tune itemknn', 'fit itemknn']);
  assert.equal(r.tuning.itemknn!.trials.length, 2);
  const [pop, knn] = r.report.models;
  assert.equal(pop!.kind, 'popularity');
  assert.ok(knn!.metrics['ndcg@10']! > pop!.metrics['ndcg@10']!, `${knn!.metrics['ndcg@10']} vs ${pop!.metrics['ndcg@10']}`);
  assert.equal((knn!.params as { neighbors: number }).neighbors, r.tuning.itemknn!.best.params.neighbors);
  assert.equal(r.report.protocol, 'small');
  // Same seed, same figures.
  const again = await runExperiment(data, { preset, seed: 3, models: [{ kind: 'popularity' }] });
  assert.equal(again.report.models[0]!.metrics['ndcg@10'], pop!.metrics['ndcg@10']);
});

test('a bad model config fails before any work, naming the field', async () => {
  await assert.rejects(runExperiment(data, { preset, models: [{ kind: 'itemknn', config: { neighbors: -1 } }] }), (e: unknown) => e instanceof ConfigError && e.field === 'itemknn.neighbors');
  await assert.rejects(runExperiment(data, { preset, models: [{ kind: 'nope' }] }), /unknown model "nope"/);
});

test('a model with a seed of its own records the experiment seed, so the report retrains the same model', async () => {
  const notes: string[] = [];
  const r = await runExperiment(data, {
    preset: 'leave-last-out', seed: 5,
    models: [{ kind: 'ials', config: { factors: 4, iterations: 1 } }, { kind: 'itemknn', tune: { trials: 5, space: { neighbors: [10, 20] } } }],
  }, { onNote: (m) => notes.push(m) });
  assert.equal((r.results[0]!.config as { seed: number }).seed, 5);
  assert.equal(r.report.models[0]!.params && (r.report.models[0]!.params as { seed: number }).seed, 5);
  assert.equal(r.tuning.itemknn!.trials.length, 2);
  assert.deepEqual(notes, ['itemknn: the search space has 2 distinct points, fewer than the 5 trials asked: each was tried once']);
});

test('fitOn chooses the final fit data, and the report states it with the protocol and intervals', async () => {
  const models = [{ kind: 'popularity' }, { kind: 'itemknn', config: { neighbors: 20 } }];
  const onTrain = await runExperiment(data, { preset, seed: 3, models });
  const onBoth = await runExperiment(data, { preset, seed: 3, fitOn: 'train+valid', models });
  const m = onTrain.report.method!;
  assert.equal(m.fitOn, 'train');
  assert.match(m.fitOnReason, /default/);
  assert.equal(onBoth.report.method!.fitOn, 'train+valid');
  assert.deepEqual([m.positives, m.kCore], [{ atLeast: 1, binarize: true }, { user: 5, item: 5 }]);
  assert.match(m.masked, /training items, validation items/);
  // popularity counted over train+valid is a different model: its figures change, the evaluated users do not
  assert.notEqual(onBoth.report.models[0]!.metrics['ndcg@10'], onTrain.report.models[0]!.metrics['ndcg@10']);
  assert.equal(onBoth.report.models[0]!.usersEvaluated, onTrain.report.models[0]!.usersEvaluated);
  assert.deepEqual(onTrain.report.uncertainty!.reference, { model: 'itemknn', metric: 'ndcg@10' });
  const iv = onTrain.report.models[1]!.intervals!['ndcg@10']!;
  assert.ok(iv.lo < onTrain.report.models[1]!.metrics['ndcg@10']! && iv.hi > onTrain.report.models[1]!.metrics['ndcg@10']!);
  assert.ok(onTrain.report.models[0]!.vsReference!['ndcg@10']!.meanDifference < 0);
  await assert.rejects(
    runExperiment(data, { preset: 'leave-last-out', fitOn: 'train+valid', models, seed: 1 }).then(() => runExperiment(data, { preset: { ...preset, split: { kind: 'random', ratios: [9, 1] } }, fitOn: 'train+valid', models })),
    (e: unknown) => e instanceof ConfigError && e.field === 'fitOn',
  );
});
