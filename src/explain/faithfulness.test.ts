import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Csr } from '../data/csr.ts';
import { importData } from '../data/importers/index.ts';
import { toMatrix } from '../data/interactions.ts';
import { generateSynthetic } from '../data/synthetic.ts';
import { createModel } from '../models/registry.ts';
import { SqliteStore } from '../store/sqlite/index.ts';
import { measureFaithfulness, type FaithfulnessReport } from './faithfulness.ts';

/**
 * The faithfulness contract of explanations, on every model with exact shares:
 * - the shares add up to the served score, and the predicted removal effect equals the re-scored one;
 * - removing the item the sentences cite lowers the item's score, in every case of the sample;
 * - removing the item with the largest share lowers it in every case for EASE and ItemKNN (linear). For iALS
 *   (the fold-in solve is not linear: removing j also changes W = (YᵀC_uY + λI)⁻¹) and UserKNN (the
 *   neighbourhood is chosen again) it can raise it: that rate is measured, printed (bench/explain.ts prints the
 *   full table) and held to the floor seen here, never assumed to be 1. Those cases are why `citable` checks the
 *   removal effect before citing an item.
 */
const MODELS: { kind: string; config: object; linear: boolean; floor: number }[] = [
  { kind: 'ease', config: { l2: 50 }, linear: true, floor: 1 },
  { kind: 'itemknn', config: {}, linear: true, floor: 1 },
  { kind: 'itemknn', config: { weighting: { kind: 'bm25' } }, linear: true, floor: 1 },
  { kind: 'ials', config: { factors: 16, iterations: 10 }, linear: false, floor: 0.85 },
  { kind: 'userknn', config: {}, linear: false, floor: 0.85 },
];

function check(r: FaithfulnessReport, m: (typeof MODELS)[number], where: string): void {
  const what = `${where} ${m.kind} ${JSON.stringify(m.config)}`;
  assert.ok(r.cases >= 100, `${what}: only ${r.cases} cases`);
  assert.ok(r.maxSumError < 1e-6, `${what}: shares miss the score by ${r.maxSumError}`);
  assert.ok(r.maxServedError < 1e-5, `${what}: explained score misses the served one by ${r.maxServedError}`);
  assert.ok(r.maxRemovalError < 1e-5, `${what}: predicted removal effects miss the re-scored ones by ${r.maxRemovalError}`);
  // BM25 weights each entry by its row's length, so a linear model's removal effect is not just −share: not predicted.
  if (!('weighting' in m.config)) assert.ok(r.removalsChecked >= r.cited.cases, `${what}: only ${r.removalsChecked} removal effects predicted`);
  assert.ok(r.cited.cases >= 0.9 * r.cases, `${what}: only ${r.cited.cases} of ${r.cases} cases cite an item`);
  assert.deepEqual(r.cited.failures, [], `${what}: removing the cited item did not lower the score`);
  if (m.linear) assert.deepEqual(r.topShare.failures, [], `${what}: removing the top-share item did not lower the score`);
  else assert.ok(r.topShare.lowered >= m.floor * r.topShare.cases, `${what}: removing the top-share item lowered the score in ${r.topShare.lowered} of ${r.topShare.cases} cases`);
}

async function runAll(matrix: Csr, where: string, t: { diagnostic(s: string): void }): Promise<void> {
  for (const m of MODELS) {
    const model = createModel(m.kind, m.config);
    await model.fit({ matrix }, { seed: 1, threads: 1 });
    const r = measureFaithfulness(model, matrix, { users: 60, itemsPerUser: 5, seed: 3 });
    t.diagnostic(`${where} ${m.kind}: removal lowered the score for ${r.topShare.lowered}/${r.topShare.cases} top-share items, ${r.cited.lowered}/${r.cited.cases} cited items; max share-sum error ${r.maxSumError.toExponential(1)}`);
    check(r, m, where);
  }
}

test('faithfulness on synthetic data', async (t) => {
  const d = generateSynthetic({ users: 300, items: 200, interactions: 6000, seed: 3 });
  await runAll(toMatrix(d.interactions), 'synthetic', t);
});

test('faithfulness on the demo data (Online Retail sample, read from a SQLite store)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'curio-explain-'));
  const store = SqliteStore.open(join(dir, 'demo.db'));
  try {
    await importData(store, { format: 'online-retail', path: fileURLToPath(new URL('../../data/demo/online-retail-sample.csv', import.meta.url)) });
    await runAll(toMatrix(await store.snapshot({ types: ['purchase'] })), 'demo', t);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a removal that raises the score is reported with both scores, and such an item is never cited', async () => {
  const d = generateSynthetic({ users: 300, items: 200, interactions: 6000, seed: 3 });
  const matrix = toMatrix(d.interactions);
  const model = createModel('ials', { factors: 16, iterations: 10, alpha: 10 });
  await model.fit({ matrix }, { seed: 1, threads: 1 });
  const r = measureFaithfulness(model, matrix, { users: 100, itemsPerUser: 5 });
  assert.equal(r.topShare.lowered + r.topShare.failures.length, r.topShare.cases);
  assert.ok(r.topShare.failures.length > 0, 'this configuration is known to have top-share items whose removal raises the score');
  for (const f of r.topShare.failures) assert.ok(f.after >= f.before && f.share > 0);
  assert.deepEqual(r.cited.failures, []);
});
