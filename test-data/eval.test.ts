/**
 * Evaluation protocols on real data (MovieLens 100K). Reads u.data with a tiny inline parser so this test
 * does not depend on the importers, applies the presets, and checks that a popularity baseline lands where
 * popularity is known to land on ml-100k under full ranking.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InteractionsBuilder, toMatrix, type Interactions } from '../src/data/interactions.ts';
import type { FitData, Recommender } from '../src/models/types.ts';
import type { Ranked } from '../src/linalg/topk.ts';
import { applyPreset } from '../src/eval/presets.ts';
import { evaluate, fitAndEvaluate } from '../src/eval/evaluate.ts';
import { buildReport, formatMarkdown, formatTable } from '../src/eval/report.ts';
import { tune, validationView } from '../src/eval/tune.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = resolve(root, process.env.CURIO_DATA ?? '../shared/data');
const uData = join(dataDir, 'ml-100k', 'u.data');

function loadMl100k(): Interactions {
  const b = new InteractionsBuilder();
  const text = readFileSync(uData, 'utf8');
  let line = 0;
  for (const row of text.split('\n')) {
    line++;
    if (!row) continue;
    // this copy has 3 extra rows for a user "0" at the top, one with a trailing tab: trim before splitting
    const f = row.trim().split('\t');
    if (f.length !== 4) throw new Error(`${uData}:${line}: expected 4 tab-separated fields`);
    b.add(f[0]!, f[1]!, Number(f[2]), Number(f[3]) * 1000, 'rating');
  }
  return b.build();
}

/** Most-popular baseline: an item's score is its number of training interactions (popularity bias recovers it). */
class PopularityStub implements Recommender {
  readonly kind = 'popularity-stub';
  readonly config: { shrink: number };
  nUsers = 0;
  nItems = 0;
  private counts = new Float32Array(0);
  constructor(config: { shrink?: number } = {}) { this.config = { shrink: config.shrink ?? 0 }; }
  async fit(d: FitData) {
    this.nUsers = d.matrix.rows; this.nItems = d.matrix.cols;
    this.counts = new Float32Array(d.matrix.cols);
    for (let p = 0; p < d.matrix.indices.length; p++) this.counts[d.matrix.indices[p]!]! += 1;
    // shrink only reorders by a monotone transform, so every value must give identical rankings
    for (let i = 0; i < this.counts.length; i++) this.counts[i] = this.counts[i]! / (this.counts[i]! + this.config.shrink + 1);
    return { seconds: 0 };
  }
  scoreUser(_u: number, out: Float32Array) { out.set(this.counts); }
  scoreHistory(_i: Int32Array, _v: Float32Array, out: Float32Array) { out.set(this.counts); }
  recommend(): Ranked { throw new Error('not used'); }
  recommendHistory(): Ranked { throw new Error('not used'); }
  similarItems(): Ranked { throw new Error('not used'); }
  toArtifact(): never { throw new Error('not used'); }
}

test('recbole protocol on ml-100k: filtered stats, split sizes, popularity in a plausible range', async (t) => {
  if (!existsSync(uData)) return t.skip(`no ${uData}`);
  const raw = loadMl100k();
  assert.ok(raw.length >= 100000 && raw.length <= 100003, `${raw.length} ratings`);
  const prep = applyPreset(raw, 'recbole', 2020);
  const f = prep.stats.filtered;
  t.diagnostic(`ml-100k raw: ${prep.stats.raw.users} users, ${prep.stats.raw.items} items, ${prep.stats.raw.interactions} ratings`);
  t.diagnostic(`after ratings>=3 + 10-core: ${f.users} users, ${f.items} items, ${f.interactions} interactions, density ${(f.density * 100).toFixed(2)}%`);
  t.diagnostic(`split: ${JSON.stringify(prep.split.description.sizes)}`);
  // ratings >= 3 leave 82,520 of the official 100,000 (+2 from the extra rows of this copy); the 10-core trims a little more
  let positives = 0;
  for (let k = 0; k < raw.length; k++) if (raw.value[k]! >= 3) positives++;
  assert.ok(positives >= 82520 && positives <= 82523, `${positives} positives`);
  assert.ok(f.interactions < positives && f.interactions > 78000, `${f.interactions}`);
  assert.ok(f.users > 850 && f.users <= 943 && f.items > 1000 && f.items < 1682);
  const s = prep.split.description.sizes;
  assert.ok(Math.abs(s.test / f.interactions - 0.1) < 0.02 && Math.abs(s.valid! / f.interactions - 0.1) < 0.02);

  const t0 = performance.now();
  const result = await fitAndEvaluate(new PopularityStub(), prep.split, { ks: prep.ks, metrics: prep.metrics });
  const ms = performance.now() - t0;
  const report = buildReport({ datasetName: 'ml-100k', data: prep.data, split: prep.split.description, protocol: 'recbole', results: [result] });
  for (const l of formatTable(report.models).split('\n')) t.diagnostic(l);
  t.diagnostic(`evaluated ${result.evaluation.usersEvaluated} users in ${ms.toFixed(0)} ms (${result.evaluation.msPerUser.toFixed(3)} ms/user), peak RSS ${result.peakRssMiB.toFixed(0)} MiB`);
  const ndcg = result.metrics['ndcg@10']!;
  // Most-popular on ml-100k under full ranking scores roughly 0.1-0.2 NDCG@10; random would be ~0.005.
  assert.ok(ndcg > 0.05 && ndcg < 0.35, `ndcg@10 ${ndcg}`);
  assert.ok(result.metrics['recall@10']! > 0.03 && result.metrics['hit@10']! > 0.3);
  assert.ok(result.metrics['coverage@10']! < 0.1, 'popularity recommends a narrow slice of the catalogue');
  assert.ok(formatMarkdown(report).includes('| popularity-stub |'));
  assert.ok(ms < 5000, `evaluation took ${ms} ms`);
});

test('other presets on ml-100k run end to end with the popularity baseline', async (t) => {
  if (!existsSync(uData)) return t.skip(`no ${uData}`);
  const raw = loadMl100k();
  for (const name of ['leave-last-out', 'temporal', 'strong'] as const) {
    const prep = applyPreset(raw, name, 7);
    const model = new PopularityStub();
    await model.fit({ matrix: toMatrix(prep.split.train) });
    const r = evaluate(model, prep.split, { ks: prep.ks, metrics: prep.metrics });
    const key = `ndcg@${prep.ks[0]}`;
    t.diagnostic(`${name}: ${JSON.stringify(prep.split.description.sizes)} users evaluated ${r.usersEvaluated}, skipped ${JSON.stringify(r.usersSkipped)}, ${key} ${r.means[key]!.toFixed(4)}`);
    assert.ok(r.usersEvaluated > 50, name);
    assert.ok(r.means[key]! > 0.005 && r.means[key]! < 0.5, `${name} ${key} ${r.means[key]}`);
  }
});

test('tuning on ml-100k validation: monotone-equivalent configs tie exactly', async (t) => {
  if (!existsSync(uData)) return t.skip(`no ${uData}`);
  const prep = applyPreset(loadMl100k(), 'recbole', 2020);
  const r = await tune({ factory: (p) => new PopularityStub({ shrink: p.shrink as number }), space: { shrink: [0, 10] }, data: validationView(prep.split), seed: 1 });
  assert.equal(r.trials.length, 2);
  assert.equal(r.trials[0]!.score, r.trials[1]!.score);
  assert.ok(r.best.score > 0.05);
});
