import { z } from 'zod';
import { parseConfig } from '../config.ts';
import type { Interactions } from '../data/interactions.ts';
import { INTERACTION_TYPES } from '../data/types.ts';
import { topK, type Ranked } from '../linalg/topk.ts';
import { countPairs, pairCount, type PairCounts } from './pairs.ts';
import { sessionMatrix } from './sessions.ts';

export const CoOccurrenceConfigSchema = z.object({
  /** Events that count (default: all; 'view' and 'click' for also-viewed). */
  types: z.array(z.enum(INTERACTION_TYPES)).optional(),
  /**
   * Two events of a user co-occur when in one session: consecutive events at most gapMs apart (default 30 min);
   * Infinity (or "user" in JSON) = the user's whole history.
   */
  gapMs: z.union([z.number().nonnegative(), z.literal(Infinity), z.literal('user').transform(() => Infinity)]).default(30 * 60_000),
  /** Sessions larger than this add sampled, reweighted pairs (see countPairs). */
  maxSessionSize: z.number().int().min(2).default(64),
  /** Pairs seen in fewer sessions than this score nothing. */
  minCount: z.number().positive().default(2),
  /**
   * 'cosine': c(i,j) / sqrt(c(i) c(j)) (symmetric, popularity-neutral); 'lift': c(i,j) N / (c(i) c(j));
   * 'count': raw c(i,j). Cosine and lift are multiplied by c(i,j) / (c(i,j) + shrink) so that a pair seen
   * twice does not outrank one seen a hundred times.
   */
  normalize: z.enum(['cosine', 'lift', 'count']).default('cosine'),
  shrink: z.number().nonnegative().default(5),
});
export type CoOccurrenceConfig = z.infer<typeof CoOccurrenceConfigSchema>;

/**
 * Item co-occurrence within a user's sessions: "customers who viewed this also viewed", and the
 * co-occurrence half of `related`. Counts are a sparse symmetric item × item CSR (countPairs).
 */
export class CoOccurrence {
  private constructor(readonly config: Readonly<CoOccurrenceConfig>, private readonly counts: PairCounts) {}

  static fit(x: Interactions, config: z.input<typeof CoOccurrenceConfigSchema> = {}): CoOccurrence {
    const c = parseConfig(CoOccurrenceConfigSchema, config, 'coOccurrence');
    const sessions = sessionMatrix(x, { types: c.types, gapMs: c.gapMs });
    return new CoOccurrence(c, countPairs(sessions, { maxSessionSize: c.maxSessionSize }));
  }

  /** Same counts, other scoring parameters. */
  withConfig(config: Partial<Pick<CoOccurrenceConfig, 'minCount' | 'normalize' | 'shrink'>>): CoOccurrence {
    return new CoOccurrence(parseConfig(CoOccurrenceConfigSchema, { ...this.config, ...config }, 'coOccurrence'), this.counts);
  }

  get nItems(): number {
    return this.counts.itemSessions.length;
  }

  /** Normalised strength of a stored pair (i, j) with count cij. */
  private strength(i: number, j: number, cij: number): number {
    const { normalize, shrink } = this.config;
    if (normalize === 'count') return cij;
    const ci = this.counts.itemSessions[i]!, cj = this.counts.itemSessions[j]!;
    const base = normalize === 'cosine' ? cij / Math.sqrt(ci * cj) : (cij * this.counts.sessions) / (ci * cj);
    return (base * cij) / (cij + shrink);
  }

  /**
   * Sum over the given items of their strength with each other item, into `out` (length nItems):
   * NaN for items co-occurring with none of them (at minCount) and for the given items themselves.
   */
  score(items: Int32Array, out: Float32Array): void {
    const { pairs } = this.counts;
    const minCount = this.config.minCount;
    out.fill(NaN);
    for (let q = 0; q < items.length; q++) {
      const i = items[q]!;
      if (i < 0 || i >= this.nItems) continue;
      for (let p = pairs.indptr[i]!, e = pairs.indptr[i + 1]!; p < e; p++) {
        const cij = pairs.data[p]!;
        if (cij < minCount) continue;
        const j = pairs.indices[p]!, s = this.strength(i, j, cij), prev = out[j]!;
        out[j] = Number.isNaN(prev) ? s : prev + s;
      }
    }
    for (let q = 0; q < items.length; q++) {
      const i = items[q]!;
      if (i >= 0 && i < out.length) out[i] = NaN;
    }
  }

  /** The k items co-occurring most strongly with `item`. */
  neighbors(item: number, k: number): Ranked {
    const out = new Float32Array(this.nItems);
    this.score(Int32Array.of(item), out);
    return topK(out, k);
  }

  /** The given item that co-occurs most strongly with `item`, with its count; undefined when none does. */
  evidence(item: number, given: Int32Array): { with: number; count: number; strength: number } | undefined {
    let best: { with: number; count: number; strength: number } | undefined;
    for (let q = 0; q < given.length; q++) {
      const i = given[q]!;
      if (i < 0 || i >= this.nItems || i === item) continue;
      const cij = pairCount(this.counts.pairs, i, item);
      if (cij < this.config.minCount) continue;
      const s = this.strength(i, item, cij);
      if (!best || s > best.strength) best = { with: i, count: cij, strength: s };
    }
    return best;
  }
}
