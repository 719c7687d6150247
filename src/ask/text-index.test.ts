import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../catalog/catalog.ts';
import { TextIndex } from './text-index.ts';

test('BM25 equals the hand-computed value; title words count twice; hits count the query words an item has', () => {
  const c = Catalog.fromRows([{ id: 'a', title: 'Red bag' }, { id: 'b', title: 'Blue box' }]);
  const ix = new TextIndex(c);
  const s = new Float32Array(2), h = new Uint8Array(2);
  ix.score(['red', 'green'], new Uint8Array([1, 1]), s, h);
  // idf = ln(1 + (2 - 1 + 0.5) / (1 + 0.5)) = ln 2; tf = 2 (title), |d| = avg: ln2 * 2 * 2.2 / (2 + 1.2)
  assert.ok(Math.abs(s[0]! - (Math.LN2 * 2 * 2.2) / 3.2) < 1e-6, String(s[0]));
  assert.equal(s[1], 0);
  assert.deepEqual([...h], [1, 0]);
  ix.score(['red'], new Uint8Array([0, 1]), s.fill(0), h.fill(0));
  assert.deepEqual([...s], [0, 0], 'items outside the mask are not scored');
});

test('word pairs written as in the query are found adjacent in titles only', () => {
  const c = Catalog.fromRows([{ id: 'a', title: 'VINTAGE KITCHEN CLOCK' }, { id: 'b', title: 'ALARM CLOCK BAKELIKE RED' }, { id: 'c', title: 'CLOCK ALARM' }]);
  const out = new Uint8Array(3);
  assert.equal(new TextIndex(c).phrases(['vintage', 'alarm', 'clock'], new Uint8Array([1, 1, 1]), out), 2);
  assert.deepEqual([...out], [0, 1, 0]);
});
