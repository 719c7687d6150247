/**
 * Quality: every model on ml-100k and ml-latest-small under the RecBole protocol (ratings >= 3 positive,
 * 10-core, random 8:1:1 per user, full ranking), each tuned by random search on the validation part only;
 * test figures are computed once per model, final models fitted on train (the preset's default), train and
 * validation items masked when ranking test. NDCG@10 comes with its 95% bootstrap interval over users and the
 * paired t-test against the best model; a tuned value on an edge of its search range is flagged.
 * Needs ../shared/data (or $CURIO_DATA).
 *   npm run bench -- quality [--trials=N]
 */
import { join } from 'node:path';
import { openStore } from '../src/store/registry.ts';
import { importData } from '../src/data/importers/index.ts';
import { runExperiment } from '../src/pipeline/experiment.ts';
import { tuningLines } from '../src/eval/report.ts';
import { dataDir, printTable } from './_util.ts';

const data = dataDir();
if (!data) {
  console.log('quality: ../shared/data not found, skipped');
  process.exit(0);
}
const trialsArg = process.argv.find((a) => a.startsWith('--trials='));
const trials = trialsArg ? Number(trialsArg.split('=')[1]) : 12;
const sets = [
  { name: 'ml-100k', format: 'movielens-100k', path: join(data, 'ml-100k') },
  { name: 'ml-latest-small', format: 'movielens-latest', path: join(data, 'ml-latest-small') },
];
const kinds = ['popularity', 'itemknn', 'userknn', 'bpr', 'ials', 'ease'];
for (const s of sets) {
  const store = await openStore(':memory:');
  await importData(store, { format: s.format, path: s.path });
  const snap = await store.snapshot({ types: ['rating'] });
  await store.close();
  const t0 = performance.now();
  const r = await runExperiment(snap, {
    name: s.name, preset: 'recbole', seed: 2020,
    models: kinds.map((kind) => (kind === 'popularity' ? { kind } : { kind, tune: { trials } })),
  });
  const d = r.prepared.stats.filtered;
  console.log(`\n### ${s.name}: ${d.users} users, ${d.items} items, ${d.interactions} positives after the RecBole filters; ${trials} tuning trials per model (validation NDCG@10); ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
  const ref = r.report.uncertainty?.reference?.model;
  printTable(r.report.models.map((m) => {
    const iv = m.intervals?.['ndcg@10'], vs = m.vsReference?.['ndcg@10'];
    return {
      model: m.kind,
      'ndcg@10': m.metrics['ndcg@10']!, '95% CI': iv ? `[${iv.lo.toFixed(3)}, ${iv.hi.toFixed(3)}]` : '-',
      [`p vs ${ref}`]: vs ? (vs.p < 1e-4 ? '<0.0001' : vs.p.toFixed(4)) : '-',
      'recall@10': m.metrics['recall@10']!, 'mrr@10': m.metrics['mrr@10']!, 'hit@10': m.metrics['hit@10']!, 'fit s': m.trainSeconds,
      'tuned params': r.tuning[m.kind] ? JSON.stringify(r.tuning[m.kind]!.best.params).replace(/(\d\.\d{3})\d+/g, '$1') : '-',
      'on an edge': m.tuning?.onEdge.length ? m.tuning.onEdge.map((e) => `${e.param} ${e.edge}`).join(', ') : '-',
    };
  }));
  console.log('\nsearch spaces:');
  for (const line of tuningLines(r.report).filter((l) => !l.includes('not tuned'))) console.log(`  ${line}`);
  const ndcg = Object.fromEntries(r.report.models.map((m) => [m.kind, m.metrics['ndcg@10']!]));
  const baseline = Math.max(ndcg.popularity!, ndcg.itemknn!);
  console.log(`\nEASE ${ndcg.ease! > baseline ? 'beats' : 'does NOT beat'} and iALS ${ndcg.ials! > baseline ? 'beats' : 'does NOT beat'} Popularity and ItemKNN on test NDCG@10 (best of those two: ${baseline.toFixed(4)})`);
}
