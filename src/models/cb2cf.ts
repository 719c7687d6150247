/**
 * Text -> collaborative mapping for cold items (CB2CF, Barkan et al. 2019, with a ridge map): an iALS model is
 * fitted on the interactions; a ridge regression M = (X_WᵀX_W + λI)⁻¹ X_WᵀY_W learns to predict the item factors
 * Y_W of the warm items from their text vectors X_W; every item seen by fewer than `coldBelow` training users
 * gets the predicted factors xᵢM instead of its (uninformed) iALS ones. Users, fold-in and scoring are iALS's.
 */
import { z } from 'zod';
import { parseConfig, strictObject } from '../config.ts';
import { columnCounts } from '../data/csr.ts';
import { ArtifactError, ModelFitError } from '../errors.ts';
import { spdInverseInPlace } from '../linalg/dense.ts';
import type { Ranked } from '../linalg/topk.ts';
import { encodeItems } from '../text/item-vectors.ts';
import { expectArray, expectCount } from './base.ts';
import { EncoderSpecSchema } from './content.ts';
import { Ials, IalsConfigSchema } from './ials.ts';
import type { FitData, FitOptions, FitReport, ModelArtifact, ModelFactory, RecOptions, Recommender } from './types.ts';

export const Cb2cfConfigSchema = strictObject({
  encoder: EncoderSpecSchema.default({ name: 'tfidf', dimension: 128 }),
  /** The collaborative model whose item factors the text is mapped to. */
  ials: IalsConfigSchema.default(IalsConfigSchema.parse({})),
  /** Ridge penalty of the text -> factor map. */
  mapL2: z.number().positive().default(1),
  /** Items with fewer training users than this get mapped factors. */
  coldBelow: z.number().int().positive().default(1),
});
export type Cb2cfConfig = z.infer<typeof Cb2cfConfigSchema>;

export class Cb2cf implements Recommender<Cb2cfConfig> {
  readonly kind = 'cb2cf';
  readonly config: Readonly<Cb2cfConfig>;
  private inner: Ials;
  /** d × f row-major text -> factor map. */
  map: Float32Array = new Float32Array(0);
  itemVectors: Float32Array = new Float32Array(0);
  dimension = 0;
  /** Items whose factors came from the map. */
  mappedItems = 0;

  constructor(config: Cb2cfConfig) {
    this.config = Object.freeze({ ...config });
    this.inner = new Ials(this.config.ials);
  }

  get nUsers(): number { return this.inner.nUsers; }
  get nItems(): number { return this.inner.nItems; }

  async fit(data: FitData, o?: FitOptions): Promise<FitReport> {
    const t0 = performance.now();
    const iv = await encodeItems(data, this.config.encoder as { name: string }, this.kind);
    this.inner = new Ials(this.config.ials);
    const r = await this.inner.fit(data, o);
    const x = (this.itemVectors = iv.vectors), d = (this.dimension = iv.dimension);
    const f = this.config.ials.factors, y = this.inner.itemFactors, n = data.matrix.cols;
    const counts = columnCounts(data.matrix);
    const g = new Float64Array(d * d), rhs = new Float64Array(d * f);
    let warm = 0;
    for (let i = 0; i < n; i++) {
      if (counts[i]! < this.config.coldBelow) continue;
      warm++;
      const xo = i * d, yo = i * f;
      for (let a = 0; a < d; a++) {
        const xa = x[xo + a]!;
        if (xa === 0) continue;
        for (let b = a; b < d; b++) g[a * d + b]! += xa * x[xo + b]!;
        for (let c = 0; c < f; c++) rhs[a * f + c]! += xa * y[yo + c]!;
      }
    }
    if (warm === 0) throw new ModelFitError('cb2cf: no warm item to learn the text -> factor map from');
    for (let a = 0; a < d; a++) g[a * d + a]! += this.config.mapL2;
    const p = spdInverseInPlace(g, d);
    const m = new Float32Array(d * f);
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) { const w = p[a * d + b]!; if (w !== 0) for (let c = 0; c < f; c++) m[a * f + c]! += w * rhs[b * f + c]!; }
    this.map = m;
    this.mappedItems = 0;
    for (let i = 0; i < n; i++) {
      if (counts[i]! >= this.config.coldBelow) continue;
      this.mappedItems++;
      for (let c = 0; c < f; c++) { let s = 0; for (let a = 0; a < d; a++) s += x[i * d + a]! * m[a * f + c]!; y[i * f + c] = s; }
    }
    return { ...r, seconds: (performance.now() - t0) / 1000 };
  }

  scoreUser(user: number, out: Float32Array): void { this.inner.scoreUser(user, out); }
  scoreHistory(items: Int32Array, values: Float32Array, out: Float32Array): void { this.inner.scoreHistory(items, values, out); }
  recommend(user: number, o: RecOptions): Ranked { return this.inner.recommend(user, o); }
  recommendHistory(items: Int32Array, values: Float32Array, o: RecOptions): Ranked { return this.inner.recommendHistory(items, values, o); }
  similarItems(item: number, k: number): Ranked { return this.inner.similarItems(item, k); }

  toArtifact(): ModelArtifact {
    const a = this.inner.toArtifact();
    return {
      kind: this.kind, config: this.config, meta: { ...a.meta, dimension: this.dimension, mappedItems: this.mappedItems },
      arrays: { ...a.arrays, itemVectors: this.itemVectors, map: this.map },
    };
  }

  static fromArtifact(a: ModelArtifact): Cb2cf {
    const m = new Cb2cf(parseConfig(Cb2cfConfigSchema, a.config, 'cb2cf'));
    m.inner = Ials.fromArtifact({ ...a, kind: 'ials', config: m.config.ials });
    m.dimension = expectCount(a, 'dimension', 4096);
    m.mappedItems = expectCount(a, 'mappedItems');
    m.itemVectors = expectArray(a, 'itemVectors', Float32Array);
    m.map = expectArray(a, 'map', Float32Array);
    if (m.itemVectors.length !== m.nItems * m.dimension || m.map.length !== m.dimension * m.config.ials.factors) {
      throw new ArtifactError(`cb2cf model file: arrays do not match ${m.nItems} items × ${m.dimension} dimensions × ${m.config.ials.factors} factors`);
    }
    return m;
  }
}

export const cb2cf: ModelFactory<Cb2cf> = {
  kind: 'cb2cf',
  needsItemText: true,
  create: (config) => new Cb2cf(parseConfig(Cb2cfConfigSchema, config, 'cb2cf')),
  fromArtifact: Cb2cf.fromArtifact,
};
