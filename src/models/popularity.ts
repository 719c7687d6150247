import { z } from 'zod';
import { parseConfig, strictObject } from '../config.ts';
import type { Csr } from '../data/csr.ts';
import { WeightingSchema } from '../data/weighting.ts';
import { topK, type Ranked } from '../linalg/topk.ts';
import { BaseRecommender, expectArray } from './base.ts';
import { ArtifactError } from '../errors.ts';
import type { ModelArtifact, ModelFactory } from './types.ts';

export const PopularityConfigSchema = strictObject({
  /** 'users': how many users interacted with the item; 'sum': total weighted value. */
  by: z.enum(['users', 'sum']).default('users'),
  weighting: WeightingSchema.optional(),
});
export type PopularityConfig = z.infer<typeof PopularityConfigSchema>;

/** Most popular items first, the same list for everyone: the baseline every model must beat. */
export class Popularity extends BaseRecommender<PopularityConfig> {
  readonly kind = 'popularity';
  private counts = new Float32Array(0);

  protected fitWeighted(m: Csr) {
    const c = new Float32Array(m.cols);
    const n = m.indptr[m.rows]!;
    for (let p = 0; p < n; p++) c[m.indices[p]!]! += this.config.by === 'users' ? 1 : m.data[p]!;
    this.counts = c;
    return {};
  }

  scoreUser(_user: number, out: Float32Array): void {
    out.set(this.counts);
  }

  protected scoreWeightedHistory(_items: Int32Array, _values: Float32Array, out: Float32Array): void {
    out.set(this.counts);
  }

  /** Popularity has no notion of similarity: the most popular other items. */
  similarItems(item: number, k: number): Ranked {
    const s = this.counts.slice();
    s[item] = -Infinity;
    return topK(s, k);
  }

  toArtifact(): ModelArtifact {
    return this.baseArtifact({}, { counts: this.counts });
  }

  static fromArtifact(a: ModelArtifact): Popularity {
    const m = new Popularity(parseConfig(PopularityConfigSchema, a.config, 'popularity'));
    m.restoreBase(a);
    m.counts = expectArray(a, 'counts', Float32Array);
    if (m.counts.length !== m.nItems) throw new ArtifactError(`popularity model file: array "counts" has ${m.counts.length} values for ${m.nItems} items`);
    return m;
  }
}

export const popularity: ModelFactory<Popularity> = {
  kind: 'popularity',
  create: (config) => new Popularity(parseConfig(PopularityConfigSchema, config, 'popularity')),
  fromArtifact: Popularity.fromArtifact,
};
