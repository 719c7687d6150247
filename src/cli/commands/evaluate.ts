import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { z } from 'zod';
import { join } from 'node:path';
import type { Command } from '../main.ts';
import { distinctList, intOption, loadConfigFile, parse } from '../args.ts';
import { checkOutputDir } from '../outputs.ts';
import { loadItemTexts, type ItemTexts } from '../../text/item-text.ts';
import { experimentNeedsItemText, runExperiment, validateExperiment, type ExperimentConfig, type ExperimentResult } from '../../pipeline/experiment.ts';
import { prepareInteractions, DataConfigSchema } from '../../pipeline/prepare.ts';
import { parseConfig, strictObject } from '../../config.ts';
import { formatMarkdown, formatTerminal, perUserJsonl } from '../../eval/report.ts';
import { PRESETS } from '../../eval/presets.ts';
import { modelKinds } from '../../models/registry.ts';
import type { Interactions } from '../../data/interactions.ts';
import { progress } from '../progress.ts';
import { defaultDb, openCliStore } from './paths.ts';
import { ConfigError } from '../../errors.ts';
import { MAX_SWEEP_POINTS, parseRerankers, parseSweep, runSweep, type SweepGrid } from '../../eval/sweep.ts';
import type { DiversityMethod } from '../../rerank/knobs.ts';
import type { SweepSection } from '../../eval/html-report.ts';
import type { ItemRow } from '../../data/types.ts';
import { toMatrix } from '../../data/interactions.ts';
import { createModel } from '../../models/registry.ts';
import { CategoryJaccard, ItemCategories } from '../../rerank/similarity.ts';
import { itemUserCounts, longTailMask } from '../../eval/beyond.ts';

/** An experiment config file plus the data filters; each part is checked by its own schema. */
const EvaluateFileSchema = strictObject({
  name: z.string().optional(), preset: z.unknown().optional(), seed: z.unknown().optional(), fitOn: z.unknown().optional(),
  models: z.unknown().optional(), data: z.record(z.string(), z.unknown()).optional(),
});

export const evaluateCommand: Command = {
  summary: 'split, (tune,) train and evaluate models with full ranking; prints a table, writes JSON and Markdown reports',
  usage: `curio evaluate [--preset recbole] [--models popularity,itemknn,userknn,ials,bpr,ease] [--tune 10] [--seed 42]
                [--fit-on train|train+valid] [--sweep diversity=0:1:0.1 [--rerank dpp,mmr,calibrated]]
                [--types rating] [--config experiment.json] [--report curio-report] [--db curio.db]

Presets: ${Object.keys(PRESETS).join(', ')}. Models: ${modelKinds().join(', ')}.
--tune N runs N random-search trials per model (also those of a config file) on the validation part, each a
distinct point of the search space (a smaller space is tried whole, and a note says so); the test part is scored
once. \`curio train --params-from <report>/report.json\` then trains the best model with its tuned parameters.
--fit-on says what the final models are fitted on: train (default: the data the parameters were tuned for, as
RecBole's tables do) or train+valid (more data; validation items stay masked when ranking test).
Every report states the protocol, each model's tuned parameters and search space (flagging a best value on an
edge of its range), a 95% bootstrap interval over users for every per-user metric and a paired t-test of each
model against the best one; <report>/per-user.jsonl holds every user's values (null where undefined), and
<report>/report.html is the same report as one self-contained page.
--sweep KNOB=start:stop:step (or KNOB=v1,v2,...; KNOB diversity or novelty, values in [0, 1], at most
${MAX_SWEEP_POINTS} points) re-ranks the best model (refitted on train) with each --rerank re-ranker at each value,
scores the VALIDATION part, and plots NDCG@10 against each beyond-accuracy metric in report.html (Pareto front
marked). It needs item categories in the store (the re-rankers' similarity is Jaccard over categories).
A config file holds {"preset": ..., "seed": 42, "fitOn": "train", "models": [{"kind": "ials", "config": {...}, "tune": {"trials": 10}}], "data": {...}}.`,
  async run(argv) {
    const { values: v } = parse(argv, {
      preset: { type: 'string' }, models: { type: 'string' }, tune: { type: 'string' }, seed: { type: 'string' }, 'fit-on': { type: 'string' },
      types: { type: 'string' }, config: { type: 'string' }, report: { type: 'string' }, db: { type: 'string' }, quiet: { type: 'boolean' },
      sweep: { type: 'string' }, rerank: { type: 'string' },
    }, 'evaluate');
    const grid = v.sweep !== undefined ? parseSweep(v.sweep) : undefined;
    if (v.rerank !== undefined && !grid) throw new ConfigError('--rerank', 'names the re-rankers of a --sweep; add --sweep diversity=0:1:0.1');
    const methods = parseRerankers(v.rerank ?? 'dpp,mmr,calibrated');
    if (grid && grid.knob === 'diversity' && grid.values.length * methods.length > MAX_SWEEP_POINTS) {
      throw new ConfigError('--sweep', `${grid.values.length} values × ${methods.length} re-rankers = ${grid.values.length * methods.length} points; at most ${MAX_SWEEP_POINTS}`);
    }
    const file = parseConfig(EvaluateFileSchema, await loadConfigFile(v.config), v.config ?? '--config');
    const dataConfig = parseConfig(DataConfigSchema, { ...file.data, ...(v.types !== undefined ? { types: distinctList(v.types, '--types') } : {}) }, 'data');
    const trials = v.tune !== undefined ? intOption(v.tune, 'tune', 10) : undefined;
    const kinds = v.models !== undefined ? distinctList(v.models, '--models') : undefined;
    const db = v.db ?? defaultDb();
    const config: ExperimentConfig = {
      name: file.name ?? db,
      preset: v.preset ?? (file.preset as ExperimentConfig['preset']) ?? 'recbole',
      seed: v.seed !== undefined ? intOption(v.seed, 'seed', 42, 0) : (file.seed as number | undefined) ?? 42,
      fitOn: v['fit-on'] !== undefined ? fitOnOption(v['fit-on']) : (file.fitOn as ExperimentConfig['fitOn']) ?? 'train',
      models: kinds ? kinds.map((kind) => ({ kind, ...(trials ? { tune: { trials } } : {}) }))
        : (file.models as ExperimentConfig['models'] | undefined)?.map((m) => (trials && typeof m === 'object' && m !== null && !m.tune ? { ...m, tune: { trials } } : m)) ?? ['popularity', 'itemknn', 'userknn', 'ials', 'bpr', 'ease'].map((kind) => ({ kind, ...(trials ? { tune: { trials } } : {}) })),
    };
    validateExperiment(config); // models, preset and tuning spaces fail here, before the store is read
    const dir = v.report ?? 'curio-report';
    checkOutputDir(dir, '--report');
    const store = await openCliStore(db, 'use');
    config.name = file.name ?? store.url;
    let snapshot: Interactions;
    let itemText: ItemTexts | undefined;
    const itemRows: ItemRow[] = [];
    try {
      if (experimentNeedsItemText(config)) itemText = await loadItemTexts(store);
      const bar = progress('snapshot', 0, { quiet: v.quiet });
      snapshot = prepareInteractions(await store.snapshot({ types: dataConfig.types, onProgress: (d, n) => bar.update(d, n) }), dataConfig).data;
      bar.finish(`${snapshot.length} interactions`);
      if (grid) for await (const batch of store.scanItems({ batch: 5000 })) itemRows.push(...batch);
    } finally {
      await store.close();
    }
    if (grid && !itemRows.some((row) => row.categories?.length)) {
      throw new ConfigError('--sweep', `the re-rankers and the diversity and calibration metrics need item categories, and no item in ${store.url} has any (import items with categories)`);
    }
    const r = await runWithProgress(snapshot, config, v.quiet, itemText);
    console.log(formatTerminal(r.report));
    const sweep = grid ? await sweepStage(r, itemRows, grid, methods, config.seed ?? 42, v.quiet) : undefined;
    await mkdir(dir, { recursive: true });
    // what the models were trained on, as a train data config: `curio train --params-from` reads it back
    const positives = r.prepared.preset.positives;
    const data = positives
      ? { ...dataConfig, minValue: Math.max(dataConfig.minValue ?? -Infinity, positives.atLeast), ...(positives.binarize ? { binarize: true } : {}) }
      : dataConfig;
    await writeFile(join(dir, 'report.json'), JSON.stringify({ ...r.report, data, tuning: r.tuning }, null, 2));
    await writeFile(join(dir, 'report.md'), formatMarkdown(r.report));
    await pipeline(Readable.from(perUserJsonl(r.results, r.prepared.data.users)), createWriteStream(join(dir, 'per-user.jsonl')));
    // loaded here so the plotting library is read only by the command that draws
    const { formatHtml } = await import('../../eval/html-report.ts');
    await writeFile(join(dir, 'report.html'), await formatHtml(r.report, sweep));
    console.log(`\nreports: ${['report.json', 'report.md', 'per-user.jsonl', 'report.html'].map((f) => join(dir, f)).join(', ')}`);
    return 0;
  },
};

/** Re-ranks the best model, refitted on train, at every grid point and scores validation. */
async function sweepStage(r: ExperimentResult, itemRows: readonly ItemRow[], grid: SweepGrid, methods: DiversityMethod[], seed: number, quiet?: boolean): Promise<SweepSection> {
  const { split, ks } = r.prepared;
  const kind = r.report.uncertainty?.reference?.model ?? r.report.models[0]!.kind;
  const model = createModel(kind, r.report.models.find((m) => m.kind === kind)!.params as Record<string, unknown>);
  const fitBar = progress(`fit ${kind} (sweep)`.padEnd(20), 0, { quiet });
  await model.fit({ matrix: toMatrix(split.train), interactions: split.train }, { seed, onProgress: (p) => fitBar.update(p.epoch, p.epochs) });
  fitBar.finish();
  const nItems = split.train.items.size;
  const categories = ItemCategories.fromRows(split.train.items, itemRows);
  const tail = longTailMask(itemUserCounts(toMatrix(split.train, 'max'), nItems));
  const k = ks.includes(10) ? 10 : ks[0]!;
  const bar = progress('sweep'.padEnd(20), 0, { quiet });
  const points = runSweep(model, split, {
    grid, methods, k, context: { similarity: new CategoryJaccard(categories), categories, tail }, beyond: { categories },
    onPoint: (p, i, n) => bar.update(i + 1, n, `${p.method} ${p.knob} ${p.value}`),
  });
  bar.finish();
  return { model: kind, points, k, features: `item categories from the store (${categories.nCategorised} of ${nItems} items categorised, ${categories.nCategories} categories); similarity and ILD by Jaccard over categories` };
}

function fitOnOption(v: string): 'train' | 'train+valid' {
  if (v === 'train' || v === 'train+valid') return v;
  throw new ConfigError('--fit-on', `must be train or train+valid, got "${v}"`);
}

/** Runs an experiment with a progress bar per stage on stderr. */
export async function runWithProgress(data: Interactions, config: ExperimentConfig, quiet = false, itemText?: ItemTexts): Promise<ExperimentResult> {
  let bar = progress('', 0, { quiet: true });
  let current = '';
  const stage = (name: string) => {
    if (current) bar.finish();
    current = name;
    bar = progress(name.padEnd(20), 0, { quiet });
  };
  const r = await runExperiment(data, config, {
    onStage: stage,
    onFitProgress: (_k, p) => bar.update(p.epoch, p.epochs, p.loss !== undefined ? `loss ${p.loss.toFixed(4)}` : undefined),
    onTrial: (_k, i, n, score) => bar.update(i + 1, n, `ndcg ${score.toFixed(4)}`),
    onNote: (message) => console.error(`note: ${message}`),
    onEvalProgress: (k, d, n) => { if (current !== `evaluate ${k}`) stage(`evaluate ${k}`); bar.update(d, n); },
  }, itemText ? { itemText } : {});
  if (current) bar.finish();
  return r;
}
