/**
 * Text -> collaborative mapping for cold items (CB2CF, Barkan et al. 2019, with a ridge map). A collaborative
 * model (iALS by default, or EASE, ItemKNN...) is fitted on the interactions. For a user u its scores sᵤ on the
 * warm items are regressed on those items' text vectors X_W by ridge, and the fitted line scores the cold items:
 *   ŝᵤⱼ = xⱼᵀ P X_Wᵀ sᵤ,   P = (X_WᵀX_W + λ·tr(X_WᵀX_W)/d · I)⁻¹   (one shared d × d inverse)
 * so a cold item scores what the collaborative model would give an item with its text. For iALS, sᵤ = Y pᵤ and
 * this is exactly Barkan et al.'s map of text onto item factors (M = Y_WᵀX_W P); for EASE, whose item-item
 * weights have no factors, regressing the scores is the only way, and on MovieLens the better one (bench/text.ts).
 * Onto collective EASE (`cease`, EASE with the items' words in its Gram) the map learns the scores of the best warm
 * model we have, whose item-item weights already read text; on Online Retail that map alone ranks cold items ~5%
 * better than the map onto plain EASE (bench/text.ts).
 * With `standardize`, sᵤ is standardised over the warm items before the regression and the prediction put back on
 * its scale (each user's scores count equally, whatever their spread). λ is relative to the mean eigenvalue
 * of X_WᵀX_W, so one value suits any encoder. Warm items keep their collaborative scores: cold ones are
 * predictions of the same quantity, so the two mix in one ranking. "Warm" = seen by at least `coldBelow`
 * training users.
 * The map from warm scores to cold scores is computed once at fit: A = X_C P (cold items × d), or, when there
 * are fewer warm items than dimensions (a sparse bag-of-words encoder), by the identical dual form
 * A = X_C X_Wᵀ (X_W X_Wᵀ + λI)⁻¹ (cold × warm items), whichever is smaller.
 * `observed` α adds the user's interactions to what is regressed (sᵤ + α rᵤ on the warm items): with the text
 * kernel's ridge inverse this is a per-user ridge regression of the history on the text (the content model's
 * profile, learnt on warm items only), and on Online Retail it lifts the map most (bench/text.ts).
 * `similarity` γ adds plain content similarity to the prediction: ŝᵤⱼ + γ Σ_{i ∈ history} xᵢᵀxⱼ (in the units of
 * the, possibly standardised, collaborative scores). The text map carries what co-interaction says about the
 * words; the similarity term what the user's own items say about this item's words (the same design, the same
 * product line), which a ridge map over thousands of warm items smooths away.
 * `side` adds β times the scores of a model that scores cold items from their text itself (collective EASE,
 * `cease`: text co-occurrence inside EASE's item-item regression) to the cold items' predictions: the map reads
 * text through the warm items' scores, collective EASE through the item-item weights, and on Online Retail the two
 * together rank cold items better than either (bench/text.ts).
 */
import { z } from 'zod';
import { parseConfig, strictObject } from '../config.ts';
import { columnCounts, transpose, type Csr } from '../data/csr.ts';
import { ArtifactError, ConfigError, ModelFitError } from '../errors.ts';
import { spdInverseInPlace } from '../linalg/dense.ts';
import { topK, type Ranked } from '../linalg/topk.ts';
import { encodeItems } from '../text/item-vectors.ts';
import { MAX_SPARSE_VOCABULARY } from '../text/tfidf.ts';
import { expectArray, expectCount, NotFittedError } from './base.ts';
import { bpr } from './bpr.ts';
import { cease } from './cease.ts';
import { EncoderSpecSchema, nonZeroRows } from './content.ts';
import { ease } from './ease.ts';
import { ials, IalsConfigSchema } from './ials.ts';
import { itemKnn } from './item-knn.ts';
import { userKnn } from './user-knn.ts';
import type { FitData, FitOptions, FitReport, ModelArtifact, ModelFactory, RecOptions, Recommender } from './types.ts';

/** Most warm items a kernel map (degree > 1) inverts: 10,000² doubles are 763 MiB and a minute or two of solve. */
export const MAX_KERNEL_WARM_ITEMS = 10_000;

const MAPPABLE: Record<string, ModelFactory> = { ials, ease, cease, itemknn: itemKnn, userknn: userKnn, bpr } as Record<string, ModelFactory>;

export const Cb2cfConfigSchema = strictObject({
  encoder: EncoderSpecSchema.default({ name: 'tfidf', dimension: 128 }),
  /** The collaborative model whose scores the text learns to predict (default: iALS with `ials`; also ease, cease, itemknn, userknn, bpr). */
  collaborative: strictObject({ kind: z.string(), config: z.record(z.string(), z.unknown()).default({}) }).optional(),
  /** iALS settings when `collaborative` is not given. */
  ials: IalsConfigSchema.default(IalsConfigSchema.parse({})),
  /**
   * Ridge penalty of the text -> score regression, relative to the mean eigenvalue of X_WᵀX_W (with `degree` > 1:
   * to the kernel's mean diagonal, 1 for unit vectors).
   */
  mapL2: z.number().positive().default(0.1),
  /**
   * Degree p of the polynomial kernel (xᵢᵀxⱼ)ᵖ the map regresses in (1: linear, the vectors themselves). With 2,
   * two items are alike in proportion to the square of their cosine: sharing a whole description counts far more
   * than sharing one common word, as if every pair of features were a feature of its own.
   */
  degree: z.number().int().min(1).max(4).default(1),
  /** Standardise each user's warm-item scores before the regression. */
  standardize: z.boolean().default(false),
  /**
   * Weight α of the user's own interactions in the regression target: the map learns sᵤ + α rᵤ on the warm items.
   * The collaborative scores leave out each item's own interaction (EASE's zero diagonal), so without it the map
   * never sees which of the warm items the user actually took.
   */
  observed: z.number().nonnegative().default(0),
  /** Weight γ of plain content similarity (the user's history's summed cosine) added to the cold items' predictions. */
  similarity: z.number().nonnegative().default(0),
  /** Items with fewer training users than this get predicted scores. */
  coldBelow: z.number().int().positive().default(1),
  /** A model that scores cold items from their text itself; β = sideWeight times its scores join the predictions. */
  side: strictObject({ kind: z.literal('cease'), config: z.record(z.string(), z.unknown()).default({}) }).optional(),
  sideWeight: z.number().nonnegative().default(1),
});
export type Cb2cfConfig = z.infer<typeof Cb2cfConfigSchema>;

function collaborativeOf(c: Cb2cfConfig): { kind: string; config: Record<string, unknown> } {
  return c.collaborative ?? { kind: 'ials', config: c.ials };
}

interface Fitted {
  cf: Recommender;
  /** The `side` model, when configured. */
  side: Recommender | undefined;
  seen: Csr;
  /** Item text vectors, nItems × d (unit rows; zero rows for items without text). */
  x: Float32Array;
  /** The same vectors' non-zero entries (nItems × d CSR): bag-of-words vectors are mostly zeros. */
  xs: Csr;
  /** 1 for warm items (their scores are regressed on), 0 for cold ones (their scores are predicted). */
  warm: Uint8Array;
  warmItems: Int32Array;
  /** Position of each item in warmItems, -1 for cold items. */
  warmIndex: Int32Array;
  coldItems: Int32Array;
  /** A, cold items × m: cold scores = A r, r = X_Wᵀ s̃ (primal, m = d) or r = s̃ (dual, m = warm items). */
  map: Float32Array;
  dual: boolean;
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
    if (this.config.side) cease.create(this.config.side.config);
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
    const counts = columnCounts(data.matrix);
    const warm = new Uint8Array(data.matrix.cols);
    let nWarm = 0;
    for (let i = 0; i < warm.length; i++) if (counts[i]! >= this.config.coldBelow) { warm[i] = 1; nWarm++; }
    if (nWarm === 0) throw new ModelFitError('cb2cf: no warm item to learn the text -> score map from');
    // the kernel map inverts a warm × warm matrix: memory grows with its square, time with its cube
    if (this.config.degree > 1 && nWarm > MAX_KERNEL_WARM_ITEMS) {
      throw new ModelFitError(`cb2cf: degree ${this.config.degree} maps through a ${nWarm} × ${nWarm} kernel matrix (${Math.round((nWarm * nWarm * 8) / 2 ** 20)} MiB, above the ${MAX_KERNEL_WARM_ITEMS}-item limit): use degree 1, or raise coldBelow so fewer items count as warm`);
    }
    const iv = await encodeItems(data, this.config.encoder as { name: string }, this.kind); // before the slower CF fit
    const c = collaborativeOf(this.config);
    const cf = MAPPABLE[c.kind]!.create(c.config);
    await cf.fit(data, o);
    const side = this.config.side ? cease.create(this.config.side.config) : undefined;
    await side?.fit(data, o);
    this.dimension = iv.dimension;
    this.mappedItems = warm.length - nWarm;
    this.state = this.build(cf, side, data.matrix, iv.vectors, warm);
    return { seconds: (performance.now() - t0) / 1000 };
  }

  /** The fitted state; the map is computed unless a model file gives it (or, from older files, the inverse P). */
  private build(cf: Recommender, side: Recommender | undefined, seen: Csr, x: Float32Array, warm: Uint8Array, given?: { inverse: Float64Array } | { map: Float32Array; dual: boolean }): Fitted {
    const d = this.dimension, n = warm.length;
    const xs = nonZeroRows(x, n, d);
    const warmItems: number[] = [], coldItems: number[] = [];
    for (let i = 0; i < n; i++) (warm[i] ? warmItems : coldItems).push(i);
    const w = Int32Array.from(warmItems), c = Int32Array.from(coldItems);
    const warmIndex = new Int32Array(n).fill(-1);
    for (let q = 0; q < w.length; q++) warmIndex[w[q]!] = q;
    const fitted = { cf, side, seen, x, xs, warm, warmItems: w, warmIndex, coldItems: c };
    if (given && 'map' in given) return { ...fitted, ...given };
    if (given) return { ...fitted, map: primalMap(xs, c, given.inverse, d), dual: false };
    const dual = w.length < d || this.config.degree > 1;
    return { ...fitted, map: dual ? this.dualMap(xs, w, c) : primalMap(xs, c, this.inverse(x, warm), d), dual };
  }

  /** A = X_C X_Wᵀ (X_W X_Wᵀ + λ I)⁻¹, λ as in the primal form (so both give the same A X_Wᵀ). */
  private dualMap(xs: Csr, w: Int32Array, c: Int32Array): Float32Array {
    const nW = w.length, nC = c.length, d = this.dimension;
    const k = new Float64Array(nW * nW), kc = new Float64Array(nC * nW);
    // inner products through the feature -> warm items index
    const byFeature = transpose(selectRows(xs, w));
    const acc = new Float64Array(nW);
    const row = (i: number) => {
      acc.fill(0);
      for (let p = xs.indptr[i]!; p < xs.indptr[i + 1]!; p++) {
        const f = xs.indices[p]!, v = xs.data[p]!;
        for (let q = byFeature.indptr[f]!; q < byFeature.indptr[f + 1]!; q++) acc[byFeature.indices[q]!]! += v * byFeature.data[q]!;
      }
      return acc;
    };
    let trace = 0;
    for (let a = 0; a < nW; a++) { k.set(row(w[a]!), a * nW); trace += k[a * nW + a]!; }
    for (let b = 0; b < nC; b++) kc.set(row(c[b]!), b * nW);
    const p = this.config.degree;
    if (p > 1) {
      trace = 0;
      for (let e = 0; e < k.length; e++) k[e] = k[e]! ** p;
      for (let e = 0; e < kc.length; e++) kc[e] = kc[e]! ** p;
      for (let a = 0; a < nW; a++) trace += k[a * nW + a]!;
    }
    const ridge = (this.config.mapL2 * trace) / (p > 1 ? nW : d) || this.config.mapL2;
    for (let a = 0; a < nW; a++) k[a * nW + a]! += ridge;
    const inv = spdInverseInPlace(k, nW);
    const map = new Float32Array(nC * nW);
    // map = kc · inv (inv symmetric): row b = Σ_a kc[b,a] inv[a,:]
    for (let b = 0; b < nC; b++) {
      const o = b * nW;
      acc.fill(0);
      for (let a = 0; a < nW; a++) { const v = kc[o + a]!; if (v === 0) continue; const io = a * nW; for (let e = 0; e < nW; e++) acc[e]! += v * inv[io + e]!; }
      for (let e = 0; e < nW; e++) map[o + e] = acc[e]!;
    }
    return map;
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

  /**
   * Replaces the cold items' entries of `out` (the collaborative scores) by their text predictions, plus γ times
   * the content similarity to the history `items` (indices into the item vectors), plus β times the side model's
   * scores `sideScores`.
   */
  private predictCold(out: Float32Array, items: Int32Array, values: Float32Array, sideScores?: Float32Array): void {
    const { xs, warmItems, warmIndex, coldItems, map, dual } = this.fitted, d = this.dimension;
    if (this.mappedItems === 0) return;
    let mean = 0, sd = 1;
    if (this.config.standardize) {
      let s = 0, ss = 0, nWarm = 0;
      for (let q = 0; q < warmItems.length; q++) { const v = out[warmItems[q]!]!; if (Number.isFinite(v)) { s += v; ss += v * v; nWarm++; } }
      mean = nWarm ? s / nWarm : 0;
      sd = nWarm ? Math.sqrt(Math.max(0, ss / nWarm - mean * mean)) || 1 : 1;
    }
    const m = dual ? warmItems.length : d;
    const r = new Float64Array(m);
    const target = new Float64Array(warmItems.length);
    for (let q = 0; q < warmItems.length; q++) { const v = out[warmItems[q]!]!; if (Number.isFinite(v)) target[q] = (v - mean) / sd; }
    const alpha = this.config.observed;
    if (alpha > 0) for (let q = 0; q < items.length; q++) { const w = warmIndex[items[q]!]!; if (w >= 0) target[w]! += alpha * values[q]!; }
    for (let q = 0; q < warmItems.length; q++) {
      const i = warmItems[q]!, s = target[q]!;
      if (s === 0) continue;
      if (dual) r[q] = s;
      else for (let p = xs.indptr[i]!; p < xs.indptr[i + 1]!; p++) r[xs.indices[p]!]! += s * xs.data[p]!;
    }
    const gamma = this.config.similarity;
    let profile: Float64Array | undefined;
    if (gamma > 0) {
      profile = new Float64Array(d);
      for (let q = 0; q < items.length; q++) {
        if (!(values[q]! > 0)) continue;
        const i = items[q]!;
        for (let p = xs.indptr[i]!; p < xs.indptr[i + 1]!; p++) profile[xs.indices[p]!]! += xs.data[p]!;
      }
    }
    for (let c = 0; c < coldItems.length; c++) {
      const j = coldItems[c]!, o = c * m;
      let z = 0;
      for (let a = 0; a < m; a++) z += map[o + a]! * r[a]!;
      if (profile) { let t = 0; for (let p = xs.indptr[j]!; p < xs.indptr[j + 1]!; p++) t += profile[xs.indices[p]!]! * xs.data[p]!; z += gamma * t; }
      out[j] = mean + sd * z + (sideScores ? this.config.sideWeight * sideScores[j]! : 0);
    }
  }

  scoreUser(user: number, out: Float32Array): void {
    const { cf, side, seen } = this.fitted;
    cf.scoreUser(user, out);
    let sideScores: Float32Array | undefined;
    if (side && this.mappedItems > 0) side.scoreUser(user, (sideScores = new Float32Array(out.length)));
    const s = seen.indptr[user]!, e = seen.indptr[user + 1]!;
    this.predictCold(out, seen.indices.subarray(s, e), seen.data.subarray(s, e), sideScores);
  }

  scoreHistory(items: Int32Array, values: Float32Array, out: Float32Array): void {
    const { cf, side } = this.fitted;
    cf.scoreHistory(items, values, out);
    let sideScores: Float32Array | undefined;
    if (side && this.mappedItems > 0) side.scoreHistory(items, values, (sideScores = new Float32Array(out.length)));
    this.predictCold(out, items, values, sideScores);
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
    const { cf, side, seen, x, map, dual, warm } = this.fitted;
    const a = cf.toArtifact(), b = side?.toArtifact();
    const arrays: ModelArtifact['arrays'] = { itemVectors: x, coldMap: map, warm, 'seen.indptr': seen.indptr, 'seen.indices': seen.indices, 'seen.data': seen.data };
    for (const [k, v] of Object.entries(a.arrays)) arrays[`cf.${k}`] = v;
    if (b) for (const [k, v] of Object.entries(b.arrays)) arrays[`side.${k}`] = v;
    return {
      kind: this.kind, config: this.config,
      meta: {
        rows: seen.rows, cols: seen.cols, dimension: this.dimension, mappedItems: this.mappedItems, dual, cf: { kind: a.kind, config: a.config, meta: a.meta },
        ...(b ? { side: { kind: b.kind, config: b.config, meta: b.meta } } : {}),
      },
      arrays,
    };
  }

  static fromArtifact(a: ModelArtifact): Cb2cf {
    const m = new Cb2cf(parseConfig(Cb2cfConfigSchema, a.config, 'cb2cf'));
    const meta = a.meta as { cf?: { kind: string; config: object; meta: Record<string, unknown> }; side?: { kind: string; config: object; meta: Record<string, unknown> } };
    if (!meta.cf) throw new ArtifactError('cb2cf model file: meta.cf is required (a file from before cb2cf mapped scores: retrain it)');
    const f = MAPPABLE[meta.cf.kind];
    if (!f) throw new ArtifactError(`cb2cf model file: collaborative part "${meta.cf.kind}" is not a mappable model`);
    const sub = Object.fromEntries(Object.entries(a.arrays).filter(([k]) => k.startsWith('cf.')).map(([k, v]) => [k.slice(3), v]));
    const cf = f.fromArtifact({ kind: meta.cf.kind, config: meta.cf.config, meta: meta.cf.meta, arrays: sub });
    if (!m.config.side !== !meta.side) throw new ArtifactError(`cb2cf model file: config ${m.config.side ? 'names' : 'has no'} side model but meta ${meta.side ? 'has one' : 'has none'}`);
    const side = meta.side
      ? cease.fromArtifact({ kind: meta.side.kind, config: meta.side.config, meta: meta.side.meta, arrays: Object.fromEntries(Object.entries(a.arrays).filter(([k]) => k.startsWith('side.')).map(([k, v]) => [k.slice(5), v])) })
      : undefined;
    const rows = expectCount(a, 'rows'), cols = expectCount(a, 'cols'), d = expectCount(a, 'dimension', MAX_SPARSE_VOCABULARY);
    m.dimension = d;
    m.mappedItems = expectCount(a, 'mappedItems');
    const x = expectArray(a, 'itemVectors', Float32Array), warm = expectArray(a, 'warm', Uint8Array);
    const seen = { rows, cols, indptr: expectArray(a, 'seen.indptr', Int32Array), indices: expectArray(a, 'seen.indices', Int32Array), data: expectArray(a, 'seen.data', Float32Array) };
    if (x.length !== cols * d || warm.length !== cols || seen.indptr.length !== rows + 1 || cf.nItems !== cols || (side && side.nItems !== cols)) {
      throw new ArtifactError(`cb2cf model file: arrays do not match ${rows} users × ${cols} items × ${d} dimensions`);
    }
    let nWarm = 0;
    for (let i = 0; i < cols; i++) if (warm[i]) nWarm++;
    if (cols - nWarm !== m.mappedItems) throw new ArtifactError(`cb2cf model file: meta.mappedItems ${m.mappedItems} but ${cols - nWarm} items are cold`);
    if (!('coldMap' in a.arrays) && 'inverse' in a.arrays) {
      // a file from before the map was precomputed: rebuild it from the stored inverse
      const p = expectArray(a, 'inverse', Float64Array);
      if (p.length !== d * d) throw new ArtifactError(`cb2cf model file: inverse is not ${d} × ${d}`);
      m.state = m.build(cf, side, seen, x, warm, { inverse: p });
      return m;
    }
    const dual = a.meta.dual === true, map = expectArray(a, 'coldMap', Float32Array);
    if (map.length !== m.mappedItems * (dual ? nWarm : d)) throw new ArtifactError(`cb2cf model file: coldMap does not match ${m.mappedItems} cold items × ${dual ? `${nWarm} warm items` : `${d} dimensions`}`);
    m.state = m.build(cf, side, seen, x, warm, { map, dual });
    return m;
  }
}

/** A = X_C P, cold items × d. */
function primalMap(xs: Csr, cold: Int32Array, p: Float64Array, d: number): Float32Array {
  const map = new Float32Array(cold.length * d), row = new Float64Array(d);
  for (let c = 0; c < cold.length; c++) {
    const j = cold[c]!;
    row.fill(0);
    for (let q = xs.indptr[j]!; q < xs.indptr[j + 1]!; q++) { const a = xs.indices[q]!, v = xs.data[q]!, o = a * d; for (let b = 0; b < d; b++) row[b]! += v * p[o + b]!; }
    for (let b = 0; b < d; b++) map[c * d + b] = row[b]!;
  }
  return map;
}

/** The rows `rows` of m, in that order. */
function selectRows(m: Csr, rows: Int32Array): Csr {
  const indptr = new Int32Array(rows.length + 1);
  for (let r = 0; r < rows.length; r++) indptr[r + 1] = indptr[r]! + m.indptr[rows[r]! + 1]! - m.indptr[rows[r]!]!;
  const indices = new Int32Array(indptr[rows.length]!), data = new Float32Array(indptr[rows.length]!);
  for (let r = 0; r < rows.length; r++) {
    const s = m.indptr[rows[r]!]!, e = m.indptr[rows[r]! + 1]!;
    indices.set(m.indices.subarray(s, e), indptr[r]!); data.set(m.data.subarray(s, e), indptr[r]!);
  }
  return { rows: rows.length, cols: m.cols, indptr, indices, data };
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
