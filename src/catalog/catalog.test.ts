import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IdMap } from '../data/ids.ts';
import { SqliteStore } from '../store/sqlite/index.ts';
import { Catalog, canonicalField } from './catalog.ts';

const dir = mkdtempSync(join(tmpdir(), 'curio-catalog-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

test('fromStore streams every item of a SQLite file in id order, with its columns and attributes', async () => {
  const store = SqliteStore.open(join(dir, 'items.db'));
  try {
    await store.upsertItems([
      { id: 'b', title: 'Bee', categories: ['x', 'y'], price: 2.5, timestamp: 7, attrs: { brand: 'Acme', dims: { w: 3 } } },
      { id: 'a', title: 'Ay' },
    ]);
    await store.addInteractions([{ user: 'u', item: 'c', type: 'view', value: 1, timestamp: 1 }]); // an item known only from an event
    const seen: number[] = [];
    const c = await Catalog.fromStore(store, { batch: 2, onProgress: (n) => seen.push(n) });
    assert.deepEqual(c.ids.toArray(), ['a', 'b', 'c']);
    assert.deepEqual(seen, [2, 3]);
    assert.equal(c.size, 3);
    assert.equal(c.title(1), 'Bee');
    assert.equal(c.title(2), undefined);
    assert.deepEqual(c.categories(1), ['x', 'y']);
    assert.deepEqual(c.categories(0), []);
    assert.deepEqual([...c.price], [NaN, 2.5, NaN]);
    assert.deepEqual([...c.time], [NaN, 7, NaN]);
    assert.equal(c.attr(1, 'brand'), 'Acme');
    assert.equal(c.attr(1, 'dims.w'), 3);
    assert.equal(c.attr(0, 'brand'), undefined);
  } finally {
    await store.close();
  }
});

test('indexMap maps another id space to catalogue indices, -1 where the catalogue lacks the id', () => {
  const c = Catalog.fromRows([{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
  assert.deepEqual([...c.indexMap(IdMap.from(['c', 'zz', 'a']))], [2, -1, 0]);
});

test('upsert merges fields like the store, keeps indices stable and grows the columns', () => {
  const c = Catalog.fromRows([{ id: 'a', price: 1, attrs: { brand: 'X' } }]);
  assert.equal(c.upsert({ id: 'a', title: 'A' }), 0);
  assert.equal(c.price[0], 1, 'absent fields are kept');
  assert.equal(c.title(0), 'A');
  for (let j = 0; j < 40; j++) c.upsert({ id: `n${j}`, price: j, attrs: { brand: 'Y' } });
  assert.equal(c.size, 41);
  assert.equal(c.price.length, 41);
  assert.equal(c.price[40], 39);
});

test('changedSince lists each item changed since a version once; a value index survives a few changes and is rebuilt after many', () => {
  const c = Catalog.fromRows(Array.from({ length: 100 }, (_, i) => ({ id: `i${i}`, attrs: { brand: 'X' } })));
  const v0 = c.version;
  const ix = c.fieldIndex('attrs.brand');
  assert.equal(ix.builtAt, v0);
  c.upsert({ id: 'i3', attrs: { brand: 'Y' } });
  c.upsert({ id: 'new' });
  c.upsert({ id: 'i3', title: 'again' });
  assert.equal(c.version, v0 + 3);
  assert.deepEqual([...c.changedSince(v0)!].sort((a, b) => a - b), [3, 100]);
  assert.deepEqual([...c.changedSince(c.version)!], []);
  assert.equal(c.fieldIndex('attrs.brand'), ix, 'three changes: the index is kept, its stale items are read directly');
  for (let j = 0; j < 70; j++) c.upsert({ id: `more${j}`, attrs: { brand: 'Z' } });
  const rebuilt = c.fieldIndex('attrs.brand');
  assert.notEqual(rebuilt, ix);
  assert.equal(rebuilt.presentCount, 170);
  assert.deepEqual([...rebuilt.postings.get('sY')!], [3]);
  for (let j = 0; j < 9000; j++) c.upsert({ id: `bulk${j}` });
  assert.equal(c.changedSince(v0), undefined, 'too far back: the log was trimmed');
});

test('values flattens arrays and skips null; the field index posts each value once per item and sorts by type', () => {
  const c = Catalog.fromRows([
    { id: 'a', attrs: { tag: ['p', 'q', 'p'], n: 3 } },
    { id: 'b', attrs: { tag: [['q'], null], n: '3' } },
    { id: 'c', attrs: { tag: [], n: null } },
  ]);
  assert.deepEqual(c.values(0, 'attrs.tag'), ['p', 'q', 'p']);
  assert.deepEqual(c.values(1, 'attrs.tag'), ['q']);
  assert.deepEqual(c.values(2, 'attrs.tag'), []);
  const ix = c.fieldIndex('attrs.tag');
  assert.deepEqual([...ix.present], [1, 1, 0]);
  assert.deepEqual([...ix.postings.get('sp')!], [0]);
  assert.deepEqual([...ix.postings.get('sq')!], [0, 1]);
  const n = c.fieldIndex('attrs.n');
  assert.deepEqual(n.counts, { string: 1, number: 1, boolean: 0, other: 0 });
  assert.deepEqual([...n.postings.keys()].sort(), ['n3', 's3'], '3 and "3" stay apart');
});

test('canonicalField: built-ins, aliases, attrs', () => {
  assert.equal(canonicalField('price'), 'price');
  assert.equal(canonicalField('categories'), 'category');
  assert.equal(canonicalField('timestamp'), 'time');
  assert.equal(canonicalField('brand'), 'attrs.brand');
  assert.equal(canonicalField('attrs.price'), 'attrs.price');
});
