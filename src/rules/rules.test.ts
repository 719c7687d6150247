import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../catalog/catalog.ts';
import { ConfigError, FilterError } from '../errors.ts';
import { FilterCompiler } from './filter/compile.ts';
import { applyRules, parseBoostArg, parseCapArg, parsePinArg } from './rules.ts';

const catalog = Catalog.fromRows([
  { id: 'a', categories: ['x'], price: 5, attrs: { brand: 'Acme' } },
  { id: 'b', categories: ['x'], price: 50, attrs: { brand: 'Zed' } },
  { id: 'c', categories: ['y'], price: 8, attrs: { brand: 'Zed' } },
  { id: 'd', categories: ['x'], price: 9, attrs: { brand: 'Zed' } },
  { id: 'e', categories: ['y'], price: 3, attrs: { brand: 'Acme' } },
  { id: 'f', categories: ['z'], price: 1 },
]);
const fc = new FilterCompiler(catalog);
const ids = (items: Int32Array) => [...items].map((i) => catalog.ids.id(i));

test('applyRules: filter, exclude, boost, bury, cap and pin in one call, with the reasons of each item', () => {
  const scores = Float32Array.from([6, 5, 4, 3, 2, 1]); // a > b > c > d > e > f
  const r = applyRules(scores, {
    filter: 'price < 20', // drops b
    exclude: ['c', 'nope'], // drops c; 'nope' is unknown
    boosts: [{ filter: 'brand:Acme', multiply: 2 }, { filter: 'category:z', add: -10 }], // a 12, e 4; f -9
    caps: [{ field: 'category', max: 1 }], // one x (a), then d (x) is capped
    pins: [{ item: 'f', position: 2 }],
  }, 4, fc);
  assert.deepEqual(ids(r.items), ['a', 'f', 'e']);
  assert.deepEqual([...r.scores], [12, -9, 4]);
  assert.equal(r.unknownExcluded, 1);
  assert.deepEqual(r.reasons, [
    [{ kind: 'boost', text: 'boosted ×2 (brand:Acme)' }],
    [{ kind: 'pin', text: 'pinned at position 2' }, { kind: 'bury', text: 'buried -10 (category:z)' }],
    [{ kind: 'boost', text: 'boosted ×2 (brand:Acme)' }],
  ]);
});

test('applyRules: bad rules are ConfigErrors naming the field', () => {
  const s = () => new Float32Array(catalog.size).fill(1);
  assert.throws(() => applyRules(s(), { pins: [{ item: 'ghost', position: 1 }] }, 3, fc), (e: unknown) => e instanceof ConfigError && e.field === 'pins[0].item' && /unknown item "ghost"/.test(e.message));
  assert.throws(() => applyRules(s(), { pins: [{ item: 'a', position: 5 }] }, 3, fc), (e: unknown) => e instanceof ConfigError && e.field === 'pins[0].position');
  assert.throws(() => applyRules(s(), { caps: [{ field: 'category', max: 0 }] }, 3, fc), (e: unknown) => e instanceof ConfigError && e.field === 'caps[0].max');
  assert.throws(() => applyRules(s(), { boosts: [{ filter: 'brand:Acme' }] }, 3, fc), (e: unknown) => e instanceof ConfigError && /multiply or add/.test(e.message));
  assert.throws(() => applyRules(s(), { boosts: [{ filter: 'colour:red', add: 1 }] }, 3, fc), (e: unknown) => e instanceof FilterError && e.field === 'boosts[0].filter');
  assert.throws(() => applyRules(s(), { other: 1 } as never, 3, fc), ConfigError);
});

test('CLI forms of boosts, pins and caps', () => {
  assert.deepEqual(parseBoostArg('category:Books=2'), { filter: 'category:Books', multiply: 2 });
  assert.deepEqual(parseBoostArg('price = 5=+0.5'), { filter: 'price = 5', add: 0.5 });
  assert.deepEqual(parseBoostArg('EXISTS clearance=-1'), { filter: 'EXISTS clearance', add: -1 });
  assert.deepEqual(parsePinArg('85123A@1'), { item: '85123A', position: 1 });
  assert.deepEqual(parsePinArg('a@b@3'), { item: 'a@b', position: 3 });
  assert.deepEqual(parseCapArg('category=2'), { field: 'category', max: 2 });
  for (const [fn, arg, opt] of [[parseBoostArg, 'brand:Acme', '--boost'], [parseBoostArg, 'x=two', '--boost'], [parsePinArg, 'abc', '--pin'], [parsePinArg, 'a@1.5', '--pin'], [parseCapArg, 'category', '--cap'], [parseCapArg, 'category=', '--cap']] as const) {
    assert.throws(() => (fn as (s: string) => unknown)(arg), (e: unknown) => e instanceof ConfigError && e.field === opt, arg);
  }
});

test('the rules API is reachable from the package entry point', async () => {
  const curio = await import('../index.ts');
  const c = curio.Catalog.fromRows([{ id: 'a', price: 1 }, { id: 'b', price: 30 }]);
  const r = curio.applyRules(Float32Array.from([1, 2]), { filter: curio.parseFilter('price < 20') }, 5, new curio.FilterCompiler(c));
  assert.deepEqual([...r.items], [0]);
});
