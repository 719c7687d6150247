/**
 * Text -> collaborative mapping for cold items (CB2CF, Barkan et al. 2019, with a ridge map). A collaborative
 * model (iALS by default, or EASE, ItemKNN...) is fitted on the interactions. For a user u its scores sᵤ on the
 * warm items are regressed on those items' text vectors X_W by ridge, and the fitted line scores the cold items:
 *   ŝᵤⱼ = xⱼᵀ P X_Wᵀ sᵤ,   P = (X_WᵀX_W + λ·tr(X_WᵀX_W)/d · I)⁻¹   (one shared d × d inverse)
 * so a cold item scores what the collaborative model would give an item with its text. For iALS, sᵤ = Y pᵤ and
 * this is exactly Barkan et al.'s map of text onto item factors (M = Y_WᵀX_W P); for EASE, whose item-item
 * weights have no factors, regressing the scores is the only way, and on MovieLens the better one (bench/text.ts).
 * With `standardize`, sᵤ is standardised over the warm items before the regression and the prediction put back on
 * its scale (each user's scores count equally, whatever their spread). λ is relative to the mean eigenvalue
 * of X_WᵀX_W, so one value suits any encoder. Warm items keep their collaborative scores: cold ones are
 * predictions of the same quantity, so the two mix in one ranking. "Warm" = seen by at least `coldBelow`
 * training users.
 */
import { z } from 'zod';
import { parseConfig, strictObject } from '../config.ts';
import { columnCounts, type Csr } from '../data/csr.ts';
import { ArtifactError, ConfigError, ModelFitError } from '../errors.ts';
import { spdInverseInPlace } from '../linalg/dense.ts';
import { topK, type Ranked } from '../linalg/topk.ts';
import { encodeItems } from '../text/item-vectors.ts';
import { expectArray, expectCount, NotFittedError } from './base.ts';
import { bpr } from './bpr.ts';
import { EncoderSpecSchema } from './content.ts';
import { ease } from './ease.ts';
import { ials, IalsConfigSchema } from './ials.ts';
import { itemKnn } from './item-knn.ts';
import { userKnn } from './user-knn.ts';
import type { FitData, FitOptions, FitReport, ModelArtifact, ModelFactory, RecOptions, Recommender } from './types.ts';

const MAPPABLE: Record<string, ModelFactory> = { ials, ease, itemknn: itemKnn, userknn: userKnn, bpr } as Record<string, ModelFactory>;

export const Cb2cfConfigSchema = strictObject({
  encoder: EncoderSpecSchema.default({ name: 'tfidf', dimension: 128 }),
  /** The collaborative model whose scores the text learns to predict (default: iALS with `ials`). */
  collaborative: strictObject({ kind: z.string(), config: z.record(z.string(), z.unknown()).default({}) }).optional(),
  /** iALS settings when `collaborative` is not given. */
  ials: IalsConfigSchema.default(IalsConfigSchema.parse({})),
  /** Ridge penalty of the text -> score regression, relative to the mean eigenvalue of X_WᵀX_W. */
  mapL2: z.number().positive().default(0.1),
  /** Standardise each user's warm-item scores before the regression. */
  standardize: z.boolean().default(false),
  /** Items with fewer training users than this get predicted scores. */
  coldBelow: z.number().int().positive().default(1),
});
export type Cb2cfConfig = z.infer<typeof Cb2cfConfigSchema>;

function collaborativeOf(c: Cb2cfConfig): { kind: string; config: Record<string, unknown> } {
  return c.collaborative ?? { kind: 'ials', config: c.ials };
}

interface Fitted {
  cf: Recommender;
  seen: Csr;
  /** Item text vectors, nItems × d (unit rows; zero rows for items without text). */
  x: Float32Array;
  /** P, d × d. */
  p: Float64Array;
  /** 1 for warm items (their scores are regressed on), 0 for cold ones (their scores are predicted). */
  warm: Uint8Array;
}

export class Cb2cf implements Recommender<Cb2cfConfig> {
  readonly kind = 'cb2cf';
  readonly config: Readonly<Cb2cfConfig>;
  private state: Fitted | undefined;
  dimension = 0;
  /** Items whose scores come from their text. */
  mappedItems = 0;

  constructor(config: Cb2cfConfig) {
    this.config = Object.freeze({ ...config });
    const c = collaborativeOf(this.config);
    const f = MAPPABLE[c.kind];
    if (!f) throw new ConfigError('cb2cf.collaborative.kind', `"${c.kind}" cannot be mapped; use one of ${Object.keys(MAPPABLE).join(', ')}`);
    f.create(c.config); // validates now, not at fit
  }

  get nUsers(): number { return this.state?.seen.rows ?? 0; }
  get nItems(): number { return this.state?.seen.cols ?? 0; }
  get itemVectors(): Float32Array { return this.fitted.x; }

  private get fitted(): Fitted {
    if (!this.state) throw new NotFittedError('cb2cf is not fitted: call fit() or load a model file first');
    return this.state;
  }

  async fit(data: FitData, o?: FitOptions): Promise<FitReport> {
    const t0 = performance.now();
    const iv = await encodeItems(data, this.config.encoder as { name: string }, this.kind); // before the slower CF fit
    const c = collaborativeOf(this.config);
    const cf = MAPPABLE[c.kind]!.create(c.config);
    await cf.fit(data, o);
    const counts = columnCounts(data.matrix);
    const warm = new Uint8Array(data.matrix.cols);
    let nWarm = 0;
    for (let i = 0; i < warm.length; i++) if (counts[i]! >= this.config.coldBelow) { warm[i] = 1; nWarm++; }
    if (nWarm === 0) throw new ModelFitError('cb2cf: no warm item to learn the text -> score map from');
    this.dimension = iv.dimension;
    this.mappedItems = warm.length - nWarm;
    this.state = { cf, seen: data.matrix, x: iv.vectors, warm, p: this.inverse(iv.vectors, warm) };
    return { seconds: (performance.now() - t0) / 1000 };
  }

  /** P = (X_WᵀX_W + λ tr/d I)⁻¹. */
  private inverse(x: Float32Array, warm: Uint8Array): Float64Array {
    const d = this.dimension, g = new Float64Array(d * d);
    for (let i = 0; i < warm.length; i++) {
      if (!warm[i]) continue;
      const o = i * d;
      for (let a = 0; a < d; a++) {
        const xa = x[o + a]!;
        if (xa !== 0) for (let b = a; b < d; b++) g[a * d + b]! += xa * x[o + b]!;
      }
    }
    let trace = 0;
    for (let a = 0; a < d; a++) trace += g[a * d + a]!;
    const ridge = (this.config.mapL2 * trace) / d || this.config.mapL2;
    for (let a = 0; a < d; a++) { g[a * d + a]! += ridge; for (let b = 0; b < a; b++) g[a * d + b] = g[b * d + a]!; }
    return spdInverseInPlace(g, d);
  }

  /** Replaces the cold items' entries of `out` (the collaborative scores) by their text predictions. */
  private predictCold(out: Float32Array): void {
    const { x, p, warm } = this.fitted, d = this.dimension, n = warm.length;
    if (this.mappedItems === 0) return;
    let mean = 0, sd = 1, nWarm = 0;
    if (this.config.standardize) {
      let s = 0, ss = 0;
      for (let i = 0; i < n; i++) if (warm[i]) { const v = out[i]!; if (Number.isFinite(v)) { s += v; ss += v * v; nWarm++; } }
      mean = nWarm ? s / nWarm : 0;
      sd = nWarm ? Math.sqrt(Math.max(0, ss / nWarm - mean * mean)) || 1 : 1;
    }
    const r = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      if (!warm[i]) continue;
      const v = out[i]!;
      if (!Number.isFinite(v)) continue;
      const s = (v - mean) / sd, o = i * d;
      if (s !== 0) for (let a = 0; a < d; a++) r[a]! += s * x[o + a]!;
    }
    const t = new Float64Array(d);
    for (let a = 0; a < d; a++) { let z = 0; for (let b = 0; b < d; b++) z += p[a * d + b]! * r[b]!; t[a] = z; }
    for (let i = 0; i < n; i++) {
      if (warm[i]) continue;
      const o = i * d;
      let z = 0;
      for (let a = 0; a < d; a++) z += t[a]! * x[o + a]!;
      out[i] = mean + sd * z;
    }
  }

  scoreUser(user: number, out: Float32Array): void {
    this.fitted.cf.scoreUser(user, out);
    this.predictCold(out);
  }

  scoreHistory(items: Int32Array, values: Float32Array, out: Float32Array): void {
    this.fitted.cf.scoreHistory(items, values, out);
    this.predictCold(out);
  }

  recommend(user: number, o: RecOptions): Ranked {
    const { seen } = this.fitted;
    if (user < 0 || user >= seen.rows) throw new RangeError(`user index ${user} outside 0..${seen.rows - 1}`);
    const s = new Float32Array(seen.cols);
    this.scoreUser(user, s);
    if (o.excludeSeen !== false) for (let q = seen.indptr[user]!; q < seen.indptr[user + 1]!; q++) s[seen.indices[q]!] = -Infinity;
    return finish(s, o);
  }

  recommendHistory(items: Int32Array, values: Float32Array, o: RecOptions): Ranked {
    const s = new Float32Array(this.fitted.seen.cols);
    this.scoreHistory(items, values, s);
    if (o.excludeSeen !== false) for (let q = 0; q < items.length; q++) s[items[q]!] = -Infinity;
    return finish(s, o);
  }

  /** Behaviour's neighbours for warm items; text cosine for cold ones, which behaviour knows nothing about. */
  similarItems(item: number, k: number): Ranked {
    const { cf, x, warm } = this.fitted, n = warm.length, d = this.dimension;
    if (item < 0 || item >= n) throw new RangeError(`item index ${item} outside 0..${n - 1}`);
    if (warm[item]) return cf.similarItems(item, k);
    const s = new Float32Array(n);
    for (let j = 0; j < n; j++) { let t = 0; for (let a = 0; a < d; a++) t += x[item * d + a]! * x[j * d + a]!; s[j] = t; }
    s[item] = -Infinity;
    return topK(s, k);
  }

  toArtifact(): ModelArtifact {
    const { cf, seen, x, p, warm } = this.fitted;
    const a = cf.toArtifact();
    const arrays: ModelArtifact['arrays'] = { itemVectors: x, inverse: p, warm, 'seen.indptr': seen.indptr, 'seen.indices': seen.indices, 'seen.data': seen.data };
    for (const [k, v] of Object.entries(a.arrays)) arrays[`cf.${k}`] = v;
    return {
      kind: this.kind, config: this.config,
      meta: { rows: seen.rows, cols: seen.cols, dimension: this.dimension, mappedItems: this.mappedItems, cf: { kind: a.kind, config: a.config, meta: a.meta } },
      arrays,
    };
  }

  static fromArtifact(a: ModelArtifact): Cb2cf {
    const m = new Cb2cf(parseConfig(Cb2cfConfigSchema, a.config, 'cb2cf'));
    const meta = a.meta as { cf?: { kind: string; config: object; meta: Record<string, unknown> } };
    if (!meta.cf) throw new ArtifactError('cb2cf model file: meta.cf is required (a file from before cb2cf mapped scores: retrain it)');
    const f = MAPPABLE[meta.cf.kind];
    if (!f) throw new ArtifactError(`cb2cf model file: collaborative part "${meta.cf.kind}" is not a mappable model`);
    const sub = Object.fromEntries(Object.entries(a.arrays).filter(([k]) => k.startsWith('cf.')).map(([k, v]) => [k.slice(3), v]));
    const cf = f.fromArtifact({ kind: meta.cf.kind, config: meta.cf.config, meta: meta.cf.meta, arrays: sub });
    const rows = expectCount(a, 'rows'), cols = expectCount(a, 'cols'), d = expectCount(a, 'dimension', 4096);
    m.dimension = d;
    m.mappedItems = expectCount(a, 'mappedItems');
    const x = expectArray(a, 'itemVectors', Float32Array), p = expectArray(a, 'inverse', Float64Array), warm = expectArray(a, 'warm', Uint8Array);
    const seen = { rows, cols, indptr: expectArray(a, 'seen.indptr', Int32Array), indices: expectArray(a, 'seen.indices', Int32Array), data: expectArray(a, 'seen.data', Float32Array) };
    if (x.length !== cols * d || p.length !== d * d || warm.length !== cols || seen.indptr.length !== rows + 1 || cf.nItems !== cols) {
      throw new ArtifactError(`cb2cf model file: arrays do not match ${rows} users × ${cols} items × ${d} dimensions`);
    }
    m.state = { cf, seen, x, p, warm };
    return m;
  }
}

function finish(s: Float32Array, o: RecOptions): Ranked {
  if (o.exclude) for (let q = 0; q < o.exclude.length; q++) s[o.exclude[q]!] = -Infinity;
  return topK(s, o.k, o.candidates);
}

export const cb2cf: ModelFactory<Cb2cf> = {
  kind: 'cb2cf',
  needsItemText: true,
  create: (config) => new Cb2cf(parseConfig(Cb2cfConfigSchema, config, 'cb2cf')),
  fromArtifact: Cb2cf.fromArtifact,
};
