import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { RERANK_ORDERS } from '../rerank/knobs.ts';
import { INTERACTION_TYPES } from '../data/types.ts';
import { filterNodeSchema } from '../rules/index.ts';
import { LlmConfigSchema } from '../llm/config.ts';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** `'7d'`, `'12h'`, `'90m'`, `'2w'`, `'30s'` or a number of milliseconds. */
export const DurationSchema = z.union([
  z.string().regex(/^\d+(\.\d+)?(ms|s|m|h|d|w)$/, 'expected a duration such as "7d", "12h", "30m" or "2w"'),
  z.number().positive(),
]);
export type Duration = z.infer<typeof DurationSchema>;

export function durationMs(d: Duration, field = 'window'): number {
  if (typeof d === 'number') return d;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(d);
  if (!m) throw new ConfigError(field, `"${d}" is not a duration such as "7d", "12h", "30m" or "2w"`);
  return Number(m[1]) * UNITS[m[2]!]!;
}

/** Human form of a window for reasons: 604800000 -> "7 days". */
export function formatDuration(ms: number): string {
  const day = 86_400_000;
  if (ms % (7 * day) === 0) return ms === 7 * day ? 'week' : `${ms / (7 * day)} weeks`;
  if (ms >= day) return `${+(ms / day).toFixed(1)} days`;
  if (ms >= 3_600_000) return `${+(ms / 3_600_000).toFixed(1)} hours`;
  return `${+(ms / 60_000).toFixed(1)} minutes`;
}

/** A filter as text (`category:"Toys" AND price < 20`) or as its JSON form. */
export const FilterSchema = z.union([z.string(), filterNodeSchema]);

export const BoostSchema = z.object({
  filter: FilterSchema,
  /** Score multiplier for matching items (> 1 boosts, < 1 buries). */
  multiply: z.number().positive().optional(),
  /** Added to the score of matching items (negative buries). */
  add: z.number().optional(),
}).strict();

export const PinSchema = z.object({ item: z.string().min(1), position: z.number().int().min(1, 'positions start at 1') }).strict();
export const CapSchema = z.object({ field: z.string().min(1), max: z.number().int().min(1, 'a cap must allow at least 1 item') }).strict();

/**
 * The re-rankers a request can ask for (src/rerank/knobs.ts): 'dpp' (default), 'mmr' and 'calibrated' spend the
 * `diversity` knob; 'xquad' only promotes the long tail (the `novelty` knob, which every method also applies).
 */
export const RERANK_METHODS = ['dpp', 'mmr', 'calibrated', 'xquad'] as const;
export type RerankMethod = (typeof RERANK_METHODS)[number];
const unitKnob = z.number().min(0, 'must be in [0, 1]').max(1, 'must be in [0, 1]');

/** Re-ranking defaults of a pipeline or a recipe; the request's `diversity`, `novelty` and `rerank` override them. */
export const RerankConfigSchema = z.object({
  diversity: unitKnob.optional(),
  novelty: unitKnob.optional(),
  method: z.enum(RERANK_METHODS).optional(),
  order: z.enum(RERANK_ORDERS).optional(),
  /** How many of the best candidates (after filters and boosts) the re-ranker chooses from (default 200). */
  candidates: z.number().int().min(1).max(10_000).optional(),
}).strict();
export type RerankConfig = z.infer<typeof RerankConfigSchema>;

export const HistoryEntrySchema = z.union([
  z.string().min(1),
  z.object({
    item: z.string().min(1),
    value: z.number().optional(),
    type: z.enum(INTERACTION_TYPES).optional(),
    timestamp: z.number().optional(),
  }).strict(),
]);

/** One recommendation request: everything the CLI, the API and the server ask the engine. */
export const RequestSchema = z.object({
  recipe: z.string().default('recommend'),
  /** The user asked for; a user the model has not seen is folded in from its stored history. */
  user: z.string().min(1).optional(),
  /** An anonymous session's events (item ids, or { item, value, type, timestamp }). */
  history: z.array(HistoryEntrySchema).optional(),
  /** What the user is looking at now. */
  context: z.object({ item: z.string().min(1).optional() }).strict().optional(),
  /** A basket or list of seed items (bought-together, related over several items). */
  items: z.array(z.string().min(1)).optional(),
  /** Only these items may be returned (LensKit's "given candidates"). */
  candidates: z.array(z.string().min(1)).optional(),
  k: z.number().int().min(1).max(10_000).optional(),
  filter: FilterSchema.optional(),
  boost: z.array(BoostSchema).optional(),
  pin: z.array(PinSchema).optional(),
  cap: z.array(CapSchema).optional(),
  /** Leave out items the user already interacted with (default true, except for `continue`). */
  excludeSeen: z.boolean().optional(),
  /** Leave out items shown to the user (recorded impressions) within this window. */
  excludeShown: DurationSchema.optional(),
  exclude: z.array(z.string().min(1)).optional(),
  /** The time window of trending / popular / new-arrivals. */
  window: DurationSchema.optional(),
  category: z.string().min(1).optional(),
  /** Let items with attrs.nonProduct (postage, fees) be recommended. */
  includeNonProducts: z.boolean().optional(),
  /** Record the returned items as `impression` interactions of `user`. */
  recordImpressions: z.boolean().optional(),
  /**
   * Trade relevance for a more varied list, 0 (off) to 1 (src/rerank/knobs.ts). Checked by the engine, so a value
   * outside [0, 1] is a ConfigError naming this field.
   */
  diversity: z.number().optional().describe('Trade relevance for a more varied list: 0 (off, default) to 1 (most varied), by the `rerank` method; outside [0, 1] is a 400 naming this field.'),
  /** Promote long-tail (less popular) items, 0 (off) to 1 (tail items only). */
  novelty: z.number().optional().describe('Promote long-tail (less popular) items: 0 (off, default; the user\'s own head/tail mix) to 1 (tail items only); outside [0, 1] is a 400 naming this field.'),
  /** Which re-ranker spends `diversity`: dpp (default), mmr, calibrated; xquad = novelty only. */
  rerank: z.enum(RERANK_METHODS).optional().describe('Which re-ranker spends `diversity`: dpp (default), mmr, calibrated (matches the categories of the user\'s history); xquad = novelty only.'),
  /**
   * How the re-ranked items are shown: 'relevance' (default: the chosen set best-first by the model's score) or
   * 'greedy' (the order the re-ranker picked them in). See src/rerank/knobs.ts.
   */
  order: z.enum(RERANK_ORDERS).optional().describe('How re-ranked items are shown: relevance (default; the chosen set best-first by score) or greedy (the order the re-ranker picked them in).'),
  /** The request's clock, ms since epoch. Default: now for the user's own events; the latest stored event for trends. */
  now: z.number().optional(),
}).strict();
export type EngineRequest = z.input<typeof RequestSchema>;
export type ParsedRequest = z.infer<typeof RequestSchema>;

const weight = z.number().positive().default(1);
export const ScorerSchema = z.discriminatedUnion('kind', [
  /** The trained model's personal scores (known user, or fold-in of a history). */
  z.object({ kind: z.literal('model'), weight, foldIn: z.enum(['unknown', 'always']).default('unknown') }).strict(),
  /** The trained model's item-item similarity to the seed items. */
  z.object({ kind: z.literal('similar'), weight, neighbors: z.number().int().min(1).default(200) }).strict(),
  /** Co-occurrence with the seed items among users' events (optionally of some types only). */
  z.object({ kind: z.literal('cooccurrence'), weight, types: z.array(z.enum(INTERACTION_TYPES)).min(1).optional() }).strict(),
  /**
   * The trained model's fold-in of the seed items (the item, or the basket) as if they were a user's history;
   * only items scored above zero are candidates. Without a loaded model it scores nothing, so a recipe blending it keeps its other scorers' answer.
   */
  z.object({ kind: z.literal('basket-model'), weight }).strict(),
  /** Association rules from baskets (support, confidence, lift). */
  z.object({ kind: z.literal('bought-together'), weight, minSupport: z.number().int().min(1).optional() }).strict(),
  /** Rise of each item's event rate in the window against its baseline. */
  z.object({ kind: z.literal('trending'), weight, window: DurationSchema.default('7d') }).strict(),
  /** Event counts in the window (all time when absent). */
  z.object({ kind: z.literal('popular'), weight, window: DurationSchema.optional() }).strict(),
  /** Newest items first (item timestamp); only items newer than the window when one is given. */
  z.object({ kind: z.literal('new'), weight, window: DurationSchema.optional() }).strict(),
  /** The user's own recently interacted items, most recent first. */
  z.object({ kind: z.literal('recent'), weight, types: z.array(z.enum(INTERACTION_TYPES)).min(1).optional() }).strict(),
]);
export type ScorerConfig = z.infer<typeof ScorerSchema>;

export const RecipeSchema = z.object({
  description: z.string().optional(),
  scorers: z.array(ScorerSchema).min(1),
  /** Recipe-level rules, combined with the request's (filters AND-ed, boosts appended, caps overridden by field). */
  filter: FilterSchema.optional(),
  boost: z.array(BoostSchema).optional(),
  cap: z.array(CapSchema).optional(),
  k: z.number().int().min(1).optional(),
  excludeSeen: z.boolean().optional(),
  /** Re-ranking defaults for this recipe (over the pipeline's `defaults.rerank`). */
  rerank: RerankConfigSchema.optional(),
  /** Recipes that fill the list, in order, when this one has fewer than k items (e.g. no basket data). */
  fallback: z.array(z.string()).optional(),
}).strict();
export type RecipeConfig = z.infer<typeof RecipeSchema>;

/** A pipeline file: defaults for every request plus recipes (new ones, or replacing a preset of the same name). */
export const PipelineConfigSchema = z.object({
  defaults: z.object({
    k: z.number().int().min(1).optional(),
    filter: FilterSchema.optional(),
    boost: z.array(BoostSchema).optional(),
    cap: z.array(CapSchema).optional(),
    excludeNonProducts: z.boolean().optional(),
    /** Re-ranking defaults for every recipe. */
    rerank: RerankConfigSchema.optional(),
    /**
     * Read at most this many of a user's newest stored events per request (default: all). A cap bounds the cost
     * for very active users, but older items may then be recommended again.
     */
    historyLimit: z.number().int().min(1).optional(),
  }).strict().optional(),
  recipes: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'recipe names are lower-case words joined by "-"'), RecipeSchema).optional(),
  /** An OpenAI-compatible endpoint for requests, explanations and re-ranking (src/llm); every use falls back without it. */
  llm: LlmConfigSchema.optional(),
}).strict();
export type PipelineConfig = z.input<typeof PipelineConfigSchema>;
export type ParsedPipelineConfig = z.infer<typeof PipelineConfigSchema>;

/**
 * Validates `value`; the first problem becomes a ConfigError naming its field (`pin[0].position`), and an
 * unknown key lists the valid ones.
 */
export function parseStrict<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  let path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    const keys = (issue as { keys: string[] }).keys;
    path = [path, keys[0]].filter(Boolean).join('.');
    const valid = objectKeysAt(schema, issue.path, value);
    message = `unknown field${valid ? `; valid fields: ${valid.join(', ')}` : ''}`;
  }
  throw new ConfigError(path ? (what ? `${what}.${path}` : path) : what || 'request', message);
}

type Def = {
  type: string; innerType?: z.ZodType; shape?: Record<string, z.ZodType>; element?: z.ZodType; valueType?: z.ZodType;
  options?: z.ZodType[]; values?: unknown[];
};
const defOf = (s: z.ZodType) => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The keys of the object schema found by following `path` through wrappers, arrays and records. */
function objectKeysAt(schema: z.ZodType, path: readonly PropertyKey[], value: unknown): string[] | undefined {
  let s: z.ZodType | undefined = schema;
  let v = value;
  const unwrap = () => {
    while (s && ['optional', 'default', 'nullable', 'prefault'].includes(defOf(s).type)) s = defOf(s).innerType;
    // A discriminated union: the option whose `kind` literal the value names.
    if (s && defOf(s).type === 'union') {
      const kind = (v as { kind?: unknown } | undefined)?.kind;
      s = defOf(s).options!.find((o) => defOf(o).type === 'object' && defOf(defOf(o).shape!.kind ?? o).values?.includes(kind));
    }
  };
  for (const p of path) {
    unwrap();
    if (!s) return undefined;
    const d = defOf(s);
    v = (v as Record<PropertyKey, unknown> | undefined)?.[p];
    if (d.type === 'object') s = d.shape![String(p)];
    else if (d.type === 'array') s = d.element;
    else if (d.type === 'record') s = d.valueType;
    else return undefined;
  }
  unwrap();
  if (!s) return undefined;
  const d = defOf(s);
  if (d.type === 'object') return Object.keys(d.shape!);
  return undefined;
}
