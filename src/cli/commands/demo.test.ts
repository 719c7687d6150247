import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadModelFile } from '../../pipeline/model-file.ts';

const bin = resolve(import.meta.dirname, '../../../bin/curio.js');

test('curio demo runs the whole job on the bundled data and is idempotent on re-run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'curio-demo-test-'));
  const run = () => spawnSync(process.execPath, [bin, 'demo', '--dir', dir, '--quiet'], { encoding: 'utf8' });
  const r = run();
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /rows read\s+44548/);
  // 1,094 cancellations: netted against the customer's earlier purchases, in part, or with nothing to net against.
  assert.match(r.stdout, /959\s+cancellation netted against earlier purchases\n\s+4\s+cancellation netted in part/);
  assert.match(r.stdout, /131\s+cancellation with no earlier purchase/);
  assert.match(r.stdout, /325\s+purchase cancelled in full/);
  assert.match(r.stdout, /200\s+no CustomerID/);
  for (const kind of ['popularity', 'itemknn', 'userknn', 'ials', 'bpr', 'ease']) assert.match(r.stdout, new RegExp(`^${kind}\\s+\\d`, 'm'));
  assert.match(r.stdout, /products similar to "WHITE HANGING HEART T-LIGHT HOLDER"/);
  const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
  const ndcg = Object.fromEntries(report.models.map((m: { kind: string; metrics: Record<string, number> }) => [m.kind, m.metrics['ndcg@10']]));
  assert.ok(ndcg.ease > ndcg.popularity && ndcg.ials > ndcg.popularity, JSON.stringify(ndcg));
  assert.ok(existsSync(join(dir, 'model.bin')));
  const best = report.models.reduce((a: { metrics: Record<string, number> }, b: { metrics: Record<string, number> }) => (b.metrics['ndcg@10']! > a.metrics['ndcg@10']! ? b : a));
  const { info } = await loadModelFile(join(dir, 'model.bin'));
  assert.deepEqual(info.evaluation, { report: join(dir, 'report.json'), metric: 'ndcg@10', score: best.metrics['ndcg@10'], metrics: best.metrics }, 'the model file keeps the figures it was chosen by');
  const again = run();
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /\(0 new, 0 updated, \d+ unchanged\)/);
  assert.equal(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')).models[5].metrics['ndcg@10'], ndcg.ease, 'same seed, same figures');
});
