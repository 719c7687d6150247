/**
 * Correctness against independent implementations: EASE and iALS on ml-100k under the RecBole preset
 * (ratings >= 3 positive, 10-core, random 8:1:1 per user), split by Curio's own pipeline and written to a
 * file that the numpy/scipy references (bench/reference/*.py) read, so both sides see the SAME split.
 * Both follow the preset's protocol: fit on train (EASE also on train+valid, as `--fit-on train+valid` does), rank
 * all items with the user's training AND validation items removed, and compute NDCG@10 on test the same way.
 * iALS starts from the same factors on both sides (Curio's seeded draw, handed to numpy as files).
 *   npm run bench -- agreement
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../src/store/registry.ts';
import { importData } from '../src/data/importers/index.ts';
import { applyPreset } from '../src/eval/presets.ts';
import { concatInteractions, evalDataOf, evaluateOn } from '../src/eval/evaluate.ts';
import { toMatrix, type Interactions } from '../src/data/interactions.ts';
import { createModel } from '../src/models/registry.ts';
import { initialFactors } from '../src/models/ials.ts';
import { Rng } from '../src/data/random.ts';
import { dataDir, printTable, repoRoot } from './_util.ts';

const data = dataDir();
if (!data) {
  console.log('agreement: ../shared/data not found, skipped');
  process.exit(0);
}
const store = await openStore(':memory:');
await importData(store, { format: 'movielens-100k', path: join(data, 'ml-100k') });
const snap = await store.snapshot({ types: ['rating'] });
await store.close();
const { split, stats } = applyPreset(snap, 'recbole', 2020);
const { train, test } = split;
const valid = split.valid!;
console.log(`ml-100k, RecBole preset (seed 2020): ${stats.filtered.users} users, ${stats.filtered.items} items; ${train.length} train / ${valid.length} valid / ${test.length} test interactions; train and valid items masked when ranking\n`);

const dir = mkdtempSync(join(tmpdir(), 'curio-agree-'));
const rows = (d: Interactions, tag: (k: number) => string) => Array.from({ length: d.length }, (_, k) => tag(k));
const iaFile = join(dir, 'split.csv'), easeFile = join(dir, 'split.tsv');
writeFileSync(iaFile, ['split,user,item,value', ...[['train', train], ['valid', valid], ['test', test]].flatMap(([tag, d]) => rows(d as Interactions, (k) => `${tag},${(d as Interactions).user[k]},${(d as Interactions).item[k]},1`))].join('\n') + '\n');
writeFileSync(easeFile, [train, valid, test].flatMap((d, part) => rows(d, (k) => `${d.user[k]} ${d.item[k]} ${part}`)).join('\n') + '\n');

function python(script: string, args: string[]): Record<string, number> {
  const r = spawnSync('python3', [join(repoRoot, 'bench/reference', script), ...args], { encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '2' } });
  if (r.status !== 0) throw new Error(`${script} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

async function ours(kind: string, config: object, seed: number, fitOn: 'train' | 'train+valid' = 'train'): Promise<{ ndcg: number; seconds: number }> {
  const m = createModel(kind, config);
  const fitData = fitOn === 'train' ? train : concatInteractions(train, valid);
  const t0 = performance.now();
  await m.fit({ matrix: toMatrix(fitData), interactions: fitData }, { seed });
  const seconds = (performance.now() - t0) / 1000;
  // the preset's test protocol: train and validation items masked, whatever the model was fitted on
  const r = evaluateOn(m, evalDataOf({ ...split, train: fitData }, 'test'), { ks: [10], metrics: ['ndcg'] });
  return { ndcg: r.means['ndcg@10']!, seconds };
}

const table: Record<string, string | number>[] = [];
try {
  const l2 = 367;
  for (const fitOn of ['train', 'train+valid'] as const) {
    const e = await ours('ease', { l2 }, 1, fitOn);
    const pe = python('ease_numpy.py', ['quality', easeFile, String(l2), fitOn]);
    table.push({ model: `EASE l2=${l2}, fitted on ${fitOn}`, 'curio ndcg@10': e.ndcg, 'numpy ndcg@10': pe.ndcg10!, 'relative difference': `${((100 * Math.abs(e.ndcg - pe.ndcg10!)) / pe.ndcg10!).toFixed(2)}%` });
  }

  // Both sides start from the same factors (Curio's seeded draw, written to files for numpy), so a difference
  // can only come from the solver and float32 storage. numpy solves each row exactly: the like-for-like row is
  // Curio's exact (Cholesky) solver; the default 3-step warm-started CG is shown against the same numpy run.
  const ials = { factors: 64, regularization: 37.5, alpha: 9.37, iterations: 15 };
  const f = ials.factors, seeds = [1, 2, 3];
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b) / xs.length;
  const runs = { numpy: [] as number[], cholesky: [] as number[], cg: [] as number[] };
  for (const seed of seeds) {
    // The draw Ials.fitWeighted starts from, for this seed.
    const init = initialFactors(train.users.size, train.items.size, f, new Rng(seed), (n) => new Float32Array(n));
    const files = [init.X, init.Y]
      .map((F, k) => { const file = join(dir, `init${seed}-${k}.f32`); writeFileSync(file, F); return file; });
    runs.numpy.push(python('ials_numpy.py', [iaFile, '--factors', String(f), '--reg', String(ials.regularization), '--alpha', String(ials.alpha), '--iterations', String(ials.iterations), '--init', ...files]).ndcg10!);
    for (const solver of ['cholesky', 'cg'] as const) runs[solver].push((await ours('ials', { ...ials, solver }, seed)).ndcg);
  }
  for (const [k, xs] of Object.entries(runs)) console.log(`iALS ${k.padEnd(8)} per seed: ${xs.map((x) => x.toFixed(4)).join(' ')}`);
  console.log('');
  const mp = mean(runs.numpy);
  for (const solver of ['cholesky', 'cg'] as const) {
    const mc = mean(runs[solver]);
    table.push({ model: `iALS (fitted on train) f=64 λ=37.5 α=9.37 15 it., ${solver === 'cg' ? 'CG 3 steps (default)' : 'exact solve'}, mean of ${seeds.length} shared inits`, 'curio ndcg@10': mc, 'numpy ndcg@10': mp, 'relative difference': `${((100 * Math.abs(mc - mp)) / mp).toFixed(2)}%` });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
printTable(table);
console.log('\n(target: within 1% NDCG@10)');
