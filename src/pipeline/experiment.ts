import { z } from 'zod';
import { parseConfig, strictObject } from '../config.ts';
import type { Interactions } from '../data/interactions.ts';
import { fitAndEvaluate, type ModelResult } from '../eval/evaluate.ts';
import { applyPreset, resolvePreset, type PreparedEvaluation } from '../eval/presets.ts';
import { buildReport, type EvalReport } from '../eval/report.ts';
import { checkSpace, randomPoints, tune, validationView, type ParamSpace, type TuneResult } from '../eval/tune.ts';
import { createModel, modelFactory } from '../models/registry.ts';
import type { ItemTexts } from '../text/item-text.ts';
import { ConfigError } from '../errors.ts';
import type { FitProgress } from '../models/types.ts';

/** Search spaces used by `tune: true` (or `--tune N`) when a model spec gives none. */
export const DEFAULT_SPACES: Record<string, ParamSpace> = {
  // Widened until the tuned values on ml-100k and ml-latest-small sit inside (reports flag a best value on an edge; see paramsOnEdge):
  // itemknn chose 800 neighbours (the top of the old list) on ml-100k and ml-latest-small, iALS 64 factors (the
  // bottom of {64, 128}) on ml-100k and 128 (the top) on ml-latest-small, then 256 of {32, ..., 256} on both;
  // BPR λ = 0.039 of [1e-5, 0.05].
  itemknn: { neighbors: [20, 50, 100, 200, 400, 800, 1600], shrink: [0, 10, 50, 100] },
  userknn: { neighbors: [20, 50, 100, 200], shrink: [0, 10, 50] },
  // On explicit-rating data turned binary (ml-100k, ml-latest-small), good iALS runs sit at λ ≈ 10–40, α ≈ 1–10.
  ials: { factors: [32, 64, 128, 256, 512], regularization: { min: 1, max: 100, log: true }, alpha: { min: 0.5, max: 20, log: true } },
  bpr: { learningRate: { min: 0.005, max: 0.2, log: true }, regularization: { min: 1e-5, max: 0.5, log: true } },
  ease: { l2: { min: 10, max: 3000, log: true } },
  // collective EASE: bench/text.ts chose textWeight 30, l2 100 on ml-latest-small's warm items and 10000, 8000 for cold items on Online Retail
  cease: { l2: { min: 10, max: 10000, log: true }, textWeight: { min: 1, max: 10000, log: true } },
  content: { l2: { min: 0.01, max: 100, log: true }, alpha: [0, 1, 5, 20] },
  cb2cf: { mapL2: { min: 0.01, max: 100, log: true }, similarity: [0, 0.01, 0.03, 0.1, 0.3] },
  hybrid: { kappa: [0, 0.5, 1, 2, 5, 10, 30], mu: [0, 2, 10] },
};

const ModelRunSchema = strictObject({
  kind: z.string(),
  config: z.record(z.string(), z.unknown()).default({}),
  /** Random search on the validation part before the one test evaluation. */
  tune: strictObject({ trials: z.number().int().positive().default(10), space: z.record(z.string(), z.unknown()).optional() }).optional(),
});

export const ExperimentSchema = strictObject({
  name: z.string().default('experiment'),
  /** A preset name (recbole, leave-last-out, temporal, strong) or a full preset object. */
  preset: z.union([z.string(), z.record(z.string(), z.unknown())]).default('recbole'),
  seed: z.number().int().default(42),
  /** What the final (test-scored) models are fitted on; see FIT_ON_REASON. */
  fitOn: z.enum(['train', 'train+valid']).default('train'),
  models: z.array(ModelRunSchema).min(1),
});
export type ExperimentConfig = z.input<typeof ExperimentSchema>;

export interface ExperimentHooks {
  onStage?: (stage: string) => void;
  onFitProgress?: (kind: string, p: FitProgress) => void;
  onEvalProgress?: (kind: string, done: number, total: number) => void;
  onTrial?: (kind: string, index: number, total: number, score: number) => void;
  /** Something the user should know that is not an error (e.g. a tuning space smaller than the trials asked). */
  onNote?: (message: string) => void;
}

/** Side data for the models: item text by external id (content, cb2cf, hybrid need it). */
export interface ExperimentInputs {
  itemText?: ItemTexts;
}

/** Whether any model of the experiment reads item text (then the caller should load it). */
export function experimentNeedsItemText(config: ExperimentConfig): boolean {
  return config.models.some((m) => modelFactory(m.kind).needsItemText === true);
}

export interface ExperimentResult {
  prepared: PreparedEvaluation;
  results: ModelResult[];
  tuning: Record<string, TuneResult>;
  report: EvalReport;
}

/** Why each choice of fit data, as the report states it. */
export const FIT_ON_REASON = {
  train: "the default: the tuned parameters were chosen for a model fitted on train, and RecBole's published tables fit on train; `--fit-on train+valid` gives the final model the validation data as well (usually a higher test score)",
  'train+valid': 'asked with --fit-on train+valid: parameters tuned on validation, then refitted on train and validation together; validation items stay masked when ranking test',
} as const;

const isRange = (s: ParamSpace[string]): s is Exclude<ParamSpace[string], readonly unknown[]> => !Array.isArray(s);

/**
 * Checks an experiment before any work: the schema, every model's config, the preset, and every tuning space
 * (its parameters must be ones the model knows, so a typo fails now rather than at the first trial).
 */
export function validateExperiment(config: ExperimentConfig): z.infer<typeof ExperimentSchema> {
  const c = parseConfig(ExperimentSchema, config, 'experiment');
  resolvePreset(c.preset);
  c.models.forEach((m, i) => {
    // the report, its tuning record and `train --params-from` tell models apart by kind
    const first = c.models.findIndex((o) => o.kind === m.kind);
    if (first !== i) throw new ConfigError(`experiment.models.${i}`, `"${m.kind}" is already models.${first}; compare configurations of one model with tune.space instead`);
    createModel(m.kind, m.config);
    const space = m.tune?.space as ParamSpace | undefined;
    if (space) {
      checkSpace(space, 'random', `models.${i}.tune.space`);
      // every value of every parameter through the model's strict schema: an unknown parameter or a value out
      // of range fails here, not at the trial that draws it
      const base = { ...m.config, ...randomPoints(space, 1, c.seed)[0] };
      for (const [name, spec] of Object.entries(space)) {
        const values = isRange(spec) ? (spec.int ? [Math.ceil(spec.min), Math.floor(spec.max)] : [spec.min, spec.max]) : spec;
        for (const value of values) createModel(m.kind, { ...base, [name]: value });
      }
    }
  });
  return c;
}

/**
 * The evaluation protocol end to end: filter and split by the preset, tune each model on validation only
 * (when asked), fit on train, evaluate once on test, and build the report.
 */
export async function runExperiment(data: Interactions, config: ExperimentConfig, hooks: ExperimentHooks = {}, inputs: ExperimentInputs = {}): Promise<ExperimentResult> {
  const itemText = inputs.itemText ? { itemText: inputs.itemText } : {};
  const c = validateExperiment(config);
  hooks.onStage?.('split');
  const prepared = applyPreset(data, c.preset, c.seed);
  const { split, ks, metrics } = prepared;
  if (c.fitOn === 'train+valid' && !split.valid) throw new ConfigError('fitOn', `the ${split.description.kind} split of preset "${prepared.preset.name}" has no validation part to fit on; use train`);
  const results: ModelResult[] = [];
  const tuning: Record<string, TuneResult> = {};
  for (const m of c.models) {
    // A model with a seed of its own records the experiment's: the report's params then retrain the same model.
    let params = 'seed' in createModel(m.kind, m.config).config && m.config.seed === undefined ? { ...m.config, seed: c.seed } : m.config;
    if (m.tune) {
      const space = (m.tune.space as ParamSpace | undefined) ?? DEFAULT_SPACES[m.kind];
      if (space) {
        hooks.onStage?.(`tune ${m.kind}`);
        const t = await tune({
          factory: (p) => createModel(m.kind, { ...m.config, ...p }),
          space, data: validationView(split), seed: c.seed, mode: 'random', trials: m.tune.trials,
          metric: `ndcg@${ks.includes(10) ? 10 : ks[0]}`,
          fit: { seed: c.seed }, ...itemText,
          onTrial: (trial, i, n) => hooks.onTrial?.(m.kind, i, n, trial.score),
        });
        tuning[m.kind] = t;
        if (t.exhausted) {
          hooks.onNote?.(`${m.kind}: the search space has ${t.spaceSize} distinct points, fewer than the ${t.requested} trials asked: each was tried once`);
        }
        params = { ...params, ...t.best.params };
      }
    }
    hooks.onStage?.(`fit ${m.kind}`);
    const r = await fitAndEvaluate(createModel(m.kind, params), split, {
        ks, metrics, fitOn: c.fitOn, ...itemText,
      fit: { seed: c.seed, onProgress: (p) => hooks.onFitProgress?.(m.kind, p) },
      onProgress: (p) => hooks.onEvalProgress?.(m.kind, p.done, p.total),
    });
    results.push(r);
  }
  const p = prepared.preset;
  const masked = [
    'each user\'s training items', ...(split.valid ? ['validation items'] : []), ...(split.foldIn ? ['fold-in history items (held-out users)'] : []),
  ].join(', ');
  const tuned = Object.values(tuning)[0];
  const report = buildReport({
    datasetName: c.name, data: prepared.data, split: split.description, seed: c.seed, protocol: p.name, results, tuning,
    method: {
      preset: p.name, description: p.description,
      positives: p.positives ?? null, kCore: p.kCore ?? null,
      fitOn: c.fitOn, fitOnReason: FIT_ON_REASON[c.fitOn], masked, target: 'test',
      candidates: `full ranking over all ${prepared.data.items.size} items (no sampled negatives)`, ks,
      ...(tuned ? { tuning: `search on the validation part only (models fitted on train, ${tuned.metric} on validation, train items masked); the test part is scored once per model` } : {}),
    },
  });
  return { prepared, results, tuning, report };
}
