/**
 * The dependency-free encoder: BM25-weighted bag of words over the catalogue's own vocabulary, projected to a
 * dense `dimension` by truncated SVD (latent semantic analysis). Encoding any text (catalogue item, new item,
 * query) is the same map: sparse BM25 row -> unit length -> times the right singular vectors -> unit length.
 * With `projection: 'none'` the BM25 row itself is the vector (one dimension per vocabulary word: exact word
 * matches, no LSA blur; for catalogues whose vocabulary is small, such as short product descriptions). With
 * `ngrams: 2` adjacent word pairs are terms too ("lunch bag" is not "bag" + "lunch": it names a product line).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { parseConfig, strictObject } from '../config.ts';
import type { Csr } from '../data/csr.ts';
import { ConfigError, CurioError } from '../errors.ts';
import { normalizeRows, type FittableTextEncoder } from './encoder.ts';
import { truncatedSvd } from './svd.ts';
import { tokenize } from './tokenize.ts';

export const TfidfConfigSchema = strictObject({
  dimension: z.number().int().positive().max(1024).default(128),
  /** BM25 term-frequency saturation. */
  k1: z.number().nonnegative().default(1.2),
  /** BM25 length normalisation (0: none, 1: full). */
  b: z.number().min(0).max(1).default(0.75),
  /** Keep words in at least this many texts (rarer ones cannot relate two items). */
  minDf: z.number().int().positive().default(2),
  /** Drop words in more than this fraction of texts. */
  maxDfRatio: z.number().positive().max(1).default(0.5),
  /** Largest vocabulary, most frequent words kept. */
  maxFeatures: z.number().int().positive().default(50_000),
  stem: z.boolean().default(true),
  /** 2: adjacent word pairs (after stop words are dropped) are terms too. */
  ngrams: z.number().int().min(1).max(2).default(1),
  /** 'svd': LSA to `dimension`; 'none': the unit BM25 row over the whole vocabulary (at most MAX_SPARSE_VOCABULARY words). */
  projection: z.enum(['svd', 'none']).default('svd'),
  /** SVD power iterations and seed. */
  iterations: z.number().int().nonnegative().max(20).default(3),
  seed: z.number().int().default(1),
});
export type TfidfConfig = z.infer<typeof TfidfConfigSchema>;

/** Largest vocabulary `projection: 'none'` accepts: its vectors have one float per word. */
export const MAX_SPARSE_VOCABULARY = 16_384;

export class NotTrainedError extends CurioError {
  override readonly code = 'NOT_FITTED';
}

export class TfidfEncoder implements FittableTextEncoder {
  readonly name = 'tfidf';
  readonly config: Readonly<TfidfConfig>;
  private vocab = new Map<string, number>();
  private words: string[] = [];
  /** BM25 idf of each vocabulary word. */
  idf: Float32Array = new Float32Array(0);
  avgLength = 0;
  /** Vocabulary × dimension, row-major (right singular vectors). */
  components: Float32Array = new Float32Array(0);
  singularValues: Float64Array = new Float64Array(0);
  private fitted = '';

  constructor(config: unknown = {}) {
    this.config = Object.freeze(parseConfig(TfidfConfigSchema, config, 'encoder.tfidf'));
  }

  /** The dimension after fitting: at most the configured one (a tiny corpus has fewer directions). */
  get dimension(): number {
    if (this.config.projection === 'none') return this.words.length || this.config.dimension;
    return this.singularValues.length || this.config.dimension;
  }

  /** The terms of a text: its words, then (with ngrams: 2) its adjacent word pairs. */
  terms(text: string): string[] {
    const w = tokenize(text, { stem: this.config.stem });
    if (this.config.ngrams === 1) return w;
    const n = w.length;
    for (let k = 0; k + 1 < n; k++) w.push(`${w[k]} ${w[k + 1]}`); // a space never occurs inside a word
    return w;
  }

  get key(): string {
    if (!this.fitted) throw new NotTrainedError('tfidf encoder is not fitted: call fit(catalogue texts) first');
    return `tfidf:${this.fitted}`;
  }

  get vocabulary(): readonly string[] {
    return this.words;
  }

  fit(corpus: readonly string[]): void {
    const c = this.config;
    const docs = corpus.map((t) => this.terms(t));
    const df = new Map<string, number>();
    let total = 0;
    for (const d of docs) {
      total += d.length;
      for (const w of new Set(d)) df.set(w, (df.get(w) ?? 0) + 1);
    }
    const n = docs.length;
    const maxDf = Math.max(1, Math.floor(c.maxDfRatio * n));
    const kept = [...df].filter(([, f]) => f >= c.minDf && f <= maxDf).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, c.maxFeatures);
    kept.sort((a, b) => (a[0] < b[0] ? -1 : 1));
    if (c.projection === 'none' && kept.length > MAX_SPARSE_VOCABULARY) {
      throw new ConfigError('encoder.tfidf.projection', `'none' keeps one dimension per word, and ${kept.length} words exceed ${MAX_SPARSE_VOCABULARY}: set maxFeatures to at most ${MAX_SPARSE_VOCABULARY} or use projection 'svd'`);
    }
    this.words = kept.map(([w]) => w);
    this.vocab = new Map(this.words.map((w, j) => [w, j]));
    this.idf = Float32Array.from(kept, ([, f]) => Math.log(1 + (n - f + 0.5) / (f + 0.5)));
    this.avgLength = n ? total / n : 0;
    if (c.projection === 'svd') {
      const svd = truncatedSvd(this.sparseRows(docs), c.dimension, { iterations: c.iterations, seed: c.seed });
      this.singularValues = svd.s;
      this.components = Float32Array.from(svd.v);
    }
    const h = createHash('sha1').update(JSON.stringify(c)).update(this.words.join('\n')).update(new Uint8Array(this.idf.buffer, this.idf.byteOffset, this.idf.byteLength));
    h.update(new Uint8Array(this.components.buffer, this.components.byteOffset, Math.min(this.components.byteLength, 4096)));
    this.fitted = h.digest('hex').slice(0, 16);
  }

  /** BM25 weights of the texts' vocabulary words, each row scaled to unit length (rows × vocabulary CSR). */
  sparse(texts: readonly string[]): Csr {
    return this.sparseRows(texts.map((t) => this.terms(t)));
  }

  private sparseRows(docs: readonly string[][]): Csr {
    const { k1, b } = this.config;
    const indptr = new Int32Array(docs.length + 1);
    const idx: number[] = [], val: number[] = [];
    const tf = new Map<number, number>();
    for (let r = 0; r < docs.length; r++) {
      tf.clear();
      const d = docs[r]!;
      for (const w of d) { const j = this.vocab.get(w); if (j !== undefined) tf.set(j, (tf.get(j) ?? 0) + 1); }
      const norm = k1 * (1 - b + (b * d.length) / (this.avgLength || 1));
      const cols = [...tf.keys()].sort((x, y) => x - y);
      let s = 0;
      const start = val.length;
      for (const j of cols) {
        const f = tf.get(j)!;
        const w = (this.idf[j]! * f * (k1 + 1)) / (f + norm);
        idx.push(j); val.push(w); s += w * w;
      }
      const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
      for (let q = start; q < val.length; q++) val[q]! *= inv;
      indptr[r + 1] = val.length;
    }
    return { rows: docs.length, cols: this.words.length, indptr, indices: Int32Array.from(idx), data: Float32Array.from(val) };
  }

  async encode(texts: readonly string[]): Promise<Float32Array> {
    return this.encodeSync(texts);
  }

  encodeSync(texts: readonly string[]): Float32Array {
    if (!this.fitted) throw new NotTrainedError('tfidf encoder is not fitted: call fit(catalogue texts) first');
    const m = this.sparse(texts), d = this.dimension, out = new Float32Array(texts.length * d);
    if (this.config.projection === 'none') {
      // the BM25 rows are unit length already
      for (let r = 0; r < m.rows; r++) for (let q = m.indptr[r]!, e = m.indptr[r + 1]!; q < e; q++) out[r * d + m.indices[q]!] = m.data[q]!;
      return out;
    }
    for (let r = 0; r < m.rows; r++) {
      for (let q = m.indptr[r]!, e = m.indptr[r + 1]!; q < e; q++) {
        const j = m.indices[q]!, w = m.data[q]!;
        for (let c = 0; c < d; c++) out[r * d + c]! += w * this.components[j * d + c]!;
      }
    }
    return normalizeRows(out, texts.length, d);
  }
}
