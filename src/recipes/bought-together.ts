import { z } from 'zod';
import { parseConfig } from '../config.ts';
import type { Interactions } from '../data/interactions.ts';
import { INTERACTION_TYPES } from '../data/types.ts';
import { countPairs, pairIndex, type PairCounts } from './pairs.ts';
import { sessionMatrix } from './sessions.ts';

export const BoughtTogetherConfigSchema = z.object({
  /** Events that make up baskets. */
  types: z.array(z.enum(INTERACTION_TYPES)).default(['purchase']),
  /** A basket = one user's events at most this many ms apart; 0 = the same timestamp (one invoice). */
  gapMs: z.number().nonnegative().default(0),
  /**
   * Halve a basket's weight in confidence and lift every this many days before the latest basket (assortments
   * and seasons change); the minimum-support guard and the evidence still count baskets unweighted.
   */
  halfLifeDays: z.number().positive().optional(),
  /** Baskets larger than this add sampled, reweighted pairs (see countPairs): keeps counting linear. */
  maxBasketSize: z.number().int().min(2).default(64),
  /** Pairs seen together in fewer baskets than this are not trusted: they score nothing. */
  minSupport: z.number().positive().default(3),
  /** Confidence c(i,j) / (c(i) + shrink): a pair 3 of 3 is less sure than 60 of 60. */
  shrink: z.number().nonnegative().default(2),
  /** Score of j given i = confidence · lift^liftExponent (0 = confidence only). */
  liftExponent: z.number().min(0).max(2).default(0.5),
  /** How per-item evidence of a basket combines: 'sum' (agreement adds up) or 'max' (best single reason). */
  combine: z.enum(['sum', 'max']).default('sum'),
});
export type BoughtTogetherConfig = z.infer<typeof BoughtTogetherConfigSchema>;

/** Why j is suggested: the basket item with the strongest association. */
export interface BoughtTogetherEvidence {
  /** The basket item (snapshot index). */
  with: number;
  /** Baskets holding both. */
  count: number;
  /** count / baskets. */
  support: number;
  /** count / baskets holding `with`: P(item | with). */
  confidence: number;
  /** confidence / P(item): how much more often than chance. */
  lift: number;
}

/**
 * Frequently bought together (Algolia's recipe): association rules i -> j over baskets, with support,
 * confidence and lift. The score of candidate j given basket item i is
 *   confidence(i -> j) · lift(i, j)^β,   confidence shrunk as c(i,j) / (c(i) + shrink),
 * because confidence alone ranks best-sellers first (P(j | i) ≈ P(j) for any unrelated best-seller, lift 1)
 * while lift alone ranks rare items first (two baskets are enough for a huge lift); β in between trades the two
 * and is chosen on a validation period (bench/recipes.ts). Pairs below `minSupport` baskets score nothing: then
 * `score` reports `supported: false` and the engine falls back to related or popular items.
 * For a basket, per-item scores are summed (items that several basket items point to are the safer bet) or,
 * with combine 'max', the best single association wins.
 */
export class BoughtTogether {
  private constructor(readonly config: Readonly<BoughtTogetherConfig>, private readonly counts: PairCounts) {}

  static fit(x: Interactions, config: Partial<BoughtTogetherConfig> = {}): BoughtTogether {
    const c = parseConfig(BoughtTogetherConfigSchema, config, 'boughtTogether');
    const baskets = sessionMatrix(x, { types: c.types, gapMs: c.gapMs });
    let sessionWeight: Float32Array | undefined;
    if (c.halfLifeDays !== undefined) {
      let latest = -Infinity;
      for (const t of baskets.time) if (t > latest) latest = t;
      const rate = Math.LN2 / (c.halfLifeDays * 86_400_000);
      sessionWeight = Float32Array.from(baskets.time, (t) => Math.exp(-rate * (latest - t)));
    }
    return new BoughtTogether(c, countPairs(baskets, { maxSessionSize: c.maxBasketSize, sessionWeight }));
  }

  /** Same counts, other scoring parameters (for tuning without recounting). */
  withConfig(config: Partial<Pick<BoughtTogetherConfig, 'minSupport' | 'shrink' | 'liftExponent' | 'combine'>>): BoughtTogether {
    return new BoughtTogether(parseConfig(BoughtTogetherConfigSchema, { ...this.config, ...config }, 'boughtTogether'), this.counts);
  }

  get nItems(): number {
    return this.counts.itemSessions.length;
  }

  get baskets(): number {
    return this.counts.sessions;
  }

  /** Baskets holding item i. */
  itemBaskets(i: number): number {
    return this.counts.itemSessions[i] ?? 0;
  }

  /**
   * Scores every item given a basket (snapshot indices; unknown ones, -1, are ignored) into `out`
   * (length nItems): NaN for items without trusted evidence and for the basket's own items.
   */
  score(basket: Int32Array, out: Float32Array): { supported: boolean } {
    const { pairs } = this.counts;
    // Ranking uses the (possibly time-weighted) counts, the guard the raw ones.
    const w = this.counts.weighted;
    const pairW = w ? w.pairs : pairs.data, itemW = w ? w.itemSessions : this.counts.itemSessions, sessions = w ? w.sessions : this.counts.sessions;
    const { minSupport, shrink, liftExponent: beta, combine } = this.config;
    out.fill(NaN);
    const max = combine === 'max';
    for (let q = 0; q < basket.length; q++) {
      const i = basket[q]!;
      if (i < 0 || i >= this.nItems) continue;
      const ci = itemW[i]!, confNorm = 1 / (ci + shrink), liftNorm = sessions / ci;
      for (let p = pairs.indptr[i]!, e = pairs.indptr[i + 1]!; p < e; p++) {
        if (pairs.data[p]! < minSupport) continue;
        const j = pairs.indices[p]!, cij = pairW[p]!;
        const s = cij * confNorm * liftPower((cij * liftNorm) / itemW[j]!, beta);
        const prev = out[j]!;
        out[j] = Number.isNaN(prev) ? s : max ? Math.max(prev, s) : prev + s;
      }
    }
    for (let q = 0; q < basket.length; q++) {
      const i = basket[q]!;
      if (i >= 0 && i < out.length) out[i] = NaN;
    }
    let supported = false;
    for (let j = 0; j < out.length; j++) if (!Number.isNaN(out[j]!)) { supported = true; break; }
    return { supported };
  }

  /**
   * The strongest trusted association of `item` with a basket item, or undefined when there is none.
   * The figures are plain basket counts (also under halfLifeDays), so a reason can quote them as they are.
   */
  evidence(item: number, basket: Int32Array): BoughtTogetherEvidence | undefined {
    const { pairs, itemSessions, sessions } = this.counts;
    const w = this.counts.weighted;
    const { minSupport, shrink, liftExponent: beta } = this.config;
    let best: BoughtTogetherEvidence | undefined, bestScore = -Infinity;
    for (let q = 0; q < basket.length; q++) {
      const i = basket[q]!;
      if (i < 0 || i >= this.nItems || i === item) continue;
      const p = pairIndex(pairs, i, item);
      if (p < 0 || pairs.data[p]! < minSupport) continue;
      const cij = pairs.data[p]!, ci = itemSessions[i]!, lift = (cij * sessions) / (ci * itemSessions[item]!);
      // The same ordering as score(): weighted counts when there are any.
      const wij = w ? w.pairs[p]! : cij, wi = w ? w.itemSessions[i]! : ci;
      const wLift = w ? (wij * w.sessions) / (wi * w.itemSessions[item]!) : lift;
      const s = (wij / (wi + shrink)) * liftPower(wLift, beta);
      if (s > bestScore) {
        bestScore = s;
        best = { with: i, count: cij, support: cij / sessions, confidence: cij / ci, lift };
      }
    }
    return best;
  }
}

/** lift^beta, with the common exponents spelled out: Math.pow dominates scoring a large basket otherwise. */
function liftPower(lift: number, beta: number): number {
  if (beta === 0) return 1;
  if (beta === 0.5) return Math.sqrt(lift);
  if (beta === 1) return lift;
  return Math.pow(lift, beta);
}
