/**
 * Full-ranking offline evaluation. For every user with held-out interactions the model scores the WHOLE
 * catalogue (no sampled negatives), the items the user was seen with — training items, validation items when
 * scoring test, and for strong generalization the fold-in history — are removed, and metrics are computed on
 * the top max(K). This is the protocol of RecBole's "full" evaluation mode.
 *
 * Relevant items are the user's target (test or validation) items that are not excluded; an item the user also
 * had in training cannot be recommended, so counting it would only lower every model's recall equally.
 * Users are skipped (and counted) when nothing relevant is left, or when they have no training rows and no
 * fold-in history (cold users in a temporal split: the model knows nothing about them).
 */
import { toMatrix, type Interactions } from '../data/interactions.ts';
import type { Csr } from '../data/csr.ts';
import { AbortedError, ConfigError, CurioError } from '../errors.ts';
import { topK } from '../linalg/topk.ts';
import type { FitOptions, Recommender } from '../models/types.ts';
import { METRIC_FROM_HITS, METRIC_NAMES, metricKey, randomOrderNdcg, type MetricName } from './metrics.ts';
import type { Split } from './splits.ts';
import { BeyondAccumulator, type BeyondOptions, type ExposureCurve } from './beyond.ts';
import type { ItemTexts } from '../text/item-text.ts';

export interface EvaluateProgress {
  done: number;
  total: number;
  seconds: number;
}

export interface EvaluateOptions {
  /** Cutoffs (default [5, 10, 20]). */
  ks?: readonly number[];
  /** Metrics to compute (default all of METRIC_NAMES). */
  metrics?: readonly MetricName[];
  /** Which held-out part to score: 'test' (default) or 'valid'. */
  target?: 'test' | 'valid';
  /**
   * Beyond-accuracy metrics (src/eval/beyond.ts) computed beside the accuracy ones; default: those that need no
   * side data (novelty, serendipity, long tail, exposure Gini/entropy, personalisation), plus ILD, calibration
   * and mi when categories (or a similarity) are given. `false` turns them off.
   */
  beyond?: BeyondOptions | false;
  /** Only evaluate these user indices (others in the target are ignored). */
  users?: Int32Array;
  onProgress?: (p: EvaluateProgress) => void;
  signal?: AbortSignal;
}

/** What a ranking evaluation needs: which interactions are targets, which are excluded, and fold-in histories. */
export interface EvalData {
  /** The model's training data; users with no rows here and no fold-in are cold and skipped. */
  train: Interactions;
  /** Held-out interactions to predict. */
  target: Interactions;
  /** Interactions whose items are removed from each user's ranking (training, and validation when scoring test). */
  exclude: readonly Interactions[];
  /** Histories of users unseen in training, scored through scoreHistory (their items are excluded too). */
  foldIn?: Interactions;
  /** Rank only these items (e.g. a cold-item split's held-out items); default the whole catalogue. */
  candidateItems?: Int32Array;
}

export interface PerUserResults {
  /** User indices, in evaluation order; values[key][q] belongs to users[q]. */
  users: Int32Array;
  /** Relevant (target, not excluded) items per user. */
  nRelevant: Int32Array;
  /** Keyed "ndcg@10" etc. */
  values: Record<string, Float32Array>;
}

export interface EvaluationResult {
  ks: number[];
  metrics: MetricName[];
  /**
   * Means over evaluated users, keyed "ndcg@10"; also "coverage@10" (catalogue coverage, not a user mean) and the
   * beyond-accuracy metrics: per-user ones (ild, novelty, serendipity, longtail, calibration) averaged over users
   * where they are defined, catalogue-level ones (gini, entropy, personalisation, mi) as computed.
   */
  means: Record<string, number>;
  perUser: PerUserResults;
  nItems: number;
  usersEvaluated: number;
  usersSkipped: { noRelevant: number; noHistory: number };
  /** Exposure (long-tail) curve per K, when the beyond-accuracy exposure metrics (gini, entropy) were computed. */
  exposure?: ExposureCurve[];
  /** Wall time of scoring, exclusion, top-K and metrics. */
  scoringSeconds: number;
  msPerUser: number;
}

function rowItems(m: Csr, u: number): Int32Array {
  return u < m.rows ? m.indices.subarray(m.indptr[u]!, m.indptr[u + 1]!) : new Int32Array(0);
}

/** The evaluation data for `split`: test excludes train and valid, valid excludes train only. */
export function evalDataOf(split: Pick<Split, 'train' | 'valid' | 'test' | 'foldIn' | 'candidateItems' | 'validCandidateItems'>, target: 'test' | 'valid' = 'test'): EvalData {
  const cand = split.candidateItems ? { candidateItems: split.candidateItems } : {};
  if (target === 'valid') {
    if (!split.valid) throw new CurioError('this split has no validation part');
    const vc = split.validCandidateItems ?? split.candidateItems;
    return { train: split.train, target: split.valid, exclude: [split.train], ...(split.foldIn ? { foldIn: split.foldIn } : {}), ...(vc ? { candidateItems: vc } : {}) };
  }
  const exclude = split.valid ? [split.train, split.valid] : [split.train];
  return { train: split.train, target: split.test, exclude, ...(split.foldIn ? { foldIn: split.foldIn } : {}), ...cand };
}

export function evaluateOn(model: Recommender, data: EvalData, o: EvaluateOptions = {}): EvaluationResult {
  const ks = [...(o.ks ?? [5, 10, 20])].sort((a, b) => a - b);
  if (!ks.length || ks.some((k) => !(Number.isInteger(k) && k >= 1))) throw new ConfigError('ks', `must be positive integers, got [${ks.join(', ')}]`);
  const metrics = [...(o.metrics ?? METRIC_NAMES)];
  for (const m of metrics) if (!(METRIC_NAMES as readonly string[]).includes(m)) throw new ConfigError('metrics', `unknown metric "${m}" (known: ${METRIC_NAMES.join(', ')})`);
  const maxK = ks[ks.length - 1]!;
  const nItems = data.train.items.size;
  if (model.nItems !== nItems) {
    throw new CurioError(`model scores ${model.nItems} items but the split's catalogue has ${nItems}: fit it on this split's train`);
  }
  const target = toMatrix(data.target, 'max');
  const train = toMatrix(data.train, 'max');
  const excl = data.exclude.map((d) => toMatrix(d, 'max'));
  const fold = data.foldIn ? toMatrix(data.foldIn, 'sum') : undefined;
  let notCandidate: Int32Array | undefined;
  if (data.candidateItems) {
    const isCand = new Uint8Array(nItems);
    let n = 0;
    for (const i of data.candidateItems) if (i >= 0 && i < nItems && !isCand[i]) { isCand[i] = 1; n++; }
    notCandidate = new Int32Array(nItems - n);
    for (let i = 0, q = 0; i < nItems; i++) if (!isCand[i]) notCandidate[q++] = i;
  }

  let candidates: Int32Array;
  if (o.users) candidates = o.users;
  else {
    let n = 0;
    for (let u = 0; u < target.rows; u++) if (target.indptr[u + 1]! > target.indptr[u]!) n++;
    candidates = new Int32Array(n);
    for (let u = 0, c = 0; u < target.rows; u++) if (target.indptr[u + 1]! > target.indptr[u]!) candidates[c++] = u;
  }

  const total = candidates.length;
  const users = new Int32Array(total);
  const nRel = new Int32Array(total);
  const cols: Float32Array[] = [];
  const values: Record<string, Float32Array> = {};
  for (const m of metrics) for (const k of ks) { const a = new Float32Array(total); values[metricKey(m, k)] = a; cols.push(a); }
  const fns = metrics.map((m) => METRIC_FROM_HITS[m]);

  const scores = new Float32Array(nItems);
  const relevant = new Uint8Array(nItems);
  const hits = new Uint8Array(maxK);
  // Best (lowest) rank at which each item was recommended to anyone: coverage@K = #items with bestRank < K.
  const bestRank = new Int32Array(nItems).fill(maxK);
  const beyond = o.beyond === false ? undefined : new BeyondAccumulator(train, nItems, ks, total, o.beyond ?? {});
  const excluded = (i: number) => scores[i] === -Infinity;
  let evaluated = 0, noRelevant = 0, noHistory = 0;
  const t0 = performance.now();

  for (let c = 0; c < total; c++) {
    if (o.signal?.aborted) throw new AbortedError('evaluation cancelled');
    const u = candidates[c]!;
    const foldItems = fold ? rowItems(fold, u) : undefined;
    scores.fill(NaN);
    if (foldItems && foldItems.length) {
      model.scoreHistory(foldItems, fold!.data.subarray(fold!.indptr[u]!, fold!.indptr[u + 1]!), scores);
      for (let q = 0; q < foldItems.length; q++) scores[foldItems[q]!] = -Infinity;
    } else if (rowItems(train, u).length) {
      model.scoreUser(u, scores);
    } else {
      noHistory++;
      continue;
    }
    for (const m of excl) { const it = rowItems(m, u); for (let q = 0; q < it.length; q++) scores[it[q]!] = -Infinity; }
    if (notCandidate) for (let q = 0; q < notCandidate.length; q++) scores[notCandidate[q]!] = -Infinity;

    const tItems = rowItems(target, u);
    let nr = 0;
    for (let q = 0; q < tItems.length; q++) {
      const i = tItems[q]!;
      if (scores[i] !== -Infinity) { relevant[i] = 1; nr++; }
    }
    if (nr === 0) { noRelevant++; continue; }

    const ranked = topK(scores, maxK).items;
    hits.fill(0);
    for (let r = 0; r < ranked.length; r++) {
      const i = ranked[r]!;
      hits[r] = relevant[i]!;
      if (r < bestRank[i]!) bestRank[i] = r;
    }
    beyond?.addUser(ranked, relevant, foldItems && foldItems.length ? foldItems : rowItems(train, u), excluded);
    for (let q = 0; q < tItems.length; q++) relevant[tItems[q]!] = 0;

    const row = evaluated++;
    users[row] = u; nRel[row] = nr;
    let col = 0;
    for (let f = 0; f < fns.length; f++) for (const k of ks) cols[col++]![row] = fns[f]!(hits, nr, k);
    if (o.onProgress && (c & 255) === 255) o.onProgress({ done: c + 1, total, seconds: (performance.now() - t0) / 1000 });
  }
  const seconds = (performance.now() - t0) / 1000;
  o.onProgress?.({ done: total, total, seconds });

  const perUser: PerUserResults = { users: users.slice(0, evaluated), nRelevant: nRel.slice(0, evaluated), values: {} };
  const means: Record<string, number> = {};
  for (const [key, a] of Object.entries(values)) {
    const v = a.slice(0, evaluated);
    perUser.values[key] = v;
    let s = 0;
    for (let q = 0; q < v.length; q++) s += v[q]!;
    means[key] = evaluated ? s / evaluated : NaN;
  }
  for (const k of ks) {
    let n = 0;
    for (let i = 0; i < nItems; i++) if (bestRank[i]! < k) n++;
    means[`coverage@${k}`] = nItems ? n / nItems : 0;
  }
  let exposure: ExposureCurve[] | undefined;
  if (beyond) {
    const b = beyond.finish();
    Object.assign(perUser.values, b.perUser);
    Object.assign(means, b.means);
    if (b.exposure.length) exposure = b.exposure;
  }
  return {
    ks, metrics, means, perUser, nItems, ...(exposure ? { exposure } : {}), usersEvaluated: evaluated, usersSkipped: { noRelevant, noHistory },
    scoringSeconds: seconds, msPerUser: evaluated + noRelevant ? (seconds * 1000) / (evaluated + noRelevant) : 0,
  };
}

/**
 * Mean NDCG@k over the users `evaluate` would score, of a ranking in uniformly random order (exact expectation):
 * the floor for a model that knows nothing, such as popularity on cold items (see `coldItems`).
 */
export function randomOrderNdcgOf(split: Pick<Split, 'train' | 'valid' | 'test' | 'foldIn' | 'candidateItems' | 'validCandidateItems'>, k: number, target: 'test' | 'valid' = 'test'): { ndcg: number; users: number } {
  const data = evalDataOf(split, target);
  const nItems = Math.max(data.train.items.size, data.target.items.size);
  const t = toMatrix(data.target, 'max'), train = toMatrix(data.train, 'max');
  const excl = data.exclude.map((d) => toMatrix(d, 'max'));
  const fold = data.foldIn ? toMatrix(data.foldIn, 'max') : undefined;
  const isCand = new Uint8Array(nItems).fill(data.candidateItems ? 0 : 1);
  for (const i of data.candidateItems ?? []) if (i >= 0 && i < nItems) isCand[i] = 1;
  let nCand = 0;
  for (let i = 0; i < nItems; i++) nCand += isCand[i]!;
  const gone = new Uint8Array(nItems);
  let sum = 0, users = 0;
  for (let u = 0; u < t.rows; u++) {
    const history = fold && rowItems(fold, u).length ? rowItems(fold, u) : rowItems(train, u);
    if (!history.length || !rowItems(t, u).length) continue;
    const marked: number[] = [];
    for (const m of [...excl, ...(fold ? [fold] : [])]) for (const i of rowItems(m, u)) if (isCand[i] && !gone[i]) { gone[i] = 1; marked.push(i); }
    let r = 0;
    for (const i of rowItems(t, u)) if (isCand[i] && !gone[i]) r++;
    if (r) { sum += randomOrderNdcg(r, nCand - marked.length, k); users++; }
    for (const i of marked) gone[i] = 0;
  }
  return { ndcg: users ? sum / users : 0, users };
}

/** Evaluates a fitted model on a split's test part (or validation part with `target: 'valid'`). */
export function evaluate(model: Recommender, split: Pick<Split, 'train' | 'valid' | 'test' | 'foldIn' | 'candidateItems' | 'validCandidateItems'>, o: EvaluateOptions = {}): EvaluationResult {
  return evaluateOn(model, evalDataOf(split, o.target ?? 'test'), o);
}

/** Entries of `a` then `b`; both must share id maps (parts of one split do). */
export function concatInteractions(a: Interactions, b: Interactions): Interactions {
  if (a.users !== b.users || a.items !== b.items) throw new CurioError('cannot concatenate interactions with different id maps');
  const n = a.length + b.length;
  const cat = <T extends Int32Array | Float32Array | Float64Array | Uint8Array>(x: T, y: T): T => {
    const out = new (x.constructor as new (n: number) => T)(n);
    out.set(x); out.set(y, x.length);
    return out;
  };
  return { users: a.users, items: a.items, length: n, user: cat(a.user, b.user), item: cat(a.item, b.item), value: cat(a.value, b.value), time: cat(a.time, b.time), type: cat(a.type, b.type) };
}

export interface ModelResult {
  kind: string;
  config: object;
  fitSeconds: number;
  /** Highest RSS sampled (timer every 25 ms plus before/after) during fit and evaluation. */
  peakRssMiB: number;
  /** The process's lifetime peak RSS (getrusage), an upper bound that includes earlier work. */
  processMaxRssMiB: number;
  metrics: Record<string, number>;
  perUser: PerUserResults;
  evaluation: EvaluationResult;
}

export interface FitAndEvaluateOptions extends EvaluateOptions {
  /** Fit on train only (default) or train + validation (after tuning). */
  fitOn?: 'train' | 'train+valid';
  fit?: FitOptions;
  /** Item text by external id, for text-aware models (content, cb2cf, hybrid). */
  itemText?: ItemTexts;
}

const MiB = 1024 * 1024;

/**
 * Fits `model` on the split's training part, times the fit, samples RSS while fitting and evaluating,
 * and evaluates on the test part. The split's held-out users (strong generalization) are in the id maps
 * but have no training rows, so the model never sees them.
 */
export async function fitAndEvaluate(model: Recommender, split: Split, o: FitAndEvaluateOptions = {}): Promise<ModelResult> {
  const fitData = o.fitOn === 'train+valid' && split.valid ? concatInteractions(split.train, split.valid) : split.train;
  let peak = process.memoryUsage().rss;
  const sample = () => { const r = process.memoryUsage().rss; if (r > peak) peak = r; };
  const timer = setInterval(sample, 25);
  timer.unref();
  try {
    const t0 = performance.now();
    await model.fit({ matrix: toMatrix(fitData), interactions: fitData, ...(o.itemText ? { itemText: o.itemText } : {}) }, o.fit);
    const fitSeconds = (performance.now() - t0) / 1000;
    sample();
    const evaluation = evaluate(model, { ...split, train: fitData }, o);
    sample();
    return {
      kind: model.kind, config: model.config, fitSeconds, peakRssMiB: peak / MiB,
      processMaxRssMiB: (process.resourceUsage().maxRSS * 1024) / MiB,
      metrics: evaluation.means, perUser: evaluation.perUser, evaluation,
    };
  } finally {
    clearInterval(timer);
  }
}
