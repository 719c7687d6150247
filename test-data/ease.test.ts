import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { csrFromCoo, type Csr } from '../src/data/csr.ts';
import { ease } from '../src/models/ease.ts';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const file = join(resolve(root, process.env.CURIO_DATA ?? '../shared/data'), 'ml-100k', 'u.data');

/** ml-100k, ratings >= 3 as positives, one random held-out 10% per user (seeded), the rest for training. */
function split(): { train: Csr; test: Csr } {
  const us: number[] = [], is: number[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [u, i, r] = line.split('\t');
    if (line && Number(r) >= 3) { us.push(Number(u)); is.push(Number(i)); }
  }
  const nU = us.reduce((a, b) => Math.max(a, b), 0) + 1, nI = is.reduce((a, b) => Math.max(a, b), 0) + 1; // ids used as indices (0- or 1-based)
  const byUser: number[][] = Array.from({ length: nU }, () => []);
  us.forEach((u, k) => byUser[u]!.push(is[k]!));
  let s = 12345;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const tr: [number[], number[]] = [[], []], te: [number[], number[]] = [[], []];
  byUser.forEach((list, u) => {
    for (let a = list.length - 1; a > 0; a--) { const b = Math.floor(rnd() * (a + 1)); [list[a], list[b]] = [list[b]!, list[a]!]; }
    const nTest = Math.floor(list.length / 10);
    list.forEach((i, q) => { const t = q < nTest ? te : tr; t[0].push(u); t[1].push(i); });
  });
  const m = (p: [number[], number[]]) => csrFromCoo(nU, nI, Int32Array.from(p[0]), Int32Array.from(p[1]), undefined);
  return { train: m(tr), test: m(te) };
}

/** NDCG@10 with binary gains, log2 discount, IDCG over min(|relevant|, 10); `top(u)` ranks without train items. */
function ndcg10(test: Csr, top: (u: number) => Int32Array): number {
  let total = 0, users = 0;
  for (let u = 0; u < test.rows; u++) {
    const rel = new Set(test.indices.subarray(test.indptr[u]!, test.indptr[u + 1]!));
    if (!rel.size) continue;
    const t = top(u);
    let dcg = 0, idcg = 0;
    for (let r = 0; r < t.length; r++) if (rel.has(t[r]!)) dcg += 1 / Math.log2(r + 2);
    for (let r = 0; r < Math.min(10, rel.size); r++) idcg += 1 / Math.log2(r + 2);
    total += dcg / idcg;
    users++;
  }
  return total / users;
}

test('ease on ml-100k beats popularity on NDCG@10', { timeout: 20_000 }, async (t) => {
  if (!existsSync(file)) return t.skip(`${file} not found (set CURIO_DATA)`);
  const { train, test: held } = split();
  const model = ease.create({ l2: 500 });
  await model.fit({ matrix: train });
  const easeNdcg = ndcg10(held, (u) => model.recommend(u, { k: 10 }).items);

  // Popularity computed inline: most users first, the user's training items left out.
  const count = new Float64Array(train.cols);
  for (let p = 0; p < train.indptr[train.rows]!; p++) count[train.indices[p]!]!++;
  const order = Array.from({ length: train.cols }, (_, i) => i).sort((a, b) => count[b]! - count[a]! || a - b);
  const popNdcg = ndcg10(held, (u) => {
    const seen = new Set(train.indices.subarray(train.indptr[u]!, train.indptr[u + 1]!));
    return Int32Array.from(order.filter((i) => !seen.has(i)).slice(0, 10));
  });
  t.diagnostic(`NDCG@10 ease ${easeNdcg.toFixed(4)}, popularity ${popNdcg.toFixed(4)}`);
  assert.ok(easeNdcg > popNdcg * 1.2, `ease ${easeNdcg} vs popularity ${popNdcg}`);
});
