/**
 * Recipes on UCI Online Retail (issue 10, item 5), imported through Curio's importer into a temporary SQLite store.
 *  1. Basket completion: hide one item of each basket (invoice) of a later period and rank it given the rest;
 *     bought-together, related, iALS and EASE fold-in, popularity, and a blend; HR@10 / NDCG@10.
 *     Every parameter is chosen on a validation month before the test period, then refitted and run once on test.
 *  2. Next-day trending precision: does `trending` at the end of day d name the items that rise on the next
 *     trading day, compared with plain popularity? Parameters again chosen on earlier days.
 *   npm run bench -- recipes
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { csrFromCoo } from '../src/data/csr.ts';
import { importData } from '../src/data/importers/index.ts';
import { selectInteractions, type Interactions } from '../src/data/interactions.ts';
import { createModel } from '../src/models/registry.ts';
import type { Recommender } from '../src/models/types.ts';
import { BoughtTogether } from '../src/recipes/bought-together.ts';
import { CoOccurrence } from '../src/recipes/co-occurrence.ts';
import { basketTasks, dailyCounts, evaluateBaskets, precisionAt, risingItems, type BasketScorer, type BasketTasks } from '../src/recipes/evaluation.ts';
import { popularScores, trendingScores } from '../src/recipes/trending.ts';
import { topK } from '../src/linalg/topk.ts';
import { openStore } from '../src/store/registry.ts';
import { dataDir, printTable } from './_util.ts';

const data = dataDir();
if (!data) {
  console.log('recipes: ../shared/data not found, skipped');
  process.exit(0);
}
const DAY = 86_400_000;
const utc = (s: string) => Date.parse(`${s}T00:00:00Z`);
const day = (t: number) => new Date(t).toISOString().slice(0, 10);
const t0 = performance.now();
const secs = () => ((performance.now() - t0) / 1000).toFixed(0);

// ---- Data: the importer, a real SQLite file, a purchase snapshot; fees and postage (attrs.nonProduct) excluded.
const dir = mkdtempSync(join(tmpdir(), 'curio-recipes-'));
let x: Interactions;
let nonProduct: Uint8Array;
let importNote: string;
try {
  const store = await openStore(join(dir, 'retail.db'));
  const rep = await importData(store, { format: 'online-retail', path: join(data, 'online-retail', 'online_retail.csv') });
  x = await store.snapshot({ types: ['purchase'] });
  nonProduct = new Uint8Array(x.items.size);
  for await (const rows of store.scanItems({ batch: 5000 })) {
    for (const r of rows) if (r.attrs?.nonProduct === true) { const i = x.items.get(r.id); if (i >= 0) nonProduct[i] = 1; }
  }
  await store.close();
  importNote = `${rep.rows} lines -> ${x.length} purchase events of ${x.users.size} customers on ${x.items.size} items (${nonProduct.reduce((a, b) => a + b, 0)} tagged nonProduct, excluded)`;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const nItems = x.items.size;
console.log(`Online Retail: ${importNote}; import + snapshot ${secs()} s\n`);

// ---- 1. Basket completion
const MAX_TASKS = 3000, K = 10;
interface Period { name: string; trainEnd: number; evalEnd: number }
const VALID: Period = { name: 'validation', trainEnd: utc('2011-10-01'), evalEnd: utc('2011-11-01') };
const TEST: Period = { name: 'test', trainEnd: utc('2011-11-01'), evalEnd: utc('2011-12-10') };

interface Prepared { train: Interactions; known: Uint8Array; tasks: BasketTasks; popAll: Float32Array; pop30: Float32Array; pop7: Float32Array; matrix: ReturnType<typeof csrFromCoo> }
function prepare(p: Period): Prepared {
  const keep: number[] = [];
  for (let k = 0; k < x.length; k++) if (x.time[k]! < p.trainEnd) keep.push(k);
  const train = selectInteractions(x, Int32Array.from(keep));
  const known = new Uint8Array(nItems);
  for (let k = 0; k < train.length; k++) known[train.item[k]!] = 1;
  for (let i = 0; i < nItems; i++) if (nonProduct[i]) known[i] = 0;
  const tasks = basketTasks(x, { since: p.trainEnd, until: p.evalEnd, eligible: known, maxTasks: MAX_TASKS, seed: 2011 });
  const pop = (days?: number) => {
    const out = new Float32Array(nItems);
    popularScores(train, days ? { since: p.trainEnd - days * DAY, until: p.trainEnd } : {}, out);
    return out;
  };
  // Models see customer x item, each cell the number of invoices with that item (what `curio train` would fit).
  const matrix = csrFromCoo(train.users.size, nItems, train.user, train.item, undefined, 'sum');
  return { train, known, tasks, popAll: pop(), pop30: pop(30), pop7: pop(7), matrix };
}

/** Popularity in [0, 1) with NaN -> 0: the fallback under every recipe, so every list has k items. */
function fillOf(pop: Float32Array): Float32Array {
  let max = 0;
  for (const v of pop) if (v > max) max = v;
  return pop.map((v) => (Number.isNaN(v) ? 0 : v / (max + 1)));
}
const copyScorer = (s: Float32Array): BasketScorer => (_g, out) => out.set(s);

function btScorer(bt: BoughtTogether, fill: Float32Array, fallback = true, stats?: { supported: number }): BasketScorer {
  const tmp = new Float32Array(nItems);
  return (given, out) => {
    const { supported } = bt.score(given, tmp);
    if (stats && supported) stats.supported++;
    for (let i = 0; i < nItems; i++) out[i] = Number.isNaN(tmp[i]!) ? (fallback ? fill[i]! : NaN) : 1 + tmp[i]!;
  };
}

function foldInScorer(m: Recommender, fill: Float32Array): BasketScorer {
  return (given, out) => {
    m.scoreHistory(given, new Float32Array(given.length).fill(1), out);
    for (let i = 0; i < nItems; i++) if (Number.isNaN(out[i]!)) out[i] = -2 + fill[i]!;
  };
}

/** Max-normalised, NaN -> 0. */
function normalize(a: Float32Array): void {
  let max = 0;
  for (const v of a) if (v > max) max = v;
  for (let i = 0; i < a.length; i++) a[i] = Number.isNaN(a[i]!) ? 0 : max > 0 ? a[i]! / max : 0;
}

/** related = (1 - w) · model similarity summed over the basket + w · co-occurrence, each max-normalised. */
const similarCache = new WeakMap<Recommender, Map<number, ReturnType<Recommender['similarItems']>>>();
function similar(m: Recommender, item: number) {
  let c = similarCache.get(m);
  if (!c) similarCache.set(m, (c = new Map()));
  let r = c.get(item);
  if (!r) c.set(item, (r = m.similarItems(item, 200)));
  return r;
}

function relatedScorer(m: Recommender, co: CoOccurrence, w: number, fill: Float32Array): BasketScorer {
  const sim = new Float32Array(nItems), cs = new Float32Array(nItems);
  return (given, out) => {
    sim.fill(NaN);
    for (let q = 0; q < given.length; q++) {
      const r = similar(m, given[q]!);
      for (let p = 0; p < r.items.length; p++) {
        const j = r.items[p]!, prev = sim[j]!;
        sim[j] = Number.isNaN(prev) ? r.scores[p]! : prev + r.scores[p]!;
      }
    }
    co.score(given, cs);
    normalize(sim); normalize(cs);
    for (let i = 0; i < nItems; i++) {
      const s = (1 - w) * sim[i]! + w * cs[i]!;
      out[i] = s > 0 ? 1 + s : fill[i]!;
    }
  };
}

/** bought-together + lambda · EASE fold-in, each max-normalised over the catalogue. */
function blendScorer(bt: BoughtTogether, m: Recommender, lambda: number, fill: Float32Array): BasketScorer {
  const b = new Float32Array(nItems), e = new Float32Array(nItems);
  return (given, out) => {
    bt.score(given, b);
    m.scoreHistory(given, new Float32Array(given.length).fill(1), e);
    normalize(b); normalize(e);
    for (let i = 0; i < nItems; i++) out[i] = b[i]! + lambda * e[i]! + 1e-3 * fill[i]!;
  };
}

const evalTasks = (p: Prepared, s: BasketScorer) => evaluateBaskets(p.tasks, nItems, s, { k: K, candidates: p.known });

async function fit(kind: string, config: object, p: Prepared): Promise<Recommender> {
  const m = createModel(kind, config);
  await m.fit({ matrix: p.matrix, interactions: p.train }, { seed: 7 });
  return m;
}

/** Best of a grid by validation HR@10 (ties: NDCG@10). */
function best<T>(grid: T[], score: (c: T) => { hr: number; ndcg: number }): { choice: T; hr: number; ndcg: number } {
  let b: { choice: T; hr: number; ndcg: number } | undefined;
  for (const c of grid) {
    const r = score(c);
    if (!b || r.hr > b.hr || (r.hr === b.hr && r.ndcg > b.ndcg)) b = { choice: c, ...r };
  }
  return b!;
}
const cross = <A, B>(as: A[], bs: B[]): [A, B][] => as.flatMap((a) => bs.map((b): [A, B] => [a, b]));

console.log('### Basket completion (hide one item of each invoice, rank it given the rest)\n');
const val = prepare(VALID);
const fillVal = { all: fillOf(val.popAll), '30d': fillOf(val.pop30), '7d': fillOf(val.pop7) };
const tuned: Record<string, string> = {};

// Popularity window.
const popChoice = best(['all', '30d', '7d'] as const, (w) => evalTasks(val, copyScorer(fillVal[w])));
tuned.popularity = `window ${popChoice.choice}`;

// Bought-together: one count, a grid of scoring parameters.
const btVal0 = BoughtTogether.fit(val.train);
const btGrid = cross(cross([0, 0.5, 1], [1, 3]), cross([2, 10, 50], ['sum', 'max'] as const))
  .map(([[liftExponent, minSupport], [shrink, combine]]) => ({ liftExponent, minSupport, shrink, combine }));
const fillV = fillVal[popChoice.choice];
const btChoice = best(btGrid, (c) => evalTasks(val, btScorer(btVal0.withConfig(c), fillV)));
tuned['bought-together'] = JSON.stringify(btChoice.choice);
console.log(`(validation: bought-together grid of ${btGrid.length} done, ${secs()} s)`);

// EASE l2 and iALS regularization / alpha by fold-in HR@10 on validation.
const easeGrid = [100, 300, 1000, 3000];
const easeVal = new Map<number, Recommender>();
for (const l2 of easeGrid) easeVal.set(l2, await fit('ease', { l2 }, val));
const easeChoice = best(easeGrid, (l2) => evalTasks(val, foldInScorer(easeVal.get(l2)!, fillV)));
tuned['EASE fold-in'] = `l2 ${easeChoice.choice}`;
const ialsGrid = cross([0.01, 0.1, 1], [1, 10]).map(([regularization, alpha]) => ({ factors: 64, iterations: 15, regularization, alpha }));
const ialsVal: Recommender[] = [];
for (const c of ialsGrid) ialsVal.push(await fit('ials', c, val));
const ialsChoice = best(ialsGrid.map((_, q) => q), (q) => evalTasks(val, foldInScorer(ialsVal[q]!, fillV)));
tuned['iALS fold-in'] = JSON.stringify(ialsGrid[ialsChoice.choice]);
console.log(`(validation: EASE and iALS grids done, ${secs()} s)`);

// Related: model similarity (ItemKNN or EASE) blended with session co-occurrence, weight w.
const coVal = CoOccurrence.fit(val.train);
const knnVal = await fit('itemknn', {}, val);
const wGrid = [0, 0.25, 0.5, 0.75, 1];
const relKnn = best(wGrid, (w) => evalTasks(val, relatedScorer(knnVal, coVal, w, fillV)));
const relEase = best(wGrid, (w) => evalTasks(val, relatedScorer(easeVal.get(easeChoice.choice)!, coVal, w, fillV)));
tuned['related (ItemKNN + co-occurrence)'] = `w ${relKnn.choice}`;
tuned['related (EASE + co-occurrence)'] = `w ${relEase.choice}`;
const btValBest = btVal0.withConfig(btChoice.choice);
const blendChoice = best([0.3, 0.5, 1, 2], (l) => evalTasks(val, blendScorer(btValBest, easeVal.get(easeChoice.choice)!, l, fillV)));
tuned['blend: bought-together + EASE fold-in'] = `lambda ${blendChoice.choice}`;
console.log(`(validation done, ${secs()} s)\n`);
const validHr: Record<string, number> = {
  popularity: popChoice.hr, 'bought-together': btChoice.hr, 'EASE fold-in': easeChoice.hr, 'iALS fold-in': ialsChoice.hr,
  'related (ItemKNN + co-occurrence)': relKnn.hr, 'related (EASE + co-occurrence)': relEase.hr, 'blend: bought-together + EASE fold-in': blendChoice.hr,
};
easeVal.clear(); ialsVal.length = 0;

// Test: refit everything on all events before the test period with the chosen parameters, run once.
const test = prepare(TEST);
const fillT = fillOf({ all: test.popAll, '30d': test.pop30, '7d': test.pop7 }[popChoice.choice]);
const btTest = BoughtTogether.fit(test.train, btChoice.choice);
const easeTest = await fit('ease', { l2: easeChoice.choice }, test);
const ialsTest = await fit('ials', ialsGrid[ialsChoice.choice]!, test);
const knnTest = await fit('itemknn', {}, test);
const coTest = CoOccurrence.fit(test.train);
const supported = { supported: 0 };
const rows: Record<string, string | number>[] = [];
const add = (name: string, s: BasketScorer) => {
  const r = evalTasks(test, s);
  rows.push({ method: name, 'HR@10': r.hr, 'NDCG@10': r.ndcg, 'valid HR@10': validHr[name] ?? '-', 'chosen on validation': tuned[name] ?? '-' });
};
add('popularity', copyScorer(fillT));
add('bought-together', btScorer(btTest, fillT, true, supported));
const supportedShare = supported.supported / test.tasks.hidden.length;
add('bought-together, no fallback', btScorer(btTest, fillT, false));
add('related (ItemKNN + co-occurrence)', relatedScorer(knnTest, coTest, relKnn.choice, fillT));
add('related (EASE + co-occurrence)', relatedScorer(easeTest, coTest, relEase.choice, fillT));
add('iALS fold-in', foldInScorer(ialsTest, fillT));
add('EASE fold-in', foldInScorer(easeTest, fillT));
add('blend: bought-together + EASE fold-in', blendScorer(btTest, easeTest, blendChoice.choice, fillT));
const vt = val.tasks, tt = test.tasks;
console.log(`Protocol: baskets = invoices (same customer, same InvoiceDate) of purchases. Validation: fit on events before ${day(VALID.trainEnd)}, ` +
  `baskets ${day(VALID.trainEnd)}..${day(VALID.evalEnd - DAY)} (${vt.eligibleBaskets} of ${vt.baskets} with >= 2 items known in training, ${vt.hidden.length} sampled). ` +
  `Test: fit on events before ${day(TEST.trainEnd)}, baskets ${day(TEST.trainEnd)}..2011-12-09 (${tt.eligibleBaskets} of ${tt.baskets} eligible, ${tt.hidden.length} sampled, seed 2011). ` +
  `One item per basket hidden (uniform, seeded), the other known items given; candidates = every item seen in training except fees/postage and the given items; ` +
  `every method falls back to popularity to fill its ${K} slots unless marked "no fallback"; models see customer x item invoice counts; ` +
  `the basket is folded in as a new anonymous user. Parameters chosen by validation HR@10, then refitted on all pre-test events and run once.\n`);
printTable(rows);
console.log(`\nbought-together had trusted evidence (minSupport ${btChoice.choice.minSupport}) for ${(100 * supportedShare).toFixed(1)}% of test baskets; ${secs()} s so far\n`);

// ---- 2. Next-day trending precision
console.log('### Next-day trending precision\n');
let tmin = Infinity, tmax = -Infinity;
for (let k = 0; k < x.length; k++) { const t = x.time[k]!; if (t < tmin) tmin = t; if (t > tmax) tmax = t; }
const start = Math.floor(tmin / DAY) * DAY, nDays = Math.floor((tmax - start) / DAY) + 1;
const counts = dailyCounts(x, { start, days: nDays });
const trading: number[] = [];
for (let d = 0; d < nDays; d++) {
  let s = 0;
  for (let i = 0; i < nItems; i++) s += counts[d * nItems + i]!;
  if (s > 0) trading.push(d);
}
// The last trading day is partial (data ends at midday): never a target.
const RISE_TOP = 20, BASE_DAYS = 5, PERIOD = 20;
// Validation days must leave 4 × BASE_DAYS trading days of history before them.
const lastTarget = trading.length - 2; // index in trading[] of the last full day
const testIdx = Array.from({ length: PERIOD }, (_, q) => lastTarget - PERIOD + q); // predict on trading[q], target trading[q + 1]
const validIdx = testIdx.map((q) => q - PERIOD);
const eligible = nonProduct.map((v) => (v ? 0 : 1));

type Predictor = (now: number, out: Float32Array) => void;
function nextDay(idx: number[], baseDays: number, predict: Predictor): { p10: number; p20: number } {
  const out = new Float32Array(nItems);
  let p10 = 0, p20 = 0;
  for (const q of idx) {
    const d = trading[q]!, target = trading[q + 1]!;
    const baseline = trading.slice(q - baseDays + 1, q + 1);
    const rising = risingItems(counts, nItems, target, baseline, RISE_TOP, eligible);
    predict(start + (d + 1) * DAY, out);
    for (let i = 0; i < nItems; i++) if (nonProduct[i]) out[i] = NaN;
    const ranked = topK(out, 20).items;
    p10 += precisionAt(ranked, rising, 10); p20 += precisionAt(ranked, rising, 20);
  }
  return { p10: p10 / idx.length, p20: p20 / idx.length };
}
const bestBy = <T>(grid: T[], f: (c: T) => { p10: number; p20: number }) => {
  let b: { choice: T; p10: number; p20: number } | undefined;
  for (const c of grid) { const r = f(c); if (!b || r.p20 > b.p20 || (r.p20 === b.p20 && r.p10 > b.p10)) b = { choice: c, ...r }; }
  return b!;
};
interface TrendConfig { w: number; h: number; z: number; measure: 'ratio' | 'difference' }
const trendPredictor = (c: TrendConfig): Predictor => (now, out) =>
  trendingScores(x, { now, windowMs: c.w * DAY, baselineMs: 4 * c.w * DAY, halfLifeMs: c.h * c.w * DAY, z: c.z, measure: c.measure }, out);
const popPredictor = (w: number): Predictor => (now, out) => popularScores(x, { since: now - w * DAY, until: now }, out);
const trendGrid = cross(cross(cross([1, 3, 7], [0.5, Infinity]), [0, 1, 1.645]), ['ratio', 'difference'] as const)
  .map(([[[w, h], z], measure]): TrendConfig => ({ w, h, z, measure }));
const describe = (c: TrendConfig) => `${c.measure}, window ${c.w}d, half-life ${c.h === Infinity ? 'none' : `${c.h * c.w}d`}, z ${c.z}, baseline ${4 * c.w}d`;
const trendRows: Record<string, string | number>[] = [];
for (const baseDays of [BASE_DAYS, 4 * BASE_DAYS]) {
  const trendChoice = bestBy(trendGrid, (c) => nextDay(validIdx, baseDays, trendPredictor(c)));
  const popChoiceT = bestBy([1, 3, 7, 28], (w) => nextDay(validIdx, baseDays, popPredictor(w)));
  const target = `rise vs ${baseDays}-day mean`;
  const row = (method: string, r: { p10: number; p20: number }, valid: number | string, parameters: string) =>
    trendRows.push({ target, method, 'precision@10': r.p10, 'precision@20': r.p20, 'valid precision@20': valid, parameters });
  row('trending', nextDay(testIdx, baseDays, trendPredictor(trendChoice.choice)), trendChoice.p20, describe(trendChoice.choice));
  row('popular (window tuned)', nextDay(testIdx, baseDays, popPredictor(popChoiceT.choice)), popChoiceT.p20, `window ${popChoiceT.choice}d`);
  row('popular (trending\'s window)', nextDay(testIdx, baseDays, popPredictor(trendChoice.choice.w)), '-', `window ${trendChoice.choice.w}d`);
}
console.log(`Protocol: trading days (days with any purchase; the shop does not sell on Saturdays). For each of the last ${PERIOD} full trading days d ` +
  `(${day(start + trading[testIdx[0]!]! * DAY)}..${day(start + trading[testIdx.at(-1)!]! * DAY)}), rank items at the end of d and compare with the items that rose on the next trading day: ` +
  `rise = purchase events (invoice lines) on that day minus the item's mean daily count over the ${BASE_DAYS} (short) or ${4 * BASE_DAYS} (long) trading days up to d; the ${RISE_TOP} largest positive rises are relevant ` +
  `(fees/postage excluded). precision@k = relevant items in the top k / k. Parameters chosen by precision@20 on the ${PERIOD} trading days before, separately per target.\n`);
printTable(trendRows);
console.log(`\n(${secs()} s in all; a loaded 2-core machine)`);
