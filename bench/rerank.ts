/**
 * Re-rankers (issue 13): (1) latency of re-ranking 200 candidates to 10, per re-ranker, on synthetic candidates;
 * (2) on ml-latest-small (genres as categories; RecBole protocol, seed 2020) the trade-off on the VALIDATION
 * split: EASE (l2 picked on validation NDCG@10) un-re-ranked vs each re-ranker at a few knob values —
 * NDCG@10, ILD@10 (genre Jaccard), novelty@10 (bits), calibration KL@10 (nats), long-tail share@10.
 *   npm run bench -- rerank [--quick]
 */
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { toMatrix } from '../src/data/interactions.ts';
import { importData } from '../src/data/importers/index.ts';
import { mulberry32 } from '../src/data/random.ts';
import { itemUserCounts, longTailMask } from '../src/eval/beyond.ts';
import { concatInteractions, evaluate } from '../src/eval/evaluate.ts';
import { applyPreset } from '../src/eval/presets.ts';
import { ease } from '../src/models/ease.ts';
import { ials, type Ials } from '../src/models/ials.ts';
import type { Recommender } from '../src/models/types.ts';
import { calibratedRerank } from '../src/rerank/calibrated.ts';
import { dppGreedy } from '../src/rerank/dpp.ts';
import { rerank, type RerankKnobs } from '../src/rerank/knobs.ts';
import { longTailRerank } from '../src/rerank/longtail.ts';
import { mmr } from '../src/rerank/mmr.ts';
import { RerankedModel } from '../src/rerank/reranked-model.ts';
import { CategoryJaccard, ItemCategories, VectorCosine } from '../src/rerank/similarity.ts';
import type { ItemRow } from '../src/data/types.ts';
import { openStore } from '../src/store/registry.ts';
import { dataDir, median, printTable } from './_util.ts';

const quick = process.argv.includes('--quick');

// ---- (1) latency: 200 candidates -> 10 ----
{
  const nItems = 10_000, nCats = 20, dim = 64, nCand = 200, k = 10;
  const rng = mulberry32(13);
  const cats = ItemCategories.fromLists(nItems, () => {
    const n = 1 + Math.floor(rng() * 3), out: string[] = [];
    for (let t = 0; t < n; t++) out.push(`g${Math.floor(rng() * nCats)}`);
    return out;
  });
  const jac = new CategoryJaccard(cats);
  const cos = new VectorCosine(Float32Array.from({ length: nItems * dim }, () => rng() - 0.5), dim);
  const tail = longTailMask(Float64Array.from({ length: nItems }, (_, i) => 1 / (i + 1)));
  const hist = Float64Array.from({ length: cats.nCategories }, () => rng());
  const hs = hist.reduce((a, b) => a + b, 0);
  for (let g = 0; g < hist.length; g++) hist[g]! /= hs;
  const history = Int32Array.from({ length: 50 }, () => Math.floor(rng() * nItems));
  const sets = Array.from({ length: 50 }, () => {
    const items = new Int32Array(nCand);
    const seen = new Set<number>();
    for (let q = 0; q < nCand;) { const i = Math.floor(rng() * nItems); if (!seen.has(i)) { seen.add(i); items[q++] = i; } }
    return { items, scores: Float32Array.from({ length: nCand }, () => rng() * 3) };
  });
  const cases: [string, (c: (typeof sets)[number]) => Int32Array][] = [
    ['mmr, genre Jaccard, λ = 0.7', (c) => mmr(c, k, jac, 0.7)],
    ['mmr, 64-d cosine, λ = 0.7', (c) => mmr(c, k, cos, 0.7)],
    ['dpp, genre Jaccard, θ = 0.7', (c) => dppGreedy(c, k, jac, 0.7)],
    ['dpp, 64-d cosine, θ = 0.7', (c) => dppGreedy(c, k, cos, 0.7)],
    ['calibrated, 20 categories, λ = 0.5', (c) => calibratedRerank(c, k, cats, hist, 0.5)],
    ['long tail xQuAD, λ = 0.5', (c) => longTailRerank(c, k, tail, 0.5, 0.5)],
    ['knobs: novelty 0.3 then dpp diversity 0.3 (Jaccard)', (c) => rerank(c, k, { novelty: 0.3, diversity: 0.3 }, { tail, similarity: jac, history })],
  ];
  const rows = [];
  for (const [name, run] of cases) {
    for (const c of sets) run(c); // warm the JIT
    const per: number[] = [], cpu: number[] = [];
    // One call per sample: on a loaded machine a longer batch is more often cut by a preemption.
    for (let rep = 0; rep < (quick ? 4 : 20); rep++) for (const c of sets) {
      const t = performance.now(), u = process.cpuUsage();
      run(c);
      const du = process.cpuUsage(u);
      per.push((performance.now() - t) * 1000);
      cpu.push(du.user + du.system);
    }
    const s = [...per].sort((a, b) => a - b);
    rows.push({ 're-ranker (200 candidates -> 10)': name, 'median µs': median(per), 'p95 µs': s[Math.floor(s.length * 0.95)]!, 'median CPU µs': median(cpu) });
  }
  console.log(`### Latency (synthetic: 10,000 items, 1-3 of 20 categories each; wall time per call on a machine shared with other jobs, load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores; CPU µs = this process's user+system time per call, less sensitive to that load)\n`);
  printTable(rows);
  console.log(`\nall medians under 1 ms: ${rows.every((r) => r['median µs'] < 1000) ? 'yes' : 'NO'}\n`);
}

// ---- (2) trade-off on ml-latest-small ----
const data = dataDir();
if (!data) {
  console.log('ml-latest-small sweep: ../shared/data not found, skipped');
  process.exit(0);
}
const store = await openStore(':memory:');
await importData(store, { format: 'movielens-latest', path: join(data, 'ml-latest-small') });
const snap = await store.snapshot({ types: ['rating'] });
const itemRows: ItemRow[] = [];
for await (const batch of store.scanItems({ batch: 5000 })) itemRows.push(...batch);
await store.close();
const prepared = applyPreset(snap, 'recbole', 2020);
const { split } = prepared;
const categories = ItemCategories.fromRows(split.train.items, itemRows);
const seen = toMatrix(split.train, 'max');
const nItems = split.train.items.size;
const tail = longTailMask(itemUserCounts(seen, nItems));
const jaccard = new CategoryJaccard(categories);
const beyond = { categories, metrics: ['ild', 'novelty', 'calibration', 'longtail'] };
const onValid = (m: Recommender) => evaluate(m, split, { target: 'valid', ks: [10], metrics: ['ndcg'], beyond }).means;

async function fitted(kind: 'ease' | 'ials', config: object): Promise<Recommender> {
  const m = kind === 'ease' ? ease.create(config) : ials.create(config);
  await m.fit({ matrix: seen, interactions: split.train }, { seed: 1 });
  return m;
}
let best: { model: Recommender; l2: number; ndcg: number } | undefined;
for (const l2 of [100, 300, 1000]) {
  const m = await fitted('ease', { l2 });
  const ndcg = onValid(m)['ndcg@10']!;
  if (!best || ndcg > best.ndcg) best = { model: m, l2, ndcg };
}
let nTail = 0;
for (let i = 0; i < nItems; i++) nTail += tail[i]!;
console.log(`### Trade-off on ml-latest-small, validation split (RecBole protocol, seed 2020: ${prepared.stats.filtered.users} users, ${nItems} items, ${categories.nCategories} genres; ${nTail} long-tail items)\n`);
console.log(`EASE l2 = ${best!.l2} (best of 100/300/1000 on validation NDCG@10); 200 candidates re-ranked to 10; ILD = 1 − mean genre Jaccard; novelty = mean −log2 p(i), p = share of training users; KL = Steck's, α = 0.01\n`);

const divValues = quick ? [0.05, 0.2] : [0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.3, 0.5];
const novValues = quick ? [0.3, 0.5] : [0.1, 0.2, 0.3, 0.35, 0.4, 0.45, 0.47, 0.5];
const grid: { label: string; knob: string; knobs: RerankKnobs }[] = [];
for (const method of ['mmr', 'dpp', 'calibrated'] as const) for (const v of divValues) grid.push({ label: method, knob: `diversity ${v}`, knobs: { diversity: v, method } });
for (const v of novValues) grid.push({ label: 'long tail (xQuAD)', knob: `novelty ${v}`, knobs: { novelty: v } });

// Test: history and exclusions are train + valid (the evaluator masks both), the model stays fitted on train.
const seenTest = toMatrix(concatInteractions(split.train, split.valid!), 'max');
const context = { similarity: jaccard, categories, tail };
const measure = (knobs: RerankKnobs | undefined, target: 'valid' | 'test') => {
  const m = knobs ? new RerankedModel(best!.model, { seen: target === 'valid' ? seen : seenTest, k: 10, knobs, context }) : best!.model;
  return evaluate(m, split, { target, ks: [10], metrics: ['ndcg'], beyond }).means;
};
const pct = (v: number, b: number) => `${v >= b ? '+' : ''}${(((v - b) / b) * 100).toFixed(1)}%`;
const row = (model: string, knob: string, m: Record<string, number>, b?: Record<string, number>) => ({
  model, knob, 'ndcg@10': m['ndcg@10']!, 'ild@10': m['ild@10']!, 'novelty@10': m['novelty@10']!, 'KL@10': m['calibration@10']!, 'tail@10': m['longtail@10']!,
  'ΔNDCG': b ? pct(m['ndcg@10']!, b['ndcg@10']!) : '', 'ΔILD': b ? pct(m['ild@10']!, b['ild@10']!) : '',
  'Δnovelty': b ? pct(m['novelty@10']!, b['novelty@10']!) : '', 'ΔKL': b ? pct(m['calibration@10']!, b['calibration@10']!) : '',
});

const base = measure(undefined, 'valid');
const rows: Record<string, string | number>[] = [row('ease', '-', base)];
const results: { label: string; knob: string; knobs: RerankKnobs; m: Record<string, number> }[] = [];
for (const g of grid) {
  const m = measure(g.knobs, 'valid');
  results.push({ ...g, m });
  rows.push(row(`ease + ${g.label}`, g.knob, m, base));
}
printTable(rows);

// Targets of issue 13, each judged at ≤ 3% relative NDCG@10 loss; the setting is chosen on validation and then
// measured once on test.
const ok = results.filter((r) => r.m['ndcg@10']! >= 0.97 * base['ndcg@10']!);
const bestBy = (key: string, sign: 1 | -1) => ok.reduce<(typeof ok)[number] | undefined>((a, r) => (!a || sign * (r.m[key]! - a.m[key]!) > 0 ? r : a), undefined);
const chosen: (typeof ok)[number][] = [];
const say = (what: string, key: string, sign: 1 | -1, target: number) => {
  const r = bestBy(key, sign);
  if (!r) { console.log(`- ${what}: no re-ranked setting within 3% NDCG`); return; }
  if (!chosen.includes(r)) chosen.push(r);
  const gain = sign * ((r.m[key]! - base[key]!) / base[key]!) * 100;
  console.log(`- ${what}: best within 3% NDCG (validation) is ${r.label} ${r.knob}: ${gain.toFixed(1)}% (target ${target}%) -> ${gain >= target ? 'met' : 'NOT met'}`);
};
console.log('');
say('ILD gain', 'ild@10', 1, 25);
say('novelty gain', 'novelty@10', 1, 10);
say('KL reduction', 'calibration@10', -1, 30);
const both = ok.filter((r) => r.m['ild@10']! >= 1.25 * base['ild@10']! && r.m['novelty@10']! >= 1.1 * base['novelty@10']!);
console.log(`- one setting with +25% ILD AND +10% novelty within 3% NDCG: ${both.length ? both.map((r) => `${r.label} ${r.knob}`).join(', ') : 'none'}`);
// DPP vs MMR at equal diversity: MMR's NDCG linearly interpolated (over its points sorted by ILD) at each DPP ILD.
const curve = (label: string) => [{ ild: base['ild@10']!, ndcg: base['ndcg@10']! }, ...results.filter((r) => r.label === label).map((r) => ({ ild: r.m['ild@10']!, ndcg: r.m['ndcg@10']! }))].sort((a, b) => a.ild - b.ild);
const mmrCurve = curve('mmr');
const cmp: string[] = [];
for (const p of curve('dpp').slice(1)) {
  const hi = mmrCurve.findIndex((q) => q.ild >= p.ild);
  if (hi <= 0) continue;
  const a = mmrCurve[hi - 1]!, b = mmrCurve[hi]!;
  const ndcgMmr = a.ndcg + ((p.ild - a.ild) / (b.ild - a.ild || 1)) * (b.ndcg - a.ndcg);
  cmp.push(`ILD ${p.ild.toFixed(3)}: dpp ${p.ndcg.toFixed(4)} vs mmr ${ndcgMmr.toFixed(4)}`);
}
console.log(`- DPP vs MMR NDCG@10 at equal ILD (MMR interpolated): ${cmp.join('; ') || 'no overlapping ILD range'}`);
console.log(`- note: ILD under genre Jaccard cannot exceed 1, so from the base ${base['ild@10']!.toFixed(3)} the largest possible gain is ${(((1 - base['ild@10']!) / base['ild@10']!) * 100).toFixed(1)}%`);

console.log('\n### The chosen settings once on the TEST split (EASE fitted on train; train and valid masked)\n');
const baseTest = measure(undefined, 'test');
printTable([row('ease', '-', baseTest), ...chosen.map((r) => row(`ease + ${r.label}`, r.knob, measure(r.knobs, 'test'), baseTest))]);

// Cost of the beyond-accuracy metrics: the preset's accuracy metrics at K = 10, 20 on test, with and without all
// nine beyond metrics (genre categories given). Issue 13 asks for at most 1.5x.
{
  const reps = quick ? 1 : 5;
  const timeIt = (b: false | typeof beyondAll) => {
    const t: number[] = [], c: number[] = [];
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now(), u = process.cpuUsage();
      evaluate(best!.model, split, { ks: prepared.ks, metrics: prepared.metrics, beyond: b });
      const du = process.cpuUsage(u);
      t.push(performance.now() - t0); c.push((du.user + du.system) / 1000);
    }
    return { wall: median(t), cpu: median(c) };
  };
  const beyondAll = { categories };
  timeIt(false);
  const acc = timeIt(false), all = timeIt(beyondAll);
  console.log(`\n### Evaluation cost on ml-latest-small test (EASE, K = ${prepared.ks.join(', ')}, median of ${reps}; loaded machine: wall time is noisy, CPU time less so)\n`);
  printTable([
    { evaluation: `accuracy only (${prepared.metrics.join(', ')})`, 'wall ms': acc.wall, 'CPU ms': acc.cpu },
    { evaluation: '+ all 9 beyond-accuracy metrics (genres as categories)', 'wall ms': all.wall, 'CPU ms': all.cpu, 'x wall': all.wall / acc.wall, 'x CPU': all.cpu / acc.cpu },
  ]);
}

// iALS with a second similarity: cosine of its own item factors (the issue's "item factors" distance), used both
// to re-rank and to measure ILD — beside genre-Jaccard ILD, so the two readings of "diversity" can be compared.
if (!quick) {
  let bestI: { model: Ials; reg: number; ndcg: number } | undefined;
  for (const regularization of [0.5, 5, 20]) {
    const m = ials.create({ regularization });
    await m.fit({ matrix: seen, interactions: split.train }, { seed: 1 });
    const ndcg = onValid(m)['ndcg@10']!;
    if (!bestI || ndcg > bestI.ndcg) bestI = { model: m, reg: regularization, ndcg };
  }
  const im = bestI!.model;
  const factorCos = new VectorCosine(im.itemFactors.subarray(0, nItems * im.f), im.f, 'cosine(ials factors)');
  const both = (m: Recommender) => {
    const g = evaluate(m, split, { target: 'valid', ks: [10], metrics: ['ndcg'], beyond: { categories, metrics: ['ild', 'novelty', 'calibration'] } }).means;
    const f = evaluate(m, split, { target: 'valid', ks: [10], metrics: ['ndcg'], beyond: { similarity: factorCos, metrics: ['ild'] } }).means;
    return { ndcg: g['ndcg@10']!, ildGenre: g['ild@10']!, ildFactor: f['ild@10']!, novelty: g['novelty@10']!, kl: g['calibration@10']! };
  };
  const b = both(im);
  const line = (model: string, knob: string, r: typeof b, withDelta: boolean) => ({
    model, knob, 'ndcg@10': r.ndcg, 'ild genre': r.ildGenre, 'ild factors': r.ildFactor, 'novelty@10': r.novelty, 'KL@10': r.kl,
    'ΔNDCG': withDelta ? pct(r.ndcg, b.ndcg) : '', 'ΔILD genre': withDelta ? pct(r.ildGenre, b.ildGenre) : '', 'ΔILD factors': withDelta ? pct(r.ildFactor, b.ildFactor) : '', 'Δnovelty': withDelta ? pct(r.novelty, b.novelty) : '',
  });
  const out = [line('ials', '-', b, false)];
  for (const [simName, similarity] of [['genre Jaccard', jaccard], ['factor cosine', factorCos]] as const) {
    for (const method of ['mmr', 'dpp'] as const) for (const v of [0.05, 0.1, 0.2, 0.3]) {
      const r = both(new RerankedModel(im, { seen, k: 10, knobs: { diversity: v, method }, context: { similarity, categories, tail } }));
      out.push(line(`ials + ${method} (${simName})`, `diversity ${v}`, r, true));
    }
  }
  console.log(`\n### iALS (${im.f} factors, regularization ${bestI!.reg} best of 0.5/5/20 on validation), validation split: re-ranking by genre Jaccard vs by its own factor cosine\n`);
  printTable(out);
}
