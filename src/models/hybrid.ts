/**
 * Hybrid of a collaborative model and the content model. Both score every item; each score vector is
 * standardised over the catalogue (z-scores, so the scales are comparable) and blended per (user, item):
 *   s = w ẑ_cf + (1 − w) ẑ_text,  w = cᵢ / (cᵢ + κ) · nᵤ / (nᵤ + μ)
 * where cᵢ is how many training users item i has and nᵤ how many items the user has. Items nobody has seen lean
 * entirely on text, popular items on behaviour; with μ > 0 users with short histories lean more on text.
 * κ = 0 and μ = 0 is the collaborative model on warm items (ranking unchanged) and text on cold ones. κ and μ are
 * tuned on validation like any other parameter.
 */
import { z } from 'zod';
import { parseConfig, strictObject } from '../config.ts';
import { columnCounts, type Csr } from '../data/csr.ts';
import { ArtifactError, ConfigError } from '../errors.ts';
import { topK, type Ranked } from '../linalg/topk.ts';
import { bpr } from './bpr.ts';
import { cb2cf } from './cb2cf.ts';
import { content, Content, ContentConfigSchema } from './content.ts';
import { ease } from './ease.ts';
import { ials } from './ials.ts';
import { itemKnn } from './item-knn.ts';
import { userKnn } from './user-knn.ts';
import { expectArray, NotFittedError } from './base.ts';
import type { FitData, FitOptions, FitReport, ModelArtifact, ModelFactory, RecOptions, Recommender } from './types.ts';

// Listed here rather than taken from the registry, which imports this module.
const COLLABORATIVE: Record<string, ModelFactory> = { ease, ials, itemknn: itemKnn, userknn: userKnn, bpr, cb2cf } as Record<string, ModelFactory>;

export const HybridConfigSchema = strictObject({
  collaborative: strictObject({ kind: z.string(), config: z.record(z.string(), z.unknown()).default({}) }).default({ kind: 'ease', config: {} }),
  content: ContentConfigSchema.default(ContentConfigSchema.parse({})),
  /** Training users at which an item's collaborative score gets half the weight. */
  kappa: z.number().nonnegative().default(2),
  /** History length at which a user's collaborative score gets half the weight (0: users do not matter). */
  mu: z.number().nonnegative().default(0),
});
export type HybridConfig = z.infer<typeof HybridConfigSchema>;

/** In place: (v − mean) / std over the finite entries; non-finite entries become 0 (the mean). */
export function standardize(v: Float32Array): Float32Array {
  let n = 0, s = 0, ss = 0;
  for (let i = 0; i < v.length; i++) { const x = v[i]!; if (Number.isFinite(x)) { n++; s += x; ss += x * x; } }
  const mean = n ? s / n : 0, sd = n ? Math.sqrt(Math.max(0, ss / n - mean * mean)) : 0;
  const inv = sd > 0 ? 1 / sd : 0;
  for (let i = 0; i < v.length; i++) { const x = v[i]!; v[i] = Number.isFinite(x) ? (x - mean) * inv : 0; }
  return v;
}

export class Hybrid implements Recommender<HybridConfig> {
  readonly kind = 'hybrid';
  readonly config: Readonly<HybridConfig>;
  private cf: Recommender | undefined;
  private text: Content | undefined;
  private itemCounts: Float32Array = new Float32Array(0);
  private seen: Csr | undefined;

  constructor(config: HybridConfig) {
    this.config = Object.freeze({ ...config });
    const f = COLLABORATIVE[config.collaborative.kind];
    if (!f) throw new ConfigError('hybrid.collaborative.kind', `"${config.collaborative.kind}" cannot be blended; use one of ${Object.keys(COLLABORATIVE).join(', ')}`);
    f.create(config.collaborative.config); // validates now, not at fit
  }

  get nUsers(): number { return this.seen?.rows ?? 0; }
  get nItems(): number { return this.seen?.cols ?? 0; }
  /** The content part's item vectors (what explanations cite as the text behind a score). */
  get itemVectors(): Float32Array { return this.text?.itemVectors ?? new Float32Array(0); }
  get dimension(): number { return this.text?.dimension ?? 0; }

  private get parts(): { cf: Recommender; text: Content; seen: Csr } {
    if (!this.cf || !this.text || !this.seen) throw new NotFittedError('hybrid is not fitted: call fit() or load a model file first');
    return { cf: this.cf, text: this.text, seen: this.seen };
  }

  async fit(data: FitData, o?: FitOptions): Promise<FitReport> {
    const t0 = performance.now();
    const cf = COLLABORATIVE[this.config.collaborative.kind]!.create(this.config.collaborative.config);
    const text = content.create(this.config.content);
    await text.fit(data, o); // first: a missing item text fails before the (slower) collaborative fit
    await cf.fit(data, o);
    this.cf = cf; this.text = text; this.seen = data.matrix;
    const c = columnCounts(data.matrix);
    this.itemCounts = Float32Array.from(c);
    return { seconds: (performance.now() - t0) / 1000 };
  }

  private blend(cfScores: Float32Array, textScores: Float32Array, historyLength: number, out: Float32Array): void {
    standardize(cfScores); standardize(textScores);
    const { kappa, mu } = this.config;
    const g = mu > 0 ? historyLength / (historyLength + mu) : 1;
    for (let i = 0; i < out.length; i++) {
      const c = this.itemCounts[i]!;
      const w = c === 0 ? 0 : (c / (c + kappa)) * g;
      out[i] = w * cfScores[i]! + (1 - w) * textScores[i]!;
    }
  }

  scoreUser(user: number, out: Float32Array): void {
    const { cf, text, seen } = this.parts;
    const a = new Float32Array(out.length), b = new Float32Array(out.length);
    cf.scoreUser(user, a); text.scoreUser(user, b);
    this.blend(a, b, seen.indptr[user + 1]! - seen.indptr[user]!, out);
  }

  scoreHistory(items: Int32Array, values: Float32Array, out: Float32Array): void {
    const { cf, text } = this.parts;
    const a = new Float32Array(out.length), b = new Float32Array(out.length);
    cf.scoreHistory(items, values, a); text.scoreHistory(items, values, b);
    this.blend(a, b, items.length, out);
  }

  recommend(user: number, o: RecOptions): Ranked {
    const { seen } = this.parts;
    if (user < 0 || user >= seen.rows) throw new RangeError(`user index ${user} outside 0..${seen.rows - 1}`);
    const s = new Float32Array(seen.cols);
    this.scoreUser(user, s);
    if (o.excludeSeen !== false) for (let p = seen.indptr[user]!; p < seen.indptr[user + 1]!; p++) s[seen.indices[p]!] = -Infinity;
    return finish(s, o);
  }

  recommendHistory(items: Int32Array, values: Float32Array, o: RecOptions): Ranked {
    const s = new Float32Array(this.parts.seen.cols);
    this.scoreHistory(items, values, s);
    if (o.excludeSeen !== false) for (let q = 0; q < items.length; q++) s[items[q]!] = -Infinity;
    return finish(s, o);
  }

  /** Behaviour's neighbours for items with interactions, text's for items nobody has seen. */
  similarItems(item: number, k: number): Ranked {
    const { cf, text } = this.parts;
    return this.itemCounts[item]! > 0 ? cf.similarItems(item, k) : text.similarItems(item, k);
  }

  toArtifact(): ModelArtifact {
    const { cf, text, seen } = this.parts;
    const a = cf.toArtifact(), b = text.toArtifact();
    const arrays: ModelArtifact['arrays'] = { itemCounts: this.itemCounts, 'seen.indptr': seen.indptr, 'seen.indices': seen.indices, 'seen.data': seen.data };
    for (const [k, v] of Object.entries(a.arrays)) arrays[`cf.${k}`] = v;
    for (const [k, v] of Object.entries(b.arrays)) arrays[`content.${k}`] = v;
    return {
      kind: this.kind, config: this.config,
      meta: { rows: seen.rows, cols: seen.cols, cf: { kind: a.kind, config: a.config, meta: a.meta }, content: { config: b.config, meta: b.meta } },
      arrays,
    };
  }

  static fromArtifact(a: ModelArtifact): Hybrid {
    const m = new Hybrid(parseConfig(HybridConfigSchema, a.config, 'hybrid'));
    const sub = (prefix: string) => Object.fromEntries(Object.entries(a.arrays).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
    const meta = a.meta as { rows?: unknown; cols?: unknown; cf?: { kind: string; config: object; meta: Record<string, unknown> }; content?: { config: object; meta: Record<string, unknown> } };
    if (!meta.cf || !meta.content || typeof meta.rows !== 'number' || typeof meta.cols !== 'number') throw new ArtifactError('hybrid model file: meta.cf, meta.content, meta.rows and meta.cols are required');
    const f = COLLABORATIVE[meta.cf.kind];
    if (!f) throw new ArtifactError(`hybrid model file: collaborative part "${meta.cf.kind}" is not a blendable model`);
    m.cf = f.fromArtifact({ kind: meta.cf.kind, config: meta.cf.config, meta: meta.cf.meta, arrays: sub('cf.') });
    m.text = Content.fromArtifact({ kind: 'content', config: meta.content.config, meta: meta.content.meta, arrays: sub('content.') });
    m.itemCounts = expectArray(a, 'itemCounts', Float32Array);
    m.seen = { rows: meta.rows, cols: meta.cols, indptr: expectArray(a, 'seen.indptr', Int32Array), indices: expectArray(a, 'seen.indices', Int32Array), data: expectArray(a, 'seen.data', Float32Array) };
    if (m.itemCounts.length !== meta.cols || m.seen.indptr.length !== meta.rows + 1 || m.cf.nItems !== meta.cols || m.text.nItems !== meta.cols) {
      throw new ArtifactError(`hybrid model file: parts do not match ${meta.rows} users × ${meta.cols} items`);
    }
    return m;
  }
}

function finish(s: Float32Array, o: RecOptions): Ranked {
  if (o.exclude) for (let q = 0; q < o.exclude.length; q++) s[o.exclude[q]!] = -Infinity;
  return topK(s, o.k, o.candidates);
}

export const hybrid: ModelFactory<Hybrid> = {
  kind: 'hybrid',
  needsItemText: true,
  create: (config) => new Hybrid(parseConfig(HybridConfigSchema, config, 'hybrid')),
  fromArtifact: Hybrid.fromArtifact,
};
