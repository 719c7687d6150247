import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../store/registry.ts';
import { ConfigError } from '../../errors.ts';
import { trainCommand } from './train.ts';
import { evaluateCommand } from './evaluate.ts';
import { loadModelFile } from '../../pipeline/model-file.ts';
import type { InteractionRow } from '../../data/types.ts';

const dir = mkdtempSync(join(tmpdir(), 'curio-train-cmd-'));
const db = join(dir, 'shop.db');

test.before(async () => {
  const store = await openStore(db);
  const rows: InteractionRow[] = [];
  for (let u = 0; u < 60; u++) for (let q = 0; q < 8; q++) rows.push({ user: `u${u}`, item: `i${(u * 7 + q * 3) % 40}`, type: 'purchase', value: 1, timestamp: 1000 + q });
  await store.addInteractions(rows);
  await store.close();
});

/** Resolves to the error `run` threw; fails the test if it succeeded. */
async function failure(run: Promise<number>): Promise<Error> {
  try {
    await run;
  } catch (e) {
    return e as Error;
  }
  assert.fail('expected the command to fail');
}

test('--set with an unknown key fails listing the valid keys', async () => {
  const e = await failure(trainCommand.run(['--db', db, '--model', 'ials', '--set', 'factor=32', '--out', join(dir, 'x.bin'), '--quiet']));
  assert.ok(e instanceof ConfigError, String(e));
  assert.match(e.message, /^ials\.factor: unknown key; valid keys: factors, regularization, alpha, iterations/);
  const nested = await failure(trainCommand.run(['--db', db, '--model', 'itemknn', '--set', 'weighting.kind=bm25', '--set', 'weighting.k=2', '--quiet']));
  assert.match(nested.message, /itemknn\.weighting\.k: unknown key; valid keys: kind, k1, b/);
});

test('config files reject unknown keys at every level, naming the file', async () => {
  const file = join(dir, 'train.json');
  const cases: [object, RegExp][] = [
    [{ model: { kind: 'ials', config: { factor: 8 } } }, /ials\.factor: unknown key; valid keys: factors,/],
    [{ model: { kind: 'ials' }, dat: {} }, /train\.json\.dat: unknown key; valid keys: model, data/],
    [{ model: { kind: 'ials', cofig: {} } }, /train\.json\.model\.cofig: unknown key; valid keys: kind, config/],
    [{ model: { kind: 'ials' }, data: { minvalue: 3 } }, /data\.minvalue: unknown key; valid keys: types, minValue, positiveOnly, binarize, halfLifeDays/],
    [{ model: { kind: 'ials' }, data: { types: ['purchse'] } }, /data\.types\.0: .*purchase/],
  ];
  for (const [content, expected] of cases) {
    writeFileSync(file, JSON.stringify(content));
    const e = await failure(trainCommand.run(['--db', db, '--config', file, '--out', join(dir, 'x.bin'), '--quiet']));
    assert.ok(e instanceof ConfigError, `${JSON.stringify(content)}: ${e}`);
    assert.match(e.message, expected);
  }
});

// A slow fit (iALS with 10^8 iterations) that must never start: the error has to come before it. Before the
// fix these cases trained first, so the test ran into its timeout.
const slow = ['--db', db, '--model', 'ials', '--set', 'iterations=100000000', '--quiet'];

test('a missing or malformed --config and an --out in a missing directory fail at once, before any fit', { timeout: 20_000 }, async () => {
  writeFileSync(join(dir, 'bad.json'), '{\n  "model": {"kind": "ials",}\n}');
  writeFileSync(join(dir, 'list.json'), '[1, 2]');
  const cases: [string[], RegExp][] = [
    [['--config', join(dir, 'nope.json')], /^--config: cannot read .*nope\.json: no such file; check the path$/],
    [['--config', dir], /^--config: cannot read .*: is a directory; check the path$/],
    [['--config', join(dir, 'bad.json')], /^--config: .*bad\.json:2 is not valid JSON/],
    [['--config', join(dir, 'list.json')], /^--config: .*list\.json must hold a JSON object, not an array$/],
    [['--out', join(dir, 'missing', 'm.bin')], /^--out: .*m\.bin: directory .*missing does not exist; create it first$/],
    [['--out', dir], /^--out: .* is a directory; give a file name$/],
    [['--types', 'purchase,,view'], /^--types: "purchase,,view" has an empty entry/],
    [['--min-value', ''], /^--min-value: "" is not a number/],
    [['--min-value', '0x10'], /^--min-value: "0x10" is not a number/],
    [['--types', 'purchase,purchase'], /^--types: "purchase" is listed twice/],
    [['--types', 'purchse'], /^train\.data\.types\.0: Invalid option: expected one of .*"purchase"/],
    [['--model', 'ials2'], /^model: unknown model "ials2"; available: popularity/],
  ];
  for (const [args, expected] of cases) {
    const e = await failure(trainCommand.run([...slow, ...args]));
    assert.ok(e instanceof ConfigError, `${args.join(' ')}: ${e}`);
    assert.match(e.message, expected);
    assert.doesNotMatch(e.message, /\n/, 'one line');
  }
});

test('evaluate checks its config, models, tuning space and --report before reading the store', { timeout: 20_000 }, async () => {
  const slowEval = ['--db', db, '--quiet'];
  const space = join(dir, 'space.json');
  writeFileSync(space, JSON.stringify({ models: [{ kind: 'itemknn', tune: { trials: 3, space: { neighbour: [5, 10] } } }] }));
  // a bad value late in a list would otherwise fail only at the trial that draws it
  const badValue = join(dir, 'bad-value.json');
  writeFileSync(badValue, JSON.stringify({ models: [{ kind: 'itemknn', tune: { trials: 3, space: { neighbors: [5, 10, 20, 0] } } }] }));
  const badRange = join(dir, 'bad-range.json');
  writeFileSync(badRange, JSON.stringify({ models: [{ kind: 'itemknn', tune: { space: { neighbors: { min: 5.2, max: 5.8, int: true } } } }] }));
  const twice = join(dir, 'twice.json');
  writeFileSync(twice, JSON.stringify({ models: [{ kind: 'itemknn', config: { neighbors: 50 } }, { kind: 'itemknn', config: { neighbors: 200 } }] }));
  const badPreset = join(dir, 'bad-preset.json');
  writeFileSync(badPreset, JSON.stringify({ preset: { name: 'x', split: { kind: 'leave-last-out' }, kcore: { user: 5 } }, models: [{ kind: 'popularity' }] }));
  const extra = join(dir, 'extra.json');
  writeFileSync(extra, JSON.stringify({ preset: 'leave-last-out', model: [] }));
  const cases: [string[], RegExp][] = [
    [['--models', 'itemknn', '--report', join(dir, 'missing', 'rep')], /^--report: .*directory .*missing does not exist/],
    [['--config', join(dir, 'nope.json')], /^--config: cannot read/],
    [['--config', space], /^itemknn\.neighbour: unknown key; valid keys: neighbors, shrink, weighting$/],
    [['--config', extra], /extra\.json\.model: unknown key; valid keys: name, preset, seed, fitOn, models, data$/],
    [['--models', 'itemknn,nope'], /unknown model "nope"/],
    [['--models', 'itemknn', '--preset', 'recbol'], /unknown preset "recbol"/],
    [['--models', ''], /^--models: "" has an empty entry/],
    [['--models', 'itemknn,itemknn'], /^--models: "itemknn" is listed twice/],
    [['--config', twice], /^experiment\.models\.1: "itemknn" is already models\.0; compare configurations of one model with tune\.space instead$/],
    [['--config', badPreset], /^preset\.kcore: unknown key; valid keys: name, description, positives, kCore, split, ks, metrics$/],
    [['--config', badValue], /^itemknn\.neighbors: Too small/],
    [['--config', badRange], /holds no integer/],
    [['--models', 'itemknn', '--seed', '0x10'], /^--seed: expected an integer >= 0, got "0x10"/],
    [['--models', 'itemknn', '--tune', '0'], /^--tune: expected an integer >= 1/],
    [['--models', 'itemknn', '--types', 'purchase,clik'], /^data\.types\.1: .*"purchase"/],
  ];
  for (const [args, expected] of cases) {
    const e = await failure(evaluateCommand.run([...slowEval, ...args]));
    assert.ok(e instanceof ConfigError, `${args.join(' ')}: ${e}`);
    assert.match(e.message, expected);
  }
});

test('evaluate says when a tuning space is exhausted, and train --params-from trains exactly what it chose', { timeout: 120_000 }, async () => {
  const rep = join(dir, 'rep');
  const errors: string[] = [];
  const logs: string[] = [];
  const origError = console.error, origLog = console.log;
  console.error = (...a: unknown[]) => { errors.push(a.join(' ')); };
  console.log = (...a: unknown[]) => { logs.push(a.join(' ')); };
  try {
    // itemknn's default space has 7 x 4 = 28 points: 30 trials run each of them once
    assert.equal(await evaluateCommand.run(['--db', db, '--preset', 'leave-last-out', '--models', 'popularity,itemknn', '--tune', '30', '--types', 'purchase', '--report', rep, '--quiet']), 0);
  } finally {
    console.error = origError;
    console.log = origLog;
  }
  assert.ok(errors.some((e) => /itemknn: the search space has 28 distinct points, fewer than the 30 trials asked: each was tried once/.test(e)), errors.join('\n'));
  const report = JSON.parse(readFileSync(join(rep, 'report.json'), 'utf8'));
  const trials = report.tuning.itemknn.trials as { params: object }[];
  assert.equal(trials.length, 28);
  assert.equal(new Set(trials.map((t) => JSON.stringify(t.params))).size, 28, 'no trial repeated');
  assert.equal(report.tuning.itemknn.exhausted, true);
  assert.deepEqual(report.data.types, ['purchase']);

  const best = (report.models as { kind: string; params: object; metrics: Record<string, number> }[])
    .reduce((a, b) => (b.metrics['ndcg@10']! > a.metrics['ndcg@10']! ? b : a));
  const byKind = (kind: string) => report.models.find((m: { kind: string }) => m.kind === kind);
  for (const [args, expected] of [[[], best], [['--model', 'best'], best], [['--model', 'itemknn'], byKind('itemknn')]] as const) {
    const out = join(dir, `chosen-${args.join('-') || 'default'}.bin`);
    assert.equal(await trainCommand.run(['--db', db, '--params-from', join(rep, 'report.json'), ...args, '--out', out, '--quiet']), 0);
    const t = await loadModelFile(out);
    assert.equal(t.model.kind, expected.kind);
    assert.deepEqual({ ...t.model.config }, expected.params, `${args.join(' ')}: the trained config is the evaluated one`);
    assert.deepEqual((t.info.data as { types: string[] }).types, ['purchase'], 'the evaluation data filters carry over');
    assert.deepEqual(t.info.evaluation, { report: join(rep, 'report.json'), metric: 'ndcg@10', score: expected.metrics['ndcg@10'], metrics: expected.metrics }, 'the figures it was chosen by are kept');
  }
  // the tuned neighbours reach the model, not the default 100
  assert.equal((byKind('itemknn').params as { neighbors: number }).neighbors, report.tuning.itemknn.best.params.neighbors);

  const e1 = await failure(trainCommand.run(['--db', db, '--model', 'best', '--quiet']));
  assert.match(e1.message, /^--model: "best" means the best model of an evaluation: add --params-from/);
  const e2 = await failure(trainCommand.run(['--db', db, '--params-from', join(rep, 'report.json'), '--model', 'ease', '--quiet']));
  assert.match(e2.message, /evaluated no "ease" model; it has popularity, itemknn/);
  const e3 = await failure(trainCommand.run(['--db', db, '--params-from', join(dir, 'list.json'), '--quiet']));
  assert.match(e3.message, /^--params-from: .*list\.json must hold a JSON object/);
  writeFileSync(join(dir, 'notreport.json'), '{"model": {"kind": "ials"}}');
  const e4 = await failure(trainCommand.run(['--db', db, '--params-from', join(dir, 'notreport.json'), '--quiet']));
  assert.match(e4.message, /notreport\.json is not an evaluation report \(models: /);
});

test('evaluate --tune also tunes the models of a config file', { timeout: 60_000 }, async () => {
  const file = join(dir, 'models.json');
  writeFileSync(file, JSON.stringify({ preset: 'leave-last-out', models: [{ kind: 'itemknn', config: { shrink: 0 } }] }));
  const rep = join(dir, 'rep-file');
  const log = console.log;
  console.log = () => {};
  try {
    assert.equal(await evaluateCommand.run(['--db', db, '--config', file, '--tune', '2', '--report', rep, '--quiet']), 0);
  } finally {
    console.log = log;
  }
  const report = JSON.parse(readFileSync(join(rep, 'report.json'), 'utf8'));
  assert.equal(report.tuning.itemknn.trials.length, 2, 'before, --tune was silently ignored with a config file');
});

test('train --params-from also trains on what the preset kept: ratings >= atLeast, binarized', { timeout: 60_000 }, async () => {
  const rated = join(dir, 'rated.db');
  const store = await openStore(rated);
  const rows: InteractionRow[] = [];
  for (let u = 0; u < 40; u++) for (let q = 0; q < 8; q++) rows.push({ user: `u${u}`, item: `i${(u + q * 3) % 30}`, type: 'rating', value: 1 + ((u + q) % 5), timestamp: q });
  await store.addInteractions(rows);
  await store.close();
  const file = join(dir, 'preset.json');
  writeFileSync(file, JSON.stringify({ preset: { name: 'pos', positives: { atLeast: 3 }, split: { kind: 'leave-last-out' } }, models: [{ kind: 'itemknn', config: { neighbors: 10 } }] }));
  const rep = join(dir, 'rep-preset');
  const log = console.log;
  console.log = () => {};
  try {
    assert.equal(await evaluateCommand.run(['--db', rated, '--config', file, '--report', rep, '--quiet']), 0);
    const out = join(dir, 'pos.bin');
    assert.equal(await trainCommand.run(['--db', rated, '--params-from', join(rep, 'report.json'), '--out', out, '--quiet']), 0);
    const t = await loadModelFile(out);
    assert.deepEqual([t.info.data && (t.info.data as { minValue: number }).minValue, (t.info.data as { binarize: boolean }).binarize], [3, true]);
    const values = t.model.toArtifact().arrays['train.data'] as Float32Array;
    assert.equal(values.length, rows.filter((r) => r.value >= 3).length, 'only ratings >= 3 are trained on');
    assert.ok(values.every((v) => v === 1), 'binarized, as in the evaluation');
  } finally {
    console.log = log;
  }
});
