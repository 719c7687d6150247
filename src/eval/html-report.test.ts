import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InteractionsBuilder } from '../data/interactions.ts';
import type { ModelResult } from './evaluate.ts';
import { formatHtml, tradeOffSpec } from './html-report.ts';
import { buildReport } from './report.ts';
import type { SplitDescription } from './splits.ts';
import type { SweepPoint } from './sweep.ts';

const points: SweepPoint[] = [0, 0.5, 1].flatMap((value, i) => (['dpp', 'mmr'] as const).map((method, j) => ({
  method, knob: 'diversity' as const, value,
  means: { 'ndcg@10': 0.3 - 0.02 * i - 0.01 * j, 'recall@10': 0.2, 'ild@10': 0.5 + 0.1 * i - 0.05 * j, 'calibration@10': 0.4 - 0.1 * i },
})));

test('tradeOffSpec marks the Pareto front: higher ILD and NDCG; for calibration, lower KL', () => {
  const data = (m: string) => (tradeOffSpec(points, m, 10).data as { values: { reranker: string; knob: number; pareto: string }[] }).values;
  // dpp dominates mmr at every knob value (higher NDCG, higher ILD); along dpp, NDCG falls as ILD rises
  assert.deepEqual(data('ild').filter((v) => v.pareto === 'Pareto front').map((v) => `${v.reranker} ${v.knob}`), ['dpp 0', 'dpp 0.5', 'dpp 1']);
  // calibration: mmr has the same KL as dpp at each knob with lower NDCG, so again dpp only
  assert.deepEqual(data('calibration').filter((v) => v.pareto === 'Pareto front').map((v) => `${v.reranker} ${v.knob}`), ['dpp 0', 'dpp 0.5', 'dpp 1']);
});

test('report.html is one self-contained page: protocol, tables, and one server-rendered SVG plot per beyond metric', async () => {
  const b = new InteractionsBuilder();
  b.add('a', 'x', 1); b.add('b', 'y', 1);
  const split: SplitDescription = { kind: 'random-holdout', seed: 1, params: {}, sizes: { train: 2, valid: 1, test: 1 }, users: { train: 2, valid: 1, test: 1 }, notes: ['<b>'] };
  const result = {
    kind: 'ease', config: {}, fitSeconds: 1, peakRssMiB: 1, processMaxRssMiB: 1, metrics: { 'ndcg@10': 0.25 },
    perUser: { users: new Int32Array([0, 1]), nRelevant: new Int32Array([1, 1]), values: { 'ndcg@10': new Float32Array([0, 0.5]) } }, evaluation: { usersEvaluated: 2 },
  } as unknown as ModelResult;
  const report = buildReport({ datasetName: 'toy & co', data: b.build(), split, results: [result], createdAt: new Date(0) });
  const html = await formatHtml(report, { model: 'ease', points, k: 10, features: 'genres' });
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /<h1>Evaluation on toy &amp; co<\/h1>/);
  assert.match(html, /note: &lt;b&gt;/);
  assert.equal(html.match(/<svg /g)?.length, 2, 'ild and calibration (the metrics the points carry)');
  assert.match(html, /ndcg@10 against ild@10/);
  assert.match(html, /ndcg@10 against calibration@10 \(lower is better\)/);
  assert.match(html, /Item features: genres/);
  // nothing to fetch: no scripts, stylesheets, images or links
  assert.doesNotMatch(html, /<script|<link|<img|\ssrc=|\shref=/);
  const plain = await formatHtml(report);
  assert.equal(plain.match(/<svg /g), null);
  assert.match(plain, /<h2>Confidence intervals and paired tests<\/h2>/);
});

test('report.html draws the exposure curve of each model with its long-tail share', async () => {
  const { exposureCurve } = await import('./beyond.ts');
  const b = new InteractionsBuilder();
  b.add('a', 'x', 1); b.add('b', 'y', 1);
  const split: SplitDescription = { kind: 'random-holdout', seed: 1, params: {}, sizes: { train: 2, valid: 1, test: 1 }, users: { train: 2, valid: 1, test: 1 }, notes: [] };
  const counts = Float64Array.from([10, 5, 1, 0]);
  const result = (kind: string, slots: number[]) => ({
    kind, config: {}, fitSeconds: 1, peakRssMiB: 1, processMaxRssMiB: 1, metrics: { 'ndcg@10': 0.25 },
    perUser: { users: new Int32Array([0]), nRelevant: new Int32Array([1]), values: {} },
    evaluation: { usersEvaluated: 1, exposure: [exposureCurve(Float64Array.from(slots), counts, 10, 4)] },
  }) as unknown as ModelResult;
  const report = buildReport({ datasetName: 'toy', data: b.build(), split, results: [result('popularity', [10, 0, 0, 0]), result('ease', [0, 5, 3, 2])], createdAt: new Date(0), uncertainty: false });
  assert.equal(report.models[1]!.exposure!.tailSlotShare, 0.5);
  const html = await formatHtml(report);
  assert.equal(html.match(/<svg /g)?.length, 1);
  assert.match(html, /<h2>Exposure and the long tail \(test\)<\/h2>/);
  assert.match(html, /The head is the 2 most popular of 4 items/);
  assert.match(html, /Slots on the long tail beyond it: popularity 0\.0%, ease 50\.0%/);
  const svg = html.slice(html.indexOf('<svg '), html.indexOf('</svg>'));
  for (const name of ['popularity', 'ease', 'training interactions', 'head | long tail']) assert.ok(svg.includes(`>${name}<`), name);
  // three curves (two models and the training reference) and the head rule
  assert.equal(svg.match(/aria-roledescription="line mark"/g)?.length, 3);
  assert.equal(svg.match(/aria-roledescription="rule mark"/g)?.length, 1);
});
