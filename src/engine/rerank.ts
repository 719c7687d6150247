/**
 * The re-rank stage of a request: after filters and boosts, before pins, caps and the cut. It takes the best
 * `candidates` items (default 200) by the ranking key and lets the re-rankers of src/rerank reorder them with
 * the request's `diversity` and `novelty` knobs (semantics in src/rerank/knobs.ts). Only allowed items are ever
 * candidates, so every filter still holds after re-ranking.
 *
 * What it compares items by:
 * - similarity (dpp, mmr): cosine of the model's item factors when the loaded model has them (iALS, BPR), else
 *   Jaccard of the catalogue's categories. Items the model does not know have a zero vector (similarity 0);
 * - categories (calibrated): the catalogue's;
 * - long tail (novelty): items outside the head holding 80% of the store's positive events (the events recipes
 *   and models are fitted on), by `longTailMask`.
 */
import { ConfigError } from '../errors.ts';
import { longTailMask } from '../eval/beyond.ts';
import { topK } from '../linalg/topk.ts';
import { checkUnit } from '../rerank/candidates.ts';
import { rerank, type RerankOrder } from '../rerank/knobs.ts';
import { CategoryJaccard, ItemCategories, VectorCosine, requireCategories, type ItemSimilarity } from '../rerank/similarity.ts';
import type { EngineParts, RequestContext } from './context.ts';
import type { ParsedPipelineConfig, ParsedRequest, RecipeConfig, RerankMethod } from './schema.ts';
import type { Reason } from './stages.ts';

export const DEFAULT_RERANK_CANDIDATES = 200;

export interface RerankPlan {
  diversity: number;
  novelty: number;
  method: RerankMethod;
  /** How the chosen items are shown (src/rerank/knobs.ts `order`). */
  order: RerankOrder;
  candidates: number;
}

/** Where the re-ranker moved an item up from, for its reason. */
interface Promotion {
  from: number;
  to: number;
  tail: boolean;
}

/**
 * The knobs of a request over its recipe's and the pipeline's defaults; undefined when both knobs are 0.
 * A knob outside [0, 1] is a ConfigError naming the request field (`diversity`, `novelty`).
 */
export function rerankPlan(req: ParsedRequest, recipe: RecipeConfig, defaults: NonNullable<ParsedPipelineConfig['defaults']>): RerankPlan | undefined {
  const r = { ...defaults.rerank, ...recipe.rerank };
  const diversity = checkUnit(req.diversity ?? r.diversity ?? 0, 'diversity');
  const novelty = checkUnit(req.novelty ?? r.novelty ?? 0, 'novelty');
  const method = req.rerank ?? r.method ?? 'dpp';
  if (method === 'xquad' && diversity > 0) {
    throw new ConfigError(req.rerank ? 'rerank' : 'diversity', 'xquad only promotes the long tail (the novelty knob); diversity needs dpp, mmr or calibrated');
  }
  if (diversity === 0 && novelty === 0) return undefined;
  return { diversity, novelty, method, order: req.order ?? r.order ?? 'relevance', candidates: r.candidates ?? DEFAULT_RERANK_CANDIDATES };
}

export class RerankStage {
  private similarity: { version: number; sim: ItemSimilarity | undefined } | undefined;
  private categories: { version: number; cats: ItemCategories } | undefined;
  private tail: Promise<Uint8Array> | undefined;

  constructor(private readonly parts: EngineParts) {}

  /** Forget the long-tail split (the store's events changed). */
  refresh(): void {
    this.tail = undefined;
  }

  /**
   * A new ranking key over the catalogue: the re-ranked items first (in their new order), then the other
   * candidates by relevance; every other item NaN. Pinned items are left to the cut. `slots` is how many items
   * the cut needs (more when caps may reject some).
   */
  async run(ctx: RequestContext, key: Float32Array, slots: number, pinned: ReadonlySet<number>, plan: RerankPlan): Promise<{ key: Float32Array; moved: Map<number, Promotion> }> {
    const n = key.length;
    const top = topK(key, Math.max(plan.candidates, slots) + pinned.size);
    const items: number[] = [], scores: number[] = [];
    for (let q = 0; q < top.items.length; q++) {
      if (pinned.has(top.items[q]!)) continue;
      items.push(top.items[q]!);
      scores.push(top.scores[q]!);
    }
    const out = new Float32Array(n).fill(NaN);
    const moved = new Map<number, Promotion>();
    if (!items.length || slots < 1) return { key: out, moved };
    const cands = { items: Int32Array.from(items), scores: Float64Array.from(scores) };
    const { diversity, novelty } = plan;
    const method = plan.method === 'xquad' ? 'dpp' : plan.method;
    const needsHistory = novelty > 0 || (diversity > 0 && method === 'calibrated');
    const history = needsHistory && (ctx.req.user || ctx.req.history) ? await this.historyItems(ctx) : undefined;
    if (diversity > 0 && method === 'calibrated' && !history?.length) {
      throw new ConfigError('rerank', 'calibrated re-ranking matches the categories of the user\'s history: give a user with events or a history');
    }
    const chosen = rerank(cands, Math.min(slots, items.length), { diversity, novelty, method, order: plan.order }, {
      similarity: diversity > 0 && method !== 'calibrated' ? this.itemSimilarity() : undefined,
      categories: diversity > 0 && method === 'calibrated' ? requireCategories(this.itemCategories(), 'rerank', 'calibrated re-ranking') : undefined,
      tail: novelty > 0 ? await this.tailMask() : undefined,
      history,
    });
    const total = items.length;
    const relevanceRank = new Map<number, number>();
    items.forEach((c, q) => relevanceRank.set(c, q));
    const tail = novelty > 0 ? await this.tailMask() : undefined;
    chosen.forEach((c, r) => {
      out[c] = 2 * total - r;
      const from = relevanceRank.get(c)!;
      if (r < from) moved.set(c, { from: from + 1, to: r + 1, tail: tail ? tail[c] === 1 : false });
    });
    // The rest, in relevance order, below every chosen item: what a cap lets through when it rejects chosen ones.
    for (let q = 0, t = 0; q < total; q++) if (Number.isNaN(out[items[q]!]!)) out[items[q]!] = total - t++;
    return { key: out, moved };
  }

  /** The reason of an item the re-ranker moved up. */
  reason(plan: RerankPlan, p: Promotion): Reason {
    const forNovelty = p.tail && plan.novelty > 0;
    const what = forNovelty
      ? `long-tail item moved up for novelty ${plan.novelty}`
      : `moved up for diversity ${plan.diversity} (${plan.method}${this.similarity?.sim && plan.method !== 'calibrated' ? `, ${this.similarity.sim.name}` : ''})`;
    return {
      kind: forNovelty ? 'novelty' : 'diversity',
      text: `${what}: ${ordinal(p.to)} instead of ${ordinal(p.from)} by relevance`,
      evidence: { relevanceRank: p.from, rerankedRank: p.to, method: plan.method, diversity: plan.diversity, novelty: plan.novelty, ...(forNovelty ? { longTail: true } : {}) },
    };
  }

  /** Cosine of the model's item factors in catalogue space, else category Jaccard; undefined with neither. */
  itemSimilarity(): ItemSimilarity {
    const { catalog, trained, modelToCatalog } = this.parts;
    if (this.similarity?.version !== catalog.version) {
      let sim: ItemSimilarity | undefined;
      const m = trained?.model as { itemFactors?: unknown; f?: unknown; nItems: number } | undefined;
      if (m && m.itemFactors instanceof Float32Array && typeof m.f === 'number' && m.f > 0 && m.itemFactors.length === m.nItems * m.f && modelToCatalog) {
        const f = m.f, vectors = new Float32Array(catalog.size * f);
        for (let j = 0; j < modelToCatalog.length; j++) {
          const c = modelToCatalog[j]!;
          if (c >= 0) vectors.set(m.itemFactors.subarray(j * f, (j + 1) * f), c * f);
        }
        sim = new VectorCosine(vectors, f, 'cosine(item factors)');
      } else {
        const cats = this.itemCategories();
        if (cats.nCategorised > 0) sim = new CategoryJaccard(cats);
      }
      this.similarity = { version: catalog.version, sim };
    }
    const sim = this.similarity.sim;
    if (!sim) throw new ConfigError('diversity', 'diversity needs an item similarity: a model with item factors (ials, bpr) or items with categories');
    return sim;
  }

  private itemCategories(): ItemCategories {
    const catalog = this.parts.catalog;
    if (this.categories?.version !== catalog.version) {
      this.categories = { version: catalog.version, cats: ItemCategories.fromLists(catalog.size, (i) => catalog.categories(i)) };
    }
    return this.categories.cats;
  }

  private tailMask(): Promise<Uint8Array> {
    return (this.tail ??= this.parts.snapshot().then((s) => {
      const counts = new Float64Array(this.parts.catalog.size);
      for (let e = 0; e < s.x.length; e++) {
        const c = s.toCatalog[s.x.item[e]!]!;
        if (c >= 0) counts[c]!++;
      }
      return longTailMask(counts);
    }));
  }

  /** The user's (or the request's) history as catalogue indices, distinct, newest first. */
  private async historyItems(ctx: RequestContext): Promise<Int32Array> {
    const seen = new Set<number>();
    for (const e of (await ctx.history()).signal) {
      const c = this.parts.catalog.ids.get(e.item);
      if (c >= 0) seen.add(c);
    }
    return Int32Array.from(seen);
  }
}

function ordinal(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${s}`;
}
