/**
 * EASE benchmark: quality against an independent numpy EASE on MovieLens-100K and ml-latest-small (same split),
 * then speed on a synthetic catalogue of 10,000 items: Curio (native float32 kernel, TypeScript workers) beside
 * scipy.linalg.inv in float32 and float64 and the few-line numpy version, all OpenBLAS, with ratios and peak RSS.
 *
 *   node --import tsx bench/ease.ts [--items 10000] [--users 20000] [--interactions 1000000] [--l2 500]
 *                                   [--threads 2] [--ts-items N] [--plain-js-items N] [--skip-quality] [--skip-speed]
 *
 * The TypeScript kernel (WASM SIMD inner loop on worker threads) is measured at full size; --ts-items N < items
 * times it on the N most popular items and extrapolates by n^3 instead. Each fit runs in a child process so
 * its peak RSS is its own. --plain-js-items N also times the no-WASM fallback (plain JavaScript tiles) on N items,
 * extrapolated by n^3. Machines are noisy: compare rows of the same run, not runs.
 * Data: $CURIO_DATA or ../shared/data (ml-100k/u.data).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { csrFromCoo, type Csr } from '../src/data/csr.ts';
import { generateSynthetic } from '../src/data/synthetic.ts';
import { nativeAddon } from '../src/linalg/native.ts';
import { ease, type Ease } from '../src/models/ease.ts';
import { ownPeakRssKiB } from './_util.ts';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const args = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const flag = (name: string) => args.includes(`--${name}`);
const L2 = opt('l2', 500);
const THREADS = opt('threads', 2);

if (args[0] === '--child') await child(args[1]!, args[2]!);
else await main();

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'curio-ease-'));
  try {
    if (!flag('skip-quality')) await quality(work);
    if (!flag('skip-speed')) speed(work);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- quality: ml-100k, RecBole protocol

async function quality(work: string): Promise<void> {
  const dataDir = resolve(root, process.env.CURIO_DATA ?? '../shared/data');
  const sets = [
    // ml-latest-small's CSV (userId,movieId,rating,timestamp, one header line) as the u.data layout.
    { name: 'ml-100k', file: join(dataDir, 'ml-100k', 'u.data'), text: (t: string) => t },
    { name: 'ml-latest-small', file: join(dataDir, 'ml-latest-small', 'ratings.csv'), text: (t: string) => t.split('\n').slice(1).map((l) => l.split(',').slice(0, 3).join('\t')).join('\n') },
  ];
  for (const set of sets) {
    if (!existsSync(set.file)) {
      console.log(`quality: ${set.name} skipped (${set.file} not found; set CURIO_DATA)`);
      continue;
    }
    const split = recboleSplit(set.text(readFileSync(set.file, 'utf8')), 2020);
    const splitFile = join(work, 'split.tsv');
    writeFileSync(splitFile, Array.from({ length: split.user.length }, (_, k) => `${split.user[k]}\t${split.item[k]}\t${split.part[k]}`).join('\n') + '\n');

    const train = partMatrix(split, 0), valid = partMatrix(split, 1), test = partMatrix(split, 2);
    const py = runPython(['quality', splitFile, String(L2)]);
    const ref = py.ndcg10 as number;
    console.log(`\nEASE quality on ${set.name} (ratings >= 3, 10-core, per-user random 8:1:1, full ranking without train and validation items, l2=${L2})`);
    console.log(`users ${split.users}, items ${split.items}, interactions ${split.user.length}, evaluated users ${py.users} (numpy)`);
    const rows: string[][] = [];
    let worst = 0;
    for (const preferNative of nativeAddon() ? [true, false] : [false]) {
      const t0 = performance.now();
      const model = ease.create({ l2: L2 }) as Ease;
      model.preferNative = preferNative;
      await model.fit({ matrix: train }, { threads: THREADS });
      const ours = ndcgAt10(model, train, valid, test);
      const f = model.lastFit!;
      const rel = Math.abs(ours.ndcg - ref) / ref;
      worst = Math.max(worst, rel);
      const kind = f.path === 'native' ? `native float32, ${f.isa}` : `${f.path} float64, ${f.wasm ? 'WASM SIMD' : 'plain JS'}`;
      rows.push([`curio (${kind})`, ours.ndcg.toFixed(5), String(ours.users), `${(100 * rel).toFixed(3)}%`, ((performance.now() - t0) / 1000).toFixed(2)]);
    }
    rows.push(['numpy reference (float64)', ref.toFixed(5), String(py.users), '-', '-']);
    table(['implementation', 'NDCG@10', 'users', 'rel. diff', 'fit+eval s'], rows);
    console.log(`largest relative difference ${(100 * worst).toFixed(3)}% (target < 1%; float32 must agree to the 4th decimal): ${worst < 0.01 ? 'OK' : 'FAIL'}`);
  }
}

interface Split {
  user: Int32Array;
  item: Int32Array;
  /** 0 train, 1 valid, 2 test */
  part: Uint8Array;
  users: number;
  items: number;
}

/** RecBole's ml-100k protocol: rating >= 3, 10-core (repeated until stable), per-user shuffled 8:1:1 split. */
export function recboleSplit(text: string, seed: number): Split {
  let us: number[] = [], is: number[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const [u, i, r] = line.split('\t');
    if (Number(r) >= 3) { us.push(Number(u)); is.push(Number(i)); }
  }
  for (;;) {
    const uc = new Map<number, number>(), ic = new Map<number, number>();
    for (let k = 0; k < us.length; k++) { uc.set(us[k]!, (uc.get(us[k]!) ?? 0) + 1); ic.set(is[k]!, (ic.get(is[k]!) ?? 0) + 1); }
    const keep = us.map((u, k) => uc.get(u)! >= 10 && ic.get(is[k]!)! >= 10);
    if (keep.every(Boolean)) break;
    us = us.filter((_, k) => keep[k]); is = is.filter((_, k) => keep[k]);
  }
  const uid = new Map<number, number>(), iid = new Map<number, number>();
  for (const u of [...new Set(us)].sort((a, b) => a - b)) uid.set(u, uid.size);
  for (const i of [...new Set(is)].sort((a, b) => a - b)) iid.set(i, iid.size);
  const byUser: number[][] = Array.from({ length: uid.size }, () => []);
  for (let k = 0; k < us.length; k++) byUser[uid.get(us[k]!)!]!.push(iid.get(is[k]!)!);
  let s = seed >>> 0;
  const rnd = () => { s = (s + 0x6d2b79f5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32; };
  const user = new Int32Array(us.length), item = new Int32Array(us.length), part = new Uint8Array(us.length);
  let o = 0;
  byUser.forEach((list, u) => {
    for (let a = list.length - 1; a > 0; a--) { const b = Math.floor(rnd() * (a + 1)); [list[a], list[b]] = [list[b]!, list[a]!]; }
    // RecBole's split sizes: floor(0.1 n) each for valid and test, the rest train.
    const nValid = Math.floor(0.1 * list.length), nTest = Math.floor(0.1 * list.length), nTrain = list.length - nValid - nTest;
    list.forEach((i, q) => { user[o] = u; item[o] = i; part[o++] = q < nTrain ? 0 : q < nTrain + nValid ? 1 : 2; });
  });
  return { user, item, part, users: uid.size, items: iid.size };
}

function partMatrix(s: Split, p: number): Csr {
  const r: number[] = [], c: number[] = [];
  for (let k = 0; k < s.user.length; k++) if (s.part[k] === p) { r.push(s.user[k]!); c.push(s.item[k]!); }
  return csrFromCoo(s.users, s.items, Int32Array.from(r), Int32Array.from(c), undefined);
}

/**
 * NDCG@10, binary gains, log2 discount, IDCG over min(|relevant|, 10); users without test items skipped. Training
 * items (by the model) and validation items are removed from the ranking, as the preset's evaluation does:
 * counting a validation item as a miss would understate every model.
 */
function ndcgAt10(model: Ease, train: Csr, valid: Csr, test: Csr): { ndcg: number; users: number } {
  let total = 0, users = 0;
  for (let u = 0; u < test.rows; u++) {
    const s = test.indptr[u]!, e = test.indptr[u + 1]!;
    if (s === e || train.indptr[u] === train.indptr[u + 1]) continue;
    const rel = new Set(test.indices.subarray(s, e));
    const top = model.recommend(u, { k: 10, exclude: valid.indices.subarray(valid.indptr[u]!, valid.indptr[u + 1]!) }).items;
    let dcg = 0, idcg = 0;
    for (let r = 0; r < top.length; r++) if (rel.has(top[r]!)) dcg += 1 / Math.log2(r + 2);
    for (let r = 0; r < Math.min(rel.size, 10); r++) idcg += 1 / Math.log2(r + 2);
    total += dcg / idcg;
    users++;
  }
  return { ndcg: total / users, users };
}

// ---------------------------------------------------------------- speed: synthetic 10K items

function speed(work: string): void {
  const items = opt('items', 10_000), users = opt('users', 20_000), interactions = opt('interactions', 1_000_000);
  const tsItems = Math.min(items, opt('ts-items', items));
  console.log(`\nEASE speed: synthetic ${users} users x ${items} items, ${interactions} interactions, binary, l2=${L2}, ${THREADS} threads`);
  const t0 = performance.now();
  const d = generateSynthetic({ users, items, interactions, seed: 7 }).interactions;
  const m = csrFromCoo(users, items, d.user, d.item, undefined, 'max');
  console.log(`(data generated in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  const full = writeMatrix(join(work, 'full.bin'), m);
  const rows: string[][] = [];
  // The anchors, each in its own process so that its peak RSS is its own.
  const sf32 = runPython(['speed', full, String(L2), 'float32', 'scipy']);
  const sf64 = runPython(['speed', full, String(L2), 'float64', 'scipy']);
  const np64 = runPython(['speed', full, String(L2), 'float64', 'numpy']);
  const ratio = (r: Record<string, number | string>, base: Record<string, number | string>) => typeof r.total_s === 'number' ? `${(r.total_s / Number(base.total_s)).toFixed(2)}x` : '-';
  const line = (name: string, r: Record<string, number | string>, note = '') => [
    name, fmt(r.gram_s), fmt(r.inverse_s), fmt(r.weights_s), fmt(r.total_s), ratio(r, sf32), ratio(r, sf64), ratio(r, np64),
    fmt(r.peak_rss_mb, 0), typeof r.peak_rss_mb === 'number' ? `${(r.peak_rss_mb / Number(sf32.peak_rss_mb)).toFixed(2)}x` : '-', note,
  ];
  rows.push(line(`scipy ${sf32.scipy} linalg.inv, float32`, sf32, 'Gram dense in float32, B in place'));
  rows.push(line(`scipy ${sf64.scipy} linalg.inv, float64`, sf64, 'same in float64'));
  rows.push(line(`numpy ${np64.numpy} linalg.inv, float64`, np64, 'the few-line version: dense float64 Gram, new B'));
  const addon = nativeAddon();
  if (addon) {
    const r = runChild('native', full);
    rows.push(line(`curio native float32 (${r.isa}, OpenMP)`, r, 'Gram, inverse, B in one n x n float32 buffer'));
  } else {
    rows.push(['curio native', '-', '-', '-', '-', '-', '-', '-', '-', '-', 'not built (npm install builds native/)']);
  }
  if (tsItems === items) {
    const r = runChild('typescript', full);
    rows.push(line(`curio TypeScript workers, float64 (${r.wasm ? 'WASM SIMD' : 'plain JS'})`, r, 'no native code'));
  } else {
    const small = writeMatrix(join(work, `top${tsItems}.bin`), firstColumns(m, tsItems));
    const r = runChild('typescript', small);
    const scale = (items / tsItems) ** 3;
    const inv = Number(r.inverse_s) * scale;
    const est = { gram_s: '-', inverse_s: inv, weights_s: '-', total_s: inv, peak_rss_mb: '-' } as Record<string, number | string>;
    rows.push(line(`curio TypeScript workers at ${tsItems} items (${r.wasm ? 'WASM SIMD' : 'plain JS'})`, { ...r, total_s: '-' }, 'measured (ratios need the full size)'));
    rows.push(line(`curio TypeScript workers at ${items} items`, est, `inverse extrapolated x${scale.toFixed(1)} (n^3); --ts-items ${items} measures it`));
  }
  const jsItems = Math.min(items, opt('plain-js-items', 0));
  if (jsItems > 0) {
    // The fallback when a runtime has no WASM SIMD: plain JavaScript tiles (CURIO_WASM=0).
    const file = jsItems === items ? full : writeMatrix(join(work, `js${jsItems}.bin`), firstColumns(m, jsItems));
    const r = runChild('typescript', file, { CURIO_WASM: '0' });
    if (jsItems === items) rows.push(line('curio TypeScript workers, plain JS kernel', r, 'CURIO_WASM=0'));
    else {
      const scale = (items / jsItems) ** 3;
      rows.push(line(`curio TypeScript workers, plain JS, ${jsItems} items`, { ...r, total_s: '-' }, 'CURIO_WASM=0, measured'));
      rows.push(line(`curio TypeScript workers, plain JS, ${items} items`, { gram_s: '-', inverse_s: Number(r.inverse_s) * scale, weights_s: '-', total_s: Number(r.inverse_s) * scale, peak_rss_mb: '-' }, `inverse extrapolated x${scale.toFixed(1)} (n^3)`));
    }
  }
  table(['implementation', 'gram s', 'inverse s', 'weights s', 'total s', 'vs scipy f32', 'vs scipy f64', 'vs numpy', 'peak RSS MiB', 'RSS vs scipy f32', 'note'], rows);
  console.log('ratios are total seconds (Gram + inverse + weights) over the anchor\'s, from this run; target (issue 14): curio native <= 1.0x scipy float32 in time and peak RSS');
  console.log(`anchor (/work/shared/ANCHORS.md): numpy+OpenBLAS, 2 threads, 10K x 10K inverse float64 39 s, float32 57 s`);
}

function fmt(v: unknown, digits = 2): string {
  return typeof v === 'number' ? v.toFixed(digits) : String(v ?? '-');
}

/** The `k` most popular columns of m, renumbered (a smaller catalogue with the same structure). */
function firstColumns(m: Csr, k: number): Csr {
  const counts = new Int32Array(m.cols);
  for (let p = 0; p < m.indptr[m.rows]!; p++) counts[m.indices[p]!]!++;
  const order = Int32Array.from({ length: m.cols }, (_, i) => i).sort((a, b) => counts[b]! - counts[a]! || a - b);
  const slot = new Int32Array(m.cols).fill(-1);
  for (let q = 0; q < k; q++) slot[order[q]!] = q;
  const r: number[] = [], c: number[] = [];
  for (let u = 0; u < m.rows; u++) for (let p = m.indptr[u]!; p < m.indptr[u + 1]!; p++) if (slot[m.indices[p]!]! >= 0) { r.push(u); c.push(slot[m.indices[p]!]!); }
  return csrFromCoo(m.rows, k, Int32Array.from(r), Int32Array.from(c), undefined);
}

function writeMatrix(path: string, m: Csr): string {
  const nnz = m.indptr[m.rows]!;
  const buf = new Int32Array(3 + m.rows + 1 + nnz);
  buf[0] = m.rows; buf[1] = m.cols; buf[2] = nnz;
  buf.set(m.indptr, 3);
  buf.set(m.indices.subarray(0, nnz), 4 + m.rows);
  writeFileSync(path, new Uint8Array(buf.buffer));
  return path;
}

function readMatrix(path: string): Csr {
  const b = readFileSync(path);
  const x = new Int32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  const rows = x[0]!, cols = x[1]!, nnz = x[2]!;
  return { rows, cols, indptr: x.slice(3, 4 + rows), indices: x.slice(4 + rows, 4 + rows + nnz), data: new Float32Array(nnz).fill(1) };
}

function runPython(pyArgs: string[]): Record<string, number | string> {
  const env = { ...process.env, OPENBLAS_NUM_THREADS: String(THREADS), OMP_NUM_THREADS: String(THREADS) };
  const r = spawnSync('python3', [join(root, 'bench/reference/ease_numpy.py'), ...pyArgs], { env, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`numpy reference failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

function runChild(kernel: 'native' | 'typescript', matrixFile: string, env: Record<string, string> = {}): Record<string, number | string> {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', kernel, matrixFile, '--l2', String(L2), '--threads', String(THREADS)], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    env: { ...process.env, ...env },
  });
  if (r.status !== 0) throw new Error(`curio ${kernel} fit failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

async function child(kernel: string, matrixFile: string): Promise<void> {
  const m = readMatrix(matrixFile);
  const model = ease.create({ l2: L2 }) as Ease;
  model.preferNative = kernel === 'native';
  const t0 = performance.now();
  await model.fit({ matrix: m }, { threads: THREADS });
  const total = (performance.now() - t0) / 1000;
  const f = model.lastFit!;
  if (kernel === 'native' && f.path !== 'native') throw new Error(`asked for the native kernel, ran ${f.path}`);
  console.log(JSON.stringify({
    gram_s: f.gramSeconds, inverse_s: f.inverseSeconds, weights_s: f.weightsSeconds, total_s: total,
    peak_rss_mb: ownPeakRssKiB() / 1024, path: f.path, wasm: f.wasm ? 1 : 0, isa: f.isa ?? '-',
  }));
}

function table(head: string[], rows: string[][]): void {
  const w = head.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const out = (r: string[]) => '| ' + r.map((v, c) => (c === 0 || c === r.length - 1 ? v.padEnd(w[c]!) : v.padStart(w[c]!))).join(' | ') + ' |';
  console.log(out(head));
  console.log('|' + w.map((x) => '-'.repeat(x + 2)).join('|') + '|');
  for (const r of rows) console.log(out(r));
}
