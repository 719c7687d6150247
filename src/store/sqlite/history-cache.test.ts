import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HistoryCache, USER_COST, type HistoryCols } from './history-cache.ts';

const cols = (n: number, item0 = 1): HistoryCols[] =>
  Array.from({ length: n }, (_, q) => [item0 + q, `i${item0 + q}`, q % 2 ? 'view' : 'purchase', q + 0.5, 1000 - q, q === 1 ? 's1' : '', q === 2 ? 'nice' : null]);

test('a cached history comes back as the rows it was read as (sessions and texts only where set), fresh each time', () => {
  const c = new HistoryCache(1000, 100);
  assert.equal(c.put('u', -1, cols(3)), true);
  const rows = c.get('u', -1)!;
  assert.deepEqual(rows, [
    { user: 'u', item: 'i1', type: 'purchase', value: 0.5, timestamp: 1000 },
    { user: 'u', item: 'i2', type: 'view', value: 1.5, timestamp: 999, session: 's1' },
    { user: 'u', item: 'i3', type: 'purchase', value: 2.5, timestamp: 998, text: 'nice' },
  ]);
  rows[0]!.item = 'changed';
  assert.equal(c.get('u', -1)![0]!.item, 'i1');
  assert.equal(c.get('u', 5), undefined, 'another limit is another key');
  assert.equal(c.rows, 3 + USER_COST);
});

test('least recently used users go first; warming (evict false) never pushes anyone out; long histories are not cached', () => {
  const c = new HistoryCache(3 * (2 + USER_COST), 4);
  c.put('a', -1, cols(2));
  c.put('b', -1, cols(2, 10));
  c.put('c', -1, cols(2, 20));
  c.get('a', -1); // a is now the most recent: b goes first
  c.put('d', -1, cols(2, 30));
  assert.deepEqual(['a', 'b', 'c', 'd'].map((u) => c.has(u, -1)), [true, false, true, true]);
  assert.equal(c.put('e', -1, cols(2, 40), false), false, 'full: warming caches nothing more');
  assert.deepEqual(['a', 'c', 'd'].map((u) => c.has(u, -1)), [true, true, true]);
  assert.equal(c.put('f', -1, cols(5)), false, 'more than maxPerUser events');
  c.forget('a');
  assert.equal(c.rows, 2 * (2 + USER_COST));
  c.clear();
  assert.equal(c.rows, 0);
  assert.equal(c.get('c', -1), undefined);
});
