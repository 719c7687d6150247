/**
 * iALS benchmark: seconds per iteration at three sizes (vs the `implicit` anchors in /work/shared/ANCHORS.md),
 * peak RSS, and quality against an independent numpy iALS on ml-100k under the RecBole-style protocol.
 *
 *   node --import tsx bench/ials.ts [--skip-20m] [--iters-20m N] [--threads N] [--typescript]
 *
 * The native kernel (native/factors.cc) runs when it was built; --typescript measures the TypeScript workers instead.
 * Each fit runs in a child process that reads its matrix from a file, so its peak RSS is the fit's own (the
 * synthetic generator needs far more memory than the fit), as implicit's anchor is for its fit.
 *
 * Work model for the GFLOP/s and GB/s columns, per half-step (R rows solved against O rows of the other side,
 * nnz entries, f factors, s CG steps; an iteration is both half-steps):
 *   flops = O f (f + 1)            Gramian YᵀY (upper triangle, multiply + add)
 *         + R (s + 1) 2 f²         one product with G per CG pass
 *         + nnz (s + 1) 4 f        per entry and pass: the dot y·p and the update Ap += w y
 *   bytes = nnz (s + 1) (4 f + 8)  per entry and pass: its y row, index and value
 *         + R 8 f + O 4 f          read and write X, read Y once for the Gramian
 * Bytes count what the kernel streams through the cache hierarchy (a y row re-read by the next pass may come
 * from L2); with rows of the other side far larger than L2 (the 20M item side), most of it is memory traffic.
 * The native kernel solves rows longer than 8192 entries in groups whose passes read a shared y row once, so
 * it moves somewhat fewer bytes than the model counts (on the 20M set: the union of each group's rows, a third
 * of their entries); the model stays the plain algorithm's, to compare like with like.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { csrFromCoo, type Csr } from '../src/data/csr.ts';
import { toMatrix } from '../src/data/interactions.ts';
import { Rng } from '../src/data/random.ts';
import { generateSynthetic } from '../src/data/synthetic.ts';
import { ials } from '../src/models/ials.ts';
import { ownPeakRssKiB } from './_util.ts';
import { nativeAddon } from '../src/linalg/native.ts';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const opt = (name: string, dflt: number) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : dflt; };
const threads = opt('--threads', 2);
if (flag('--typescript')) process.env.CURIO_NATIVE = '0';
const native = nativeAddon();
const kernelName = native ? `native C++ (${native.alsIsa}, OpenMP)` : 'TypeScript (worker threads)';
const dataDir = resolve(import.meta.dirname, '..', process.env.CURIO_DATA ?? '../shared/data');
const mib = (kb: number) => (kb / 1024).toFixed(0);

interface Row { name: string; shape: string; iters: number; secPerIter: number; total: number; anchor: number; anchorRss: string; target: string; rssMiB: string; gflops: number; gbs: number }
const rows: Row[] = [];
const CG_STEPS = 3, F = 64;

/** Flops and bytes of one iteration under the model in the header comment. */
function workPerIteration(m: Csr): { flops: number; bytes: number } {
  const nnz = m.indptr[m.rows]!, s = CG_STEPS, f = F;
  let flops = 0, bytes = 0;
  for (const [r, o] of [[m.rows, m.cols], [m.cols, m.rows]] as const) {
    flops += o * f * (f + 1) + r * (s + 1) * 2 * f * f + nnz * (s + 1) * 4 * f;
    bytes += nnz * (s + 1) * (4 * f + 8) + r * 8 * f + o * 4 * f;
  }
  return { flops, bytes };
}

async function timeFit(name: string, m: Csr, iterations: number, anchor: number, anchorRss: string, target: string): Promise<void> {
  const file = join(tmpdir(), `curio-ials-${process.pid}-${rows.length}.bin`);
  writeMatrix(file, m);
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', file, String(iterations), '--threads', String(threads), ...(flag('--typescript') ? ['--typescript'] : [])], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.status !== 0) throw new Error(`${name}: child fit failed: ${r.stderr}`);
    const res = JSON.parse(r.stdout.trim().split('\n').pop()!) as { secPerIter: number; total: number; rssKiB: number };
    const w = workPerIteration(m);
    rows.push({
      name, shape: `${m.rows}x${m.cols}, ${m.indptr[m.rows]} nnz`, iters: iterations, secPerIter: res.secPerIter, total: res.total, anchor, anchorRss, target,
      rssMiB: mib(res.rssKiB), gflops: w.flops / res.secPerIter / 1e9, gbs: w.bytes / res.secPerIter / 1e9,
    });
    console.error(`${name}: ${res.secPerIter.toFixed(3)} s/iter, ${res.total.toFixed(2)} s total, peak RSS ${mib(res.rssKiB)} MiB`);
  } finally {
    rmSync(file, { force: true });
  }
}

function writeMatrix(path: string, m: Csr): void {
  const nnz = m.indptr[m.rows]!;
  const head = Int32Array.of(m.rows, m.cols, nnz);
  const parts = [head, m.indptr, m.indices.subarray(0, nnz), m.data.subarray(0, nnz)].map((a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  writeFileSync(path, Buffer.concat(parts));
}

/** Views into the file's one buffer (no copies: the child's peak RSS is the fit's). */
function readMatrix(path: string): Csr {
  const b = readFileSync(path);
  if (b.byteOffset % 4 !== 0) throw new Error('unaligned read buffer');
  const [rows, cols, nnz] = new Int32Array(b.buffer, b.byteOffset, 3) as unknown as [number, number, number];
  let o = b.byteOffset + 12;
  const take = <T>(Ctor: { new (buf: ArrayBufferLike, offset: number, length: number): T }, n: number): T => { const t = new Ctor(b.buffer, o, n); o += 4 * n; return t; };
  const indptr = take(Int32Array, rows + 1), indices = take(Int32Array, nnz), data = take(Float32Array, nnz);
  return { rows, cols, indptr, indices, data };
}

/** The child: one fit of the matrix in `file`; prints seconds per iteration and its own peak RSS as JSON. */
async function child(file: string, iterations: number): Promise<void> {
  let m: Csr | undefined = readMatrix(file);
  const model = ials.create({ factors: F, regularization: 0.05, iterations, cgSteps: CG_STEPS });
  const per: number[] = [];
  let last = 0;
  const t0 = performance.now();
  await model.fit({ matrix: m }, { threads, onProgress: (p) => { per.push(p.seconds - last); last = p.seconds; } });
  m = undefined;
  const total = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({ secPerIter: per.reduce((a, b) => a + b, 0) / per.length, total, rssKiB: ownPeakRssKiB() }));
}

function loadMlLatestSmall(): Csr | undefined {
  const path = join(dataDir, 'ml-latest-small', 'ratings.csv');
  if (!existsSync(path)) return undefined;
  const lines = readFileSync(path, 'utf8').split('\n');
  const u: number[] = [], i: number[] = [], v: number[] = [];
  const um = new Map<string, number>(), im = new Map<string, number>();
  for (let k = 1; k < lines.length; k++) {
    if (!lines[k]) continue;
    const [a, b, r] = lines[k]!.split(',');
    u.push(um.get(a!) ?? (um.set(a!, um.size), um.size - 1));
    i.push(im.get(b!) ?? (im.set(b!, im.size), im.size - 1));
    v.push(Number(r));
  }
  return csrFromCoo(um.size, im.size, Int32Array.from(u), Int32Array.from(i), Float32Array.from(v));
}

/** ml-100k, ratings >= 3 as positives (rating kept as confidence value), 10-core, per-user random 8:1:1. */
function ml100kSplit(seed: number): { train: Csr; test: Csr } | undefined {
  const path = join(dataDir, 'ml-100k', 'u.data');
  if (!existsSync(path)) return undefined;
  let us: number[] = [], is: number[] = [], vs: number[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line) continue;
    const [a, b, r] = line.split('\t').map(Number);
    if (r! >= 3) { us.push(a!); is.push(b!); vs.push(r!); }
  }
  for (;;) { // 10-core: drop users and items with < 10 events until none are left
    const cu = new Map<number, number>(), ci = new Map<number, number>();
    for (let k = 0; k < us.length; k++) { cu.set(us[k]!, (cu.get(us[k]!) ?? 0) + 1); ci.set(is[k]!, (ci.get(is[k]!) ?? 0) + 1); }
    const keep = us.map((x, k) => cu.get(x)! >= 10 && ci.get(is[k]!)! >= 10);
    if (keep.every(Boolean)) break;
    us = us.filter((_, k) => keep[k]); is = is.filter((_, k) => keep[k]); vs = vs.filter((_, k) => keep[k]);
  }
  const um = new Map<number, number>(), im = new Map<number, number>();
  const u = us.map((x) => um.get(x) ?? (um.set(x, um.size), um.size - 1));
  const i = is.map((x) => im.get(x) ?? (im.set(x, im.size), im.size - 1));
  const all = csrFromCoo(um.size, im.size, Int32Array.from(u), Int32Array.from(i), Float32Array.from(vs));
  const rng = new Rng(seed);
  const tr: number[][] = [[], [], []], te: number[][] = [[], [], []];
  for (let r = 0; r < all.rows; r++) {
    const s = all.indptr[r]!, n = all.indptr[r + 1]! - s;
    const order = rng.shuffle(Int32Array.from({ length: n }, (_, q) => s + q));
    const nTrain = Math.round(n * 0.8), nValid = Math.round(n * 0.1);
    for (let q = 0; q < n; q++) {
      const p = order[q]!;
      const dst = q < nTrain ? tr : q >= nTrain + nValid ? te : undefined; // validation part unused here
      if (dst) { dst[0]!.push(r); dst[1]!.push(all.indices[p]!); dst[2]!.push(all.data[p]!); }
    }
  }
  const mk = (x: number[][]) => csrFromCoo(all.rows, all.cols, Int32Array.from(x[0]!), Int32Array.from(x[1]!), Float32Array.from(x[2]!));
  return { train: mk(tr), test: mk(te) };
}

/** Mean NDCG@k over users with test items; binary gains, log2 discount, IDCG over min(|rel|, k). */
function ndcgAt(k: number, score: (u: number, out: Float32Array) => void, train: Csr, test: Csr): number {
  const out = new Float32Array(train.cols);
  let sum = 0, n = 0;
  for (let u = 0; u < train.rows; u++) {
    const ts = test.indptr[u]!, te = test.indptr[u + 1]!;
    if (te === ts) continue;
    score(u, out);
    for (let p = train.indptr[u]!; p < train.indptr[u + 1]!; p++) out[train.indices[p]!] = -Infinity;
    const rel = new Set(test.indices.subarray(ts, te));
    const order = Array.from(out.keys()).sort((a, b) => out[b]! - out[a]! || a - b).slice(0, k);
    let dcg = 0, idcg = 0;
    order.forEach((it, r) => { if (rel.has(it)) dcg += 1 / Math.log2(r + 2); });
    for (let r = 0; r < Math.min(rel.size, k); r++) idcg += 1 / Math.log2(r + 2);
    sum += dcg / idcg; n++;
  }
  return sum / n;
}

function writeSplit(path: string, train: Csr, test: Csr): void {
  const lines = ['split,user,item,value'];
  for (const [name, m] of [['train', train], ['test', test]] as const) {
    for (let u = 0; u < m.rows; u++) for (let p = m.indptr[u]!; p < m.indptr[u + 1]!; p++) lines.push(`${name},${u},${m.indices[p]},${m.data[p]}`);
  }
  writeFileSync(path, lines.join('\n') + '\n');
}

async function quality(): Promise<void> {
  const seeds = [1, 2, 3];
  const ours: number[] = [], theirs: number[] = [];
  let oursPerIter = 0, numpyPerIter = 0;
  const cfg = { factors: 64, regularization: 0.05, alpha: 1, iterations: 15 };
  for (const seed of seeds) {
    const split = ml100kSplit(seed);
    if (!split) { console.log('ml-100k not found: quality comparison skipped'); return; }
    const model = ials.create({ ...cfg, seed });
    const r = await model.fit({ matrix: split.train }, { threads: 1 });
    oursPerIter += r.seconds / cfg.iterations / seeds.length;
    ours.push(ndcgAt(10, (u, out) => model.scoreUser(u, out), split.train, split.test));
    const file = join(tmpdir(), `curio-ials-split-${process.pid}-${seed}.csv`);
    writeSplit(file, split.train, split.test);
    const py = spawnSync('python3', [join(import.meta.dirname, 'reference', 'ials_numpy.py'), file,
      '--factors', String(cfg.factors), '--reg', String(cfg.regularization), '--alpha', String(cfg.alpha),
      '--iterations', String(cfg.iterations), '--seed', String(seed)], { encoding: 'utf8' });
    if (py.status !== 0) { console.log(`numpy reference failed: ${py.stderr}`); return; }
    const res = JSON.parse(py.stdout) as { ndcg10: number; sec_per_iter: number };
    theirs.push(res.ndcg10);
    numpyPerIter += res.sec_per_iter / seeds.length;
  }
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  const a = mean(ours), b = mean(theirs);
  console.log('\nml-100k quality (ratings>=3, 10-core, random 8:1:1 per user, full ranking, NDCG@10; mean of seeds ' + seeds.join(',') + ')');
  console.log(`  per seed  curio ${ours.map((x) => x.toFixed(4)).join(' ')}   numpy ${theirs.map((x) => x.toFixed(4)).join(' ')}`);
  console.log(`  curio iALS (CG, 1 thread)        NDCG@10 ${a.toFixed(4)}   ${oursPerIter.toFixed(4)} s/iter`);
  console.log(`  numpy iALS (exact solve)         NDCG@10 ${b.toFixed(4)}   ${numpyPerIter.toFixed(4)} s/iter`);
  console.log(`  relative difference ${(((a - b) / b) * 100).toFixed(2)}%  (target within 1%);  speed: curio is ${(numpyPerIter / oursPerIter).toFixed(1)}x numpy`);
}

/** Read + write GB/s of a 256 MiB array copy in numpy (one thread; STREAM-copy-like), or why not. */
function copyBandwidth(): string {
  const py = 'import numpy as np, time\na = np.ones(1 << 26, np.float32); b = np.empty_like(a); best = 1e9\nfor _ in range(5):\n    t = time.perf_counter(); np.copyto(b, a); best = min(best, time.perf_counter() - t)\nprint(2 * a.nbytes / best / 1e9)';
  const r = spawnSync('python3', ['-c', py], { encoding: 'utf8' });
  return r.status === 0 ? `${Number(r.stdout).toFixed(1)} GB/s copy (numpy, 1 thread, best of 5)` : 'not measured (python3 with numpy missing)';
}

if (args[0] === '--child') {
  await child(args[1]!, Number(args[2]));
  process.exit(0);
}

const small = loadMlLatestSmall();
if (small) await timeFit('ml-latest-small', small, 15, 0.051, '60 MiB', 'total < 2 s');
{
  const d = generateSynthetic({ users: 6000, items: 4000, interactions: 1_000_000 });
  await timeFit('synthetic ML-1M size', toMatrix(d.interactions), 15, 0.24, '76 MiB', '< 1 s/iter');
}
if (!flag('--skip-20m')) {
  let m: Csr | undefined = toMatrix(generateSynthetic({ users: 140_000, items: 27_000, interactions: 20_000_000 }).interactions);
  await timeFit('synthetic ML-20M size', m, opt('--iters-20m', 3), 9.9, '485 MiB', '<= 4 s/iter, RSS <= 485 MiB');
  m = undefined;
}

console.log(`\niALS, ${F} factors, reg 0.05, CG ${CG_STEPS} steps, ${threads} threads, kernel: ${kernelName} (anchor: implicit 0.7.2, 2 threads); each fit in its own process`);
console.log('data                    | shape                        | iters | s/iter | GFLOP/s | GB/s | total s | implicit s/iter | ratio | target                    | peak RSS MiB | implicit RSS');
for (const r of rows) {
  console.log(`${r.name.padEnd(23)} | ${r.shape.padEnd(28)} | ${String(r.iters).padStart(5)} | ${r.secPerIter.toFixed(3).padStart(6)} | ${r.gflops.toFixed(1).padStart(7)} | ${r.gbs.toFixed(1).padStart(4)} | ${r.total.toFixed(2).padStart(7)} | ${r.anchor.toFixed(3).padStart(15)} | ${(r.secPerIter / r.anchor).toFixed(2).padStart(5)} | ${r.target.padEnd(25)} | ${r.rssMiB.padStart(12)} | ${r.anchorRss}`);
}
console.log('GFLOP/s and GB/s: the work model in bench/ials.ts (per iteration) over s/iter; ratio = s/iter over implicit\'s (< 1: faster)');
console.log(`memory bandwidth on this machine now, for scale: ${copyBandwidth()}`);
if (!flag('--skip-quality')) await quality();
