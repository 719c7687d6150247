/**
 * Per-request knobs `diversity` and `novelty`, both in [0, 1] (0 = off: the relevance order), mapped onto the
 * re-rankers:
 *
 * - `diversity` d with `method`
 *   - 'dpp' (default): DPP greedy MAP with quality weight θ = 1 − d (d = 1: max log det of the similarity), on
 *     the kernel S + βI, β = DEFAULT_DPP_RIDGE unless the context says otherwise;
 *   - 'mmr': MMR with relevance weight λ = 1 − d;
 *   - 'calibrated': Steck's calibration weight λ = d — diversity proportioned to the user's own category
 *     history rather than spread over the catalogue (needs categories and the user's history).
 * - `novelty` ν: xQuAD head/tail promotion with λ = ν and target tail share P(tail|u) = h_u + ν(1 − h_u),
 *   h_u = the tail share of the user's history (0.5 without history): ν = 0 keeps the user's own head/tail mix
 *   (Abdollahpouri et al.'s personalised setting), ν = 1 asks for tail items only.
 *
 * With both knobs set, the novelty stage reorders all candidates first and its marginal gains become the
 * relevance the diversity stage trades off against.
 *
 * - `order` (default 'relevance'): the re-rankers choose a SET (MMR's, DPP's, Steck's and xQuAD's objectives
 *   are sums over the chosen items, blind to their order; ILD, KL, novelty and the tail share of the k items
 *   are too), and the chosen set is shown best-first by the model's score — the order that maximises the
 *   expected DCG of that set when scores rank relevance. 'greedy' keeps the order the greedy picked them in
 *   (the papers' presentation), which puts items chosen for their categories above more relevant ones: on
 *   ml-latest-small (EASE, validation) calibrated λ = 0.5 costs 11% NDCG@10 in greedy order and 1% in relevance
 *   order for the same 42% lower KL (bench/rerank.ts).
 */
import { ConfigError } from '../errors.ts';
import { categoryDistribution } from '../eval/beyond.ts';
import { calibratedRerank } from './calibrated.ts';
import { checkK, checkUnit, type Candidates } from './candidates.ts';
import { dppGreedy } from './dpp.ts';
import { longTailRerankScored } from './longtail.ts';
import { mmr } from './mmr.ts';
import { requireCategories, type ItemCategories, type ItemSimilarity } from './similarity.ts';

export const DIVERSITY_METHODS = ['dpp', 'mmr', 'calibrated'] as const;
export type DiversityMethod = (typeof DIVERSITY_METHODS)[number];
/**
 * The DPP kernel's ridge for the `diversity` knob: S + 0.1·I. Category kernels are singular — every item whose
 * category set equals a chosen one's has conditional variance 0 — so with S alone the log-det term is a wall
 * (log 1e-10 ≈ −23, more than the whole relevance range even at θ = 0.95), not a trade-off, and DPP loses NDCG
 * at small diversity for nothing. With β = 0.1 such a repeat costs (1 − θ)·ln(0.19) instead. On ml-latest-small
 * (EASE, genre Jaccard, validation; hulls of both curves on a common ILD grid, src/eval/tradeoff.ts) β = 0.1
 * ties MMR within 3% NDCG loss and stays within noise of it over the whole range, while β = 0 falls up to 17%
 * below MMR at high diversity (bench/rerank.ts).
 */
export const DEFAULT_DPP_RIDGE = 0.1;

export const RERANK_ORDERS = ['relevance', 'greedy'] as const;
export type RerankOrder = (typeof RERANK_ORDERS)[number];

export interface RerankKnobs {
  diversity?: number;
  novelty?: number;
  method?: DiversityMethod;
  /** How the chosen items are shown: 'relevance' (default) or 'greedy' (see above). */
  order?: RerankOrder;
}

export interface RerankContext {
  /** For dpp and mmr. */
  similarity?: ItemSimilarity;
  /** β added to the DPP kernel's diagonal (src/rerank/dpp.ts `ridge`; default DEFAULT_DPP_RIDGE). */
  dppRidge?: number;
  /** For calibrated. */
  categories?: ItemCategories;
  /** Long-tail mask (1 = tail) for novelty. */
  tail?: Uint8Array;
  /** The user's history items (calibrated: its category distribution; novelty: its tail share). */
  history?: Int32Array;
}

/** Validates knobs: ConfigError naming `diversity`, `novelty`, `method` or `order` (prefixed by `field`, e.g. "rerank"). */
export function checkKnobs(knobs: RerankKnobs, field = ''): Required<RerankKnobs> {
  const f = (name: string) => (field ? `${field}.${name}` : name);
  const method = knobs.method ?? 'dpp';
  if (!(DIVERSITY_METHODS as readonly string[]).includes(method)) throw new ConfigError(f('method'), `unknown re-ranker "${method}" (known: ${DIVERSITY_METHODS.join(', ')})`);
  const order = knobs.order ?? 'relevance';
  if (!(RERANK_ORDERS as readonly string[]).includes(order)) throw new ConfigError(f('order'), `unknown order "${order}" (known: ${RERANK_ORDERS.join(', ')})`);
  return { diversity: checkUnit(knobs.diversity ?? 0, f('diversity')), novelty: checkUnit(knobs.novelty ?? 0, f('novelty')), method, order };
}

/** The k items to show, in order, after the re-rankers the knobs ask for. */
export function rerank(c: Candidates, k: number, knobs: RerankKnobs, ctx: RerankContext, field = ''): Int32Array {
  const { order } = checkKnobs(knobs, field);
  const chosen = rerankGreedy(c, k, knobs, ctx, field);
  return order === 'relevance' ? byScore(chosen, c) : chosen;
}

function rerankGreedy(c: Candidates, k: number, knobs: RerankKnobs, ctx: RerankContext, field: string): Int32Array {
  const { diversity, novelty, method } = checkKnobs(knobs, field);
  checkK(k, field ? `${field}.k` : 'k');
  const f = (name: string) => (field ? `${field}.${name}` : name);
  let cands = c;
  if (novelty > 0) {
    if (!ctx.tail) throw new ConfigError(f('novelty'), 'needs the long-tail mask of the training data (none was given)');
    let h = 0.5;
    if (ctx.history && ctx.history.length) { let t = 0; for (let q = 0; q < ctx.history.length; q++) t += ctx.tail[ctx.history[q]!]!; h = t / ctx.history.length; }
    const r = longTailRerankScored(c, diversity > 0 ? c.items.length : k, ctx.tail, h + novelty * (1 - h), novelty);
    if (diversity === 0) return r.items;
    cands = { items: r.items, scores: r.gains };
  }
  if (diversity === 0) return topByScore(cands, k);
  if (method === 'calibrated') {
    const cats = requireCategories(ctx.categories, f('method'), 'the calibrated re-ranker');
    if (!ctx.history) throw new ConfigError(f('method'), 'the calibrated re-ranker needs the user\'s history');
    const p = new Float64Array(cats.nCategories);
    categoryDistribution(ctx.history, ctx.history.length, cats, p);
    return calibratedRerank(cands, k, cats, p, diversity);
  }
  if (!ctx.similarity) throw new ConfigError(f('diversity'), `the ${method} re-ranker needs an item similarity (categories or item vectors)`);
  return method === 'mmr' ? mmr(cands, k, ctx.similarity, 1 - diversity) : dppGreedy(cands, k, ctx.similarity, 1 - diversity, { ridge: ctx.dppRidge ?? DEFAULT_DPP_RIDGE });
}

/** `chosen` (candidate items) sorted by their candidate score, best first; ties keep the chosen order. */
function byScore(chosen: Int32Array, c: Candidates): Int32Array {
  if (chosen.length < 2) return chosen;
  const score = new Map<number, number>();
  for (let q = 0; q < c.items.length; q++) score.set(c.items[q]!, c.scores[q]!);
  const pos = Int32Array.from({ length: chosen.length }, (_, r) => r);
  pos.sort((a, b) => score.get(chosen[b]!)! - score.get(chosen[a]!)! || a - b);
  return Int32Array.from(pos, (r) => chosen[r]!);
}

/** The k best candidates by score (ties: earlier candidate first). */
function topByScore(c: Candidates, k: number): Int32Array {
  const order = Int32Array.from({ length: c.items.length }, (_, q) => q).filter((q) => Number.isFinite(c.scores[q]!));
  order.sort((a, b) => c.scores[b]! - c.scores[a]! || a - b);
  return Int32Array.from(order.subarray(0, k), (q) => c.items[q]!);
}
