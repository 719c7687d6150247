import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExactIndex, HnswIndex, hnswlib, vectorIndex } from './vector-index.ts';
import { normalizeRows } from './encoder.ts';

/** n unit rows around 20 random centres (xorshift, seeded). */
function clustered(n: number, d: number, seed = 7): Float32Array {
  let s = seed;
  const rand = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 4294967296 - 0.5; };
  const centres = Float32Array.from({ length: 20 * d }, rand);
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) x[i * d + c] = centres[(i % 20) * d + c]! + 0.5 * rand();
  return normalizeRows(x, n, d);
}

test('exact index: the largest inner products, best first; `allowed` limits the rows', () => {
  const v = Float32Array.of(1, 0, 0.6, 0.8, 0, 1);
  const e = new ExactIndex(v, 2);
  const r = e.search(Float32Array.of(0.8, 0.6), 2);
  assert.deepEqual([...r.items], [1, 0]);
  assert.ok(Math.abs(r.scores[0]! - 0.96) < 1e-6 && Math.abs(r.scores[1]! - 0.8) < 1e-6);
  assert.deepEqual([...e.search(Float32Array.of(0.8, 0.6), 2, Uint8Array.of(1, 0, 1)).items], [0, 2]);
});

test('hnsw index (hnswlib-node): recall@10 against the exact scan >= 0.95 on 3,000 clustered vectors; filters hold; exact below the threshold', () => {
  assert.ok(hnswlib(), 'hnswlib-node is installed (an optional dependency compiled by npm ci)');
  const d = 16, n = 3000, x = clustered(n, d);
  const h = HnswIndex.build(x, d, { efSearch: 64 })!;
  const e = new ExactIndex(x, d);
  let found = 0;
  const allowed = new Uint8Array(n);
  for (let i = 0; i < n; i += 3) allowed[i] = 1;
  for (let q = 0; q < 50; q++) {
    const query = x.slice(q * 37 * d, q * 37 * d + d);
    const want = new Set(e.search(query, 10).items);
    const got = h.search(query, 10);
    for (const i of got.items) if (want.has(i)) found++;
    for (let r = 1; r < got.scores.length; r++) assert.ok(got.scores[r - 1]! >= got.scores[r]!);
    assert.ok(h.search(query, 10, allowed).items.every((i) => allowed[i] === 1));
  }
  assert.ok(found / 500 >= 0.95, `recall@10 ${found / 500}`);
  assert.equal(vectorIndex(x, d).kind, 'exact', '3,000 items: below the threshold');
  assert.equal(vectorIndex(x, d, { threshold: 1000 }).kind, 'hnsw');
});
