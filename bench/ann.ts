/**
 * Approximate nearest neighbours for vector search: HNSW (hnswlib-node, compiled from source by npm) against the
 * exact scan on synthetic unit vectors (a mixture of 200 Gaussian clusters, as item text vectors cluster by topic):
 * build time, query time and recall@10 (the share of the exact top 10 that HNSW returns), for a few efSearch.
 *   npm run bench -- ann [--n=50000] [--d=100,512] [--queries=200]
 */
import { normalizeRows } from '../src/text/encoder.ts';
import { ExactIndex, HnswIndex, hnswlib } from '../src/text/vector-index.ts';
import { median, printTable } from './_util.ts';

const arg = (name: string, def: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? def;
const n = Number(arg('n', '50000'));
const dims = arg('d', '100,512').split(',').map(Number);
const queries = Number(arg('queries', '200'));
if (!hnswlib()) {
  console.log('(skipped: the optional dependency hnswlib-node is not installed or did not compile)');
  process.exit(0);
}

let seed = 42;
const gauss = () => {
  // Box–Muller on xorshift32
  const u = () => { seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0; return (seed + 1) / 4294967297; };
  return Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
};

const rows: Record<string, string | number>[] = [];
for (const d of dims) {
  const centres = Float32Array.from({ length: 200 * d }, gauss);
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(Math.abs(gauss() * 60)) % 200; // uneven cluster sizes
    for (let q = 0; q < d; q++) x[i * d + q] = centres[c * d + q]! + 1.2 * gauss();
  }
  normalizeRows(x, n, d);
  // queries: held-out points drawn the same way (not in the index)
  const qs = new Float32Array(queries * d);
  for (let r = 0; r < queries; r++) {
    const c = Math.floor(Math.abs(gauss() * 60)) % 200;
    for (let q = 0; q < d; q++) qs[r * d + q] = centres[c * d + q]! + 1.2 * gauss();
  }
  normalizeRows(qs, queries, d);
  const exact = new ExactIndex(x, d);
  const truth: Set<number>[] = [];
  const exactMs: number[] = [];
  for (let r = 0; r < queries; r++) {
    const t = performance.now();
    truth.push(new Set(exact.search(qs.subarray(r * d, (r + 1) * d), 10).items));
    exactMs.push(performance.now() - t);
  }
  rows.push({ vectors: n, dimension: d, index: 'exact scan', 'build s': 0, efSearch: '-', 'recall@10': 1, 'query median ms': median(exactMs) });
  let t = performance.now();
  const h = HnswIndex.build(x, d, { m: 16, efConstruction: 200 })!;
  const buildS = (performance.now() - t) / 1000;
  for (const ef of [16, 32, 64, 128]) {
    let found = 0;
    const ms: number[] = [];
    for (let r = 0; r < queries; r++) {
      t = performance.now();
      const got = searchWithEf(h, qs.subarray(r * d, (r + 1) * d), ef);
      ms.push(performance.now() - t);
      for (const i of got) if (truth[r]!.has(i)) found++;
    }
    rows.push({ vectors: n, dimension: d, index: 'hnsw (M 16, efConstruction 200)', 'build s': buildS, efSearch: ef, 'recall@10': found / (10 * queries), 'query median ms': median(ms) });
  }
}

function searchWithEf(h: HnswIndex, q: Float32Array, ef: number): Int32Array {
  h.efSearch = ef;
  return h.search(q, 10).items;
}

console.log(`${queries} queries per row, one thread; machine shared with other jobs (times are upper bounds).\n`);
printTable(rows);
