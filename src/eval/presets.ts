/**
 * Named evaluation protocols. A preset is plain data (validated with zod, so a preset from a config file
 * gets the same checks and a ConfigError naming the bad field), applied by one function, `applyPreset`.
 *
 * 'recbole' reproduces the protocol behind RecBole's published MovieLens-1M table: ratings >= 3 are the
 * positives (kept as implicit 1s), users and items with fewer than 10 interactions removed until stable,
 * each user's interactions shuffled and split 8:1:1, full ranking over all items. It applies to any rated
 * data (ml-100k, ml-latest-small); for data without ratings drop `positives`.
 */
import { z } from 'zod';
import { interactionStats, type InteractionStats, type Interactions } from '../data/interactions.ts';
import { parseConfig, strictObject } from '../config.ts';
import { ConfigError } from '../errors.ts';
import { METRIC_NAMES, type MetricName } from './metrics.ts';
import { kCore, leaveLastOut, positivesAtLeast, randomHoldout, strongGeneralization, temporalCut, type Split } from './splits.ts';

const fraction = z.number().gt(0).lt(1);

const SplitSpecSchema = z.discriminatedUnion('kind', [
  strictObject({ kind: z.literal('random'), ratios: z.array(z.number().positive()).min(2).max(3) }),
  strictObject({ kind: z.literal('leave-last-out'), n: z.number().int().min(1).default(1), validation: z.boolean().default(true) }),
  strictObject({ kind: z.literal('temporal'), quantile: fraction.default(0.8), validQuantile: fraction.optional() }),
  strictObject({ kind: z.literal('strong'), testUsers: fraction, validUsers: fraction.optional(), holdout: fraction }),
]);

export const PresetSchema = strictObject({
  name: z.string().min(1),
  description: z.string().default(''),
  /** Keep interactions with value >= atLeast; binarize turns the kept values into 1 (implicit feedback). */
  positives: strictObject({ atLeast: z.number(), binarize: z.boolean().default(true) }).optional(),
  /** Iterated k-core filter on interaction counts. */
  kCore: strictObject({ user: z.number().int().min(0).default(0), item: z.number().int().min(0).default(0) }).optional(),
  split: SplitSpecSchema,
  ks: z.array(z.number().int().min(1)).min(1).default([10]),
  metrics: z.array(z.enum(METRIC_NAMES)).min(1).default([...METRIC_NAMES]),
});

export type Preset = z.infer<typeof PresetSchema>;
export type PresetInput = z.input<typeof PresetSchema>;

export const PRESETS = {
  recbole: {
    name: 'recbole',
    description: "RecBole's published ml-1m protocol: ratings >= 3 as positives, 10-core users and items, per-user random 8:1:1, full ranking",
    positives: { atLeast: 3, binarize: true },
    kCore: { user: 10, item: 10 },
    split: { kind: 'random', ratios: [8, 1, 1] },
    ks: [10, 20],
    metrics: ['recall', 'mrr', 'ndcg', 'hit', 'precision', 'map'],
  },
  'leave-last-out': {
    name: 'leave-last-out',
    description: "each user's latest interaction is the test item, the one before it validation; 5-core; full ranking",
    kCore: { user: 5, item: 5 },
    split: { kind: 'leave-last-out', n: 1, validation: true },
    ks: [10, 20],
    metrics: ['hit', 'ndcg', 'mrr'],
  },
  temporal: {
    name: 'temporal',
    description: 'global time cut: last 20% of interactions (by time) are test, the 10% before them validation; 5-core; full ranking',
    kCore: { user: 5, item: 5 },
    split: { kind: 'temporal', quantile: 0.8, validQuantile: 0.7 },
    ks: [10, 20],
    metrics: ['recall', 'ndcg', 'precision', 'hit'],
  },
  strong: {
    name: 'strong',
    description: 'strong generalization (Mult-VAE style): ratings >= 4 as positives, 10% test and 10% validation users unseen in training, 20% of their items predicted from the rest',
    positives: { atLeast: 4, binarize: true },
    kCore: { user: 5, item: 0 },
    split: { kind: 'strong', testUsers: 0.1, validUsers: 0.1, holdout: 0.2 },
    ks: [20, 50, 100],
    metrics: ['recall', 'ndcg'],
  },
} as const satisfies Record<string, PresetInput>;

export type PresetName = keyof typeof PRESETS;

/** A preset by name, or a custom one validated field by field. */
export function resolvePreset(preset: PresetName | PresetInput | unknown): Preset {
  if (typeof preset === 'string') {
    const p = (PRESETS as Record<string, PresetInput>)[preset];
    if (!p) throw new ConfigError('preset', `unknown preset "${preset}" (known: ${Object.keys(PRESETS).join(', ')})`);
    return parseConfig(PresetSchema, p, 'preset');
  }
  return parseConfig(PresetSchema, preset, 'preset');
}

export interface PreparedEvaluation {
  preset: Preset;
  seed: number;
  /** The data after filters, which the split was cut from (compacted id maps). */
  data: Interactions;
  split: Split;
  ks: number[];
  metrics: MetricName[];
  stats: { raw: InteractionStats; filtered: InteractionStats };
}

/** Filters `data` as the preset says (positives, then k-core, as RecBole orders them), then splits it. */
export function applyPreset(data: Interactions, preset: PresetName | PresetInput | unknown, seed: number): PreparedEvaluation {
  const p = resolvePreset(preset);
  if (!Number.isInteger(seed)) throw new ConfigError('seed', `must be an integer, got ${seed}`);
  let d = data;
  if (p.positives) d = positivesAtLeast(d, p.positives.atLeast, { binarize: p.positives.binarize });
  if (p.kCore) d = kCore(d, p.kCore);
  if (d.length === 0) throw new ConfigError('preset', `preset "${p.name}" filtered away every interaction`);
  const s = p.split;
  const split =
    s.kind === 'random' ? randomHoldout(d, { ratios: s.ratios, seed })
    : s.kind === 'leave-last-out' ? leaveLastOut(d, { n: s.n, validation: s.validation })
    : s.kind === 'temporal' ? temporalCut(d, { quantile: s.quantile, ...(s.validQuantile !== undefined ? { validQuantile: s.validQuantile } : {}) })
    : strongGeneralization(d, { testUsers: s.testUsers, holdout: s.holdout, seed, ...(s.validUsers !== undefined ? { validUsers: s.validUsers } : {}) });
  return { preset: p, seed, data: d, split, ks: [...p.ks], metrics: [...p.metrics], stats: { raw: interactionStats(data), filtered: interactionStats(d) } };
}
