import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from '../main.ts';
import { intOption, parse } from '../args.ts';
import { openStore } from '../../store/registry.ts';
import { importData } from '../../data/importers/index.ts';
import { prepareInteractions } from '../../pipeline/prepare.ts';
import { formatMarkdown, formatTable } from '../../eval/report.ts';
import { trainFromStore } from '../../pipeline/train.ts';
import { saveModelFile } from '../../pipeline/model-file.ts';
import { progress } from '../progress.ts';
import { runWithProgress } from './evaluate.ts';
import { printReport } from './import.ts';
import type { DataStore } from '../../store/types.ts';
import type { TrainedModel } from '../../pipeline/model-file.ts';
import type { Interactions } from '../../data/interactions.ts';
import { Engine } from '../../engine/engine.ts';

const here = dirname(fileURLToPath(import.meta.url));
export const DEMO_DATA = resolve(here, '../../../data/demo/online-retail-sample.csv');

/** Default configs for the demo: reasonable settings for a small shop's purchase data, no tuning needed. */
const DEMO_MODELS = [
  { kind: 'popularity' },
  { kind: 'itemknn', config: { neighbors: 100, shrink: 10 } },
  { kind: 'userknn', config: { neighbors: 50, shrink: 10 } },
  { kind: 'ials', config: { factors: 64, regularization: 1, alpha: 10, iterations: 15 } },
  { kind: 'bpr', config: { factors: 64, iterations: 60 } },
  { kind: 'ease', config: { l2: 200 } },
];

export const demoCommand: Command = {
  summary: 'the whole job on a bundled shop data set: import, evaluate six models, recommend',
  usage: `curio demo [--dir DIR] [--tune N] [--quiet]

Imports data/demo/online-retail-sample.csv (a CC BY 4.0 sample of UCI Online Retail) into DIR/demo.db,
evaluates every model with a seeded 8:1:1 split and full ranking, trains the best one on all data and
prints recommendations and similar products. DIR defaults to a new temporary folder.`,
  async run(argv) {
    const { values: v } = parse(argv, { dir: { type: 'string' }, tune: { type: 'string' }, quiet: { type: 'boolean' } }, 'demo');
    const dir = v.dir ?? (await mkdtemp(join(tmpdir(), 'curio-demo-')));
    await mkdir(dir, { recursive: true });
    const trials = v.tune !== undefined ? intOption(v.tune, 'tune', 5) : undefined;
    const store = await openStore(join(dir, 'demo.db'));
    try {
      console.log(`Curio demo — UCI Online Retail sample (Chen 2015, CC BY 4.0)\nworking in ${dir}\n`);
      const bar = progress('import', 0, { quiet: v.quiet });
      const rep = await importData(store, { format: 'online-retail', path: DEMO_DATA, skipInvalid: true, onProgress: (d, n) => bar.update(d, n) });
      bar.finish();
      printReport(rep, store.url);

      const snap = prepareInteractions(await store.snapshot({ types: ['purchase'] }), { positiveOnly: true, types: ['purchase'] }).data;
      const preset = {
        name: 'demo', description: 'purchases as positives, 5-core, per-user random 8:1:1, full ranking',
        positives: { atLeast: 1, binarize: true }, kCore: { user: 5, item: 5 }, split: { kind: 'random', ratios: [8, 1, 1] },
        ks: [10, 20], metrics: ['ndcg', 'recall', 'precision', 'map', 'mrr', 'hit'],
      };
      const models = DEMO_MODELS.map((m) => ({ ...m, ...(trials ? { tune: { trials } } : {}) }));
      console.log(`\nevaluating ${models.length} models on ${snap.length} purchases (${snap.users.size} customers, ${snap.items.size} products)`);
      const r = await runWithProgress(snap, { name: 'online-retail-sample', preset, seed: 42, models }, v.quiet);
      const d = r.prepared.split.description;
      console.log(`split: ${d.sizes.train} train / ${d.sizes.valid ?? 0} validation / ${d.sizes.test} test interactions, ${d.users.test} test users\n`);
      console.log(formatTable(r.report.models, ['ndcg@10', 'recall@10', 'precision@10', 'map@10', 'mrr@10', 'hit@10', 'coverage@10', 'ndcg@20', 'recall@20']));
      console.log(`(all metrics: ${join(dir, 'report.md')})`);
      await writeFile(join(dir, 'report.json'), JSON.stringify({ ...r.report, tuning: r.tuning }, null, 2));
      await writeFile(join(dir, 'report.md'), formatMarkdown(r.report));

      const best = [...r.report.models].sort((a, b) => (b.metrics['ndcg@10'] ?? 0) - (a.metrics['ndcg@10'] ?? 0))[0]!;
      console.log(`\nbest by NDCG@10: ${best.kind}; training it on all purchases...`);
      const trained = await trainFromStore(store, { model: { kind: best.kind, config: best.params as Record<string, unknown> }, data: { types: ['purchase'] } });
      const modelPath = join(dir, 'model.bin');
      // The figures it was chosen by travel with the model (curio serve's dashboard shows them).
      trained.info.evaluation = { report: join(dir, 'report.json'), metric: 'ndcg@10', score: best.metrics['ndcg@10'] ?? null, metrics: best.metrics };
      await saveModelFile(modelPath, trained);
      await showSamples(store, trained, snap);
      console.log(`\nfiles: ${join(dir, 'demo.db')}, ${modelPath}, ${join(dir, 'report.json')}, ${join(dir, 'report.md')}`);
      console.log(`try:   npx curio recommend --db ${join(dir, 'demo.db')} --model ${modelPath} --user ${trained.users.id(0)}`);
      console.log(`serve: npx curio keys create --scope read --db ${join(dir, 'demo.db')}   (prints an API key once)`);
      console.log(`       npx curio serve --db ${join(dir, 'demo.db')} --model ${modelPath} --port 8080`);
      console.log(`       curl -s localhost:8080/v1/recommend -H "authorization: Bearer <key>" -H 'content-type: application/json' -d '{"user": "${trained.users.id(0)}", "k": 5}'`);
      console.log(`       dashboard: http://127.0.0.1:8080/dashboard (log in with a key from curio keys create --scope admin)`);
    } finally {
      await store.close();
    }
    return 0;
  },
};

async function showSamples(store: DataStore, t: TrainedModel, data: Interactions): Promise<void> {
  const title = async (ids: string[]) => (await store.getItems(ids)).map((it, q) => it?.title ?? ids[q]!);
  const engine = await Engine.open({ store, model: t });
  for (const u of [0, Math.floor(t.users.size / 2)]) {
    const user = t.users.id(u);
    const hist = await store.history(user, { limit: 5 });
    const recs = await engine.recommend({ recipe: 'recommend', user, k: 5 });
    console.log(`\ncustomer ${user} recently bought:`);
    for (const s of await title(hist.map((h) => h.item))) console.log(`    ${s}`);
    console.log('  recommended:');
    for (const r of recs.items) console.log(`  ${r.rank}. ${r.title || r.item}  (${r.score.toFixed(3)})`);
  }
  const counts = new Int32Array(data.items.size);
  for (let k = 0; k < data.length; k++) counts[data.item[k]!]!++;
  let best = 0;
  for (let i = 1; i < counts.length; i++) if (counts[i]! > counts[best]!) best = i;
  const top = data.items.id(best);
  const related = await engine.recommend({ recipe: 'related', context: { item: top }, k: 5 });
  console.log(`\nproducts similar to "${(await title([top]))[0]}":`);
  for (const r of related.items) console.log(`  ${r.rank}. ${r.title || r.item}`);
  const fbt = await engine.recommend({ recipe: 'bought-together', context: { item: top }, k: 3 });
  console.log('frequently bought together with it:');
  for (const r of fbt.items) console.log(`  ${r.rank}. ${r.title || r.item}  — ${r.reasons[0]?.text ?? ''}`);
}
