import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  coverageAtK, hitRateAtK, mapAtK, metricKey, mrrAtK, ndcgAtK, parseMetricKey, precisionAtK, recallAtK,
} from './metrics.ts';

const close = (a: number, b: number, msg?: string) => assert.ok(Math.abs(a - b) < 1e-9, `${msg ?? ''} ${a} != ${b}`);

// Case A: ranked [3, 7, 1, 9, 4], relevant {7, 9, 5} -> hits at ranks 2 and 4 (1-based): [0,1,0,1,0].
const rankedA = Int32Array.from([3, 7, 1, 9, 4]);
const relA = new Set([7, 9, 5]);

test('metrics at K=5 on case A match hand arithmetic', () => {
  close(precisionAtK(rankedA, relA, 5), 2 / 5); // 2 hits / K
  close(recallAtK(rankedA, relA, 5), 2 / 3); // 2 hits / |rel| = 3
  // DCG = 1/log2(3) + 1/log2(5) = 0.63092975 + 0.43067656 = 1.06160631
  // IDCG over min(3,5) = 3 hits = 1 + 1/log2(3) + 1/log2(4) = 2.13092975; NDCG = 1.06160631 / 2.13092975 = 0.4981893
  close(ndcgAtK(rankedA, relA, 5), (1 / Math.log2(3) + 1 / Math.log2(5)) / (1 + 1 / Math.log2(3) + 0.5));
  assert.ok(Math.abs(ndcgAtK(rankedA, relA, 5) - 0.4981893) < 1e-6);
  // AP: precision@2 = 1/2 and precision@4 = 2/4, sum 1.0, over min(|rel|, K) = 3 -> 1/3
  close(mapAtK(rankedA, relA, 5), 1 / 3);
  close(mrrAtK(rankedA, relA, 5), 1 / 2); // first hit at rank 2
  close(hitRateAtK(rankedA, relA, 5), 1);
});

test('metrics at K=2 cut the list and the ideal DCG', () => {
  // hits [0,1]
  close(precisionAtK(rankedA, relA, 2), 1 / 2);
  close(recallAtK(rankedA, relA, 2), 1 / 3);
  // DCG = 1/log2(3) = 0.63092975; IDCG over min(3,2) = 2 hits = 1 + 0.63092975 = 1.63092975 -> 0.386853
  close(ndcgAtK(rankedA, relA, 2), (1 / Math.log2(3)) / (1 + 1 / Math.log2(3)));
  assert.ok(Math.abs(ndcgAtK(rankedA, relA, 2) - 0.386853) < 1e-6);
  close(mapAtK(rankedA, relA, 2), 0.5 / 2); // precision@2 = 0.5 over min(3, 2) = 2
  close(mrrAtK(rankedA, relA, 2), 0.5);
});

test('K=1 with a miss at the top gives zeros', () => {
  for (const f of [precisionAtK, recallAtK, ndcgAtK, mapAtK, mrrAtK, hitRateAtK]) close(f(rankedA, relA, 1), 0, f.name);
});

test('K larger than the ranked list: precision keeps K as denominator, others as if the list were padded with misses', () => {
  close(precisionAtK(rankedA, relA, 10), 2 / 10);
  close(recallAtK(rankedA, relA, 10), 2 / 3);
  close(ndcgAtK(rankedA, relA, 10), ndcgAtK(rankedA, relA, 5)); // IDCG over min(3,10) = 3, same as K=5
  close(mapAtK(rankedA, relA, 10), 1 / 3); // denominator min(3, 10) = 3
  close(mrrAtK(rankedA, relA, 10), 0.5);
  close(hitRateAtK(Int32Array.from([]), relA, 10), 0); // empty list
});

test('a perfect ranking scores 1 on ndcg, map, mrr, hit, and recall when |rel| <= K', () => {
  const ranked = Int32Array.from([5, 7, 9, 1]);
  const rel = new Set([5, 7, 9]);
  close(ndcgAtK(ranked, rel, 3), 1);
  close(mapAtK(ranked, rel, 3), 1); // (1/1 + 2/2 + 3/3) / 3
  close(mrrAtK(ranked, rel, 3), 1);
  close(recallAtK(ranked, rel, 3), 1);
  close(precisionAtK(ranked, rel, 4), 3 / 4);
  // more relevant items than K: recall is capped below 1 (|rel| denominator), ndcg/map reach 1
  const rel5 = new Set([5, 7, 9, 1, 2]);
  close(recallAtK(ranked, rel5, 2), 2 / 5);
  close(ndcgAtK(ranked, rel5, 2), 1);
  close(mapAtK(ranked, rel5, 2), 1); // (1 + 1) / min(5, 2)
});

test('a user without relevant items is an error, not a zero', () => {
  assert.throws(() => ndcgAtK(rankedA, new Set(), 5), RangeError);
  assert.throws(() => precisionAtK(rankedA, relA, 0), RangeError);
});

test('coverage counts distinct items in the top K of all users', () => {
  const lists = [Int32Array.from([1, 2, 3]), Int32Array.from([2, 3, 4])];
  close(coverageAtK(lists, 10, 2), 3 / 10); // {1,2} ∪ {2,3}
  close(coverageAtK(lists, 10, 3), 4 / 10); // {1,2,3} ∪ {2,3,4}
  close(coverageAtK([], 10, 3), 0);
});

test('metric keys round-trip and reject junk', () => {
  assert.deepEqual(parseMetricKey(metricKey('ndcg', 10)), { metric: 'ndcg', k: 10 });
  assert.throws(() => parseMetricKey('auc@10'), RangeError);
  assert.throws(() => parseMetricKey('ndcg@0'), RangeError);
});
