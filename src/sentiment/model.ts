/**
 * The trained sentiment classifier and its file. The file is a Curio model artifact (src/models/artifact.ts:
 * JSON header + typed arrays, loaded without evaluating code) of kind "sentiment-logreg":
 *   weights     f32[buckets + LEXICON_FEATURES (+ 100)]  hashed uni/bigram weights, the lexicon-feature weights and,
 *               when config.wordVectors is "glove-100d", the weights of the GloVe mean (src/sentiment/word-vectors.ts)
 *   bias        f32[1]
 *   vocabulary  u8[buckets / 8]  bit b set when some training word hashes to bucket b (seen ≥ twice): how much of
 *               a text the model has evidence about, so that text in another language comes out neutral
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeArtifact, encodeArtifact } from '../models/artifact.ts';
import type { ModelArtifact } from '../models/types.ts';
import { ArtifactError } from '../errors.ts';
import { hashedFeatures, tokenize, wordBucket, type Tokens } from './features.ts';
import { lexiconScore } from './lexicon.ts';
import { sentimentWordVectors, WORD_VECTORS, type SentimentWordVectors } from './word-vectors.ts';

export const SENTIMENT_KIND = 'sentiment-logreg';

export type SentimentLabel = 'positive' | 'negative' | 'neutral';

export interface SentimentResult {
  /** In [-1, 1]: the classifier's polarity 2p − 1, shrunk by the share of the text's words the model knows. */
  score: number;
  label: SentimentLabel;
  /** In [0, 1]: how sure the label is — the probability behind it times the share of known words (0 for no text). */
  confidence: number;
}

/** Dense features from the lexicon: its score, and whether it is positive / negative. */
export const LEXICON_FEATURES = 3;

export function lexiconFeatures(s: number, out: Float32Array | Float64Array, at: number): void {
  out[at] = s;
  out[at + 1] = s > 0 ? 1 : 0;
  out[at + 2] = s < 0 ? 1 : 0;
}

export interface SentimentModelConfig {
  buckets: number;
  /** When set ("glove-100d"), the dense features go on with the word-vector mean of src/sentiment/word-vectors.ts. */
  wordVectors?: string;
  /** |score| below this is "neutral". */
  neutralBand: number;
}

/** |score| below which a text with no lexicon opinion word is neutral. */
export const NEUTRAL_BAND_WITHOUT_OPINION_WORDS = 0.8;

const REBUILD = 'rebuild it with `node --import tsx scripts/train-sentiment.ts`, or drop --model to use the shipped one';

export const DEFAULT_MODEL_PATH = fileURLToPath(new URL('../../data/sentiment/sentiment-model.bin', import.meta.url));

export class SentimentModel {
  private readonly buf: Int32Array;
  private readonly dense: Float64Array;
  private readonly wordVectors: SentimentWordVectors | undefined;

  constructor(
    readonly config: SentimentModelConfig,
    readonly weights: Float32Array,
    readonly bias: number,
    readonly vocabulary: Uint8Array,
    readonly meta: Record<string, unknown> = {},
  ) {
    this.buf = new Int32Array(4096);
    this.wordVectors = config.wordVectors ? sentimentWordVectors() : undefined;
    this.dense = new Float64Array(LEXICON_FEATURES + (this.wordVectors?.dimension ?? 0));
  }

  /** The raw margin z (log-odds of positive), the share of words the model knows and the lexicon's score. */
  margin(text: string, tok: Tokens = tokenize(text)): { z: number; coverage: number; lexicon: number } {
    const B = this.config.buckets;
    let known = 0;
    for (const w of tok.plain) {
      const b = wordBucket(w, B);
      if (this.vocabulary[b >>> 3]! & (1 << (b & 7))) known++;
    }
    const coverage = tok.plain.length ? known / tok.plain.length : 0;
    let buf = this.buf;
    if (tok.words.length * 2 > buf.length) buf = new Int32Array(tok.words.length * 2);
    const k = hashedFeatures(tok, B, buf);
    let s = 0;
    for (let i = 0; i < k; i++) s += this.weights[buf[i]!]!;
    let z = k ? s / Math.sqrt(k) : 0;
    const lexicon = tok.plain.length ? lexiconScore(text) : 0;
    lexiconFeatures(lexicon, this.dense, 0);
    this.wordVectors?.features(tok, this.dense, LEXICON_FEATURES);
    for (let j = 0; j < this.dense.length; j++) z += this.weights[B + j]! * this.dense[j]!;
    return { z: z + this.bias, coverage, lexicon };
  }

  score(text: string): SentimentResult {
    const tok = tokenize(text);
    if (!tok.plain.length) return { score: 0, label: 'neutral', confidence: 0 };
    const { z, coverage, lexicon } = this.margin(text, tok);
    return resultFromMargin(z, coverage, lexicon, this.config.neutralBand);
  }

  toArtifact(): ModelArtifact {
    return {
      kind: SENTIMENT_KIND,
      config: this.config,
      meta: this.meta,
      arrays: { weights: this.weights, bias: Float32Array.of(this.bias), vocabulary: this.vocabulary },
    };
  }

  toBuffer(): Buffer {
    return Buffer.concat(encodeArtifact(this.toArtifact()));
  }

  /** Reads and validates a model file's bytes; anything but a well-formed sentiment model is an ArtifactError. */
  static fromBuffer(bytes: Buffer, source = 'sentiment model'): SentimentModel {
    const fail = (why: string): never => { throw new ArtifactError(`${source}: ${why}; ${REBUILD}`); };
    const artifact = decodeSentimentArtifact(bytes, source, REBUILD);
    if (artifact.kind !== SENTIMENT_KIND) fail(`is a "${artifact.kind}" model, not a sentiment model (${SENTIMENT_KIND})`);
    const c = artifact.config as Record<string, unknown>;
    const B = c.buckets;
    if (typeof B !== 'number' || !Number.isSafeInteger(B) || B < 8 || B > 1 << 26 || (B & (B - 1)) !== 0) fail(`config.buckets must be a power of two from 8 to 2^26, got ${JSON.stringify(B)}`);
    const band = c.neutralBand;
    if (typeof band !== 'number' || !(band >= 0 && band < 1)) fail(`config.neutralBand must be a number in [0, 1), got ${JSON.stringify(band)}`);
    const wv = c.wordVectors;
    if (wv !== undefined && wv !== WORD_VECTORS) fail(`config.wordVectors must be "${WORD_VECTORS}" or absent, got ${JSON.stringify(wv)}`);
    const denseCols = LEXICON_FEATURES + (wv ? 100 : 0);
    const { weights, bias, vocabulary } = artifact.arrays;
    if (!(weights instanceof Float32Array)) return fail('array "weights" is missing or not f32');
    if (weights.length !== (B as number) + denseCols) fail(`array "weights" has ${weights.length} entries; buckets + ${denseCols} = ${(B as number) + denseCols} expected`);
    if (!(bias instanceof Float32Array) || bias.length !== 1) return fail('array "bias" must be one f32');
    if (!(vocabulary instanceof Uint8Array) || vocabulary.length !== (B as number) / 8) return fail(`array "vocabulary" must be u8[${(B as number) / 8}] (one bit per bucket)`);
    return new SentimentModel({ buckets: B as number, neutralBand: band as number, ...(wv ? { wordVectors: wv as string } : {}) }, weights, bias[0]!, vocabulary, artifact.meta);
  }

  static load(path: string = DEFAULT_MODEL_PATH): SentimentModel {
    return SentimentModel.fromBuffer(readSentimentModel(path, REBUILD), path);
  }
}

/** A sentiment model file's bytes; a file that cannot be read is one ArtifactError ending with how to rebuild it. */
export function readSentimentModel(path: string, rebuild: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ArtifactError(`cannot read sentiment model ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (e as Error).message}; ${rebuild}`, { cause: e });
  }
}

/** The artifact in a sentiment model file's bytes; a bad file is one ArtifactError ending with how to rebuild it. */
export function decodeSentimentArtifact(bytes: Buffer, source: string, rebuild: string): ModelArtifact {
  if (bytes.length < 8 || bytes.toString('latin1', 0, 8) !== 'CURIOMDL') throw new ArtifactError(`${source}: is not a Curio model file (no CURIOMDL signature); ${rebuild}`);
  try {
    return decodeArtifact(bytes, source).artifact;
  } catch (e) {
    // the generic message points to `curio train`, which does not make sentiment models
    throw new ArtifactError(`${(e as Error).message.replace(/:? *train (one|it again) with `curio train`$|: retrain the model$/, '')}; ${rebuild}`, { cause: e });
  }
}

/**
 * Score, label and confidence from a classifier's margin z (log-odds of positive), the share of the text's words
 * the model knows and the lexicon's score: every trained sentiment model reads its margin this way.
 */
export function resultFromMargin(z: number, coverage: number, lexicon: number, neutralBand: number): SentimentResult {
  const polarity = Math.tanh(z / 2); // = 2·sigmoid(z) − 1
  const score = polarity * coverage;
  // Star ratings teach polarity, not neutrality: a plain statement ("it arrived on Tuesday") still leans to
  // one side. So when the lexicon finds no opinion word, only a strong lean counts as an opinion.
  const band = lexicon === 0 ? Math.max(neutralBand, NEUTRAL_BAND_WITHOUT_OPINION_WORDS) : neutralBand;
  const label: SentimentLabel = Math.abs(score) < band ? 'neutral' : score > 0 ? 'positive' : 'negative';
  const confidence = label === 'neutral' ? coverage * (1 - Math.abs(polarity)) : coverage * (1 + Math.abs(polarity)) / 2;
  return { score: round(score), label, confidence: round(confidence) };
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

let shipped: SentimentModel | undefined;

/** The model shipped with Curio (trained on the CC0 Women's E-Commerce Clothing Reviews), loaded once. */
export function defaultSentimentModel(): SentimentModel {
  return (shipped ??= SentimentModel.load());
}
