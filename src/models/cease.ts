/**
 * EASE with item text as side information (collective EASE, Jeunen, Van Balen & Goethals 2020, "Closed-form
 * models for collaborative filtering with side-information"). Each text feature (a BM25-weighted word or word
 * pair of the item vectors) becomes one more row of the user × item matrix, scaled by √textWeight, so the Gram
 * matrix EASE inverts is XᵀX + textWeight · FFᵀ (F: the items' unit text vectors): two items are related when
 * users take them together or when their descriptions share words. Then B = I − P diag(1/diag P) as in EASE, and
 * a user's scores are their history times B. An item nobody has touched still has a row and a column of B, learnt
 * from its text's correlation with every other item's (behaviour and text together), so it is scored like any other
 * item; no separate map is needed. textWeight = 0 is EASE.
 */
import { z } from 'zod';
import { parseConfig } from '../config.ts';
import type { Csr } from '../data/csr.ts';
import { encodeItems } from '../text/item-vectors.ts';
import { MAX_SPARSE_VOCABULARY } from '../text/tfidf.ts';
import { EncoderSpecSchema, nonZeroRows } from './content.ts';
import { Ease, EaseConfigSchema } from './ease.ts';
import type { FitData, FitOptions, ModelArtifact, ModelFactory } from './types.ts';

export const CeaseConfigSchema = EaseConfigSchema.omit({ maxItems: true }).extend({
  /** Item text as sparse words and word pairs (one dimension each): the side information's rows. */
  encoder: EncoderSpecSchema.default({ name: 'tfidf', projection: 'none', minDf: 1, maxFeatures: MAX_SPARSE_VOCABULARY, ngrams: 2 }),
  /**
   * Weight of text co-occurrence against behavioural co-occurrence in the Gram matrix (0: plain EASE). Both it and
   * l2 are in units of co-occurrence counts, so they grow with the data: tune them on validation (bench/text.ts:
   * ~30-100 with l2 100-500 for warm items; 1000-10000 with l2 in the thousands to rank items nobody has touched).
   */
  textWeight: z.number().nonnegative().default(100),
}).strict();
export type CeaseConfig = z.infer<typeof CeaseConfigSchema>;

export class Cease extends Ease {
  override readonly kind: string = 'cease';
  /** Text features (rows added to the matrix) of the last fit. */
  textFeatures = 0;

  constructor(config: CeaseConfig) {
    super(config);
  }

  protected override async fitWeighted(m: Csr, o: FitOptions, data?: FitData) {
    const c = this.config as CeaseConfig;
    if (!data || c.textWeight === 0) return super.fitWeighted(m, o);
    const iv = await encodeItems(data, c.encoder as { name: string }, this.kind);
    this.textFeatures = iv.dimension;
    return super.fitWeighted(withTextRows(m, nonZeroRows(iv.vectors, m.cols, iv.dimension), Math.sqrt(c.textWeight)), o);
  }

  static override fromArtifact(a: ModelArtifact): Cease {
    const model = new Cease(parseConfig(CeaseConfigSchema, a.config, 'cease'));
    model.restoreWeights(a);
    return model;
  }
}

/** The users' rows of m, then one row per text feature holding scale × that feature's value in every item. */
export function withTextRows(m: Csr, itemFeatures: Csr, scale: number): Csr {
  const d = itemFeatures.cols, nnzM = m.indptr[m.rows]!, nnzF = itemFeatures.indptr[itemFeatures.rows]!;
  const counts = new Int32Array(d);
  for (let p = 0; p < nnzF; p++) counts[itemFeatures.indices[p]!]!++;
  const indptr = new Int32Array(m.rows + d + 1);
  indptr.set(m.indptr.subarray(0, m.rows + 1));
  for (let f = 0; f < d; f++) indptr[m.rows + f + 1] = indptr[m.rows + f]! + counts[f]!;
  const indices = new Int32Array(nnzM + nnzF), values = new Float32Array(nnzM + nnzF);
  indices.set(m.indices.subarray(0, nnzM)); values.set(m.data.subarray(0, nnzM));
  const next = indptr.slice(m.rows, m.rows + d);
  // items in ascending order, so each feature row's columns come out sorted
  for (let i = 0; i < itemFeatures.rows; i++) {
    for (let p = itemFeatures.indptr[i]!; p < itemFeatures.indptr[i + 1]!; p++) {
      const q = next[itemFeatures.indices[p]!]!++;
      indices[q] = i; values[q] = scale * itemFeatures.data[p]!;
    }
  }
  return { rows: m.rows + d, cols: m.cols, indptr, indices, data: values };
}

export const cease: ModelFactory<Cease> = {
  kind: 'cease',
  needsItemText: true,
  create: (config) => new Cease(parseConfig(CeaseConfigSchema, config, 'cease')),
  fromArtifact: Cease.fromArtifact,
};
