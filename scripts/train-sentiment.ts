/**
 * Rebuilds data/sentiment/sentiment-model.bin, the sentiment classifier Curio ships:
 *   node --import tsx scripts/train-sentiment.ts [path/to/womens_clothing_ecommerce_reviews.csv] [--out FILE]
 * Training data: ONLY the Women's E-Commerce Clothing Reviews (Nick Brooks, Kaggle 2018; CC0 1.0), title and text
 * of each review, labelled by its stars: 4–5 positive, 1–2 negative, 3 left out. No hand labels; the labelled
 * sentences the bench scores on are never read. Deterministic: the same CSV gives the same file.
 */
import { writeFileSync, renameSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readClothingReviews, trainSentimentModel } from '../src/sentiment/train.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const outAt = args.indexOf('--out');
const out = outAt >= 0 ? args[outAt + 1]! : join(root, 'data', 'sentiment', 'sentiment-model.bin');
const csv = args.find((a, i) => !a.startsWith('--') && (outAt < 0 || i !== outAt + 1))
  ?? join(process.env.CURIO_DATA ?? join(root, '..', 'shared', 'data'), 'womens-clothing-reviews', 'womens_clothing_ecommerce_reviews.csv');

const { texts, labels } = await readClothingReviews(csv);
const t0 = performance.now();
const model = trainSentimentModel(texts, labels, {
  meta: { trainedOn: "Women's E-Commerce Clothing Reviews (Nick Brooks, Kaggle 2018), CC0 1.0: title + text, 4-5 stars positive, 1-2 negative", builtBy: 'scripts/train-sentiment.ts' },
});
const tmp = `${out}.tmp-${process.pid}`;
writeFileSync(tmp, model.toBuffer());
renameSync(tmp, out);
console.log(`${out}: ${texts.length} reviews (${labels.reduce((a, y) => a + y, 0)} positive), ${model.meta.iterations} L-BFGS iterations, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
