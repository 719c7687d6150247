/**
 * Small hyper-parameter search (grid or seeded random) scored on the VALIDATION part only.
 *
 * Tuning never receives a test set: its input type is `TuneData` (train, valid and optional fold-in
 * histories), `test?: never` makes passing a whole Split a type error, and a runtime check rejects an object
 * carrying `test` anyway. Build the input with `validationView(split)`. After tuning, refit the best
 * parameters on train (or train + valid) and evaluate on test once.
 */
import { toMatrix, type Interactions } from '../data/interactions.ts';
import { AbortedError, ConfigError, CurioError } from '../errors.ts';
import type { FitOptions, Recommender } from '../models/types.ts';
import { evaluateOn } from './evaluate.ts';
import { parseMetricKey } from './metrics.ts';
import { deriveSeed, mulberry32, randInt, type RandomFn as Rng } from '../data/random.ts';
import { selectUsers, type Split } from './splits.ts';
import type { ItemTexts } from '../text/item-text.ts';

export type ParamValue = number | string | boolean;
/** A list of values (grid or random choice), or a numeric range (random search only). */
export type ParamSpec = readonly ParamValue[] | { min: number; max: number; log?: boolean; int?: boolean };
export type ParamSpace = Record<string, ParamSpec>;
export type Params = Record<string, ParamValue>;

export interface TuneData {
  train: Interactions;
  valid: Interactions;
  /** Fold-in histories of validation users (strong generalization). */
  foldIn?: Interactions;
  /** Rank only these items (cold-item splits). */
  candidateItems?: Int32Array;
  test?: never;
}

/** The part of a split that tuning may see: train, valid and the validation users' fold-in histories. */
export function validationView(split: Split): TuneData {
  if (!split.valid) throw new CurioError(`the ${split.description.kind} split has no validation part to tune on`);
  const vc = split.validCandidateItems ?? split.candidateItems;
  const cand = vc ? { candidateItems: vc } : {};
  if (!split.foldIn) return { train: split.train, valid: split.valid, ...cand };
  // keep only the validation users' fold-in: test users' histories are no business of tuning
  const isValid = new Uint8Array(split.valid.users.size);
  for (let k = 0; k < split.valid.length; k++) isValid[split.valid.user[k]!] = 1;
  return { train: split.train, valid: split.valid, foldIn: selectUsers(split.foldIn, (u) => isValid[u] === 1), ...cand };
}

export interface TuneOptions<P extends Params = Params> {
  factory: (params: P) => Recommender;
  space: ParamSpace;
  data: TuneData;
  seed: number;
  /** 'grid' enumerates every combination of list-valued params (default when all are lists); 'random' samples. */
  mode?: 'grid' | 'random';
  /**
   * Distinct points to try, sampled without replacement (random default 10; grid default the whole grid). A space
   * with fewer points runs each once and the result says `exhausted`.
   */
  trials?: number;
  /** Validation metric to maximise (default "ndcg@10"). */
  metric?: string;
  fit?: FitOptions;
  /** Item text by external id, for text-aware models. */
  itemText?: ItemTexts;
  onTrial?: (t: Trial, index: number, total: number) => void;
  signal?: AbortSignal;
}

export interface Trial {
  params: Params;
  score: number;
  fitSeconds: number;
  evalSeconds: number;
}

export interface TuneResult {
  metric: string;
  mode: 'grid' | 'random';
  seed: number;
  /** Best first; ties keep trial order. */
  trials: Trial[];
  best: Trial;
  /** Trials asked for (grid without a cap: the grid size). */
  requested: number;
  /** Distinct points in the space; null when a parameter is a continuous range. */
  spaceSize: number | null;
  /** The space had fewer distinct points than `requested`: each was tried once, and `trials` is shorter. */
  exhausted: boolean;
  /** The space searched. */
  space: ParamSpace;
  /** Best values on an edge of their range: the optimum may lie outside the space, which should be widened. */
  onEdge: EdgeFlag[];
}

export interface EdgeFlag {
  param: string;
  value: number;
  edge: 'low' | 'high';
  /** The range searched: a list's smallest and largest value, or a range's min and max. */
  range: [number, number];
}

/** Share of a continuous range (log-scaled for a log range) at each end that counts as "on the edge". */
export const EDGE_SHARE = 0.1;

/**
 * Numeric best values on an edge of their search range: a list's smallest or largest value (lists of two or more
 * numbers), or within the outer EDGE_SHARE of a range (log scale for log ranges); a random search rarely draws a
 * range's exact end, so its outer tenth is where a best value says "the optimum may be further out". A best
 * value of 0 at the low end is not flagged: tuned parameters are non-negative (shrinkage, penalties), and 0 —
 * the term switched off — has nothing below it.
 */
export function paramsOnEdge(space: ParamSpace, best: Params): EdgeFlag[] {
  const out: EdgeFlag[] = [];
  for (const [param, s] of Object.entries(space)) {
    const value = best[param];
    if (typeof value !== 'number') continue;
    if (isList(s)) {
      const nums = distinct(s).filter((v): v is number => typeof v === 'number');
      if (nums.length < 2) continue;
      const lo = Math.min(...nums), hi = Math.max(...nums);
      if (value === lo && value !== 0) out.push({ param, value, edge: 'low', range: [lo, hi] });
      else if (value === hi) out.push({ param, value, edge: 'high', range: [lo, hi] });
    } else if (s.max > s.min) {
      const f = (x: number) => (s.log ? Math.log(x) : x);
      const at = (f(value) - f(s.min)) / (f(s.max) - f(s.min));
      if (at <= EDGE_SHARE) out.push({ param, value, edge: 'low', range: [s.min, s.max] });
      else if (at >= 1 - EDGE_SHARE) out.push({ param, value, edge: 'high', range: [s.min, s.max] });
    }
  }
  return out;
}

function isList(s: ParamSpec): s is readonly ParamValue[] {
  return Array.isArray(s);
}

/** Throws a ConfigError naming the parameter when a space is empty, a list is empty or a range is invalid. */
export function checkSpace(space: ParamSpace, mode: 'grid' | 'random', prefix = 'tune.space'): void {
  const names = Object.keys(space);
  if (!names.length) throw new ConfigError(prefix, 'has no parameters');
  for (const name of names) {
    const s = space[name]!;
    if (isList(s)) {
      if (!s.length) throw new ConfigError(`${prefix}.${name}`, 'empty list of values');
    } else if (typeof s !== 'object' || s === null) {
      throw new ConfigError(`${prefix}.${name}`, `expected a list of values or a range {min, max, log?, int?}, got ${JSON.stringify(s)}`);
    } else {
      if (mode === 'grid') throw new ConfigError(`${prefix}.${name}`, 'a range needs random search (mode "random"); give a list for grid search');
      if (!(Number.isFinite(s.min) && Number.isFinite(s.max) && s.min <= s.max)) throw new ConfigError(`${prefix}.${name}`, `invalid range [${s.min}, ${s.max}]`);
      if (s.log && !(s.min > 0)) throw new ConfigError(`${prefix}.${name}`, 'a log range needs min > 0');
      if (s.int && Math.ceil(s.min) > Math.floor(s.max)) throw new ConfigError(`${prefix}.${name}`, `the integer range [${s.min}, ${s.max}] holds no integer`);
    }
  }
}

/** Every combination, the last parameter varying fastest. */
export function gridPoints(space: ParamSpace): Params[] {
  let out: Params[] = [{}];
  for (const [name, s] of Object.entries(space)) {
    if (!isList(s)) throw new ConfigError(`tune.space.${name}`, 'a range cannot be enumerated');
    const next: Params[] = [];
    for (const p of out) for (const v of s) next.push({ ...p, [name]: v });
    out = next;
  }
  return out;
}

function sampleValue(s: ParamSpec, rng: Rng): ParamValue {
  if (isList(s)) return s[randInt(rng, s.length)]!;
  const x = s.log ? Math.exp(Math.log(s.min) + rng() * (Math.log(s.max) - Math.log(s.min))) : s.min + rng() * (s.max - s.min);
  return s.int ? Math.min(Math.floor(s.max), Math.max(Math.ceil(s.min), Math.round(x))) : x;
}

/** Distinct values of a list (a repeated value is one point of the space, not two). */
function distinct(values: readonly ParamValue[]): ParamValue[] {
  return [...new Set(values)];
}

/** The finite list of values a parameter can take, or undefined for a continuous range. */
function valuesOf(s: ParamSpec): ParamValue[] | undefined {
  if (isList(s)) return distinct(s);
  if (!s.int) return undefined;
  const lo = Math.ceil(s.min), hi = Math.floor(s.max);
  if (hi - lo + 1 > ENUMERABLE) return undefined;
  return Array.from({ length: Math.max(0, hi - lo + 1) }, (_, i) => lo + i);
}

/** Spaces up to this many points are enumerated and shuffled; larger ones are sampled with rejection of repeats. */
const ENUMERABLE = 100_000;

/** Number of distinct points in the space; Infinity when a parameter is a continuous (or huge) range. */
export function spaceSize(space: ParamSpace): number {
  let n = 1;
  for (const s of Object.values(space)) n *= valuesOf(s)?.length ?? Infinity;
  return n;
}

/**
 * `n` distinct points of the space, seeded. Sampling is without replacement: a space with fewer than `n`
 * distinct points yields each of them once (in a seeded order), so a caller compares the length with `n` to
 * learn that the space is exhausted. Continuous ranges draw the same stream as before deduplication.
 */
export function randomPoints(space: ParamSpace, n: number, seed: number): Params[] {
  const rng = mulberry32(seed);
  const size = spaceSize(space);
  if (size <= ENUMERABLE) {
    const lists = Object.fromEntries(Object.entries(space).map(([name, s]) => [name, valuesOf(s)!]));
    const points = gridPoints(lists);
    const take = Math.min(n, points.length);
    for (let i = 0; i < take; i++) { const j = i + randInt(rng, points.length - i); [points[i], points[j]] = [points[j]!, points[i]!]; }
    return points.slice(0, take);
  }
  const seen = new Set<string>();
  const out: Params[] = [];
  while (out.length < n) {
    const p: Params = {};
    for (const [name, s] of Object.entries(space)) p[name] = sampleValue(s, rng);
    const key = JSON.stringify(p);
    if (seen.has(key)) continue; // more than ENUMERABLE points, so a fresh one is always a few draws away
    seen.add(key);
    out.push(p);
  }
  return out;
}

export async function tune<P extends Params = Params>(o: TuneOptions<P>): Promise<TuneResult> {
  if ((o.data as { test?: unknown }).test !== undefined) throw new CurioError('tune() must not receive a test set: pass validationView(split)');
  const { train, valid, foldIn, candidateItems } = o.data;
  if (!valid || valid.length === 0) throw new CurioError('tune() needs a non-empty validation part');
  const metric = o.metric ?? 'ndcg@10';
  const { metric: name, k } = parseMetricKey(metric);
  const mode = o.mode ?? (Object.values(o.space).every(isList) ? 'grid' : 'random');
  checkSpace(o.space, mode);
  if (o.trials !== undefined && !(Number.isSafeInteger(o.trials) && o.trials >= 1)) throw new ConfigError('tune.trials', `must be an integer >= 1, got ${o.trials}`);
  const requested = o.trials ?? (mode === 'grid' ? Infinity : 10);
  // both modes sample without replacement; a grid without a cap is the whole grid in its own order
  const points = mode === 'grid' && o.trials === undefined ? gridPoints(o.space) : randomPoints(o.space, requested, o.seed);
  const size = spaceSize(o.space);

  const matrix = toMatrix(train);
  const evalData = { train, target: valid, exclude: [train], ...(foldIn ? { foldIn } : {}), ...(candidateItems ? { candidateItems } : {}) };
  const trials: Trial[] = [];
  for (let t = 0; t < points.length; t++) {
    if (o.signal?.aborted) throw new AbortedError('tuning cancelled');
    const params = points[t]!;
    const model = o.factory(params as P);
    const t0 = performance.now();
    await model.fit({ matrix, interactions: train, ...(o.itemText ? { itemText: o.itemText } : {}) }, { seed: deriveSeed(o.seed, t), ...o.fit });
    const t1 = performance.now();
    const r = evaluateOn(model, evalData, { ks: [k], metrics: [name], ...(o.signal ? { signal: o.signal } : {}) });
    const trial: Trial = { params, score: r.means[metric]!, fitSeconds: (t1 - t0) / 1000, evalSeconds: r.scoringSeconds };
    trials.push(trial);
    o.onTrial?.(trial, t, points.length);
  }
  // NaN scores (no evaluable validation user) sort last
  const order = trials.map((_, i) => i).sort((a, b) => {
    const sa = trials[a]!.score, sb = trials[b]!.score;
    const na = Number.isNaN(sa), nb = Number.isNaN(sb);
    if (na !== nb) return na ? 1 : -1;
    return (na ? 0 : sb - sa) || a - b;
  });
  const sorted = order.map((i) => trials[i]!);
  return {
    metric, mode, seed: o.seed, trials: sorted, best: sorted[0]!,
    requested: Number.isFinite(requested) ? requested : points.length,
    spaceSize: Number.isFinite(size) ? size : null,
    exhausted: points.length < requested,
    space: o.space,
    onEdge: paramsOnEdge(o.space, sorted[0]!.params),
  };
}
