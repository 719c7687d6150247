import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareHulls, hullAt, upperHull } from './tradeoff.ts';

test('upper hull: points under a chord drop out, equal x keeps the best y, order by x', () => {
  // (1, .5) is under the chord (0, 1)–(2, .5)? chord at x=1 is .75 > .5: dropped. (3, 0) is the end.
  const h = upperHull([{ x: 2, y: 0.5 }, { x: 0, y: 1 }, { x: 1, y: 0.5 }, { x: 3, y: 0 }, { x: 2, y: 0.2 }]);
  assert.deepEqual(h, [{ x: 0, y: 1 }, { x: 2, y: 0.5 }, { x: 3, y: 0 }]);
  // a collinear middle point adds nothing
  assert.deepEqual(upperHull([{ x: 0, y: 0 }, { x: 1, y: 1 }, { x: 2, y: 2 }]), [{ x: 0, y: 0 }, { x: 2, y: 2 }]);
  assert.equal(hullAt(h, 1), 0.75);
  assert.equal(hullAt(h, 2.5), 0.25);
  assert.ok(Number.isNaN(hullAt(h, 3.5)));
});

test('compareHulls: both curves on one grid over their common x range, sparse raw points do not decide', () => {
  // a: (0, 1), (1, .9), (2, .5); b: (0, 1), (2, .6) — b's single far point makes its chord at x = 1 equal .8
  const a = [{ x: 0, y: 1 }, { x: 1, y: 0.9 }, { x: 2, y: 0.5 }];
  const b = [{ x: 0, y: 1 }, { x: 2, y: 0.6 }, { x: 3, y: 0.1 }];
  const g = compareHulls(a, b, 3);
  assert.deepEqual(g.map((p) => p.x), [0, 1, 2]); // b's x = 3 is outside a's range
  assert.deepEqual(g.map((p) => [p.a, p.b]), [[1, 1], [0.9, 0.8], [0.5, 0.6]]);
  assert.ok(Math.abs(g[1]!.relative - 0.125) < 1e-12);
  assert.deepEqual(compareHulls([{ x: 0, y: 1 }], [{ x: 1, y: 1 }]), []);
  // the grid's last x is the range's end exactly (lo + (hi − lo)·1 rounds above hi for these)
  const lo = 0.104, hi = 0.554;
  const end = compareHulls([{ x: lo, y: 1 }, { x: hi, y: 0.5 }], [{ x: lo, y: 1 }, { x: hi, y: 0.4 }], 40);
  assert.ok(end.every((g) => Number.isFinite(g.relative)), JSON.stringify(end.at(-1)));
});
