/**
 * Scorer stages: each turns a request into one score per catalogue item (NaN = no opinion, i.e. not a
 * candidate from this source) and can say, for an item it scored, why — with the evidence behind it.
 * A stage is made per request from its zod-validated config, so it may keep what it learned while scoring
 * (which seed an item is similar to) for the reasons of the few items that survive the cut.
 */
import { ConfigError, UnknownUserError } from '../errors.ts';
import type { InteractionType } from '../data/types.ts';
import { durationMs, formatDuration, type ScorerConfig } from './schema.ts';
import type { TopCandidates } from '../models/types.ts';
import { TRENDING_BASELINE_WINDOWS, type EngineParts, type HistoryEvent, type RequestContext } from './context.ts';
import { closestByText, ExplainError, sharedWords, trainingItems, historyExplainer, phrase, userExplainer, verbFor, type Explainer, type ScoreExplanation } from '../explain/index.ts';

/** Trending compares the window with this many windows before it. */
const BASELINE_WINDOWS = TRENDING_BASELINE_WINDOWS;

export interface Reason {
  /** Which stage or rule: 'model', 'similar', 'bought-together', 'trending', 'boost', 'pin', 'fallback'... */
  kind: string;
  /** One line for people. */
  text: string;
  /** The numbers behind the text, for programs and later explanations. */
  evidence?: Record<string, unknown>;
}

export interface ScoreOutcome {
  /** false: this stage cannot serve the request at all (no basket data, unknown item...): the recipe falls back. */
  supported: boolean;
  why?: string;
}

export interface Scorer {
  readonly config: ScorerConfig;
  /** Writes catalogue-space scores into `out` (pre-filled with NaN). */
  score(ctx: RequestContext, out: Float32Array): Promise<ScoreOutcome>;
  reason(ctx: RequestContext, item: number, score: number): Reason | undefined;
  /**
   * Called with the catalogue items about to get this stage's reasons (best first) before `reason` for each: a stage
   * may work them out together (the model explains every listed item in one pass). Reasons are the same without it.
   */
  prepareReasons?(ctx: RequestContext, items: ArrayLike<number>): void;
  /**
   * The k best allowed items straight from the stage, when it can rank without a catalogue-sized score array:
   * the list `score` then the engine's ranking would give (same scores, order and ties), and the candidate count.
   * Undefined when it cannot for this request; `reason` works after it as after `score`.
   */
  top?(ctx: RequestContext, allowed: Uint8Array, k: number): Promise<TopCandidates | undefined>;
}

export function makeScorer(config: ScorerConfig): Scorer {
  switch (config.kind) {
    case 'model': return new ModelScorer(config);
    case 'similar': return new SimilarScorer(config);
    case 'cooccurrence': return new CoOccurrenceScorer(config);
    case 'bought-together': return new BoughtTogetherScorer(config);
    case 'basket-model': return new BasketModelScorer(config);
    case 'trending': return new TrendingScorer(config);
    case 'popular': return new PopularScorer(config);
    case 'new': return new NewScorer(config);
    case 'recent': return new RecentScorer(config);
  }
}

const fmt = (x: number, d = 3) => +x.toFixed(d);
const quote = (parts: EngineParts, c: number) => `"${parts.catalog.title(c)?.trim() || parts.catalog.ids.id(c)}"`;
/** Pair counts of large baskets are sampled and reweighted, so they may be fractional: say so. */
const count = (n: number) => (Number.isInteger(n) ? String(n) : `~${Math.round(n)}`);

/** One model-space score buffer per model, filled and read without an await between (so requests can share it). */
const scratch = new WeakMap<object, Float32Array>();
function modelScratch(model: { nItems: number }): Float32Array {
  let buf = scratch.get(model);
  if (!buf || buf.length !== model.nItems) scratch.set(model, (buf = new Float32Array(model.nItems)));
  return buf;
}

class ModelScorer implements Scorer {
  private foldedIn = 0;
  /** The model-space history that was scored when it was folded in (else the training row explains). */
  private history: { items: Int32Array; values: Float32Array } | undefined;
  private verb = 'chose';
  private explainer: Explainer | null | undefined;
  private textRow: Int32Array | undefined;
  constructor(readonly config: Extract<ScorerConfig, { kind: 'model' }>) {}

  async score(ctx: RequestContext, out: Float32Array): Promise<ScoreOutcome> {
    const t = ctx.parts.requireModel(`recipe "${ctx.recipe}"`);
    const known = this.knownUser(ctx);
    const h = known ? undefined : await ctx.modelHistory();
    if (h && !h.items.length) throw new UnknownUserError(ctx.req.user ?? '(history)');
    await this.readVerb(ctx);
    // No await from here on: the model-space buffer is shared by the requests of this model.
    const buf = modelScratch(t.model).fill(0); // as a new array: some models add into it
    if (!h) t.model.scoreUser(ctx.modelUser, buf);
    else {
      t.model.scoreHistory(h.items, h.values, buf);
      this.foldedIn = h.events;
      this.history = h;
    }
    const map = ctx.parts.modelToCatalog!;
    for (let j = 0; j < buf.length; j++) {
      const c = map[j]!;
      if (c >= 0) out[c] = buf[j]!;
    }
    return { supported: true };
  }

  /** A training user of a model that ranks for a user directly (iALS): no catalogue-sized array, no copy. */
  async top(ctx: RequestContext, allowed: Uint8Array, k: number): Promise<TopCandidates | undefined> {
    const t = ctx.parts.requireModel(`recipe "${ctx.recipe}"`);
    const map = ctx.parts.modelToCatalog;
    if (!this.knownUser(ctx) || !t.model.topForUser || !map) return undefined;
    await this.readVerb(ctx);
    return t.model.topForUser(ctx.modelUser, map, allowed, k);
  }

  /** Whether the request is scored from the user's trained factors (else their history is folded in). */
  private knownUser(ctx: RequestContext): boolean {
    if (!ctx.req.user && !ctx.req.history) throw new ConfigError('user', `the "${ctx.recipe}" recipe needs a user or a history`);
    return ctx.modelUser >= 0 && this.config.foldIn === 'unknown' && !ctx.req.history;
  }

  /** The verb of "because you bought ...": the model's one training type, else the user's own event types. */
  private async readVerb(ctx: RequestContext): Promise<void> {
    const types = (ctx.parts.trained!.info.data as { types?: string[] } | undefined)?.types;
    this.verb = verbFor(types?.length === 1 ? types : [...new Set((await ctx.history()).signal.map((e) => e.type ?? '?'))]);
  }

  /** One explainer per request: the per-history work (e.g. iALS's factorised solve) serves every result item. */
  private explainerFor(ctx: RequestContext): Explainer | null {
    if (this.explainer === undefined) {
      const x = (this.explainer = modelExplainer(ctx, this.history));
      if (x?.release) ctx.atEnd.push(() => x.release!());
    }
    return this.explainer;
  }

  prepareReasons(ctx: RequestContext, items: ArrayLike<number>): void {
    const c2m = ctx.parts.catalogToModel;
    this.explainerFor(ctx);
    if (!c2m || !this.explainer?.prepare) return;
    const modelItems: number[] = [];
    for (let q = 0; q < items.length; q++) if (c2m[items[q]!]! >= 0) modelItems.push(c2m[items[q]!]!);
    try {
      this.explainer.prepare(modelItems);
    } catch (e) {
      if (!(e instanceof ExplainError)) throw e; // each reason then says what it can, as without this
    }
  }

  reason(ctx: RequestContext, item: number, score: number): Reason {
    const kind = ctx.parts.trained!.model.kind;
    const scoreText = `model score ${fmt(score)} (${kind}${this.foldedIn ? `, folded in from ${this.foldedIn} events` : ''})`;
    const evidence: Record<string, unknown> = this.foldedIn ? { model: kind, score, foldedInEvents: this.foldedIn } : { model: kind, score };
    const clause = modelEvidence(ctx, item, this.explainerFor(ctx), this.verb, evidence) ?? this.textEvidence(ctx, item, evidence);
    return { kind: 'model', text: clause ? `${clause}; ${scoreText}` : scoreText, evidence };
  }

  /** For a score read from text with no exact shares (content, cb2cf's new items, hybrid): the closest description in the history. */
  private textEvidence(ctx: RequestContext, item: number, evidence: Record<string, unknown>): string | undefined {
    const t = ctx.parts.trained!, mi = ctx.parts.catalogToModel?.[item] ?? -1;
    if (mi < 0) return undefined;
    const near = closestByText(t.model, (this.textRow ??= this.history?.items ?? trainingItems(t.model, ctx.modelUser)), mi);
    if (!near) return undefined;
    const c = ctx.parts.modelToCatalog![near.item]!;
    const words = c >= 0 ? sharedWords(ctx.parts.catalog.title(item) ?? '', ctx.parts.catalog.title(c) ?? '') : [];
    evidence.exact = false;
    evidence.method = 'closest description';
    evidence.text = { item: t.items.id(near.item), cosine: near.cosine, words };
    return `its description is closest to ${c >= 0 ? quote(ctx.parts, c) : `"${t.items.id(near.item)}"`}, which you ${this.verb} (${words.length ? `both say ${words.join(', ')}; ` : ''}text similarity ${fmt(near.cosine)})`;
  }
}


/** The explainer of this request's model scores, or null when the model cannot explain (src/explain). */
function modelExplainer(ctx: RequestContext, history: { items: Int32Array; values: Float32Array } | undefined): Explainer | null {
  const t = ctx.parts.trained!;
  try {
    return history ? historyExplainer(t.model, history.items, history.values) : userExplainer(t.model, ctx.modelUser);
  } catch (e) {
    if (e instanceof ExplainError) return null;
    throw e;
  }
}

/**
 * The evidence behind a model score: each history item's share of it, added to `evidence`, and the first clause
 * citing the largest ones (undefined when there is none). Adds nothing when the model cannot say (an explanation
 * error must never fail a request).
 */
function modelEvidence(ctx: RequestContext, item: number, explainer: Explainer | null, verb: string, evidence: Record<string, unknown>): string | undefined {
  const t = ctx.parts.trained!;
  const mi = ctx.parts.catalogToModel?.[item] ?? -1;
  if (mi < 0 || !explainer) return undefined;
  let x: ScoreExplanation, clauses: string[];
  try {
    x = explainer(mi);
    const m2c = ctx.parts.modelToCatalog!;
    clauses = phrase(x, { name: (j) => (m2c[j]! >= 0 ? quote(ctx.parts, m2c[j]!) : `"${t.items.id(j)}"`), verb });
  } catch (e) {
    if (e instanceof ExplainError) return undefined; // e.g. a model kind with no explanation yet
    throw e;
  }
  evidence.exact = x.exact;
  evidence.method = x.method;
  evidence.rest = x.rest;
  const contributions: { item: string; share: number; removal?: number }[] = new Array(x.contributions.length);
  for (let q = 0; q < x.contributions.length; q++) {
    const c = x.contributions[q]!;
    contributions[q] = c.removal !== undefined ? { item: t.items.id(c.item), share: c.value, removal: c.removal } : { item: t.items.id(c.item), share: c.value };
  }
  evidence.contributions = contributions;
  if (x.served !== undefined && x.served !== x.score) evidence.explainedScore = x.score;
  return clauses[0];
}

class SimilarScorer implements Scorer {
  /** For each scored item, the seed it is most similar to. */
  private readonly via = new Map<number, number>();
  constructor(readonly config: Extract<ScorerConfig, { kind: 'similar' }>) {}

  async score(ctx: RequestContext, out: Float32Array): Promise<ScoreOutcome> {
    const t = ctx.parts.requireModel(`recipe "${ctx.recipe}"`);
    ctx.requireSeeds();
    const c2m = ctx.parts.catalogToModel!, m2c = ctx.parts.modelToCatalog!;
    let any = false;
    for (const seed of ctx.seeds) {
      const mi = c2m[seed]!;
      if (mi < 0) continue;
      const r = t.model.similarItems(mi, Math.min(this.config.neighbors, t.model.nItems));
      for (let q = 0; q < r.items.length; q++) {
        const c = m2c[r.items[q]!]!, s = r.scores[q]!;
        if (c < 0 || !(s > -Infinity)) continue;
        any = true;
        if (!(out[c]! >= s)) { out[c] = s; this.via.set(c, seed); }
      }
    }
    return any ? { supported: true } : { supported: false, why: 'the model does not know the given items' };
  }

  reason(ctx: RequestContext, item: number, score: number): Reason | undefined {
    const seed = this.via.get(item);
    if (seed === undefined) return undefined;
    return {
      kind: 'similar',
      text: `similar to ${quote(ctx.parts, seed)} (model similarity ${fmt(score)})`,
      evidence: { to: ctx.parts.catalog.ids.id(seed), similarity: score },
    };
  }
}

class CoOccurrenceScorer implements Scorer {
  private seedsSnap: Int32Array = new Int32Array(0);
  constructor(readonly config: Extract<ScorerConfig, { kind: 'cooccurrence' }>) {}

  async score(ctx: RequestContext, out: Float32Array): Promise<ScoreOutcome> {
    ctx.requireSeeds();
    const co = await ctx.parts.coOccurrence(this.config.types);
    const snap = await ctx.parts.snapshot();
    this.seedsSnap = snap.toSnapshot(ctx.seeds);
    if (!this.seedsSnap.length) return { supported: false, why: 'no events with the given items' };
    const buf = new Float32Array(snap.x.items.size).fill(NaN);
    co.score(this.seedsSnap, buf);
    return { supported: snap.toCatalogScores(buf, out) > 0, why: 'no item co-occurs with the given items' };
  }

  reason(ctx: RequestContext, item: number): Reason | undefined {
    const snap = ctx.parts.snapshotIfLoaded()!;
    const s = snap.fromCatalog[item]!;
    if (s < 0) return undefined;
    const ev = ctx.parts.coOccurrenceIfLoaded(this.config.types)?.evidence(s, this.seedsSnap);
    if (!ev) return undefined;
    const withC = snap.toCatalog[ev.with]!;
    const views = this.config.types?.every((t) => t === 'view' || t === 'click');
    const name = withC >= 0 ? quote(ctx.parts, withC) : `"${snap.x.items.id(ev.with)}"`;
    return {
      kind: views ? 'also-viewed' : 'cooccurrence',
      text: views ? `viewed with ${name} in ${count(ev.count)} sessions` : `used with ${name} in ${count(ev.count)} sessions`,
      evidence: { with: snap.x.items.id(ev.with), sessions: ev.count, ...(this.config.types ? { types: this.config.types } : {}) },
    };
  }
}

class BasketModelScorer implements Scorer {
  private basketSize = 0;
  constructor(readonly config: Extract<ScorerConfig, { kind: 'basket-model' }>) {}

  async score(ctx: RequestContext, out: Float32Array): Promise<ScoreOutcome> {
    const t = ctx.parts.trained;
    if (!t) return { supported: false, why: 'no model loaded' };
    ctx.requireSeeds();
    const c2m = ctx.parts.catalogToModel!, m2c = ctx.parts.modelToCatalog!;
    const basket = Int32Array.from(new Set(Array.from(ctx.seeds, (c) => c2m[c]!).filter((j) => j >= 0)));
    if (!basket.length) return { supported: false, why: 'the model does not know the given items' };
    this.basketSize = basket.length;
    const buf = new Float32Array(t.model.nItems);
    t.model.scoreHistory(basket, new Float32Array(basket.length).fill(1), buf);
    let positive = 0;
    for (let j = 0; j < buf.length; j++) {
      const c = m2c[j]!, v = buf[j]!;
      // Only what the model relates to the basket: items at or below zero are left to the recipe's fallbacks.
      if (c < 0 || !(v > 0)) continue;
      out[c] = v;
      positive++;
    }
    return { supported: positive > 0, why: 'the model relates nothing to the given items' };
  }

  reason(ctx: RequestContext, _item: number, score: number): Reason {
    const kind = ctx.parts.trained!.model.kind;
    const what = this.basketSize > 1 ? `the ${this.basketSize} given items` : 'the given item';
    return { kind: 'model', text: `model score ${fmt(score)} (${kind}, folded in from ${what})`, evidence: { model: kind, score, foldedInItems: this.basketSize } };
  }
}

class BoughtTogetherScorer implements Scorer {
  private basket: Int32Array = new Int32Array(0);
  constructor(readonly config: Extract<ScorerConfig, { kind: 'bought-together' }>) {}

  async score(ctx: RequestContext, out: Float32Array): Promise<ScoreOutcome> {
    ctx.requireSeeds();
    // The component first: a first request has it fitted with the snapshot (in the server's worker).
    const bt = await ctx.parts.boughtTogether(this.config.minSupport);
    const snap = await ctx.parts.snapshot();
    this.basket = snap.toSnapshot(ctx.seeds);
    if (!this.basket.length) return { supported: false, why: 'the given items have no purchases' };
    const buf = new Float32Array(snap.x.items.size).fill(NaN);
    const { supported } = bt.score(this.basket, buf);
    if (!supported) return { supported: false, why: 'too few baskets contain the given items' };
    return { supported: snap.toCatalogScores(buf, out) > 0, why: 'no item passes the minimum support' };
  }

  reason(ctx: RequestContext, item: number): Reason | undefined {
    const snap = ctx.parts.snapshotIfLoaded()!;
    const s = snap.fromCatalog[item]!;
    if (s < 0) return undefined;
    const ev = ctx.parts.boughtTogetherIfLoaded(this.config.minSupport)?.evidence(s, this.basket);
    if (!ev) return undefined;
    const withC = snap.toCatalog[ev.with]!;
    const name = withC >= 0 ? quote(ctx.parts, withC) : `"${snap.x.items.id(ev.with)}"`;
    return {
      kind: 'bought-together',
      text: `bought with ${name} in ${count(ev.count)} baskets (confidence ${fmt(ev.confidence, 2)}, lift ${fmt(ev.lift, 1)})`,
      evidence: { with: snap.x.items.id(ev.with), baskets: ev.count, support: ev.support, confidence: ev.confidence, lift: ev.lift },
    };
  }
}

class TrendingScorer implements Scorer {
  private windowMs = 0;
  private now = 0;
  constructor(readonly config: Extract<ScorerConfig, { kind: 'trending' }>) {}

  async score(ctx: RequestContext, out: Float32Array): Promise<ScoreOutcome> {
    const snap = await ctx.parts.snapshot();
    this.windowMs = ctx.req.window !== undefined ? durationMs(ctx.req.window) : durationMs(this.config.window, 'trending.window');
    this.now = ctx.req.now ?? snap.endTime;
    const buf = await ctx.parts.trending(this.now, this.windowMs);
    await ctx.parts.counts(this.now - this.windowMs, this.now);
    await ctx.parts.counts(this.now - (BASELINE_WINDOWS + 1) * this.windowMs, this.now - this.windowMs);
    return { supported: snap.toCatalogScores(buf, out) > 0, why: 'no events in the window' };
  }

  reason(ctx: RequestContext, item: number, score: number): Reason | undefined {
    const snap = ctx.parts.snapshotIfLoaded()!;
    const s = snap.fromCatalog[item]!;
    if (s < 0) return undefined;
    const w = this.windowMs;
    const cur = ctx.parts.countsIfLoaded(this.now - w, this.now)![s]!;
    const before = ctx.parts.countsIfLoaded(this.now - (BASELINE_WINDOWS + 1) * w, this.now - w)![s]! / BASELINE_WINDOWS;
    const span = formatDuration(w);
    const per = span === 'week' ? 'this week' : `in the last ${span}`;
    const text = before > 0
      ? `trending: ${cur >= before ? '+' : ''}${Math.round((cur / before - 1) * 100)}% ${per} (${cur} events vs ${fmt(before, 1)} per ${span} over the ${BASELINE_WINDOWS} before)`
      : `trending: ${cur} events ${per}, none in the ${BASELINE_WINDOWS} ${span === 'week' ? 'weeks' : 'windows'} before`;
    return { kind: 'trending', text, evidence: { events: cur, baselinePerWindow: before, windowMs: w, score } };
  }
}

class PopularScorer implements Scorer {
  private windowMs: number | undefined;
  constructor(readonly config: Extract<ScorerConfig, { kind: 'popular' }>) {}

  async score(ctx: RequestContext, out: Float32Array): Promise<ScoreOutcome> {
    const snap = await ctx.parts.snapshot();
    const window = ctx.req.window ?? this.config.window;
    let since = -Infinity, until = Infinity;
    if (window !== undefined) {
      this.windowMs = durationMs(window, 'window');
      until = ctx.req.now ?? snap.endTime;
      since = until - this.windowMs;
    }
    // The counts per window are cached with the snapshot (as trending's): a request reads them, it does not scan
    // every event (popularScores' count, without decay or types).
    const counts = await ctx.parts.counts(since, until);
    const buf = new Float32Array(counts.length);
    for (let i = 0; i < counts.length; i++) buf[i] = counts[i]! > 0 ? counts[i]! : NaN;
    return { supported: snap.toCatalogScores(buf, out) > 0, why: 'no events in the window' };
  }

  reason(_ctx: RequestContext, _item: number, score: number): Reason {
    const w = this.windowMs !== undefined ? ` in the last ${formatDuration(this.windowMs)}` : '';
    return { kind: 'popular', text: `popular: ${score} events${w}`, evidence: { events: score, ...(this.windowMs ? { windowMs: this.windowMs } : {}) } };
  }
}

class NewScorer implements Scorer {
  constructor(readonly config: Extract<ScorerConfig, { kind: 'new' }>) {}

  async score(ctx: RequestContext, out: Float32Array): Promise<ScoreOutcome> {
    const time = ctx.parts.catalog.time;
    let latest = -Infinity;
    for (let c = 0; c < time.length; c++) if (time[c]! > latest) latest = time[c]!;
    const window = ctx.req.window ?? this.config.window;
    const since = window === undefined ? -Infinity : (ctx.req.now ?? latest) - durationMs(window, 'window');
    let n = 0;
    for (let c = 0; c < time.length; c++) {
      const t = time[c]!;
      // Days before the newest item: ms timestamps would lose minutes in a Float32 score.
      if (t >= since) { out[c] = (t - latest) / 86_400_000; n++; } // NaN (no timestamp) never passes
    }
    return { supported: n > 0, why: 'no item has a timestamp' };
  }

  reason(ctx: RequestContext, item: number): Reason {
    const t = ctx.parts.catalog.time[item]!;
    return { kind: 'new', text: `new: added ${new Date(t).toISOString().slice(0, 10)}`, evidence: { added: t } };
  }
}

const DID: Partial<Record<InteractionType, string>> = {
  view: 'viewed it', click: 'clicked it', cart: 'added it to your cart', purchase: 'bought it', rating: 'rated it',
  review: 'reviewed it', like: 'liked it', share: 'shared it',
};

function ago(ms: number): string {
  const d = ms / 86_400_000;
  if (d >= 2) return `${Math.round(d)} days ago`;
  if (d >= 1) return 'yesterday';
  const h = ms / 3_600_000;
  return h >= 1 ? `${Math.round(h)} hours ago` : 'just now';
}

class RecentScorer implements Scorer {
  private readonly last = new Map<number, HistoryEvent>();
  constructor(readonly config: Extract<ScorerConfig, { kind: 'recent' }>) {}

  async score(ctx: RequestContext, out: Float32Array): Promise<ScoreOutcome> {
    if (!ctx.req.user && !ctx.req.history) throw new ConfigError('user', `the "${ctx.recipe}" recipe needs a user or a history`);
    const h = await ctx.history();
    if (!h.signal.length && ctx.req.user && !ctx.req.history && !h.impressions.length) throw new UnknownUserError(ctx.req.user);
    const types = this.config.types;
    // Newest first: the first event seen of an item is its latest; score = recency rank (time may be unknown).
    let rank = 0;
    for (const e of h.signal) {
      if (types && (!e.type || !types.includes(e.type))) continue;
      const c = ctx.parts.catalog.ids.get(e.item);
      if (c < 0 || this.last.has(c)) continue;
      this.last.set(c, e);
      out[c] = h.signal.length - rank++;
    }
    return { supported: this.last.size > 0, why: 'no events' };
  }

  reason(ctx: RequestContext, item: number): Reason | undefined {
    const e = this.last.get(item);
    if (!e) return undefined;
    const when = e.timestamp > 0 ? ` ${ago(Math.max(0, ctx.now - e.timestamp))}` : '';
    return { kind: 'recent', text: `you ${(e.type && DID[e.type]) || 'used it'}${when}`, evidence: { type: e.type, at: e.timestamp } };
  }
}
