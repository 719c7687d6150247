import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InteractionsBuilder, type Interactions } from '../data/interactions.ts';
import { IdMap } from '../data/ids.ts';
import type { FitData, Recommender } from '../models/types.ts';
import type { Ranked } from '../linalg/topk.ts';
import { ConfigError, CurioError } from '../errors.ts';
import { gridPoints, paramsOnEdge, randomPoints, spaceSize, tune, validationView, type Params } from './tune.ts';
import { strongGeneralization, type Split } from './splits.ts';
import { mulberry32 } from '../data/random.ts';

const users = IdMap.from(['u0', 'u1', 'u2', 'u3', 'ut']);
const items = IdMap.from(['i0', 'i1', 'i2', 'i3', 'it']);
const UT = users.get('ut'), IT = items.get('it');

function part(rows: [string, string][]): Interactions {
  const b = new InteractionsBuilder(users, items);
  for (const [u, i] of rows) b.add(u, i, 1, 0, 'rating');
  return b.build();
}

// Everyone trained on i0, validated on i2; the test part holds a user and an item that exist nowhere else.
const split: Split = {
  train: part([['u0', 'i0'], ['u1', 'i0'], ['u2', 'i0'], ['u3', 'i0']]),
  valid: part([['u0', 'i2'], ['u1', 'i2'], ['u2', 'i2'], ['u3', 'i2']]),
  test: part([['ut', 'it'], ['u0', 'i3']]),
  description: { kind: 'random-holdout', params: {}, sizes: { train: 4, valid: 4, test: 2 }, users: { train: 4, valid: 4, test: 2 }, notes: [] },
};

/** Scores item `fav` 1 and everything else 0; refuses to learn from or score anything test-only. */
class FavModel implements Recommender {
  readonly kind = 'fav';
  readonly nUsers = users.size;
  readonly nItems = items.size;
  constructor(readonly config: Params) {}
  async fit(d: FitData) {
    if (d.matrix.indptr[UT + 1]! > d.matrix.indptr[UT]!) throw new Error('fit saw the test-only user');
    if (d.matrix.indices.includes(IT)) throw new Error('fit saw the test-only item');
    if (d.interactions && d.interactions.length !== 4) throw new Error('fit got more than train');
    return { seconds: 0 };
  }
  scoreUser(u: number, out: Float32Array) {
    if (u === UT) throw new Error('asked to score the test-only user');
    out.fill(0);
    out[this.config.fav as number] = 1;
  }
  scoreHistory(): void { throw new Error('not used'); }
  recommend(): Ranked { throw new Error('not used'); }
  recommendHistory(): Ranked { throw new Error('not used'); }
  similarItems(): Ranked { throw new Error('not used'); }
  toArtifact(): never { throw new Error('not used'); }
}

test('grid search ranks trials by validation NDCG and never touches test', async () => {
  const seen: number[] = [];
  const r = await tune({ factory: (p) => new FavModel(p), space: { fav: [1, 2, 3], flag: [true] }, data: validationView(split), seed: 1, onTrial: (_t, i) => seen.push(i) });
  assert.equal(r.mode, 'grid');
  assert.deepEqual(seen, [0, 1, 2]);
  // ties in score break by index, i0 is excluded (train), i2 is the validation item:
  // fav=2 ranks i2 first -> ndcg 1; fav=1 ranks i1, i2 -> 1/log2(3) = 0.6309; fav=3 ranks i3, i1, i2 -> 1/log2(4) = 0.5
  assert.deepEqual(r.trials.map((t) => t.params.fav), [2, 1, 3]);
  assert.ok(Math.abs(r.trials[1]!.score - 1 / Math.log2(3)) < 1e-6);
  assert.ok(Math.abs(r.trials[2]!.score - 0.5) < 1e-6);
  assert.deepEqual(r.best.params, { fav: 2, flag: true });
  assert.equal(r.metric, 'ndcg@10');
  assert.deepEqual(r.onEdge, [], 'fav = 2 is inside [1, 3]');
  const edge = await tune({ factory: (p) => new FavModel(p), space: { fav: [3, 2] }, data: validationView(split), seed: 1 });
  assert.deepEqual(edge.onEdge, [{ param: 'fav', value: 2, edge: 'low', range: [2, 3] }], 'the best, fav = 2, is the smallest value tried');
});

test('paramsOnEdge: list ends, the outer tenth of a range (log scale for log ranges), nothing for non-numbers', () => {
  const space = { a: [1, 5, 10], b: { min: 1, max: 100, log: true }, c: { min: 0, max: 1 }, d: ['x', 'y'], e: [7] };
  assert.deepEqual(paramsOnEdge(space, { a: 5, b: 10, c: 0.5, d: 'x', e: 7 }), []);
  assert.deepEqual(paramsOnEdge(space, { a: 10, b: 1.5, c: 0.95, d: 'y', e: 7 }), [
    { param: 'a', value: 10, edge: 'high', range: [1, 10] },
    // log10(1.5) / log10(100) = 0.088 <= 0.1
    { param: 'b', value: 1.5, edge: 'low', range: [1, 100] },
    { param: 'c', value: 0.95, edge: 'high', range: [0, 1] },
  ]);
  // 1.7 on the log scale of [1, 100] sits at 0.115: inside
  assert.deepEqual(paramsOnEdge(space, { b: 1.7 }), []);
  // 0 at the bottom of a list is "off", with nothing below it; 0 at the top is an edge
  assert.deepEqual(paramsOnEdge({ shrink: [0, 10, 50] }, { shrink: 0 }), []);
  assert.deepEqual(paramsOnEdge({ w: [-1, 0] }, { w: 0 }), [{ param: 'w', value: 0, edge: 'high', range: [-1, 0] }]);
});

test('tune refuses a split that carries a test set', async () => {
  // @ts-expect-error: a Split has `test`, which TuneData forbids
  await assert.rejects(tune({ factory: (p) => new FavModel(p), space: { fav: [1] }, data: split, seed: 1 }), CurioError);
});

test('random search is seeded, respects ranges, and other metrics work', async () => {
  const pts = randomPoints({ fav: { min: 1, max: 3, int: true }, lr: { min: 1e-4, max: 1e-1, log: true } }, 50, 7);
  assert.deepEqual(pts, randomPoints({ fav: { min: 1, max: 3, int: true }, lr: { min: 1e-4, max: 1e-1, log: true } }, 50, 7));
  assert.ok(pts.every((p) => [1, 2, 3].includes(p.fav as number) && (p.lr as number) >= 1e-4 && (p.lr as number) <= 1e-1));
  assert.deepEqual(new Set(pts.map((p) => p.fav)), new Set([1, 2, 3]));
  const r = await tune({ factory: (p) => new FavModel(p), space: { fav: { min: 1, max: 3, int: true } }, trials: 6, data: validationView(split), seed: 3, metric: 'mrr@5' });
  assert.equal(r.mode, 'random');
  assert.deepEqual(r.trials.map((t) => t.params.fav).sort(), [1, 2, 3], 'three distinct points, each tried once');
  assert.deepEqual([r.requested, r.spaceSize, r.exhausted], [6, 3, true]);
  for (let i = 1; i < r.trials.length; i++) assert.ok(r.trials[i - 1]!.score >= r.trials[i]!.score);
  assert.equal(r.best.score, 1); // fav=2: mrr 1
});

test('grid helpers and space validation', async () => {
  assert.deepEqual(gridPoints({ a: [1, 2], b: ['x', 'y'] }), [{ a: 1, b: 'x' }, { a: 1, b: 'y' }, { a: 2, b: 'x' }, { a: 2, b: 'y' }]);
  const capped = await tune({ factory: (p) => new FavModel(p), space: { fav: [1, 2, 3], z: [0, 1] }, trials: 3, data: validationView(split), seed: 5 });
  assert.equal(capped.trials.length, 3);
  assert.equal(new Set(capped.trials.map((t) => JSON.stringify(t.params))).size, 3, 'sampled without replacement');
  await assert.rejects(tune({ factory: (p) => new FavModel(p), space: { fav: { min: 1, max: 3 } }, mode: 'grid', data: validationView(split), seed: 1 }), (e: unknown) => e instanceof ConfigError && e.field === 'tune.space.fav');
  await assert.rejects(tune({ factory: (p) => new FavModel(p), space: { fav: [] }, data: validationView(split), seed: 1 }), ConfigError);
});

test('validationView drops the test users\' fold-in histories', () => {
  const rng = mulberry32(2);
  const b = new InteractionsBuilder();
  for (let u = 0; u < 40; u++) for (let q = 0; q < 6; q++) b.add(`u${u}`, `i${Math.floor(rng() * 20)}`);
  const sg = strongGeneralization(b.build(), { testUsers: 0.2, validUsers: 0.2, holdout: 0.3, seed: 1 });
  const view = validationView(sg);
  assert.equal('test' in view, false);
  const validUsers = new Set(sg.valid!.user), testUsers = new Set(sg.test.user);
  assert.ok(view.foldIn!.length > 0);
  for (const u of view.foldIn!.user) { assert.ok(validUsers.has(u)); assert.ok(!testUsers.has(u)); }
  assert.throws(() => validationView({ ...split, valid: undefined as never }), CurioError);
});

test('random search samples without replacement and says when the space is exhausted', async () => {
  // itemknn-like space of 2 x 3 = 6 points; asking for 10 runs each of the 6 once
  const space = { neighbors: [20, 50], shrink: [0, 10, 50] };
  for (const seed of [1, 2, 3]) {
    const pts = randomPoints(space, 4, seed);
    assert.equal(pts.length, 4);
    assert.equal(new Set(pts.map((p) => JSON.stringify(p))).size, 4, `seed ${seed}: no repeated trial`);
  }
  const all = randomPoints(space, 10, 7);
  assert.equal(all.length, 6);
  assert.deepEqual(new Set(all.map((p) => JSON.stringify(p))), new Set(gridPoints(space).map((p) => JSON.stringify(p))));
  assert.equal(spaceSize(space), 6);
  assert.equal(spaceSize({ a: [1, 1, 2], b: { min: 1, max: 4, int: true } }), 8, 'a repeated list value is one point');
  assert.equal(spaceSize({ a: [1, 2], b: { min: 0, max: 1 } }), Infinity);
  // a mixed space with a continuous range never repeats either
  const mixed = randomPoints({ f: [64, 128], reg: { min: 1, max: 100, log: true } }, 30, 9);
  assert.equal(new Set(mixed.map((p) => JSON.stringify(p))).size, 30);

  const favSpace = { fav: [1, 2, 3], flag: [true] };
  const r = await tune({ factory: (p) => new FavModel(p), space: favSpace, mode: 'random', trials: 5, data: validationView(split), seed: 4 });
  assert.equal(r.trials.length, 3);
  assert.deepEqual([r.requested, r.spaceSize, r.exhausted], [5, 3, true]);
  const enough = await tune({ factory: (p) => new FavModel(p), space: favSpace, mode: 'random', trials: 2, data: validationView(split), seed: 4 });
  assert.deepEqual([enough.trials.length, enough.exhausted], [2, false]);
  await assert.rejects(tune({ factory: (p) => new FavModel(p), space: { fav: { min: 1.2, max: 1.8, int: true } }, data: validationView(split), seed: 1 }), /holds no integer/);
  for (const trials of [0, -1, 2.5]) {
    await assert.rejects(tune({ factory: (p) => new FavModel(p), space: favSpace, trials, data: validationView(split), seed: 1 }), (e: unknown) => e instanceof ConfigError && e.field === 'tune.trials', `trials ${trials}`);
  }
});
