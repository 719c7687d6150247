/**
 * Sentiment accuracy on the UCI Sentiment Labelled Sentences (Kotzias et al. 2015, CC BY 4.0: 1,000 Amazon,
 * IMDb and Yelp sentences each, half positive), which the shipped classifier never saw: it is trained on
 * clothing reviews' star ratings only (scripts/train-sentiment.ts). Binary accuracy: the sign of each method's
 * score (a word list's 0, "no opinion", counts as negative, and the ties are shown), plus how many sentences the
 * three-way label calls neutral (all are polar). Throughput in sentences per
 * second of wall and of CPU time (the machine may be shared).
 *   npm run bench -- sentiment [--ablation]   (--ablation also trains a classifier without lexicon features)
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lexiconScore } from '../src/sentiment/lexicon.ts';
import { defaultSentimentModel } from '../src/sentiment/model.ts';
import { readClothingReviews, trainSentimentModel } from '../src/sentiment/train.ts';
import { dataDir, printTable } from './_util.ts';

const data = dataDir();
const folder = data && join(data, 'sentiment-labelled-sentences');
if (!folder || !existsSync(folder)) {
  console.log('sentiment-labelled-sentences not found (set CURIO_DATA): nothing to measure');
  process.exit(0);
}
const sources = [['amazon', 'amazon_cells_labelled.txt'], ['imdb', 'imdb_labelled.txt'], ['yelp', 'yelp_labelled.txt']] as const;
const sentences: { text: string; y: number; source: string }[] = [];
for (const [source, file] of sources) {
  for (const line of readFileSync(join(folder, file), 'utf8').split('\n')) {
    if (!line) continue;
    const tab = line.lastIndexOf('\t');
    sentences.push({ text: line.slice(0, tab), y: Number(line.slice(tab + 1)), source });
  }
}

interface Method { name: string; score(text: string): number; label?: (text: string) => string }
const model = defaultSentimentModel();
const methods: Method[] = [
  { name: 'wink-nlp lexicon (word list)', score: lexiconScore },
  { name: 'trained classifier (shipped)', score: (t) => model.margin(t).z, label: (t) => model.score(t).label },
];
if (process.argv.includes('--ablation')) {
  // The same training without the lexicon features: what the clothing reviews alone teach.
  const { texts, labels } = await readClothingReviews(join(data!, 'womens-clothing-reviews', 'womens_clothing_ecommerce_reviews.csv'));
  const bare = trainSentimentModel(texts, labels, { lexicon: false });
  methods.push({ name: 'trained without lexicon features', score: (t) => bare.margin(t).z, label: (t) => bare.score(t).label });
}
lexiconScore('warm up'); // loads the lexicon outside the timings

const rows: Record<string, string | number>[] = [];
for (const m of methods) {
  m.score('warm up');
  const right: Record<string, number> = {}, total: Record<string, number> = {};
  let ties = 0;
  const c0 = process.cpuUsage(), t0 = performance.now();
  const scores = sentences.map((s) => m.score(s.text));
  const wall = (performance.now() - t0) / 1000, cpu = (process.cpuUsage(c0).user + process.cpuUsage(c0).system) / 1e6;
  sentences.forEach((s, i) => {
    const v = scores[i]!;
    if (v === 0) ties++;
    total[s.source] = (total[s.source] ?? 0) + 1;
    if ((v > 0 ? 1 : 0) === s.y) right[s.source] = (right[s.source] ?? 0) + 1;
  });
  const row: Record<string, string | number> = { method: m.name };
  let all = 0;
  for (const [source] of sources) { row[source] = `${(100 * (right[source] ?? 0) / total[source]!).toFixed(1)}%`; all += right[source] ?? 0; }
  row.overall = `${(100 * all / sentences.length).toFixed(1)}%`;
  row['score 0'] = ties;
  // every sentence here is polar: a "neutral" label is a miss for the CLI's 3-way output
  row['labelled neutral'] = m.label ? sentences.filter((s) => m.label!(s.text) === 'neutral').length : ties;
  row['sent/s (wall)'] = Math.round(sentences.length / wall);
  row['sent/s (cpu)'] = Math.round(sentences.length / cpu);
  rows.push(row);
}
printTable(rows);
const best = (name: string) => Number(String(rows.find((r) => r.method === name)!.overall).slice(0, -1));
const gain = best('trained classifier (shipped)') - best('wink-nlp lexicon (word list)');
console.log(`\n${sentences.length} sentences; trained classifier vs best word list: ${gain >= 0 ? '+' : ''}${gain.toFixed(1)} points (issue targets: ≥ 80% and ≥ +10 points)`);
