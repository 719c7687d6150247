import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { csrFromCoo, type Csr } from '../src/data/csr.ts';
import { Rng } from '../src/data/random.ts';
import { ials } from '../src/models/ials.ts';

const dataDir = resolve(import.meta.dirname, '..', process.env.CURIO_DATA ?? '../shared/data');
const file = join(dataDir, 'ml-100k', 'u.data');

/** ml-100k: ratings >= 3 as positives, 10-core, per-user random 80% train / last 10% test. */
function split(): { train: Csr; test: Csr } {
  let rows = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => l.split('\t').map(Number)).filter((r) => r[2]! >= 3);
  for (;;) {
    const cu = new Map<number, number>(), ci = new Map<number, number>();
    for (const r of rows) { cu.set(r[0]!, (cu.get(r[0]!) ?? 0) + 1); ci.set(r[1]!, (ci.get(r[1]!) ?? 0) + 1); }
    const kept = rows.filter((r) => cu.get(r[0]!)! >= 10 && ci.get(r[1]!)! >= 10);
    if (kept.length === rows.length) break;
    rows = kept;
  }
  const um = new Map<number, number>(), im = new Map<number, number>();
  const byUser: number[][][] = [];
  for (const r of rows) {
    const u = um.get(r[0]!) ?? (um.set(r[0]!, um.size), um.size - 1);
    const i = im.get(r[1]!) ?? (im.set(r[1]!, im.size), im.size - 1);
    (byUser[u] ??= []).push([i, r[2]!]);
  }
  const rng = new Rng(7);
  const tr: number[][] = [[], [], []], te: number[][] = [[], [], []];
  byUser.forEach((evs, u) => {
    const order = rng.shuffle(Int32Array.from(evs.keys()));
    const nTrain = Math.round(evs.length * 0.8), nValid = Math.round(evs.length * 0.1);
    order.forEach((q, k) => {
      const dst = k < nTrain ? tr : k >= nTrain + nValid ? te : undefined;
      if (dst) { dst[0]!.push(u); dst[1]!.push(evs[q]![0]!); dst[2]!.push(evs[q]![1]!); }
    });
  });
  const mk = (x: number[][]) => csrFromCoo(um.size, im.size, Int32Array.from(x[0]!), Int32Array.from(x[1]!), Float32Array.from(x[2]!));
  return { train: mk(tr), test: mk(te) };
}

function ndcg10(score: (u: number, out: Float32Array) => void, train: Csr, test: Csr): number {
  const out = new Float32Array(train.cols);
  let sum = 0, n = 0;
  for (let u = 0; u < train.rows; u++) {
    const rel = new Set(test.indices.subarray(test.indptr[u]!, test.indptr[u + 1]!));
    if (!rel.size) continue;
    score(u, out);
    for (let p = train.indptr[u]!; p < train.indptr[u + 1]!; p++) out[train.indices[p]!] = -Infinity;
    const top = Array.from(out.keys()).sort((a, b) => out[b]! - out[a]! || a - b).slice(0, 10);
    let dcg = 0, idcg = 0;
    top.forEach((it, r) => { if (rel.has(it)) dcg += 1 / Math.log2(r + 2); });
    for (let r = 0; r < Math.min(rel.size, 10); r++) idcg += 1 / Math.log2(r + 2);
    sum += dcg / idcg; n++;
  }
  return sum / n;
}

test('ml-100k: iALS beats popularity on NDCG@10 (full ranking, train items excluded)', async (t) => {
  if (!existsSync(file)) return t.skip(`no ${file}`);
  const { train, test: held } = split();
  const pop = new Float32Array(train.cols);
  for (let p = 0; p < train.indptr[train.rows]!; p++) pop[train.indices[p]!]!++;
  const popNdcg = ndcg10((_, out) => out.set(pop), train, held);
  const model = ials.create({ factors: 64, regularization: 0.05, iterations: 15 });
  await model.fit({ matrix: train }, { threads: 2 });
  const alsNdcg = ndcg10((u, out) => model.scoreUser(u, out), train, held);
  t.diagnostic(`NDCG@10 popularity ${popNdcg.toFixed(4)}, iALS ${alsNdcg.toFixed(4)}`);
  assert.ok(popNdcg > 0.05, `popularity NDCG@10 ${popNdcg} is implausibly low: split or metric broken`);
  assert.ok(alsNdcg > popNdcg * 1.2, `iALS ${alsNdcg} does not beat popularity ${popNdcg} by 20%`);
});
