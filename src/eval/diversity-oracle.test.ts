import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrFromCoo } from '../data/csr.ts';
import type { Ranked } from '../linalg/topk.ts';
import type { FitData, Recommender } from '../models/types.ts';
import { CategoryJaccard, ItemCategories } from '../rerank/similarity.ts';
import { intraListDiversity } from './beyond.ts';
import { DiversityOracle } from './diversity-oracle.ts';

class TableModel implements Recommender {
  readonly kind = 'table';
  readonly config = {};
  constructor(private readonly table: number[][], readonly nItems: number) {}
  get nUsers() { return this.table.length; }
  async fit(_d: FitData) { return { seconds: 0 }; }
  scoreUser(u: number, out: Float32Array) { out.set(this.table[u]!); }
  scoreHistory(): void { throw new Error('not used'); }
  recommend(): Ranked { throw new Error('not used'); }
  recommendHistory(): Ranked { throw new Error('not used'); }
  similarItems(): Ranked { throw new Error('not used'); }
  toArtifact(): never { throw new Error('not used'); }
}

const csr = (rows: number, cols: number, pairs: [number, number][]) =>
  csrFromCoo(rows, cols, Int32Array.from(pairs, (p) => p[0]), Int32Array.from(pairs, (p) => p[1]), undefined, 'max');

test('diversity oracle: hits keep their ranks, other slots go to the least similar non-target candidates', () => {
  // scores rank items 0..6 in order; user saw item 0; held-out items: 2 (in the top 3) and 4 (not)
  // categories: 1, 2, 3 = a; 4 = b; 5 = a, c; 6 = d
  const cats = ItemCategories.fromLists(7, (i) => [['a'], ['a'], ['a'], ['a'], ['b'], ['a', 'c'], ['d']][i]);
  const sim = new CategoryJaccard(cats);
  const inner = new TableModel([[10, 9, 8, 7, 6, 5, 4]], 7);
  const oracle = new DiversityOracle(inner, { seen: csr(1, 7, [[0, 0]]), target: csr(1, 7, [[0, 2], [0, 4]]), similarity: sim, k: 3 });
  // un-re-ranked top 3 = [1, 2, 3]; hit 2 stays at rank 2. Rank 1: summed similarity to {2}: item 1 = 1, 3 = 1,
  // 4 is a target (skipped), 5 = 1/2, 6 = 0 -> 6. Rank 3: to {2, 6}: 1 = 1, 3 = 1, 5 = 1/2 -> 5.
  const list = oracle.recommend(0, { k: 3 }).items;
  assert.deepEqual([...list], [6, 2, 5]);
  assert.equal(intraListDiversity(list, sim), 1 - (0 + 0.5 + 0) / 3);
  // no hits: greedy max-ILD from scratch (all sums 0 at first: the most relevant candidate opens the list)
  const none = new DiversityOracle(inner, { seen: csr(1, 7, [[0, 0]]), target: csr(1, 7, []), similarity: sim, k: 3 });
  assert.deepEqual([...none.recommend(0, { k: 3 }).items], [1, 4, 6]);
});
