/**
 * The sentence-vector sentiment classifier: logistic regression on the Universal Sentence Encoder (lite) vector of
 * a text, optionally joined by the wink-nlp lexicon features and the hashed word uni/bigrams of the `features`
 * model (one joint fit: the "combined" model). Trained on star ratings only (scripts/train-sentiment-use.ts).
 * The file is a Curio model artifact of kind "sentiment-use-logreg":
 *   use         f32[512]          weights of the USE vector
 *   lexicon     f32[3]            weights of the lexicon features (zeros when trained without them)
 *   hashed      f32[buckets]      weights of the hashed uni/bigrams (only in a combined model)
 *   bias        f32[1]
 *   vocabulary  u8[buckets / 8]   words seen in training (as in the `features` model): how much of a text the
 *                                 model has evidence about, so that text in another language comes out neutral
 * Scores, labels and confidences are read from the margin exactly as the `features` model reads its own.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeArtifact } from '../models/artifact.ts';
import type { ModelArtifact } from '../models/types.ts';
import { ArtifactError, ModelFitError } from '../errors.ts';
import { USE_KEY } from '../text/use.ts';
import { hashedFeatures, tokenize, wordBucket, type Tokens } from './features.ts';
import { lexiconScore } from './lexicon.ts';
import { fitLogReg } from './logreg.ts';
import { decodeSentimentArtifact, LEXICON_FEATURES, lexiconFeatures, readSentimentModel, resultFromMargin, type SentimentResult } from './model.ts';
import { sentimentDesign } from './train.ts';

export { USE_KEY };
export const SENTIMENT_USE_KIND = 'sentiment-use-logreg';
export const USE_DIMENSION = 512;

/** Where the training scripts keep USE vectors of the training texts between runs (never shipped). */
export const USE_CACHE_DEFAULT = join(tmpdir(), 'curio-sentiment-use.vec');

export const DEFAULT_USE_MODEL_PATH = fileURLToPath(new URL('../../data/sentiment/sentiment-use.bin', import.meta.url));

const REBUILD = 'rebuild it with `node --import tsx scripts/train-sentiment-use.ts`, or drop --model to use the shipped one';

export interface UseSentimentConfig {
  /** Size of the word-hash table (vocabulary bits, and hashed weights in a combined model); a power of two. */
  buckets: number;
  neutralBand: number;
  /** Whether the hashed uni/bigram weights are part of the model (a combined model). */
  hashed: boolean;
  /** The vector space the weights belong to (an encoder key). */
  encoder: string;
}

export class UseSentimentModel {
  private buf = new Int32Array(4096);
  private readonly lex = new Float64Array(LEXICON_FEATURES);

  constructor(
    readonly config: UseSentimentConfig,
    readonly use: Float32Array,
    readonly lexicon: Float32Array,
    readonly hashed: Float32Array,
    readonly bias: number,
    readonly vocabulary: Uint8Array,
    readonly meta: Record<string, unknown> = {},
  ) {}

  /** The margin z (log-odds of positive) of `text` whose USE vector is `vector` (512 values at `at`). */
  margin(text: string, vector: Float32Array, at = 0, tok: Tokens = tokenize(text)): { z: number; coverage: number; lexicon: number } {
    const B = this.config.buckets;
    let known = 0;
    for (const w of tok.plain) {
      const b = wordBucket(w, B);
      if (this.vocabulary[b >>> 3]! & (1 << (b & 7))) known++;
    }
    const coverage = tok.plain.length ? known / tok.plain.length : 0;
    let z = this.bias;
    for (let c = 0; c < USE_DIMENSION; c++) z += this.use[c]! * vector[at + c]!;
    if (this.config.hashed) {
      if (tok.words.length * 2 > this.buf.length) this.buf = new Int32Array(tok.words.length * 2);
      const k = hashedFeatures(tok, B, this.buf);
      let s = 0;
      for (let i = 0; i < k; i++) s += this.hashed[this.buf[i]!]!;
      if (k) z += s / Math.sqrt(k);
    }
    const lexicon = tok.plain.length ? lexiconScore(text) : 0;
    lexiconFeatures(lexicon, this.lex, 0);
    for (let j = 0; j < LEXICON_FEATURES; j++) z += this.lexicon[j]! * this.lex[j]!;
    return { z, coverage, lexicon };
  }

  /** The sentiment of each text given its USE vectors (texts.length × 512, row-major). */
  scoreVectors(texts: readonly string[], vectors: Float32Array): SentimentResult[] {
    if (vectors.length !== texts.length * USE_DIMENSION) throw new RangeError(`${texts.length} texts but ${vectors.length / USE_DIMENSION} vectors`);
    return texts.map((text, r) => {
      const tok = tokenize(text);
      if (!tok.plain.length) return { score: 0, label: 'neutral', confidence: 0 };
      const { z, coverage, lexicon } = this.margin(text, vectors, r * USE_DIMENSION, tok);
      return resultFromMargin(z, coverage, lexicon, this.config.neutralBand);
    });
  }

  toArtifact(): ModelArtifact {
    return {
      kind: SENTIMENT_USE_KIND,
      config: this.config,
      meta: this.meta,
      arrays: { use: this.use, lexicon: this.lexicon, hashed: this.hashed, bias: Float32Array.of(this.bias), vocabulary: this.vocabulary },
    };
  }

  toBuffer(): Buffer {
    return Buffer.concat(encodeArtifact(this.toArtifact()));
  }

  static fromArtifact(artifact: ModelArtifact, source = 'sentiment model'): UseSentimentModel {
    const fail = (why: string): never => { throw new ArtifactError(`${source}: ${why}; ${REBUILD}`); };
    if (artifact.kind !== SENTIMENT_USE_KIND) fail(`is a "${artifact.kind}" model, not a sentence-vector sentiment model (${SENTIMENT_USE_KIND})`);
    const c = artifact.config as Record<string, unknown>;
    const B = c.buckets;
    if (typeof B !== 'number' || !Number.isSafeInteger(B) || B < 8 || B > 1 << 26 || (B & (B - 1)) !== 0) fail(`config.buckets must be a power of two from 8 to 2^26, got ${JSON.stringify(B)}`);
    const band = c.neutralBand;
    if (typeof band !== 'number' || !(band >= 0 && band < 1)) fail(`config.neutralBand must be a number in [0, 1), got ${JSON.stringify(band)}`);
    if (typeof c.hashed !== 'boolean') fail('config.hashed must be true or false');
    if (c.encoder !== USE_KEY) fail(`was trained on vectors of "${String(c.encoder)}", not of this encoder (${USE_KEY})`);
    const { use, lexicon, hashed, bias, vocabulary } = artifact.arrays;
    if (!(use instanceof Float32Array) || use.length !== USE_DIMENSION) return fail(`array "use" must be f32[${USE_DIMENSION}]`);
    if (!(lexicon instanceof Float32Array) || lexicon.length !== LEXICON_FEATURES) return fail(`array "lexicon" must be f32[${LEXICON_FEATURES}]`);
    const hashedLength = c.hashed ? (B as number) : 0;
    if (!(hashed instanceof Float32Array) || hashed.length !== hashedLength) return fail(`array "hashed" must be f32[${hashedLength}]`);
    if (!(bias instanceof Float32Array) || bias.length !== 1) return fail('array "bias" must be one f32');
    if (!(vocabulary instanceof Uint8Array) || vocabulary.length !== (B as number) / 8) return fail(`array "vocabulary" must be u8[${(B as number) / 8}] (one bit per bucket)`);
    return new UseSentimentModel({ buckets: B as number, neutralBand: band as number, hashed: c.hashed as boolean, encoder: USE_KEY }, use, lexicon, hashed, bias[0]!, vocabulary, artifact.meta);
  }

  static fromBuffer(bytes: Buffer, source = 'sentiment model'): UseSentimentModel {
    return UseSentimentModel.fromArtifact(decodeSentimentArtifact(bytes, source, REBUILD), source);
  }

  static load(path: string = DEFAULT_USE_MODEL_PATH): UseSentimentModel {
    return UseSentimentModel.fromBuffer(readSentimentModel(path, REBUILD), path);
  }
}

export interface UseTrainOptions {
  /** Word-hash table size, a power of two (default 2^16, as the `features` model). */
  buckets?: number;
  /** Join the hashed uni/bigrams (a combined model). Default false. */
  hashed?: boolean;
  /** Join the lexicon features. Default true. */
  lexicon?: boolean;
  l2?: number;
  neutralBand?: number;
  maxIter?: number;
  /** Per-text weights (default 1); the classes are then reweighted to count equally. */
  weights?: Float32Array;
  meta?: Record<string, unknown>;
}

/** Fits the classifier on texts with their USE vectors (texts.length × 512) and labels 1 = positive, 0 = negative. */
export function trainUseSentimentModel(texts: readonly string[], vectors: Float32Array, labels: Uint8Array, o: UseTrainOptions = {}): UseSentimentModel {
  const n = texts.length, D = USE_DIMENSION;
  if (labels.length !== n || vectors.length !== n * D) throw new ModelFitError(`sentiment training: ${n} texts, ${labels.length} labels, ${vectors.length / D} vectors`);
  const buckets = o.buckets ?? 1 << 16, hashed = o.hashed ?? false, useLexicon = o.lexicon ?? true;
  const base = o.weights ?? new Float32Array(n).fill(1);
  let pos = 0, neg = 0;
  for (let r = 0; r < n; r++) { if (labels[r]) pos += base[r]!; else neg += base[r]!; }
  if (!(pos > 0) || !(neg > 0)) throw new ModelFitError(`sentiment training needs both classes; got ${pos} positive and ${neg} negative (weighted)`);
  const counts = new Uint16Array(buckets);
  const X = sentimentDesign(texts, buckets, counts, useLexicon);
  // dense part: [USE vector | lexicon features]
  const cols = D + LEXICON_FEATURES, dense = new Float32Array(n * cols);
  for (let r = 0; r < n; r++) {
    dense.set(vectors.subarray(r * D, (r + 1) * D), r * cols);
    dense.set(X.dense.subarray(r * LEXICON_FEATURES, (r + 1) * LEXICON_FEATURES), r * cols + D);
  }
  const design = hashed
    ? { ...X, dense, denseCols: cols }
    : { rows: n, buckets: 0, indptr: new Int32Array(n + 1), indices: new Int32Array(0), rowScale: X.rowScale, dense, denseCols: cols };
  const total = pos + neg;
  const sw = Float32Array.from(base, (w, r) => w * (labels[r] ? total / (2 * pos) : total / (2 * neg)));
  const l2 = o.l2 ?? 1e-4;
  const fit = fitLogReg(design, labels, sw, { l2, maxIter: o.maxIter ?? 500 });
  const h = hashed ? buckets : 0;
  const vocabulary = new Uint8Array(buckets / 8);
  for (let b = 0; b < buckets; b++) if (counts[b]! >= 2) vocabulary[b >>> 3]! |= 1 << (b & 7);
  return new UseSentimentModel(
    { buckets, neutralBand: o.neutralBand ?? 0.25, hashed, encoder: USE_KEY },
    Float32Array.from(fit.weights.subarray(h, h + D)),
    Float32Array.from(fit.weights.subarray(h + D, h + D + LEXICON_FEATURES)),
    Float32Array.from(fit.weights.subarray(0, h)),
    Math.fround(fit.bias),
    vocabulary,
    { ...o.meta, rows: n, l2, lexicon: useLexicon, iterations: fit.iterations, loss: fit.loss },
  );
}
