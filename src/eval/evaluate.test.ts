import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InteractionsBuilder, type Interactions } from '../data/interactions.ts';
import { IdMap } from '../data/ids.ts';
import { TableModel } from '../models/testing.ts';
import { AbortedError, ConfigError } from '../errors.ts';
import { concatInteractions, evaluate, fitAndEvaluate } from './evaluate.ts';
import type { Split } from './splits.ts';

const close = (a: number | undefined, b: number, msg = '') => assert.ok(a !== undefined && Math.abs(a - b) < 1e-6, `${msg} ${a} != ${b}`);


function part(users: IdMap, items: IdMap, rows: [string, string][]): Interactions {
  const b = new InteractionsBuilder(users, items);
  for (const [u, i] of rows) b.add(u, i, 1, 0, 'rating');
  return b.build();
}

/** 4 users, 6 items i0..i5. */
function handSplit(): Split {
  const users = IdMap.from(['u0', 'u1', 'u2', 'u3']), items = IdMap.from(['i0', 'i1', 'i2', 'i3', 'i4', 'i5']);
  const train = part(users, items, [['u0', 'i0'], ['u1', 'i1'], ['u3', 'i0']]); // u2 has no training data
  const test = part(users, items, [['u0', 'i2'], ['u0', 'i4'], ['u1', 'i1'], ['u1', 'i3'], ['u2', 'i5'], ['u3', 'i0']]);
  return { train, test, description: { kind: 'random-holdout', params: {}, sizes: { train: 3, test: 6 }, users: { train: 3, test: 4 }, notes: [] } };
}

const TABLE = [
  [9, 8, 7, 6, 5, 4], // u0: i0 excluded (train) -> ranking i1 i2 i3 i4 i5, hits (i2, i4) at ranks 2 and 4
  [1, 100, 2, 3, 0, NaN], // u1: i1 excluded (train, so not relevant either) -> ranking i3 i2 i0 i4; i5 unscorable
  [0, 0, 0, 0, 0, 1], // u2: cold, never asked
  [1, 1, 1, 1, 1, 1], // u3: its only test item is a training item -> nothing relevant, skipped
];

test('evaluate: full ranking metrics of a hand-set score table', () => {
  const model = new TableModel(TABLE, 6);
  const r = evaluate(model, handSplit(), { ks: [2, 5], metrics: ['ndcg', 'recall', 'precision', 'mrr', 'map', 'hit'] });
  assert.equal(r.usersEvaluated, 2);
  assert.deepEqual(r.usersSkipped, { noRelevant: 1, noHistory: 1 });
  assert.deepEqual([...r.perUser.users], [0, 1]);
  assert.deepEqual([...r.perUser.nRelevant], [2, 1]);
  assert.ok(!model.calls.includes('user 2'), 'a cold user is never scored');
  // u0 @2: hits [0,1] -> ndcg = (1/log2 3) / (1 + 1/log2 3) = 0.386853; u1 @2: hits [1,0] -> ndcg 1
  close(r.perUser.values['ndcg@2']![0], 0.386853);
  close(r.perUser.values['ndcg@2']![1], 1);
  close(r.means['ndcg@2'], (0.386853 + 1) / 2);
  // u0 @5: hits [0,1,0,1,0] -> DCG 1/log2 3 + 1/log2 5 = 1.061606, IDCG (2 rel) 1.630930 -> 0.650921
  close(r.perUser.values['ndcg@5']![0], 0.650921);
  close(r.means['recall@2'], (1 / 2 + 1) / 2);
  close(r.means['recall@5'], 1);
  // precision@5: u0 2/5, u1 1/5 (its list has 4 items; K stays the denominator)
  close(r.means['precision@5'], (0.4 + 0.2) / 2);
  close(r.means['mrr@2'], (0.5 + 1) / 2);
  // map@5: u0 (1/2 + 2/4) / min(2,5) = 0.5; u1 1/1 = 1
  close(r.means['map@5'], 0.75);
  close(r.means['hit@2'], 1);
  // coverage@2: tops {i1,i2} ∪ {i3,i2} = 3 of 6; @5: {i1..i5} ∪ {i3,i2,i0,i4} = all 6
  close(r.means['coverage@2'], 0.5);
  close(r.means['coverage@5'], 1);
  assert.ok(r.scoringSeconds >= 0);
});

test('evaluate on test excludes validation items too; on valid only train', () => {
  const s = handSplit();
  const valid = part(s.train.users, s.train.items, [['u0', 'i1']]);
  const r = evaluate(new TableModel(TABLE, 6), { ...s, valid }, { ks: [2], metrics: ['ndcg'] });
  // u0: i0 and i1 excluded -> ranking i2 i3: hit at rank 1 -> ndcg@2 = 1 / (1 + 1/log2 3) = 0.613147
  close(r.perUser.values['ndcg@2']![0], 1 / (1 + 1 / Math.log2(3)));
  const rv = evaluate(new TableModel(TABLE, 6), { ...s, valid }, { ks: [2], metrics: ['hit'], target: 'valid' });
  // valid target: u0's i1 is ranked first (only i0 excluded)
  assert.deepEqual([...rv.perUser.users], [0]);
  close(rv.means['hit@2'], 1);
});

test('evaluate: strong generalization scores held-out users through their fold-in history only', () => {
  const users = IdMap.from(['a', 'b']), items = IdMap.from(['i0', 'i1', 'i2', 'i3', 'i4', 'i5']);
  const split: Split = {
    train: part(users, items, [['a', 'i0'], ['a', 'i1']]),
    foldIn: part(users, items, [['b', 'i0'], ['b', 'i1']]),
    test: part(users, items, [['b', 'i3']]),
    description: { kind: 'strong-generalization', params: {}, sizes: { train: 2, test: 1 }, users: { train: 1, test: 1 }, notes: [] },
  };
  const model = new TableModel([[0, 0, 0, 0, 0, 0], [9, 9, 9, 9, 9, 9]], 6, () => [6, 5, 4, 3, 2, 1]);
  const r = evaluate(model, split, { ks: [5], metrics: ['ndcg', 'mrr'] });
  assert.deepEqual(model.calls, ['history 0,1']);
  // fold-in items i0, i1 excluded -> ranking i2 i3 i4 i5: hit at rank 2 -> ndcg = 1/log2 3 = 0.630930, mrr 1/2
  close(r.means['ndcg@5'], 1 / Math.log2(3));
  close(r.means['mrr@5'], 0.5);
});

test('evaluate honours users, signal and progress; rejects a model of another catalogue', () => {
  const s = handSplit();
  const only = evaluate(new TableModel(TABLE, 6), s, { ks: [2], users: Int32Array.from([1]) });
  assert.deepEqual([...only.perUser.users], [1]);
  const ac = new AbortController();
  ac.abort();
  assert.throws(() => evaluate(new TableModel(TABLE, 6), s, { signal: ac.signal }), AbortedError);
  const seen: number[] = [];
  evaluate(new TableModel(TABLE, 6), s, { ks: [2], onProgress: (p) => seen.push(p.done) });
  assert.equal(seen.at(-1), 4);
  assert.throws(() => evaluate(new TableModel(TABLE, 7), s), /fit it on this split/);
  const isConfig = (field: string, msg: RegExp) => (e: unknown) => e instanceof ConfigError && e.field === field && msg.test(e.message);
  assert.throws(() => evaluate(new TableModel(TABLE, 6), s, { ks: [0] }), isConfig('ks', /positive integers, got \[0\]/));
  assert.throws(() => evaluate(new TableModel(TABLE, 6), s, { metrics: ['ndcg', 'nDCG' as never] }), isConfig('metrics', /unknown metric "nDCG"/));
  assert.throws(() => evaluate(new TableModel(TABLE, 6), s, { beyond: { metrics: ['diversity'] } }), isConfig('beyond.metrics', /unknown metric "diversity"/));
});

test('fitAndEvaluate fits on train (or train+valid), times it and reports memory', async () => {
  const s = handSplit();
  const model = new TableModel(TABLE, 6);
  const r = await fitAndEvaluate(model, s, { ks: [2] });
  assert.equal(model.calls[0], 'fit 4x6');
  assert.equal(model.fitted!.interactions!.length, 3);
  assert.ok(r.fitSeconds >= 0 && r.peakRssMiB > 10 && r.processMaxRssMiB >= r.peakRssMiB * 0.5);
  close(r.metrics['ndcg@2'], (0.386853 + 1) / 2);
  const valid = part(s.train.users, s.train.items, [['u0', 'i1']]);
  const m2 = new TableModel(TABLE, 6);
  await fitAndEvaluate(m2, { ...s, valid }, { ks: [2], fitOn: 'train+valid' });
  assert.equal(m2.fitted!.interactions!.length, 4);
  assert.equal(concatInteractions(s.train, valid).length, 4);
});
