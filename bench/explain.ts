/**
 * Faithfulness of explanations (src/explain): for sampled users and each of their top-5 recommended items,
 * whether the shares add up to the served score, whether the predicted removal effects match re-scoring, and how
 * often taking the top-share item (and the item the sentences cite) out of the history lowers the item's score.
 * Synthetic data and the bundled demo always; ml-latest-small when ../shared/data (or $CURIO_DATA) is there.
 *   npm run bench -- explain [--users=N]
 */
import { join } from 'node:path';
import type { Csr } from '../src/data/csr.ts';
import { importData } from '../src/data/importers/index.ts';
import { toMatrix } from '../src/data/interactions.ts';
import { generateSynthetic } from '../src/data/synthetic.ts';
import { measureFaithfulness } from '../src/explain/index.ts';
import { createModel } from '../src/models/registry.ts';
import { openStore } from '../src/store/registry.ts';
import { DEMO_DATA } from '../src/cli/commands/demo.ts';
import { dataDir, printTable } from './_util.ts';

const usersArg = process.argv.find((a) => a.startsWith('--users='));
const users = usersArg ? Number(usersArg.split('=')[1]) : 100;

async function fromStore(format: string, path: string, types: ('purchase' | 'rating')[]): Promise<Csr> {
  const store = await openStore(':memory:');
  try {
    await importData(store, { format, path });
    return toMatrix(await store.snapshot({ types }));
  } finally {
    await store.close();
  }
}

const sets: { name: string; load: () => Promise<Csr> }[] = [
  { name: 'synthetic 300×200', load: async () => toMatrix(generateSynthetic({ users: 300, items: 200, interactions: 6000, seed: 3 }).interactions) },
  { name: 'demo (online retail sample)', load: () => fromStore('online-retail', DEMO_DATA, ['purchase']) },
];
const data = dataDir();
if (data) sets.push({ name: 'ml-latest-small (ratings)', load: () => fromStore('movielens-latest', join(data, 'ml-latest-small'), ['rating']) });

const models: { kind: string; config: object }[] = [
  { kind: 'ease', config: { maxItems: 3000 } }, { kind: 'itemknn', config: {} }, { kind: 'ials', config: {} },
  { kind: 'userknn', config: {} }, { kind: 'bpr', config: {} },
];
const pct = (a: number, b: number) => (b ? `${a}/${b} (${((100 * a) / b).toFixed(1)}%)` : '-');
const sci = (x: number) => (Number.isNaN(x) ? 'n/a (approximate)' : x.toExponential(1));

for (const s of sets) {
  const m = await s.load();
  console.log(`\n### ${s.name}: ${m.rows} users, ${m.cols} items, ${m.indptr[m.rows]} nonzeros; ${users} sampled users × top-5 items\n`);
  const rows: Record<string, string | number>[] = [];
  for (const spec of models) {
    const model = createModel(spec.kind, spec.config);
    await model.fit({ matrix: m }, { seed: 1 });
    const t0 = performance.now();
    const r = measureFaithfulness(model, m, { users, itemsPerUser: 5, seed: 3 });
    rows.push({
      model: spec.kind, cases: r.cases, 'max |Σshares − score|': sci(r.maxSumError), 'max |score − served|': r.maxServedError.toExponential(1),
      'max removal-effect error': r.removalsChecked ? r.maxRemovalError.toExponential(1) : 'n/a',
      'top share removed: score fell': pct(r.topShare.lowered, r.topShare.cases), 'cited removed: score fell': pct(r.cited.lowered, r.cited.cases),
      'ms per case': +((performance.now() - t0) / Math.max(1, r.cases)).toFixed(2),
    });
  }
  printTable(rows);
}
console.log('\nErrors are relative (divided by max(1, |score|)). BPR has no exact decomposition: its "shares" are factor cosines.');
console.log('Timings are from a loaded shared machine.');
