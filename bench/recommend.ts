/**
 * Serving latency: top-10 for one user from a 30,000-item catalogue with a 64-factor model, in process,
 * seen items excluded — and the same work in numpy (matrix-vector product + argpartition) on the same factors.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSynthetic } from '../src/data/synthetic.ts';
import { toMatrix } from '../src/data/interactions.ts';
import { ials } from '../src/models/ials.ts';
import { median, printTable, repoRoot } from './_util.ts';

const items = 30_000, users = 20_000, factors = 64;
const syn = generateSynthetic({ users, items, interactions: 600_000, seed: 5 });
const model = ials.create({ factors, iterations: 2 });
await model.fit({ matrix: toMatrix(syn.interactions) }, { seed: 1 });

const sample = 500;
const times: number[] = [];
for (let rep = 0; rep < 3; rep++) {
  for (let q = 0; q < sample; q++) {
    const u = (q * 37) % users;
    const t = performance.now();
    model.recommend(u, { k: 10 });
    if (rep > 0) times.push(performance.now() - t); // first pass warms the JIT
  }
}
const sorted = [...times].sort((a, b) => a - b);
const ours = { median: median(times), p95: sorted[Math.floor(sorted.length * 0.95)]! };

// The serving path (topForUser: rows in norm order, stopping at the Cauchy-Schwarz bound; exact), seen items masked.
const m = toMatrix(syn.interactions);
const toCatalog = Int32Array.from({ length: items }, (_, j) => j);
const served: number[] = [];
let scored = 0;
model.prepareServing!(); // what a server does when it loads a model
for (let rep = 0; rep < 3; rep++) {
  for (let q = 0; q < sample; q++) {
    const u = (q * 37) % users;
    const t = performance.now();
    const allowed = new Uint8Array(items).fill(1);
    for (let e = m.indptr[u]!; e < m.indptr[u + 1]!; e++) allowed[m.indices[e]!] = 0;
    const r = model.topForUser!(u, toCatalog, allowed, 10);
    if (rep > 0) { served.push(performance.now() - t); scored += r.exactlyScored ?? items; }
  }
}
const servedSorted = [...served].sort((a, b) => a - b);
const serving = { median: median(served), p95: servedSorted[Math.floor(servedSorted.length * 0.95)]! };

const art = model.toArtifact();
const dir = mkdtempSync(join(tmpdir(), 'curio-bench-'));
let numpy: { median: number; p95: number } | undefined;
try {
  const yf = join(dir, 'items.f32'), uf = join(dir, 'users.f32');
  const Y = art.arrays.itemFactors as Float32Array, U = art.arrays.userFactors as Float32Array;
  writeFileSync(yf, Buffer.from(Y.buffer, Y.byteOffset, Y.byteLength));
  const us = new Float32Array(sample * factors);
  for (let q = 0; q < sample; q++) us.set(U.subarray(((q * 37) % users) * factors, (((q * 37) % users) + 1) * factors), q * factors);
  writeFileSync(uf, Buffer.from(us.buffer));
  const r = spawnSync('python3', [join(repoRoot, 'bench/reference/topk_numpy.py'), yf, String(items), String(factors), uf, String(sample)], { encoding: 'utf8' });
  if (r.status === 0) { const [m, p] = r.stdout.trim().split(' ').map(Number); numpy = { median: m!, p95: p! }; }
  else console.log(`(numpy reference failed: ${r.stderr.trim().split('\n').at(-1)})`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
printTable([
  { implementation: 'curio recommend (ials, exclude seen, top-10)', items, factors, 'median ms': ours.median, 'p95 ms': ours.p95 },
  { implementation: `curio topForUser (the server's path: ${Math.round(scored / served.length)} rows scored on average)`, items, factors, 'median ms': serving.median, 'p95 ms': serving.p95 },
  ...(numpy ? [{ implementation: 'numpy Y@x + argpartition', items, factors, 'median ms': numpy.median, 'p95 ms': numpy.p95 }] : []),
]);
if (numpy) console.log(`\ncurio / numpy median time: ${(ours.median / numpy.median).toFixed(2)}x, serving path ${(serving.median / numpy.median).toFixed(2)}x   (target: median under 1 ms)`);
