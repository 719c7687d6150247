/**
 * Why a model gave a user's history the score it gave an item: the share of that score owed to each history
 * item, computed from the model's own arrays (its artifact), never from a surrogate.
 *
 * - EASE and ItemKNN are linear in the weighted history: score(i) = Σ_j w_j B[j, i], so w_j B[j, i] is the exact
 *   share of history item j (the shares sum to the score the model serves).
 * - iALS (Hu, Koren & Volinsky 2008, §5): the fold-in user vector is x_u = (YᵀC_uY + λI)⁻¹ YᵀC_u p(u), so
 *   r̂_ui = Σ_j s_ij c_uj with s_ij = y_iᵀ W y_j, W = (YᵀC_uY + λI)⁻¹. The shares are exact for that closed-form
 *   solve given the item factors Y, i.e. for what `scoreHistory` serves. A training user's stored x_u came from
 *   alternating (CG) steps and differs slightly: `served` carries its score so the gap is visible.
 * - UserKNN sums its neighbours' rows: exact per neighbour; with the neighbourhood fixed, each neighbour's
 *   cosine is linear in the history too, which splits the score exactly over history items (not centred only).
 * - Popularity: the count, owed to no history item.
 * - BPR has no decomposition: the cosine of each history item's factors with the item's, labelled approximate.
 */
import { transpose, type Csr } from '../data/csr.ts';
import { weightRow, type FittedWeighting, type WeightingSpec } from '../data/weighting.ts';
import { CurioError } from '../errors.ts';
import { topK } from '../linalg/topk.ts';
import { nativeAddon } from '../linalg/native.ts';
import { choleskyFactor, choleskySolveFactored, gramian } from '../linalg/vec.ts';
import type { ModelArtifact, Recommender } from '../models/types.ts';

export class ExplainError extends CurioError {
  override readonly code = 'EXPLAIN';
}

export type ExplainMethod =
  | 'item-weights' // EASE: w_j · B[j, i]
  | 'item-neighbours' // ItemKNN: w_j · sim(j, i)
  | 'ials-closed-form' // c_uj · y_iᵀ W y_j
  | 'user-neighbours' // UserKNN
  | 'popularity'
  | 'factor-similarity'; // BPR, approximate

export interface Contribution {
  /** Model item index of the history item. */
  item: number;
  value: number;
  /**
   * How the score changes when this item is taken out of the history and the model re-scores it (fold-in),
   * when known exactly. For linear models it is −value; for iALS and UserKNN it is measured by re-solving,
   * because their solve is not linear in the history and a positive share can come with a removal that raises
   * the score.
   */
  removal?: number;
}

export interface ScoreExplanation {
  model: string;
  item: number;
  /** The score the explained computation gives: base + the sum of every history item's share when exact. */
  score: number;
  /** The part owed to no history item (popularity's count, BPR's item bias), else 0. */
  base: number;
  /** The `top` largest shares, largest first. */
  contributions: Contribution[];
  /** Sum of the shares not listed (so base + Σ listed + rest = score when exact). */
  rest: number;
  /** True when the shares add up to the score by construction. */
  exact: boolean;
  method: ExplainMethod;
  /** For UserKNN: the neighbours' shares, largest first (exact, they sum to the score). */
  neighbours?: { user: number; value: number }[];
  /** The score the model serves, when it differs from `score` (iALS training users, BPR). */
  served?: number;
  note?: string;
}

export interface ExplainOptions {
  /** Shares to list (default 3). */
  top?: number;
}

/** The weighted history as the model reads it: items and weights, entries the weighting drops left out. */
interface Weighted {
  items: Int32Array;
  w: Float32Array;
  /** Training user index, or -1 for a folded-in history. */
  user: number;
  /** The history before weighting (fold-in only): what `scoreHistory` takes. */
  raw?: { items: Int32Array; values: Float32Array };
  /** iALS: the factorised system of this history, made on first use. */
  ials?: IalsSystem;
  /** Explanations made ahead by `prepare` (for `readyTop` listed shares), each handed out once. */
  ready?: Map<number, ScoreExplanation>;
  readyTop?: number;
}

/** Explains one model's scores for one history: the per-history work (weighting, iALS's factorised solve) is done once. */
export interface Explainer {
  (item: number, o?: ExplainOptions): ScoreExplanation;
  /**
   * Explains these items now, together, for the calls that follow with the same options (a server explains every
   * item it lists): each call then returns what it would have computed alone. Nothing where that gains nothing.
   */
  prepare?(items: ArrayLike<number>, o?: ExplainOptions): void;
  /**
   * Gives back the scratch the per-history work borrowed (iALS: its f × f factor, 32 KB at 64 factors: allocated per
   * request it sets off full garbage collections under load). The explainer is not used after it.
   */
  release?(): void;
}

function makeExplainer(model: Recommender, a: ModelArtifact, h: Weighted): Explainer {
  const explain: Explainer = (item, o = {}) => {
    checkItem(model, item);
    const r = h.ready?.get(item);
    if (r && h.readyTop === (o.top ?? 3)) {
      h.ready!.delete(item);
      return r;
    }
    return explainWeighted(model, a, h, item, o);
  };
  explain.prepare = (items, o = {}) => {
    for (let q = 0; q < items.length; q++) checkItem(model, items[q]!);
    if (a.kind === 'ials') ialsPrepare(a, h, items, o.top ?? 3);
  };
  explain.release = () => {
    if (h.ials && spareFactors.length < 64) spareFactors.push(h.ials.L);
    h.ials = undefined;
  };
  return explain;
}

/**
 * An explainer of `model`'s scores for a history of (item, raw value) pairs — the fold-in the engine serves for
 * users unseen in training, and exactly what `model.scoreHistory` computes.
 */
export function historyExplainer(model: Recommender, items: Int32Array, values: Float32Array): Explainer {
  if (items.length !== values.length) throw new ExplainError(`explain: ${items.length} history items but ${values.length} values`);
  const a = artifactOf(model);
  for (let q = 0; q < items.length; q++) checkItem(model, items[q]!);
  const w = weightRow(weightingOf(a), items, values);
  let keep = 0;
  for (let q = 0; q < w.length; q++) if (!Number.isNaN(w[q])) keep++;
  const ki = new Int32Array(keep), kw = new Float32Array(keep);
  for (let q = 0, p = 0; q < w.length; q++) if (!Number.isNaN(w[q])) { ki[p] = items[q]!; kw[p++] = w[q]!; }
  return makeExplainer(model, a, { items: ki, w: kw, user: -1, raw: { items, values } });
}

/** An explainer of `model`'s scores for a training user, from the user's (weighted) training row. */
export function userExplainer(model: Recommender, user: number): Explainer {
  const a = artifactOf(model);
  if (!(Number.isInteger(user) && user >= 0 && user < model.nUsers)) throw new ExplainError(`explain: user index ${user} outside 0..${model.nUsers - 1}`);
  const indptr = a.arrays['train.indptr'] as Int32Array | undefined, indices = a.arrays['train.indices'] as Int32Array, data = a.arrays['train.data'] as Float32Array;
  // text-aware models (content, cb2cf, hybrid) keep no training rows: no history shares to cite
  if (!indptr) throw new ExplainError(`explain: no explanation for model kind "${a.kind}" (it keeps no training rows)`);
  const s = indptr[user]!, e = indptr[user + 1]!;
  return makeExplainer(model, a, { items: indices.subarray(s, e), w: data.subarray(s, e), user });
}

/** Explains `model`'s score of `item` for a history of (item, raw value) pairs (see historyExplainer). */
export function explainHistory(model: Recommender, items: Int32Array, values: Float32Array, item: number, o: ExplainOptions = {}): ScoreExplanation {
  return historyExplainer(model, items, values)(item, o);
}

/** Explains `model`'s score of `item` for a training user (see userExplainer). */
export function explainUser(model: Recommender, user: number, item: number, o: ExplainOptions = {}): ScoreExplanation {
  return userExplainer(model, user)(item, o);
}

function checkItem(model: Recommender, item: number): void {
  if (!(Number.isInteger(item) && item >= 0 && item < model.nItems)) throw new ExplainError(`explain: item index ${item} outside 0..${model.nItems - 1}`);
}

function artifactOf(model: Recommender): ModelArtifact {
  // The model's own arrays (no copies); made once per fit where the model keeps it. Throws when unfitted.
  return model.artifactView?.() ?? model.toArtifact();
}

function weightingOf(a: ModelArtifact): FittedWeighting {
  return {
    spec: (a.meta.weighting as WeightingSpec | undefined) ?? { kind: 'none' },
    idf: a.arrays['weighting.idf'] as Float32Array | undefined,
    avgRowSum: a.meta.avgRowSum as number | undefined,
  };
}

function explainWeighted(model: Recommender, a: ModelArtifact, h: Weighted, item: number, o: ExplainOptions): ScoreExplanation {
  const top = o.top ?? 3;
  switch (a.kind) {
    case 'ease': case 'cease': return easeShares(a, h, item, top);
    case 'itemknn': return itemKnnShares(a, h, item, top);
    case 'ials': return ialsShares(a, h, item, top);
    case 'userknn': return userKnnShares(a, h, item, top);
    case 'popularity': {
      const counts = a.arrays.counts as Float32Array;
      return { model: a.kind, item, score: counts[item]!, base: counts[item]!, contributions: [], rest: 0, exact: true, method: 'popularity', note: 'the same score for everyone: how popular the item is' };
    }
    case 'bpr': return bprSimilarity(model, a, h, item, top);
    default: throw new ExplainError(`explain: no explanation for model kind "${a.kind}"`);
  }
}

/**
 * Sorts shares (merging repeated items) and splits them into the listed top and the rest. With `distinct` (no item
 * twice) it only picks the top, as a serving path explains every listed item: no map, no sort of the history.
 */
function finish(partial: Omit<ScoreExplanation, 'contributions' | 'rest'>, items: Int32Array, shares: Float64Array, top: number, distinct = false): ScoreExplanation {
  if (distinct) {
    const better = (a: number, b: number) => shares[a]! > shares[b]! || (shares[a] === shares[b] && items[a]! < items[b]!);
    const pick: number[] = [];
    for (let q = 0; q < items.length; q++) {
      if (pick.length === top && (top === 0 || !better(q, pick[top - 1]!))) continue;
      let at = pick.length < top ? pick.length : top - 1;
      while (at > 0 && better(q, pick[at - 1]!)) at--;
      pick.splice(at, 0, q);
      if (pick.length > top) pick.pop();
    }
    let rest = 0;
    const listed = new Uint8Array(items.length);
    for (const q of pick) listed[q] = 1;
    for (let q = 0; q < items.length; q++) if (!listed[q]) rest += shares[q]!;
    return { ...partial, contributions: pick.map((q) => ({ item: items[q]!, value: shares[q]! })), rest };
  }
  const byItem = new Map<number, number>();
  for (let q = 0; q < items.length; q++) byItem.set(items[q]!, (byItem.get(items[q]!) ?? 0) + shares[q]!);
  const all = [...byItem].map(([item, value]) => ({ item, value })).sort((x, y) => y.value - x.value || x.item - y.item);
  let rest = 0;
  for (let q = top; q < all.length; q++) rest += all[q]!.value;
  return { ...partial, contributions: all.slice(0, top), rest };
}

function sum(x: Float64Array): number {
  let s = 0;
  for (let q = 0; q < x.length; q++) s += x[q]!;
  return s;
}

function easeShares(a: ModelArtifact, h: Weighted, item: number, top: number): ScoreExplanation {
  const b = a.arrays['ease.weights'] as Float32Array;
  const kept = a.arrays['ease.kept'] as Int32Array | undefined;
  const n = a.meta.modelledItems as number;
  const slot = (j: number) => (kept ? binarySearch(kept, j) : j);
  const si = slot(item);
  const shares = new Float64Array(h.items.length);
  if (si < 0) {
    return finish({ model: a.kind, item, score: NaN, base: 0, exact: false, method: 'item-weights', note: 'the item is not among the items EASE models (maxItems)' }, new Int32Array(0), shares, top);
  }
  for (let q = 0; q < h.items.length; q++) {
    const sj = slot(h.items[q]!);
    shares[q] = sj < 0 ? 0 : h.w[q]! * b[sj * n + si]!;
  }
  return linearRemovals(a, finish({ model: a.kind, item, score: sum(shares), base: 0, exact: true, method: 'item-weights' }, h.items, shares, top));
}

function binarySearch(sorted: Int32Array, x: number): number {
  let lo = 0, hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1, v = sorted[mid]!;
    if (v === x) return mid;
    if (v < x) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

function itemKnnShares(a: ModelArtifact, h: Weighted, item: number, top: number): ScoreExplanation {
  const indptr = a.arrays['sim.indptr'] as Int32Array, indices = a.arrays['sim.indices'] as Int32Array, data = a.arrays['sim.data'] as Float32Array;
  const shares = new Float64Array(h.items.length);
  for (let q = 0; q < h.items.length; q++) {
    const j = h.items[q]!;
    for (let p = indptr[j]!, e = indptr[j + 1]!; p < e; p++) if (indices[p] === item) { shares[q] = h.w[q]! * data[p]!; break; }
  }
  return linearRemovals(a, finish({ model: a.kind, item, score: sum(shares), base: 0, exact: true, method: 'item-neighbours' }, h.items, shares, top));
}

/** α0·YᵀY per item-factor array, shared by every explanation of the same model. */
const gramCache = new WeakMap<Float32Array, Float64Array>();

/** Builds now what the first explanation of `model`'s scores would build (iALS: α0·YᵀY); a server does so before a swap. */
export function prepareExplanations(model: Recommender): void {
  const a = artifactOf(model);
  if (a.kind === 'ials') ialsGram(a);
}

function ialsGram(a: ModelArtifact): Float64Array {
  const Y = a.arrays.itemFactors as Float32Array;
  let G = gramCache.get(Y);
  if (!G) {
    G = gramian(Y, a.meta.cols as number, a.meta.factors as number);
    const w = (a.config as IalsConfigPart).unobservedWeight;
    for (let k = 0; k < G.length; k++) G[k] = G[k]! * w;
    gramCache.set(Y, G);
  }
  return G;
}

interface IalsConfigPart { alpha: number; regularization: number; unobservedWeight: number; frequencyScaledReg: boolean; regularizationExponent: number }

/**
 * A history's fold-in system A = α0YᵀY + Σ(c_j − α0)y_jy_jᵀ + λ_uI as its Cholesky factor L (A = LLᵀ), with
 * x_u = A⁻¹b. An explained item i costs one solve w = A⁻¹y_i (by L, then Lᵀ), and then s_ij = y_jᵀw for every history
 * item j is a dot product: nothing per history item is solved unless its removal effect is asked for
 * (s_jj = |L⁻¹y_j|², solved once per system and kept).
 */
interface IalsSystem {
  /** L in the lower triangle, row-major (the native factor keeps Lᵀ above the diagonal; nothing here reads it). */
  L: Float64Array;
  x: Float64Array;
  conf: Float64Array;
  /** s_jj = y_jᵀA⁻¹y_j per history position, NaN until first needed. */
  sjj: Float64Array;
  /** Whether every history item occurs once (the one-entry removal formula needs it). */
  distinct: boolean;
}

/** Solves L z = b in place (L lower triangular, from choleskyFactor). */
function forwardSolve(L: Float64Array, b: Float64Array, f: number): void {
  for (let i = 0; i < f; i++) {
    const ri = i * f;
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= L[ri + k]! * b[k]!;
    b[i] = s / L[ri + i]!;
  }
}

/** Whether every item occurs once, without a Set per request (histories are short). */
function allDistinct(items: Int32Array): boolean {
  if (items.length > 64) return new Set(items).size === items.length;
  for (let q = 1; q < items.length; q++) for (let p = 0; p < q; p++) if (items[p] === items[q]) return false;
  return true;
}

/** iALS factors given back by released explainers, for the next requests' (their size is checked on reuse). */
const spareFactors: Float64Array[] = [];

function spareFactor(f: number): Float64Array {
  let L = spareFactors.pop();
  while (L && L.length !== f * f) L = spareFactors.pop();
  return L ?? new Float64Array(f * f); // every entry is written by the factorisation
}

function ialsSystem(a: ModelArtifact, h: Weighted): IalsSystem {
  const c = a.config as IalsConfigPart;
  const f = a.meta.factors as number, nI = a.meta.cols as number;
  const Y = a.arrays.itemFactors as Float32Array;
  const G = ialsGram(a);
  // The same system as the fold-in solve (src/linalg/cg.ts solveRowCholesky).
  const lambda = c.frequencyScaledReg ? c.regularization * Math.pow(h.items.length + c.unobservedWeight * nI, c.regularizationExponent) : c.regularization;
  const distinct = allDistinct(h.items);
  const native = nativeAddon();
  if (native?.ialsExplainFactor && native.ialsExplainItems) {
    // The factor (32 KB at 64 factors) is lent until release; x, c and s_jj share one small allocation.
    const n = h.items.length, buf = new Float64Array(f + 2 * n);
    const L = spareFactor(f), x = buf.subarray(0, f), conf = buf.subarray(f, f + n);
    const params = systemParams;
    params[0] = lambda; params[1] = c.alpha; params[2] = c.unobservedWeight;
    if (!native.ialsExplainFactor(Y, f, G, params, h.items, h.w, L, x, conf)) throw notPositiveDefinite();
    return { L, x, conf, sjj: buf.subarray(f + n).fill(NaN), distinct };
  }
  const A = Float64Array.from(G);
  for (let k = 0; k < f; k++) A[k * f + k] = A[k * f + k]! + lambda;
  const conf = new Float64Array(h.items.length);
  const x = new Float64Array(f);
  for (let q = 0; q < h.items.length; q++) {
    const cj = 1 + c.alpha * h.w[q]!, wj = cj - c.unobservedWeight, yo = h.items[q]! * f;
    conf[q] = cj;
    for (let r = 0; r < f; r++) {
      const yr = Y[yo + r]!, wr = wj * yr, ro = r * f;
      x[r] = x[r]! + cj * yr;
      // The factorisation reads the lower triangle only.
      for (let s = 0; s <= r; s++) A[ro + s] = A[ro + s]! + wr * Y[yo + s]!;
    }
  }
  if (!choleskyFactor(A, f)) throw notPositiveDefinite();
  choleskySolveFactored(A, x, f);
  return { L: A, x, conf, sjj: new Float64Array(h.items.length).fill(NaN), distinct };
}

/** s_jj = |L⁻¹y_j|² of history position q, solved on first use. */
function ialsSjj(sys: IalsSystem, Y: Float32Array, j: number, q: number, f: number): number {
  if (Number.isNaN(sys.sjj[q])) {
    const v = new Float64Array(f);
    for (let r = 0; r < f; r++) v[r] = Y[j * f + r]!;
    forwardSolve(sys.L, v, f);
    let s = 0;
    for (let r = 0; r < f; r++) s += v[r]! * v[r]!;
    sys.sjj[q] = s;
  }
  return sys.sjj[q]!;
}

/** [λ, α, α0] of the system being factorised (read by the synchronous native call). */
const systemParams = new Float64Array(3);

/** Outputs of ialsExplainItems, read before the next call (the call is synchronous): no allocation per explained item. */
const itemScratch = {
  one: new Int32Array(1), oi: new Int32Array(64), ov: new Float64Array(64), orm: new Float64Array(64), o3: new Float64Array(3),
  shares: new Float64Array(256), byTop: [] as Int32Array[],
  batch: { oi: new Int32Array(192), ov: new Float64Array(192), orm: new Float64Array(192), o3: new Float64Array(96) },
};

/** itemScratch.oi's first `top` entries (ialsExplainItems lists as many as its array holds), made once per length. */
function topItems(top: number): Int32Array {
  return (itemScratch.byTop[top] ??= itemScratch.oi.subarray(0, top));
}

/** Whether one native call gives an explanation whole: shares, the listed top and the removal effects. */
function ialsFast(a: ModelArtifact, h: Weighted, top: number): boolean {
  return !!nativeAddon()?.ialsExplainItems && h.ials!.distinct && !(a.config as IalsConfigPart).frequencyScaledReg && top <= 64;
}

/** Whether the history is a training user's with stored factors (whose score an explanation reports as served). */
function hasServed(a: ModelArtifact, h: Weighted): boolean {
  return h.user >= 0 && (a.arrays.userFactors as Float32Array).length > 0;
}

/** A training user's served score of `item`, from their stored factors (see hasServed). */
function servedScore(a: ModelArtifact, h: Weighted, item: number): number {
  const X = a.arrays.userFactors as Float32Array, Y = a.arrays.itemFactors as Float32Array, f = a.meta.factors as number;
  let s = 0;
  for (let r = 0; r < f; r++) s += X[h.user * f + r]! * Y[item * f + r]!;
  return s;
}

/** The explanation of the fast path from its listed shares (t0.. of the outputs), written out rather than spread. */
function ialsExplanation(a: ModelArtifact, h: Weighted, item: number, n: number, score: number, rest: number, oi: Int32Array, ov: Float64Array, orm: Float64Array, t0: number): ScoreExplanation {
  const contributions: Contribution[] = new Array(n);
  for (let t = 0; t < n; t++) contributions[t] = { item: oi[t0 + t]!, value: ov[t0 + t]!, removal: orm[t0 + t]! };
  // One shape per case, the same keys in the same order as the general path's `served`.
  if (!hasServed(a, h)) {
    return { model: a.kind, item, score, base: 0, exact: true, method: 'ials-closed-form', contributions, rest };
  }
  return { model: a.kind, item, score, base: 0, exact: true, method: 'ials-closed-form', served: servedScore(a, h, item), note: SERVED_NOTE, contributions, rest };
}

/** Explains `items` in one native call ahead of the explainer's calls for them (see Explainer.prepare). */
function ialsPrepare(a: ModelArtifact, h: Weighted, items: ArrayLike<number>, top: number): void {
  h.ials ??= ialsSystem(a, h);
  const m = items.length;
  if (!m || !ialsFast(a, h, top)) return;
  const sys = h.ials, f = a.meta.factors as number, n = h.items.length;
  const want = Int32Array.from(items);
  // The outputs are read before the next native call: the module's scratch, grown when needed.
  const b = itemScratch.batch;
  if (b.oi.length < m * top || b.o3.length < 3 * m) itemScratch.batch = { oi: new Int32Array(m * top * 2), ov: new Float64Array(m * top * 2), orm: new Float64Array(m * top * 2), o3: new Float64Array(6 * m) };
  const { ov, orm, o3 } = itemScratch.batch, oi = itemScratch.batch.oi.subarray(0, m * top);
  if (itemScratch.shares.length < m * n) itemScratch.shares = new Float64Array(m * n);
  nativeAddon()!.ialsExplainItems!(sys.L, sys.conf, a.arrays.itemFactors as Float32Array, f, want, h.items, sys.x, (a.config as IalsConfigPart).unobservedWeight, sys.sjj, oi, ov, orm, o3, itemScratch.shares);
  if (!h.ready || h.readyTop !== top) { h.ready = new Map(); h.readyTop = top; }
  for (let c = 0; c < m; c++) h.ready.set(want[c]!, ialsExplanation(a, h, want[c]!, o3[3 * c]!, o3[3 * c + 1]!, o3[3 * c + 2]!, oi, ov, orm, c * top));
}

const SERVED_NOTE = 'shares of the closed-form solve given the item factors (what fold-in serves); the stored user factors came from alternating steps and give the served score';

const notPositiveDefinite = () => new ExplainError('explain: the iALS fold-in system is not positive definite (raise regularization)');

function ialsShares(a: ModelArtifact, h: Weighted, item: number, top: number): ScoreExplanation {
  const c = a.config as IalsConfigPart;
  const f = a.meta.factors as number;
  const Y = a.arrays.itemFactors as Float32Array;
  const sys = (h.ials ??= ialsSystem(a, h));
  const native = nativeAddon();
  const served = (p: Omit<ScoreExplanation, 'contributions' | 'rest'>) => {
    if (hasServed(a, h)) { p.served = servedScore(a, h, item); p.note = SERVED_NOTE; }
    return p;
  };
  const n = h.items.length;
  let shares: Float64Array;
  if (native?.ialsExplainItems) {
    const fast = ialsFast(a, h, top);
    if (itemScratch.shares.length < n) itemScratch.shares = new Float64Array(n);
    const { one, ov, orm, o3 } = itemScratch;
    one[0] = item;
    // The serving path: shares, the listed top, the rest and the removal effects below in one native call.
    native.ialsExplainItems(sys.L, sys.conf, Y, f, one, h.items, sys.x, c.unobservedWeight, sys.sjj, topItems(fast ? top : 0), ov, orm, o3, itemScratch.shares);
    if (fast) return ialsExplanation(a, h, item, o3[0]!, o3[1]!, o3[2]!, itemScratch.oi, ov, orm, 0);
    shares = itemScratch.shares.slice(0, n);
  } else {
    // w = A⁻¹y_i, then s_ij = y_jᵀw and the share of j is c_j s_ij; Σ_j c_j s_ij = y_iᵀA⁻¹b = y_iᵀx_u.
    const w = new Float64Array(f);
    for (let r = 0; r < f; r++) w[r] = Y[item * f + r]!;
    choleskySolveFactored(sys.L, w, f);
    shares = new Float64Array(n);
    for (let q = 0; q < n; q++) {
      let s = 0;
      const yo = h.items[q]! * f;
      for (let r = 0; r < f; r++) s += Y[yo + r]! * w[r]!;
      shares[q] = sys.conf[q]! * s;
    }
  }
  const x = finish(served({ model: a.kind, item, score: sum(shares), base: 0, exact: true, method: 'ials-closed-form' }), h.items, shares, top, sys.distinct);
  if (c.frequencyScaledReg || !sys.distinct) {
    // λ_u depends on the history's length (or an item occurs twice): re-solve without the item.
    return withRemovals(x, h, (rest) => ialsShares(a, rest, item, 0).score);
  }
  // Removing j changes W as well as the sum. By Sherman–Morrison, with w_j = c_j − α0, s_jj = y_jᵀWy_j and
  // r̂_j = y_jᵀx_u, the score changes by s_ij (w_j r̂_j − c_j) / (1 − w_j s_jj): it rises when the model
  // over-predicts j itself (r̂_j > c_j / w_j), which is why a positive share does not guarantee a fall.
  for (const ct of x.contributions) {
    const q = h.items.indexOf(ct.item), yo = ct.item * f;
    const sjj = ialsSjj(sys, Y, ct.item, q, f);
    let rj = 0;
    for (let r = 0; r < f; r++) rj += Y[yo + r]! * sys.x[r]!;
    const cj = sys.conf[q]!, wj = cj - c.unobservedWeight;
    ct.removal = (shares[q]! / cj) * (wj * rj - cj) / (1 - wj * sjj);
  }
  return x;
}

/** Fills `removal` of the listed shares by re-scoring the history without each listed item. */
function withRemovals(x: ScoreExplanation, h: Weighted, scoreOf: (h: Weighted) => number): ScoreExplanation {
  for (const c of x.contributions) {
    let keep = 0;
    for (let q = 0; q < h.items.length; q++) if (h.items[q] !== c.item) keep++;
    const items = new Int32Array(keep), w = new Float32Array(keep);
    for (let q = 0, p = 0; q < h.items.length; q++) if (h.items[q] !== c.item) { items[p] = h.items[q]!; w[p++] = h.w[q]!; }
    c.removal = scoreOf({ items, w, user: -1 }) - x.score;
  }
  return x;
}

/** Linear models: removing j takes away exactly its share, when the weighting of an entry ignores the rest of the row. */
function linearRemovals(a: ModelArtifact, x: ScoreExplanation): ScoreExplanation {
  if (weightingOf(a).spec.kind !== 'bm25') for (const c of x.contributions) c.removal = -c.value;
  return x;
}

/**
 * The shares worth citing as "because you ...": positive, and (when the removal effect is known) such that
 * taking the item away lowers the score. Largest share first.
 */
export function citable(x: ScoreExplanation): Contribution[] {
  return x.contributions.filter((c) => c.value > 0 && (c.removal === undefined || c.removal < 0));
}

/** Item × user transpose of the training matrix and user norms/means, per model (the training arrays identify it). */
const userKnnCache = new WeakMap<Int32Array, { byItem: Csr; norm: Float64Array; mean: Float32Array }>();

function userKnnShares(a: ModelArtifact, h: Weighted, item: number, top: number): ScoreExplanation {
  const c = a.config as { neighbors: number; shrink: number; centerRatings: boolean };
  const m: Csr = { rows: a.meta.rows as number, cols: a.meta.cols as number, indptr: a.arrays['train.indptr'] as Int32Array, indices: a.arrays['train.indices'] as Int32Array, data: a.arrays['train.data'] as Float32Array };
  let prep = userKnnCache.get(m.indptr);
  if (!prep) {
    const norm = new Float64Array(m.rows), mean = new Float32Array(m.rows);
    for (let u = 0; u < m.rows; u++) {
      let s = 0, t = 0;
      for (let p = m.indptr[u]!, e = m.indptr[u + 1]!; p < e; p++) { s += m.data[p]! * m.data[p]!; t += m.data[p]!; }
      norm[u] = Math.sqrt(s);
      mean[u] = m.indptr[u + 1]! > m.indptr[u]! ? t / (m.indptr[u + 1]! - m.indptr[u]!) : 0;
    }
    prep = { byItem: transpose(m), norm, mean };
    userKnnCache.set(m.indptr, prep);
  }
  const t = prep.byItem;
  // The neighbourhood exactly as UserKNN.scoreNeighbourhood finds it (same float32 arithmetic, same top-k).
  const dot = new Float32Array(m.rows);
  let selfNorm = 0;
  for (let q = 0; q < h.items.length; q++) {
    const i = h.items[q]!, v = h.w[q]!;
    selfNorm += v * v;
    for (let p = t.indptr[i]!, e = t.indptr[i + 1]!; p < e; p++) dot[t.indices[p]!]! += v * t.data[p]!;
  }
  selfNorm = Math.sqrt(selfNorm);
  const sim = new Float32Array(m.rows).fill(-Infinity);
  for (let v = 0; v < m.rows; v++) if (dot[v]! > 0 && v !== h.user) sim[v] = dot[v]! / (selfNorm * prep.norm[v]! + c.shrink);
  const nb = topK(sim, c.neighbors);
  const value = (v: number): number => {
    for (let p = m.indptr[v]!, e = m.indptr[v + 1]!; p < e; p++) if (m.indices[p] === item) return m.data[p]!;
    return NaN;
  };
  const byNeighbour: { user: number; value: number }[] = [];
  let wsum = 0;
  for (let q = 0; q < nb.items.length; q++) {
    const v = nb.items[q]!, r = value(v);
    if (Number.isNaN(r)) continue;
    byNeighbour.push({ user: v, value: nb.scores[q]! * (r - (c.centerRatings ? prep.mean[v]! : 0)) });
    wsum += nb.scores[q]!;
  }
  if (c.centerRatings) for (const x of byNeighbour) x.value = wsum > 0 ? x.value / wsum : 0;
  byNeighbour.sort((x, y) => y.value - x.value || x.user - y.user);
  let score = 0;
  for (const x of byNeighbour) score += x.value;
  const shares = new Float64Array(h.items.length);
  if (!c.centerRatings) {
    // sim(u, v) = Σ_j w_j m[v, j] / d_v, so neighbour v's share sim·m[v, i] splits over history items as w_j m[v, j] m[v, i] / d_v.
    const pos = new Map<number, number>();
    for (let q = 0; q < h.items.length; q++) pos.set(h.items[q]!, q);
    for (const x of byNeighbour) {
      const v = x.user, d = selfNorm * prep.norm[v]! + c.shrink, r = value(v);
      for (let p = m.indptr[v]!, e = m.indptr[v + 1]!; p < e; p++) {
        const q = pos.get(m.indices[p]!);
        if (q !== undefined) shares[q] = shares[q]! + (h.w[q]! * m.data[p]! * r) / d;
      }
    }
  }
  const out = finish({
    model: a.kind, item, score, base: 0, exact: true, method: 'user-neighbours', neighbours: byNeighbour.slice(0, top),
    ...(c.centerRatings ? { note: 'centred ratings: the score is a weighted average over neighbours and does not split over history items' } : {}),
  }, c.centerRatings ? new Int32Array(0) : h.items, shares, top);
  // The neighbourhood is chosen again without the item, so measure the removal rather than assume it.
  return withRemovals(out, h, (rest) => userKnnShares(a, { ...rest, user: h.user }, item, 0).score);
}

function bprSimilarity(model: Recommender, a: ModelArtifact, h: Weighted, item: number, top: number): ScoreExplanation {
  const f = a.meta.factors as number;
  const Y = a.arrays.itemFactors as Float32Array, bias = a.arrays.itemBias as Float32Array, X = a.arrays.userFactors as Float32Array;
  const norm = (o: number) => { let s = 0; for (let r = 0; r < f; r++) s += Y[o + r]! * Y[o + r]!; return Math.sqrt(s); };
  const ni = norm(item * f);
  const shares = new Float64Array(h.items.length);
  for (let q = 0; q < h.items.length; q++) {
    const jo = h.items[q]! * f;
    let s = 0;
    for (let r = 0; r < f; r++) s += Y[jo + r]! * Y[item * f + r]!;
    const d = ni * norm(jo);
    shares[q] = d > 0 ? s / d : 0;
  }
  let served: number;
  if (h.user >= 0) {
    served = bias[item]!;
    for (let r = 0; r < f; r++) served += X[h.user * f + r]! * Y[item * f + r]!;
  } else {
    const out = new Float32Array(model.nItems);
    model.scoreHistory(h.raw!.items, h.raw!.values, out);
    served = out[item]!;
  }
  return finish({
    model: a.kind, item, score: served, base: bias[item]!, exact: false, method: 'factor-similarity', served,
    note: 'approximate: BPR scores do not split over history items; these are the cosines of the history items\' factors with the item\'s',
  }, h.items, shares, top);
}
