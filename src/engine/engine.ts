import { readFile } from 'node:fs/promises';
import { ConfigError, UnknownItemError } from '../errors.ts';
import { INTERACTION_TYPES, NON_SIGNAL_TYPES, type InteractionType } from '../data/types.ts';
import type { Interactions } from '../data/interactions.ts';
import type { DataStore, WriteReport } from '../store/types.ts';
import { bindModelToStore, loadModelFile, type TrainedModel } from '../pipeline/model-file.ts';
import { prepareInteractions } from '../pipeline/prepare.ts';
import { Catalog } from '../catalog/index.ts';
import { FilterCompiler, applyBoosts, rankWithRules, type FilterNode } from '../rules/index.ts';
import { BoughtTogether, CoOccurrence, trendingScores } from '../recipes/index.ts';
import { RequestContext, TRENDING_BASELINE_WINDOWS, type EngineParts, type SnapshotView } from './context.ts';
import { RECIPE_PRESETS } from './presets.ts';
import {
  PipelineConfigSchema, RequestSchema, durationMs, parseStrict,
  type EngineRequest, type ParsedPipelineConfig, type ParsedRequest, type PipelineConfig, type RecipeConfig, type ScorerConfig,
} from './schema.ts';
import { makeScorer, type Reason, type Scorer } from './stages.ts';
import { RerankStage, rerankPlan } from './rerank.ts';

export interface ResultItem {
  rank: number;
  item: string;
  score: number;
  title: string;
  reasons: Reason[];
}

export interface EngineResponse {
  recipe: string;
  k: number;
  items: ResultItem[];
  /** Recipes that filled the list after the requested one ran short, with why. */
  fallbacks?: { recipe: string; why: string }[];
  /** The impressions written when the request asked to record them. */
  impressions?: WriteReport;
}

export interface EngineOptions {
  store: DataStore;
  /** A model file path or a trained model; recipes without a model (popular, trending...) work without one. */
  model?: string | TrainedModel;
  /** A pipeline config file path or object: defaults and extra / replaced recipes. */
  config?: string | PipelineConfig;
  /** The item catalogue (default: read from the store). */
  catalog?: Catalog;
  /** Use a model trained on another store, matching items and users by external id (a warning says so). */
  allowOtherStore?: boolean;
  /** Receives what the user should be told (e.g. a model used with another store); default: ignored. */
  onWarning?: (message: string) => void;
  /**
   * Where the events snapshot of the aggregate recipes comes from when first needed, with the components (keyed as
   * fittedKeys) that the request needing it asked for, fitted on that snapshot (default, or when this gives
   * undefined: read from the store and fitted on this thread). The server has both done in its refit worker, so the
   * event loop keeps answering other requests meanwhile.
   */
  snapshotSource?: (keys: string[]) => Promise<FittedParts | undefined>;
}

/** Reads and validates a pipeline config file (JSON); errors name the file and the field. */
export async function loadPipelineConfig(path: string): Promise<ParsedPipelineConfig> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new ConfigError(path, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such pipeline config file' : `not valid JSON: ${(e as Error).message}`);
  }
  return parseStrict(PipelineConfigSchema, raw, path);
}

/** One recipe's run inside a request: its stages, each stage's scores, and the blend (NaN = not a candidate). */
interface Tier {
  name: string;
  scorers: Scorer[];
  outs: Float32Array[];
  scores: Float32Array;
  count: number;
  why: string | undefined;
}

const SIGNAL_TYPES: InteractionType[] = INTERACTION_TYPES.filter((t) => !NON_SIGNAL_TYPES.includes(t));

/**
 * The one request path: every recommendation (CLI, API, server) is a typed request answered here by a recipe,
 * i.e. a pipeline candidates/scorers -> filters -> re-rankers (boosts, pins, caps) -> cut, each item with the
 * reasons the stages that chose it give.
 *
 * @example
 * const engine = await Engine.open({ store, model: 'curio-model.bin' });
 * const r = await engine.recommend({ recipe: 'recommend', user: 'u42', k: 10, filter: 'price < 20' });
 * const fbt = await engine.recommend({ recipe: 'bought-together', items: ['85123A'] });
 */
/** Catalogue-sized arrays a request borrows from the engine and gives back when it is answered. */
interface Lease { scores: Float32Array[]; masks: Uint8Array[]; atEnd: (() => void)[] }

/** A spare array of length `n`, if one is left (those of another length are dropped: the catalogue grew). */
function borrow<T extends { length: number }>(spare: T[], n: number): T | undefined {
  let a = spare.pop();
  while (a && a.length !== n) a = spare.pop();
  return a;
}

/** Returns a request's arrays to `spare`, keeping at most 64. */
function giveBack<T extends { length: number }>(spare: T[], lent: T[], n: number): void {
  for (const a of lent) if (a.length === n && spare.length < 64) spare.push(a);
}

export class Engine implements EngineParts {
  readonly filters: FilterCompiler;
  readonly modelToCatalog: Int32Array | undefined;
  readonly catalogToModel: Int32Array | undefined;
  readonly historyLimit: number | undefined;
  private readonly recipesByName: Record<string, RecipeConfig>;
  private snap: SnapshotView | undefined;
  private snapP: Promise<SnapshotView> | undefined;
  private readonly fitted = new Map<string, CoOccurrence | BoughtTogether>();
  /** Fits in flight: concurrent first requests share one fit. */
  private readonly fitting = new Map<string, Promise<CoOccurrence | BoughtTogether>>();
  private readonly countCache = new Map<string, Int32Array>();
  private readonly trendCache = new Map<string, Float32Array>();
  /** Counts refresh() calls: parts adopted for an earlier epoch are not installed. */
  private epoch = 0;
  private readonly reranker: RerankStage;
  /**
   * Catalogue-sized score arrays of finished requests, reused by the next ones (a request takes each from here and
   * returns it when answered): 120 KB per array at 30,000 items, several per request, would otherwise keep the
   * garbage collector busy under load.
   */
  private readonly spare: Float32Array[] = [];
  /** The same for the request's masks (30 KB each at 30,000 items: allocated per request they set off full GCs). */
  private readonly spareMasks: Uint8Array[] = [];

  private constructor(
    readonly store: DataStore,
    readonly catalog: Catalog,
    readonly trained: TrainedModel | undefined,
    readonly config: ParsedPipelineConfig,
  ) {
    this.filters = new FilterCompiler(catalog);
    this.reranker = new RerankStage(this);
    this.historyLimit = config.defaults?.historyLimit;
    this.recipesByName = { ...RECIPE_PRESETS, ...config.recipes };
    for (const [name, r] of Object.entries(this.recipesByName)) {
      for (const [q, f] of (r.fallback ?? []).entries()) {
        if (!this.recipesByName[f]) throw new ConfigError(`recipes.${name}.fallback[${q}]`, `unknown recipe "${f}"; available: ${this.recipeNames().join(', ')}`);
      }
    }
    if (trained) {
      this.modelToCatalog = catalog.indexMap(trained.items);
      this.catalogToModel = new Int32Array(catalog.size).fill(-1);
      for (let j = 0; j < this.modelToCatalog.length; j++) if (this.modelToCatalog[j]! >= 0) this.catalogToModel[this.modelToCatalog[j]!] = j;
    }
  }

  static async open(o: EngineOptions): Promise<Engine> {
    const config = typeof o.config === 'string' ? await loadPipelineConfig(o.config) : parseStrict(PipelineConfigSchema, o.config ?? {}, 'pipeline');
    // A model is bound to the store it was trained from: another store's items would be mislabelled.
    const bind = { store: o.store, allowOtherStore: o.allowOtherStore };
    let trained: TrainedModel | undefined, warnings: string[] = [];
    if (typeof o.model === 'string') ({ warnings, ...trained } = await loadModelFile(o.model, bind));
    else if (o.model) { trained = o.model; warnings = await bindModelToStore(o.model, o.store, bind); }
    for (const w of warnings) o.onWarning?.(w);
    const catalog = o.catalog ?? (await Catalog.fromStore(o.store));
    const engine = new Engine(o.store, catalog, trained, config);
    engine.snapshotSource = o.snapshotSource;
    return engine;
  }

  private snapshotSource: EngineOptions['snapshotSource'];

  recipeNames(): string[] {
    return Object.keys(this.recipesByName).sort();
  }

  recipe(name: string): RecipeConfig {
    const r = this.recipesByName[name];
    if (!r) throw new ConfigError('recipe', `unknown recipe "${name}"; available: ${this.recipeNames().join(', ')}`);
    return r;
  }

  requireModel(what: string): TrainedModel {
    if (!this.trained) throw new ConfigError('model', `${what} needs a trained model: train one (curio train) and pass it (--model)`);
    return this.trained;
  }

  /** Forgets what was fitted from the store's events, so the next request sees new events. */
  refresh(): void {
    this.epoch++;
    this.snap = undefined;
    this.snapP = undefined;
    this.snapshotKeys = [];
    this.adopting = undefined;
    this.fitted.clear();
    this.fitting.clear();
    this.countCache.clear();
    this.trendCache.clear();
    this.reranker.refresh();
  }

  /** Answers one request. */
  async recommend(input: EngineRequest): Promise<EngineResponse> {
    return this.answer(parseStrict(RequestSchema, input, ''));
  }

  /** Answers a request already validated by RequestSchema (or a stricter schema extending it, as the server's). */
  async answer(req: ParsedRequest): Promise<EngineResponse> {
    const lease: Lease = { scores: [], masks: [], atEnd: [] };
    try {
      return await this.answerWith(req, lease);
    } finally {
      giveBack(this.spare, lease.scores, this.catalog.size);
      giveBack(this.spareMasks, lease.masks, this.catalog.size);
      for (const f of lease.atEnd) f();
    }
  }

  /** A catalogue-sized mask (contents undefined: the caller fills it), lent to the request until it is answered. */
  private maskArray(lease: Lease): Uint8Array {
    const m = borrow(this.spareMasks, this.catalog.size) ?? new Uint8Array(this.catalog.size);
    lease.masks.push(m);
    return m;
  }

  /** A catalogue-sized array filled with NaN, lent to the request until it is answered. */
  private scoreArray(lease: Lease): Float32Array {
    const a = (borrow(this.spare, this.catalog.size) ?? new Float32Array(this.catalog.size)).fill(NaN);
    lease.scores.push(a);
    return a;
  }

  private async answerWith(req: ParsedRequest, lease: Lease): Promise<EngineResponse> {
    const recipe = this.recipe(req.recipe);
    const defaults = this.config.defaults ?? {};
    const k = req.k ?? recipe.k ?? defaults.k ?? 10;
    const pins = (req.pin ?? []).map((p, q) => {
      if (p.position > k) throw new ConfigError(`pin[${q}].position`, `position ${p.position} is outside the list (1..${k}); raise k or move the pin`);
      return { item: this.catalogIndex(p.item, `pin[${q}].item`), position: p.position };
    });
    const plan = rerankPlan(req, recipe, defaults);
    const caps = new Map<string, number>();
    for (const c of [...(defaults.cap ?? []), ...(recipe.cap ?? []), ...(req.cap ?? [])]) caps.set(c.field, c.max);

    const seedIds = [...(req.context?.item ? [req.context.item] : []), ...(req.items ?? [])];
    const seeds = Int32Array.from(new Set(seedIds.map((id) => this.catalogIndex(id))));
    const ctx = new RequestContext(this, req, req.recipe, seeds, req.now ?? Date.now(), lease.atEnd);
    const allowed = await this.allowedMask(ctx, recipe, defaults, lease);
    const boosts = [...(defaults.boost ?? []), ...(recipe.boost ?? []), ...(req.boost ?? [])];
    if (!boosts.length && !plan && !pins.length && !caps.size && recipe.scorers.length === 1 && k >= 1) {
      const direct = await this.answerDirect(ctx, recipe.scorers[0]!, allowed, k);
      if (direct) return direct;
    }

    // The recipe, then its fallbacks (depth-first, each once) until k distinct candidates are found.
    const tiers: Tier[] = [];
    let taken: Uint8Array | undefined; // items of earlier tiers: made only when a fallback runs
    const visit = [req.recipe];
    const visited = new Set<string>();
    let found = 0;
    let short: string | undefined; // why the requested recipe ran short
    while (visit.length && found < k) {
      const name = visit.shift()!;
      if (visited.has(name)) continue;
      visited.add(name);
      const r = this.recipe(name);
      const tier = await this.runTier(ctx, name, r, allowed, boosts.length > 0, lease);
      let fresh = tier.count;
      if (tiers.length) {
        if (!taken) {
          taken = new Uint8Array(this.catalog.size);
          for (const t of tiers) for (let i = 0; i < taken.length; i++) if (t.scores[i]! > -Infinity) taken[i] = 1;
        }
        fresh = 0;
        for (let i = 0; i < taken.length; i++) if (tier.scores[i]! > -Infinity && !taken[i]) { taken[i] = 1; fresh++; }
      }
      if (fresh) {
        if (boosts.length) applyBoosts(tier.scores, boosts, this.filters);
        tiers.push(tier);
        found += fresh;
      }
      if (name === req.recipe && found < k) short = `"${name}" found ${found} of ${k} items${tier.why ? `: ${tier.why}` : ''}`;
      if (found < k) visit.unshift(...(r.fallback ?? []));
    }

    const { key, tierOf } = this.rankKeys(tiers);
    let rankKey = key;
    let moved: Awaited<ReturnType<RerankStage['run']>>['moved'] | undefined;
    if (plan) {
      // Caps may reject re-ranked items: then re-rank more than the free slots, so the cut can skip some.
      const slots = k - pins.length;
      ({ key: rankKey, moved } = await this.reranker.run(ctx, key, caps.size ? 4 * slots : slots, new Set(pins.map((p) => p.item)), plan));
    }
    const ranked = rankWithRules(rankKey, { k, pins, caps: [...caps].map(([field, max]) => ({ field, max })) }, this.catalog);
    tiers.forEach((t, ti) => t.scorers.forEach((s, j) => {
      if (!s.prepareReasons) return;
      const mine = ranked.items.filter((c) => (tierOf ? tierOf[c] === ti : ti === 0) && !Number.isNaN(t.outs[j]![c]!));
      if (mine.length) s.prepareReasons(ctx, mine);
    }));
    const items: ResultItem[] = [];
    for (let q = 0; q < ranked.items.length; q++) {
      const c = ranked.items[q]!;
      const t = tierOf ? tiers[tierOf[c]!] : tiers[0];
      const score = t ? t.scores[c]! : NaN;
      const reasons: Reason[] = [];
      if (t) {
        if (t.name !== req.recipe) reasons.push({ kind: 'fallback', text: `from "${t.name}" (${short})`, evidence: { recipe: t.name } });
        t.scorers.forEach((s, j) => {
          const v = t.outs[j]![c]!;
          if (!Number.isNaN(v)) {
            const reason = s.reason(ctx, c, v);
            if (reason) reasons.push(reason);
          }
        });
      }
      for (const b of boosts) {
        if (this.filters.sharedMask(b.filter, { field: 'boost' })[c]) {
          const how = [b.multiply !== undefined ? `×${b.multiply}` : '', b.add !== undefined ? `${b.add >= 0 ? '+' : ''}${b.add}` : ''].filter(Boolean).join(' ');
          reasons.push({ kind: b.multiply !== undefined && b.multiply < 1 || (b.add ?? 0) < 0 ? 'bury' : 'boost', text: `${how} for ${typeof b.filter === 'string' ? b.filter : JSON.stringify(b.filter)}`, evidence: { ...b } });
        }
      }
      const promoted = moved?.get(c);
      if (promoted && plan) reasons.push(this.reranker.reason(plan, promoted));
      const pin = pins.find((p) => p.item === c);
      if (pin) reasons.push({ kind: 'pin', text: `pinned at position ${pin.position}`, evidence: { position: pin.position } });
      items.push({
        rank: q + 1, item: this.catalog.ids.id(c), score: Number.isFinite(score) ? score : key[c]!, title: this.catalog.title(c) ?? '', reasons,
      });
    }

    const res: EngineResponse = { recipe: req.recipe, k, items };
    const fellBack = tiers.filter((t) => t.name !== req.recipe);
    if (fellBack.length) res.fallbacks = fellBack.map((t) => ({ recipe: t.name, why: short ?? '' }));
    if (req.recordImpressions) res.impressions = await this.recordImpressions(req, items);
    return res;
  }

  /**
   * A recipe of one scorer that ranks by itself (an iALS model for a training user), with no boost, pin, cap or
   * re-ranker: its top k are the list the tiers below would rank, the same items, scores, order and reasons,
   * without catalogue-sized arrays. Undefined when the stage cannot, or finds fewer than k candidates (then the
   * general path runs, fallbacks included).
   */
  private async answerDirect(ctx: RequestContext, config: ScorerConfig, allowed: Uint8Array, k: number): Promise<EngineResponse | undefined> {
    const scorer = makeScorer(config);
    const top = scorer.top ? await scorer.top(ctx, allowed, k) : undefined;
    if (!top || top.count < k) return undefined;
    scorer.prepareReasons?.(ctx, top.items);
    const items: ResultItem[] = [];
    for (let q = 0; q < top.items.length; q++) {
      const c = top.items[q]!, score = top.scores[q]!;
      const reason = scorer.reason(ctx, c, score);
      items.push({ rank: q + 1, item: this.catalog.ids.id(c), score, title: this.catalog.title(c) ?? '', reasons: reason ? [reason] : [] });
    }
    const res: EngineResponse = { recipe: ctx.req.recipe, k, items };
    if (ctx.req.recordImpressions) res.impressions = await this.recordImpressions(ctx.req, items);
    return res;
  }

  /** A seed item the store lacks is UnknownItemError; a rule naming one is a ConfigError naming the rule's field. */
  private catalogIndex(id: string, field?: string): number {
    const c = this.catalog.ids.get(id);
    if (c >= 0) return c;
    if (field) throw new ConfigError(field, `unknown item "${id}": the store has no such item`);
    throw new UnknownItemError(id, 'the store (import it first)');
  }

  /** 1 = may be recommended: rules' filters AND not (non-product, seen, shown, excluded, a seed). */
  private async allowedMask(ctx: RequestContext, recipe: RecipeConfig, defaults: NonNullable<ParsedPipelineConfig['defaults']>, lease: Lease): Promise<Uint8Array> {
    const req = ctx.req;
    const fc = this.filters;
    const filters: { f: string | FilterNode; field: string; empty?: boolean }[] = [];
    if (!req.includeNonProducts && defaults.excludeNonProducts !== false) filters.push({ f: 'NOT nonProduct:true', field: 'defaults', empty: true });
    if (defaults.filter !== undefined) filters.push({ f: defaults.filter, field: 'defaults.filter' });
    if (recipe.filter !== undefined) filters.push({ f: recipe.filter, field: `recipes.${req.recipe}.filter` });
    if (req.filter !== undefined) filters.push({ f: req.filter, field: 'filter' });
    if (req.category !== undefined) filters.push({ f: { op: '=', field: 'category', value: req.category }, field: 'category', empty: true });
    let mask = this.maskArray(lease);
    if (!filters.length) mask.fill(1);
    else {
      mask.set(fc.sharedMask(filters[0]!.f, { field: filters[0]!.field, unknownAttrs: filters[0]!.empty ? 'empty' : 'error' }));
      for (const x of filters.slice(1)) {
        andInto(mask, fc.sharedMask(x.f, { field: x.field, unknownAttrs: x.empty ? 'empty' : 'error' }));
      }
    }
    if (req.candidates) {
      // "Only these items may be returned": ids outside the catalogue simply cannot be.
      const only = this.maskArray(lease).fill(0);
      for (const id of req.candidates) {
        const c = this.catalog.ids.get(id);
        if (c >= 0) only[c] = mask[c]!;
      }
      mask = only;
    }
    for (const c of ctx.seeds) mask[c] = 0;
    for (const id of req.exclude ?? []) {
      const c = this.catalog.ids.get(id);
      if (c >= 0) mask[c] = 0;
    }
    const excludeSeen = req.excludeSeen ?? recipe.excludeSeen ?? true;
    if ((excludeSeen || req.excludeShown !== undefined) && (req.user || req.history)) {
      const h = await ctx.history();
      if (excludeSeen) {
        for (const e of h.signal) {
          const c = this.catalog.ids.get(e.item);
          if (c >= 0) mask[c] = 0;
        }
      }
      if (req.excludeShown !== undefined) {
        const since = ctx.now - durationMs(req.excludeShown, 'excludeShown');
        for (const e of h.impressions) {
          if (e.timestamp < since) continue;
          const c = this.catalog.ids.get(e.item);
          if (c >= 0) mask[c] = 0;
        }
      }
    }
    return mask;
  }

  /** Runs one recipe's scorers and blends them; disallowed items become NaN. */
  private async runTier(ctx: RequestContext, name: string, r: RecipeConfig, allowed: Uint8Array, boosted: boolean, lease: Lease): Promise<Tier> {
    const n = this.catalog.size;
    const scorers = r.scorers.map(makeScorer);
    const outs: Float32Array[] = [];
    let why: string | undefined;
    const tierCtx = name === ctx.req.recipe ? ctx : new RequestContext(this, ctx.req, name, ctx.seeds, ctx.now, ctx.atEnd);
    for (const s of scorers) {
      const out = this.scoreArray(lease);
      let outcome;
      try {
        outcome = await s.score(tierCtx, out);
      } catch (e) {
        // A fallback recipe that cannot serve this request (no item for related, no user for recommend) is skipped.
        if (name !== ctx.req.recipe && e instanceof ConfigError) { outcome = { supported: false, why: e.message }; out.fill(NaN); }
        else throw e;
      }
      if (!outcome.supported) why ??= outcome.why;
      outs.push(out);
    }
    let scores: Float32Array;
    // Scorers that gave no candidate here (a model scorer without a model) take no part in the blend.
    const live = outs.filter((out) => { for (let i = 0; i < n; i++) if (allowed[i] && !Number.isNaN(out[i]!)) return true; return false; });
    // One scorer: rank on its own array (boosts then change a copy, so reasons keep the raw score).
    if (live.length === 1) {
      scores = live[0]!;
      if (boosted) (scores = this.scoreArray(lease)).set(live[0]!);
    } else {
      // Each scorer on its own scale: divide by its largest score among allowed items (its best candidate = 1,
      // whatever the model's scale), then weight. Largest |score| only when no score is positive. A model's
      // negative scores (EASE, factor dot products) must not set the scale: a large negative tail would shrink
      // its positive head and so its weight in the blend.
      scores = this.scoreArray(lease);
      outs.forEach((out, j) => {
        let max = 0, maxAbs = 0;
        for (let i = 0; i < n; i++) {
          if (!allowed[i]) continue;
          const v = out[i]!;
          if (v > max) max = v;
          if (Math.abs(v) > maxAbs) maxAbs = Math.abs(v);
        }
        if (!(max > 0)) max = maxAbs;
        if (!(max > 0)) return;
        const w = scorers[j]!.config.weight / max;
        for (let i = 0; i < n; i++) {
          const v = out[i]!;
          if (Number.isNaN(v)) continue;
          scores[i] = (Number.isNaN(scores[i]!) ? 0 : scores[i]!) + w * v;
        }
      });
    }
    let count = 0;
    for (let i = 0; i < n; i++) {
      if (!allowed[i]) scores[i] = NaN;
      else if (scores[i]! > -Infinity) count++;
    }
    return { name, scorers, outs, scores, count, why: count ? why : (why ?? 'no candidates') };
  }

  /**
   * One ranking key over all tiers: each fallback tier strictly below the one before, order inside a tier kept.
   * A single tier ranks on its own scores.
   */
  private rankKeys(tiers: Tier[]): { key: Float32Array; tierOf?: Int8Array } {
    const n = this.catalog.size;
    if (tiers.length <= 1) return { key: tiers[0]?.scores ?? new Float32Array(n).fill(NaN) };
    const key = new Float32Array(n).fill(NaN);
    const tierOf = new Int8Array(n).fill(-1);
    tiers.forEach((t, ti) => {
      let lo = Infinity, hi = -Infinity;
      for (let i = 0; i < n; i++) {
        const s = t.scores[i]!;
        if (s > -Infinity && tierOf[i] === -1) { if (s < lo) lo = s; if (s > hi) hi = s; }
      }
      const span = hi > lo ? hi - lo : 1;
      for (let i = 0; i < n; i++) {
        const s = t.scores[i]!;
        if (!(s > -Infinity) || tierOf[i] !== -1) continue;
        // Tier ti maps into [-2ti, -2ti + 1]: disjoint bands, best tier highest.
        key[i] = -2 * ti + (s - lo) / span;
        tierOf[i] = ti;
      }
    });
    return { key, tierOf };
  }

  private async recordImpressions(req: ParsedRequest, items: ResultItem[]): Promise<WriteReport> {
    if (!req.user) throw new ConfigError('recordImpressions', 'impressions are recorded for a user: give user');
    const at = Date.now();
    return this.store.addInteractions(items.map((it) => ({ user: req.user!, item: it.item, type: 'impression' as const, value: 1, timestamp: at, session: `recipe:${req.recipe}` })));
  }

  // ---- lazily fitted parts (EngineParts) ----

  snapshotIfLoaded(): SnapshotView | undefined {
    return this.snap;
  }

  snapshot(): Promise<SnapshotView> {
    if (this.adopting) this.adopting.wanted = true;
    if (!this.snapP) {
      const epoch = this.epoch;
      this.snapP = this.loadSnapshot().then((s) => {
        if (epoch === this.epoch) this.snap = s; // a refresh meanwhile: this snapshot is its waiting requests' only
        return s;
      });
    }
    return this.snapP;
  }

  /** Components the next snapshot read should bring fitted (see EngineOptions.snapshotSource). */
  private snapshotKeys: string[] = [];

  /** An adoption in flight (see adopt): whether a request asked for the snapshot meanwhile. */
  private adopting: { wanted: boolean } | undefined;

  private async loadSnapshot(): Promise<SnapshotView> {
    // What users did (no impressions), with cancellations and returns (value <= 0) left out.
    const keys = this.snapshotKeys, epoch = this.epoch;
    this.snapshotKeys = [];
    const parts = this.snapshotSource ? await this.snapshotSource(keys) : undefined;
    if (!parts) return snapshotView(await loadEventSnapshot(this.store), this.catalog);
    if (epoch === this.epoch) for (const [k, m] of parts.fitted) if (!this.fitted.has(k)) this.fitted.set(k, m);
    return snapshotView(parts.x, this.catalog);
  }

  private fit<T extends CoOccurrence | BoughtTogether>(key: string, make: (x: Interactions) => T): Promise<T> {
    let p = this.fitting.get(key);
    if (!p) {
      if (!this.snapP && this.snapshotSource) this.snapshotKeys.push(key); // fitted with the snapshot, off this thread
      p = this.snapshot().then((s) => {
        const m = (this.fitted.get(key) as T | undefined) ?? make(s.x); // adopted (fitted elsewhere), or fitted now
        this.fitted.set(key, m);
        return m;
      });
      this.fitting.set(key, p);
    }
    return p as Promise<T>;
  }

  coOccurrence(types?: InteractionType[]): Promise<CoOccurrence> {
    return this.fit(`cooc:${types?.join(',') ?? '*'}`, (x) => CoOccurrence.fit(x, types ? { types } : {}));
  }

  coOccurrenceIfLoaded(types?: InteractionType[]): CoOccurrence | undefined {
    return this.fitted.get(`cooc:${types?.join(',') ?? '*'}`) as CoOccurrence | undefined;
  }

  boughtTogether(minSupport?: number): Promise<BoughtTogether> {
    return this.fit(`bt:${minSupport ?? ''}`, (x) => BoughtTogether.fit(x, minSupport !== undefined ? { minSupport } : {}));
  }

  boughtTogetherIfLoaded(minSupport?: number): BoughtTogether | undefined {
    return this.fitted.get(`bt:${minSupport ?? ''}`) as BoughtTogether | undefined;
  }

  async counts(since: number, until: number): Promise<Int32Array> {
    const key = `${since}:${until}`;
    let c = this.countCache.get(key);
    if (!c) {
      const x = (await this.snapshot()).x;
      c = new Int32Array(x.items.size);
      for (let e = 0; e < x.length; e++) {
        const t = x.time[e]!;
        if (t >= since && t < until) c[x.item[e]!]!++;
      }
      if (this.countCache.size >= 32) this.countCache.delete(this.countCache.keys().next().value!);
      this.countCache.set(key, c);
    }
    return c;
  }

  async trending(now: number, windowMs: number): Promise<Float32Array> {
    const key = `${now}:${windowMs}`;
    let t = this.trendCache.get(key);
    if (!t) {
      const x = (await this.snapshot()).x;
      t = new Float32Array(x.items.size).fill(NaN);
      trendingScores(x, { now, windowMs, baselineMs: TRENDING_BASELINE_WINDOWS * windowMs }, t);
      if (this.trendCache.size >= 32) this.trendCache.delete(this.trendCache.keys().next().value!);
      this.trendCache.set(key, t);
    }
    return t;
  }

  countsIfLoaded(since: number, until: number): Int32Array | undefined {
    return this.countCache.get(`${since}:${until}`);
  }

  // ---- parts fitted elsewhere (a server's worker thread: src/serve/refit.ts) ----

  /** The keys of the recipe components fitted so far (what a refit fits again); see fitPart. */
  fittedKeys(): string[] {
    return [...this.fitted.keys()];
  }

  /** The snapshot and components fitted now (undefined before the first snapshot), to hand to a new engine. */
  fittedParts(): FittedParts | undefined {
    return this.snap ? { x: this.snap.x, fitted: new Map(this.fitted) } : undefined;
  }

  /**
   * Forgets what was fitted (as refresh) and takes the snapshot and components from `parts` instead of fitting them
   * on the first request that needs them; requests meanwhile wait for them. `undefined` parts: fitted here as usual.
   * A component `parts` lacks is fitted here from its snapshot.
   */
  adopt(parts: Promise<FittedParts | undefined>): void {
    this.refresh();
    const epoch = this.epoch;
    const adopting = (this.adopting = { wanted: false });
    const p = parts.then((got): SnapshotView | Promise<SnapshotView> | undefined => {
      if (this.adopting === adopting) this.adopting = undefined;
      if (got && epoch === this.epoch) {
        for (const [k, m] of got.fitted) this.fitted.set(k, m);
        return snapshotView(got.x, this.catalog);
      }
      // Nothing to adopt and no request waiting: the snapshot is read when one first needs it (a model swap on a
      // server that has answered only known users' requests reads no events on the event loop).
      if (epoch === this.epoch && !adopting.wanted) return undefined;
      return this.loadSnapshot();
    });
    const snapP: Promise<SnapshotView> = p.then((s) => {
      if (s === undefined) {
        if (this.snapP === snapP) this.snapP = undefined;
        return s as unknown as SnapshotView; // nobody holds this promise (adopting.wanted was false)
      }
      if (epoch === this.epoch) this.snap = s;
      return s;
    }, (e: unknown) => {
      if (this.snapP === snapP) this.snapP = undefined; // the next request tries again
      throw e;
    });
    snapP.catch(() => undefined); // a failure is the waiting requests' to report; with none waiting, not a crash
    this.snapP = snapP;
  }
}

/** The events snapshot of the store and the recipe components fitted from it, keyed as Engine.fittedKeys. */
export interface FittedParts {
  x: Interactions;
  fitted: Map<string, CoOccurrence | BoughtTogether>;
}

/** What aggregate recipes are fitted on: what users did (no impressions), cancellations and returns (value <= 0) left out. */
export async function loadEventSnapshot(store: DataStore): Promise<Interactions> {
  return prepareInteractions(await store.snapshot({ types: SIGNAL_TYPES }), { positiveOnly: true }).data;
}

/** Fits the component an Engine keeps under `key` (one of its fittedKeys) on `x`, as the engine would. */
export function fitPart(key: string, x: Interactions): CoOccurrence | BoughtTogether {
  const [kind, arg = ''] = key.split(/:(.*)/s);
  if (kind === 'cooc') return CoOccurrence.fit(x, arg === '*' ? {} : { types: arg.split(',') as InteractionType[] });
  if (kind === 'bt') return BoughtTogether.fit(x, arg === '' ? {} : { minSupport: Number(arg) });
  throw new ConfigError('key', `unknown fitted component "${key}"`);
}

/** mask &= m, four items per step when both are word-aligned. */
function andInto(mask: Uint8Array, m: Uint8Array): void {
  let i = 0;
  if (mask.byteOffset % 4 === 0 && m.byteOffset % 4 === 0) {
    const a = new Uint32Array(mask.buffer, mask.byteOffset, mask.length >> 2), b = new Uint32Array(m.buffer, m.byteOffset, mask.length >> 2);
    for (let j = 0; j < a.length; j++) a[j]! &= b[j]!;
    i = a.length * 4;
  }
  for (; i < mask.length; i++) mask[i]! &= m[i]!;
}

function snapshotView(x: Interactions, catalog: Catalog): SnapshotView {
  const toCatalog = catalog.indexMap(x.items);
  const fromCatalog = new Int32Array(catalog.size).fill(-1);
  for (let s = 0; s < toCatalog.length; s++) if (toCatalog[s]! >= 0) fromCatalog[toCatalog[s]!] = s;
  let last = -Infinity;
  for (let e = 0; e < x.length; e++) if (x.time[e]! > last) last = x.time[e]!;
  return {
    x, toCatalog, fromCatalog, endTime: Number.isFinite(last) ? last + 1 : Date.now(),
    toSnapshot(items) {
      const out: number[] = [];
      for (const c of items) if (fromCatalog[c]! >= 0) out.push(fromCatalog[c]!);
      return Int32Array.from(out);
    },
    toCatalogScores(buf, out) {
      let n = 0;
      for (let s = 0; s < buf.length; s++) {
        const c = toCatalog[s]!, v = buf[s]!;
        if (c >= 0 && !Number.isNaN(v)) { out[c] = v; n++; }
      }
      return n;
    },
  };
}
