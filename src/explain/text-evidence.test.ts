import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel } from '../models/registry.ts';
import { blockMatrix } from '../models/model.contract.ts';
import { textFitData } from '../models/text-fixture.ts';
import { closestByText, sharedWords } from './text-evidence.ts';

test('closestByText: the history item of highest cosine (the item itself excluded), from the model\'s own vectors; none for a model that reads no text', async () => {
  const m = blockMatrix(), data = { matrix: m, ...textFitData(m) };
  const content = createModel('content', { profile: 'mean', encoder: { name: 'tfidf', projection: 'none', minDf: 1, maxDfRatio: 1 } }) as ReturnType<typeof createModel> & { itemVectors: Float32Array; dimension: number };
  await content.fit(data, { threads: 1 });
  const x = content.itemVectors, d = content.dimension;
  const cos = (a: number, b: number) => { let t = 0; for (let c = 0; c < d; c++) t += x[a * d + c]! * x[b * d + c]!; return t; };
  const history = Int32Array.of(0, 1, 2, 11, 12, 7);
  for (const item of [3, 7, 15]) {
    const near = closestByText(content, history, item)!;
    let want = -1, best = 0;
    for (const j of history) if (j !== item && cos(item, j) > best) { best = cos(item, j); want = j; }
    assert.equal(near.item, want, `item ${item}`);
    assert.ok(Math.abs(near.cosine - best) < 1e-6);
    assert.notEqual(near.item, item);
  }
  const ease = createModel('ease', { l2: 1 });
  await ease.fit(data, { threads: 1 });
  assert.equal(closestByText(ease, history, 3), undefined);
  assert.equal(closestByText(content, Int32Array.of(), 3), undefined);
});

test('sharedWords: the words both texts have, as the first writes them, plurals matching singulars, stop words left out', () => {
  assert.deepEqual(sharedWords('PINK REGENCY TEACUPS AND SAUCER', 'GREEN REGENCY TEACUP AND SAUCERS'), ['regency', 'teacups', 'saucer']);
  assert.deepEqual(sharedWords('The Lunch Bag', 'the lunch bags, the lunch box'), ['lunch', 'bag']);
  assert.deepEqual(sharedWords('a b c d e f', 'a b c d e f', 2), ['b', 'c']);
  assert.deepEqual(sharedWords('Toy Story', 'Heat'), []);
});
