/**
 * Rebuilds data/sentiment/sentiment-use.bin, the sentence-vector sentiment classifier (`curio sentiment --model use`):
 *   node --import tsx scripts/train-sentiment-use.ts [--csv FILE] [--out FILE] [--cache FILE] [--threads 2] [--cached-only]
 *     [--variants REGEX] [--max-iter 300] [--variants-out DIR] [--reviews N]
 * The shipped file: `--reviews 1068 --max-iter 150` (all 6,186 titles; whole texts and sentences of the first 1,068
 * reviews: what could be encoded in ~1 h on a shared machine).
 * --variants-out also writes the best variant of each feature set (use, use+lexicon, use+lexicon+hashed), refit
 * the same way, to DIR/sentiment-<features>.bin, for the bench to compare (`npm run bench -- sentiment --extra ...`).
 * Training data: ONLY the Women's E-Commerce Clothing Reviews (Nick Brooks, Kaggle 2018; CC0 1.0), labelled by
 * their stars (4–5 positive, 1–2 negative, 3 left out): every negative review and twice as many positive ones
 * drawn with a fixed seed; their titles, whole texts and sentences (src/sentiment/use-data.ts). The labelled
 * sentences the bench scores on are never read.
 * Steps: (1) encode the texts with USE-lite on --threads workers into a vector cache under the temp folder
 * (~20–50 ms a text a core: the slow part, resumable; --cached-only skips texts not cached yet); (2) fit every
 * variant on 80% of the reviews and score it on the other 20% (balanced accuracy, mean over titles, whole
 * reviews and sentences); (3) refit the best variant on all of them and write the file. Deterministic given the
 * cache: the same CSV gives the same file.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { textHash, VectorCache } from '../src/text/cache.ts';
import { progress } from '../src/cli/progress.ts';
import { readClothingStarReviews, trainingUnits, type TrainingUnit, type UnitKind } from '../src/sentiment/use-data.ts';
import { trainUseSentimentModel, USE_CACHE_DEFAULT, USE_DIMENSION, USE_KEY, type UseSentimentModel, type UseTrainOptions } from '../src/sentiment/use-model.ts';
import { UseEncoder } from '../src/text/use.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: v } = parseArgs({
  options: {
    csv: { type: 'string' }, out: { type: 'string' }, cache: { type: 'string' }, threads: { type: 'string' },
    'cached-only': { type: 'boolean' }, variants: { type: 'string' }, 'max-iter': { type: 'string' }, 'variants-out': { type: 'string' }, reviews: { type: 'string' },
  },
});
const csv = v.csv ?? join(process.env.CURIO_DATA ?? join(root, '..', 'shared', 'data'), 'womens-clothing-reviews', 'womens_clothing_ecommerce_reviews.csv');
const out = v.out ?? join(root, 'data', 'sentiment', 'sentiment-use.bin');
const cacheFile = v.cache ?? USE_CACHE_DEFAULT;
const D = USE_DIMENSION;

// (1) vectors
const cache = VectorCache.load(cacheFile, USE_KEY, D);
// --reviews N: every title, but the whole texts and sentences of the first N reviews only (encoding them all
// takes hours on a loaded machine; they come in a seeded order, so the first N are a fair sample)
const maxReviews = Number(v.reviews ?? Infinity);
const all = trainingUnits(await readClothingStarReviews(csv)).filter((u) => u.kind === 'title' || u.review < maxReviews);
const seen = new Set<string>();
const todo = all.map((u) => u.text).filter((t) => { const h = textHash(t); if (cache.get(h) || seen.has(h)) return false; seen.add(h); return true; });
if (todo.length && !v['cached-only']) {
  console.error(`encoding ${todo.length} of ${all.length} texts with USE-lite into ${cacheFile} (resumable)`);
  const workers = new UseEncoder({ threads: Number(v.threads ?? 2) });
  const bar = progress('encoding', todo.length);
  for (let s = 0; s < todo.length; s += 1000) {
    const part = todo.slice(s, s + 1000);
    const vectors = await workers.encode(part);
    bar.update(s + part.length, todo.length);
    part.forEach((t, i) => cache.set(textHash(t), vectors.slice(i * D, (i + 1) * D)));
    cache.save(cacheFile);
  }
  bar.finish();
}
const units = all.filter((u) => cache.get(textHash(u.text)));
const count = (f: (u: TrainingUnit) => boolean) => units.filter(f).length;
console.error(`${units.length} of ${all.length} texts have vectors: ${(['title', 'review', 'sentence'] as const).map((k) => `${count((u) => u.kind === k)} ${k}s`).join(', ')}`);

function pack(us: readonly TrainingUnit[]) {
  const vectors = new Float32Array(us.length * D);
  us.forEach((u, r) => vectors.set(cache.get(textHash(u.text))!, r * D));
  return { texts: us.map((u) => u.text), vectors, labels: Uint8Array.from(us, (u) => u.label) };
}

/** Each kind of text carries the same total weight (sentences outnumber the rest four to one). */
function kindWeights(us: readonly TrainingUnit[], kinds: readonly UnitKind[]): Float32Array {
  const per = new Map<UnitKind, number>();
  for (const u of us) per.set(u.kind, (per.get(u.kind) ?? 0) + 1);
  return Float32Array.from(us, (u) => (kinds.includes(u.kind) ? us.length / (kinds.length * per.get(u.kind)!) : 0));
}

/** Mean over kinds of the balanced accuracy (mean of the two classes' recall) of the margin's sign. */
function heldOutScore(m: UseSentimentModel, us: readonly TrainingUnit[]): { mean: number; byKind: Record<string, number> } {
  const { texts, vectors } = pack(us);
  const byKind: Record<string, number> = {};
  const right = new Map<string, number>(), total = new Map<string, number>();
  us.forEach((u, r) => {
    const key = `${u.kind}:${u.label}`;
    total.set(key, (total.get(key) ?? 0) + 1);
    if ((m.margin(texts[r]!, vectors, r * D).z > 0 ? 1 : 0) === u.label) right.set(key, (right.get(key) ?? 0) + 1);
  });
  for (const kind of ['title', 'review', 'sentence']) {
    if (!total.get(`${kind}:0`) || !total.get(`${kind}:1`)) continue;
    byKind[kind] = ((right.get(`${kind}:0`) ?? 0) / total.get(`${kind}:0`)! + (right.get(`${kind}:1`) ?? 0) / total.get(`${kind}:1`)!) / 2;
  }
  const vals = Object.values(byKind);
  return { mean: vals.reduce((a, b) => a + b, 0) / vals.length, byKind };
}

// (2) selection on held-out reviews
interface Variant { name: string; kinds: UnitKind[]; options: UseTrainOptions }
const variants: Variant[] = [];
for (const kinds of [['title', 'review'], ['title', 'review', 'sentence']] as UnitKind[][]) {
  for (const [feat, options] of [['use', { lexicon: false }], ['use+lexicon', { lexicon: true }], ['use+lexicon+hashed', { lexicon: true, hashed: true }]] as const) {
    for (const l2 of [1e-4, 1e-5]) variants.push({ name: `${feat} on ${kinds.join('+')}s, l2 ${l2}`, kinds, options: { ...options, l2 } });
  }
}
const chosenVariants = v.variants ? variants.filter((x) => new RegExp(v.variants!).test(x.name)) : variants;
const maxIter = Number(v['max-iter'] ?? 300);
const train = units.filter((u) => !u.heldOut), held = units.filter((u) => u.heldOut);
const results: { variant: Variant; mean: number; byKind: Record<string, number>; seconds: number }[] = [];
for (const variant of chosenVariants) {
  const t0 = performance.now();
  const us = train.filter((u) => variant.kinds.includes(u.kind));
  const { texts, vectors, labels } = pack(us);
  const m = trainUseSentimentModel(texts, vectors, labels, { ...variant.options, maxIter, weights: kindWeights(us, variant.kinds) });
  const s = heldOutScore(m, held);
  const seconds = (performance.now() - t0) / 1000;
  results.push({ variant, ...s, seconds });
  console.error(`${variant.name.padEnd(52)} held-out ${(100 * s.mean).toFixed(2)}%  (${Object.entries(s.byKind).map(([k, x]) => `${k} ${(100 * x).toFixed(1)}%`).join(', ')})  ${seconds.toFixed(0)} s`);
}
const best = results.reduce((a, b) => (b.mean > a.mean ? b : a));
console.error(`chosen: ${best.variant.name} (held-out balanced accuracy ${(100 * best.mean).toFixed(2)}%)`);

// (3) refit on every review and write
const meta = {
  trainedOn: "Women's E-Commerce Clothing Reviews (Nick Brooks, Kaggle 2018), CC0 1.0: titles, whole reviews and sentences; 4-5 stars positive, 1-2 negative",
  builtBy: 'scripts/train-sentiment-use.ts',
  heldOut: Object.fromEntries(results.map((r) => [r.variant.name, Math.round(r.mean * 1e4) / 1e4])),
};
function refit(variant: Variant): UseSentimentModel {
  const us = units.filter((u) => variant.kinds.includes(u.kind));
  const { texts, vectors, labels } = pack(us);
  return trainUseSentimentModel(texts, vectors, labels, { ...variant.options, maxIter, weights: kindWeights(us, variant.kinds), meta: { ...meta, variant: variant.name } });
}
function save(model: UseSentimentModel, file: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, model.toBuffer());
  renameSync(tmp, file);
  console.log(`${file}: ${String(model.meta.variant)}, ${model.meta.rows} texts, ${model.meta.iterations} L-BFGS iterations`);
}
save(refit(best.variant), out);
if (v['variants-out']) {
  mkdirSync(v['variants-out'], { recursive: true });
  const family = (r: (typeof results)[number]) => r.variant.name.split(' ')[0]!;
  for (const f of new Set(results.map(family))) {
    const top = results.filter((r) => family(r) === f).reduce((a, b) => (b.mean > a.mean ? b : a));
    save(refit(top.variant), join(v['variants-out'], `sentiment-${f.replace(/\+/g, '-')}.bin`));
  }
}
