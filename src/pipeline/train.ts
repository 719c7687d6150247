import { z } from 'zod';
import { strictObject } from '../config.ts';
import { toMatrix } from '../data/interactions.ts';
import { createModel, modelFactory } from '../models/registry.ts';
import { loadItemTexts } from '../text/item-text.ts';
import type { FitOptions, FitReport } from '../models/types.ts';
import type { DataStore } from '../store/types.ts';
import { DataConfigSchema, prepareInteractions } from './prepare.ts';
import type { TrainedModel } from './model-file.ts';
import { ConfigError, ModelFitError } from '../errors.ts';

export const ModelSpecSchema = strictObject({
  kind: z.string(),
  config: z.record(z.string(), z.unknown()).default({}),
});
export type ModelSpec = z.infer<typeof ModelSpecSchema>;

export const TrainConfigSchema = strictObject({
  model: ModelSpecSchema,
  data: DataConfigSchema.default({ positiveOnly: true }),
});
export type TrainConfig = z.input<typeof TrainConfigSchema>;

/** Snapshot the store, keep the configured events, fit the model on all of them. */
export async function trainFromStore(
  store: DataStore,
  config: TrainConfig,
  o: FitOptions & { onSnapshot?: (done: number, total: number) => void } = {},
): Promise<TrainedModel & { report: FitReport }> {
  const c = TrainConfigSchema.parse(config);
  const model = createModel(c.model.kind, c.model.config); // validates before the (slow) snapshot
  const storeInfo = await store.info();
  const snap = await store.snapshot({ types: c.data.types, onProgress: o.onSnapshot });
  const { data, report: prep } = prepareInteractions(snap, c.data);
  if (!data.length) throw new ModelFitError(`no interactions left to train on (${snap.length} in the store, ${prep.droppedByType} dropped by type, ${prep.droppedByValue} by value)`);
  const itemText = modelFactory(c.model.kind).needsItemText ? await loadItemTexts(store) : undefined;
  const report = await model.fit({ matrix: toMatrix(data), interactions: data, ...(itemText ? { itemText } : {}) }, o);
  return {
    model, users: data.users, items: data.items, report, store: storeInfo,
    info: { trainedAt: new Date().toISOString(), store: store.url, interactions: data.length, data: c.data, fitSeconds: report.seconds },
  };
}

/** The parts of an evaluation report (`curio evaluate`'s report.json) that say what to train. */
const ReportSchema = z.object({
  models: z.array(z.object({ kind: z.string(), params: z.record(z.string(), z.unknown()), metrics: z.record(z.string(), z.number().nullable()) })).min(1),
  tuning: z.record(z.string(), z.object({ metric: z.string() })).optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});

export interface ChosenModel {
  /** The model spec exactly as the report evaluated it (tuned parameters and seed included). */
  model: { kind: string; config: Record<string, unknown> };
  /** The data filters the evaluation used, when the report records them. */
  data?: Record<string, unknown>;
  /** Why this model: the metric and its value in the report. */
  metric: string;
  score: number;
  /** Every figure the report measured for this model (kept in the model file, shown by the dashboard). */
  metrics: Record<string, number | null>;
}

/**
 * What evaluation chose: the model `kind` of an evaluation report with the parameters it was evaluated with,
 * or with `kind` "best" (or undefined) the model with the highest score on the report's selection metric (the
 * tuning metric, else ndcg@10, else the first metric).
 */
export function chooseFromReport(report: unknown, kind: string | undefined, source: string): ChosenModel {
  const r = ReportSchema.safeParse(report);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new ConfigError(`--params-from`, `${source} is not an evaluation report (${[...issue.path.map(String)].join('.') || 'top level'}: ${issue.message}); give the report.json that curio evaluate wrote`);
  }
  const { models, tuning, data } = r.data;
  const metrics = Object.keys(models[0]!.metrics);
  const metric = Object.values(tuning ?? {})[0]?.metric ?? (metrics.includes('ndcg@10') ? 'ndcg@10' : metrics[0]);
  const scoreOf = (m: (typeof models)[number]) => (metric !== undefined ? m.metrics[metric] ?? NaN : NaN);
  let chosen;
  if (kind === undefined || kind === 'best') {
    chosen = models.reduce((a, b) => (!(scoreOf(a) >= scoreOf(b)) && scoreOf(b) === scoreOf(b) ? b : a));
    if (!(scoreOf(chosen) === scoreOf(chosen))) throw new ConfigError('--params-from', `${source} has no ${metric ?? 'metric'} score to choose the best model by; name one with --model`);
  } else {
    chosen = models.find((m) => m.kind === kind);
    if (!chosen) throw new ConfigError('--model', `${source} evaluated no "${kind}" model; it has ${models.map((m) => m.kind).join(', ')} (or pass --model best)`);
  }
  return { model: { kind: chosen.kind, config: chosen.params }, ...(data ? { data } : {}), metric: metric ?? '', score: scoreOf(chosen), metrics: chosen.metrics };
}
