/**
 * Does review sentiment help recommendations? Amazon Musical Instruments 5-core (ratings + review texts;
 * research use, read from ../shared/data, never copied). Protocol: temporal leave-last-out per user; the
 * held-out item counts as relevant when its ORIGINAL rating is ≥ 4 (the truth is never touched by sentiment);
 * the models train on the same rows with different values:
 *   binary            every interaction 1
 *   rating            the star rating
 *   rating+sentiment  the rating blended toward its review's implied rating (adjustRating, strength 0.5)
 *   rating×weight     the rating times sentimentWeight (1 + 0.5 × score)
 *   implied only      no ratings at all: the review text's implied rating (as for `review` rows without one)
 * and two "positives only" trainings (value 1), scored on the users who keep a training row under both:
 *   ≥4★ only                 the 4-5★ rows
 *   ≥4★, text not negative   the 4-5★ rows whose review the classifier does not call negative
 * Full ranking, NDCG@10 and Recall@10 from the project's evaluator; default model settings, no tuning.
 *   npm run bench -- sentiment-signal
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonLines } from '../src/data/csv.ts';
import { InteractionsBuilder, toMatrix, type Interactions } from '../src/data/interactions.ts';
import { TYPE_CODE } from '../src/data/types.ts';
import { evaluateOn, fitAndEvaluate } from '../src/eval/evaluate.ts';
import { leaveLastOut } from '../src/eval/splits.ts';
import { createModel } from '../src/models/registry.ts';
import { defaultSentimentModel } from '../src/sentiment/model.ts';
import { adjustRating, impliedRating, sentimentWeight } from '../src/sentiment/signal.ts';
import type { SentimentResult } from '../src/sentiment/model.ts';
import { dataDir, printTable } from './_util.ts';

const data = dataDir();
const file = data && join(data, 'amazon-musical-instruments-5core', 'reviews_Musical_Instruments_5.json');
if (!file || !existsSync(file)) {
  console.log('amazon-musical-instruments-5core not found (set CURIO_DATA): nothing to measure');
  process.exit(0);
}

const b = new InteractionsBuilder();
const texts: string[] = [];
for await (const { value } of readJsonLines(file)) {
  const r = value as { reviewerID: string; asin: string; overall: number; unixReviewTime: number; reviewText?: string; summary?: string };
  b.addIndex(b.users.intern(r.reviewerID), b.items.intern(r.asin), r.overall, r.unixReviewTime * 1000, TYPE_CODE.rating);
  const summary = (r.summary ?? '').trim(), body = (r.reviewText ?? '').trim();
  texts.push(summary && body ? `${summary}. ${body}` : summary || body);
}
const all = b.build();
const model = defaultSentimentModel();
const t0 = performance.now();
const sent = new Map<string, SentimentResult>();
for (let k = 0; k < all.length; k++) sent.set(`${all.user[k]},${all.item[k]}`, model.score(texts[k]!));
const scoreSeconds = (performance.now() - t0) / 1000;

// how often text and stars disagree: the cases the signal is for
let fourPlusNegative = 0, fourPlus = 0, lowPositive = 0, low = 0;
for (let k = 0; k < all.length; k++) {
  const s = sent.get(`${all.user[k]},${all.item[k]}`)!;
  if (all.value[k]! >= 4) { fourPlus++; if (s.label === 'negative') fourPlusNegative++; }
  if (all.value[k]! <= 2) { low++; if (s.label === 'positive') lowPositive++; }
}

const split = leaveLastOut(all, { n: 1 });
const relevant = subset(split.test, (k) => split.test.value[k]! >= 4);
const evalSplit = { ...split, test: relevant };

function subset(d: Interactions, keep: (k: number) => boolean): Interactions {
  const idx: number[] = [];
  for (let k = 0; k < d.length; k++) if (keep(k)) idx.push(k);
  const pick = <T extends Int32Array | Float32Array | Float64Array | Uint8Array>(a: T): T => {
    const out = new (a.constructor as new (n: number) => T)(idx.length);
    idx.forEach((k, q) => { out[q] = a[k]!; });
    return out;
  };
  return { users: d.users, items: d.items, length: idx.length, user: pick(d.user), item: pick(d.item), value: pick(d.value), time: pick(d.time), type: pick(d.type) };
}

function withValues(d: Interactions, f: (rating: number, s: SentimentResult) => number): Interactions {
  const value = new Float32Array(d.length);
  for (let k = 0; k < d.length; k++) value[k] = f(d.value[k]!, sent.get(`${d.user[k]},${d.item[k]}`)!);
  return { ...d, value };
}

const variants: [string, (r: number, s: SentimentResult) => number][] = [
  ['binary', () => 1],
  ['rating', (r) => r],
  ['rating+sentiment', (r, s) => adjustRating(r, s, 0.5)],
  ['rating×weight', (r, s) => r * sentimentWeight(s, 0.5)],
  ['implied only', (_r, s) => impliedRating(s)],
];
const tr = split.train;
const liked = subset(tr, (k) => tr.value[k]! >= 4);
const likedAgreeing = subset(tr, (k) => tr.value[k]! >= 4 && sent.get(`${tr.user[k]},${tr.item[k]}`)!.label !== 'negative');
liked.value.fill(1);
likedAgreeing.value.fill(1);
const hasRow = new Uint8Array(tr.users.size);
for (let k = 0; k < likedAgreeing.length; k++) hasRow[likedAgreeing.user[k]!] = 1;
const common = Int32Array.from(new Set(Array.from(relevant.user).filter((u) => hasRow[u])));
const filters: [string, Interactions][] = [['≥4★ only', liked], ['≥4★, text not negative', likedAgreeing]];

const rows: Record<string, string | number>[] = [];
for (const kind of ['itemknn', 'ease', 'ials']) {
  for (const [name, f] of variants) {
    const train = withValues(split.train, f);
    const res = await fitAndEvaluate(createModel(kind), { ...evalSplit, train }, { ks: [10], metrics: ['ndcg', 'recall'], beyond: false });
    rows.push({ model: kind, training: name, 'ndcg@10': res.metrics['ndcg@10']!, 'recall@10': res.metrics['recall@10']!, users: res.evaluation.perUser.users.length });
  }
  for (const [name, train] of filters) {
    // every item the user interacted with in training stays excluded from the ranking, dropped rows included,
    // so that the filtered runs are not charged for recommending a user's own low-rated items back
    const m = createModel(kind);
    await m.fit({ matrix: toMatrix(train), interactions: train });
    const res = evaluateOn(m, { train, target: relevant, exclude: [split.train] }, { ks: [10], metrics: ['ndcg', 'recall'], beyond: false, users: common });
    rows.push({ model: kind, training: name, 'ndcg@10': res.means['ndcg@10']!, 'recall@10': res.means['recall@10']!, users: res.perUser.users.length });
  }
}
console.log(`${all.length} reviews, ${all.users.size} users, ${all.items.size} items; sentiment of every review in ${scoreSeconds.toFixed(1)} s`);
console.log(`texts labelled negative among 4-5★ reviews: ${fourPlusNegative}/${fourPlus}; labelled positive among 1-2★: ${lowPositive}/${low}`);
console.log(`test: last interaction per user, relevant when rated ≥ 4 (${relevant.length} users)\n`);
printTable(rows);
