import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../catalog/catalog.ts';
import { ConfigError, FilterError } from '../../errors.ts';
import type { FilterNode } from './ast.ts';
import { FilterCompiler } from './compile.ts';
import { matchesFilter } from './evaluate.ts';
import { parseFilter } from './parse.ts';

// Six items with hand-known fields; each expectation below is read off this table.
const catalog = Catalog.fromRows([
  { id: 'mug', title: 'Mug', categories: ['Home & Garden', 'Kitchen'], price: 8, timestamp: Date.parse('2010-12-01'), attrs: { brand: 'Acme', year: 2001, tags: ['gift', 'ceramic'], inStock: true } },
  { id: 'shoe', title: 'Shoe', categories: ['Sport'], price: 50, timestamp: Date.parse('2011-03-01'), attrs: { brand: 'Nike', year: 2010, inStock: false } },
  { id: 'ball', title: 'Ball', categories: ['Sport', 'Kids'], price: 12.5, attrs: { brand: 'Nike', year: 2005, tags: ['gift'] } },
  { id: '22139', title: 'Tea set', categories: ['Kitchen'], price: 4.25, timestamp: Date.parse('2011-01-05'), attrs: { brand: 'Acme', code: '007' } },
  { id: 'post', title: 'POSTAGE', price: 18, attrs: { nonProduct: true } },
  { id: 'gift-card', title: 'Gift card', categories: ['Gift'], attrs: { year: '2008' } },
]);
const fc = new FilterCompiler(catalog);
const ids = (f: string | FilterNode) => { const m = fc.mask(f); return catalog.ids.toArray().filter((_, i) => m[i]); };

test('hand-checked masks for every clause kind', () => {
  const cases: [string, string[]][] = [
    ['category:"Home & Garden" AND price < 20 AND NOT brand:"Nike" AND year >= 2000', ['mug']],
    ['category:Kitchen', ['mug', '22139']],
    ['category:Sport price:10..20', ['ball']],
    ['price < 12.5', ['mug', '22139']],
    ['price <= 12.5', ['mug', 'ball', '22139']],
    ['price > 12.5', ['shoe', 'post']],
    ['price >= 50', ['shoe']],
    ['price BETWEEN 8 AND 18', ['mug', 'ball', 'post']],
    ['price:..8', ['mug', '22139']],
    ['price:18..', ['shoe', 'post']],
    ['NOT price < 10', ['shoe', 'ball', 'post', 'gift-card']], // a missing price fails price < 10, so NOT passes it
    ['brand IN (Nike, Acme)', ['mug', 'shoe', 'ball', '22139']],
    ['brand NOT IN (Nike)', ['mug', '22139', 'post', 'gift-card']],
    ['brand != Nike', ['mug', '22139', 'post', 'gift-card']],
    ['tags:gift', ['mug', 'ball']],
    ['EXISTS tags', ['mug', 'ball']],
    ['EXISTS price', ['mug', 'shoe', 'ball', '22139', 'post']],
    ['EXISTS category', ['mug', 'shoe', 'ball', '22139', 'gift-card']],
    ['EXISTS nothingHasThis', []],
    ['inStock:true', ['mug']],
    ['inStock:false OR nonProduct:true', ['shoe', 'post']],
    ['NOT nonProduct:true', ['mug', 'shoe', 'ball', '22139', 'gift-card']],
    ['year >= 2005', ['shoe', 'ball']], // "2008" is text: it does not order against a number
    ['year:2008', ['gift-card']], // but a bare number matches the same digits stored as text
    ['code:7', []], // "007" is not String(7)
    ['code:"007"', ['22139']],
    ['id:22139', ['22139']],
    ['id IN (mug, shoe, nope)', ['mug', 'shoe']],
    ['id > "m"', ['mug', 'shoe', 'post']],
    ['title:"Tea set"', ['22139']],
    ['title < "C"', ['ball']],
    ['time >= 2011-01-01', ['shoe', '22139']],
    ['time:2010-01-01.."2011-02-01"', ['mug', '22139']],
    ['time >= "2011"', ['shoe', '22139']],
    ['(category:Sport OR category:Kitchen) AND -brand:Nike', ['mug', '22139']],
  ];
  for (const [f, want] of cases) assert.deepEqual(ids(f), want, f);
});

test('the JSON form compiles like its text; masks are 0/1 and the caller may change its copy', () => {
  const node: FilterNode = { op: 'and', args: [{ op: '=', field: 'category', value: 'Sport' }, { op: 'not', arg: { op: '=', field: 'brand', value: 'Acme' } }] };
  assert.deepEqual(ids(node), ['shoe', 'ball']);
  const m = fc.mask('category:Sport');
  assert.ok(m.every((x) => x === 0 || x === 1));
  m.fill(1);
  assert.deepEqual(ids('category:Sport'), ['shoe', 'ball']);
  assert.equal(fc.count('category:Sport OR category:Kitchen'), 4);
});

test('unknown attributes, type mismatches and bad dates are FilterErrors with the position', () => {
  const cases: [string, number, RegExp][] = [
    ['price < 20 AND brnd:Nike', 16, /no item has the attribute "brnd" \(did you mean "brand"\?\)/],
    ['prcie < 20', 1, /no item has the attribute "prcie" \(did you mean "price"\?\)/],
    ['Category:Sport', 1, /no item has the attribute "Category" \(did you mean "category"\?\)/],
    ['attrs.price < 20', 1, /no item has the attribute "price" \(the built-in field is written price, without "attrs."\)/],
    ['colour:red', 1, /no item has the attribute "colour"$/],
    ['category:Sport AND price:"cheap"', 26, /price holds numbers; "cheap" is a string/],
    ['title > 5', 9, /title holds strings; 5 is a number/],
    ['price:1.."z"', 10, /price holds numbers; "z" is a string/],
    ['inStock:"yes"', 9, /attribute "inStock" holds true\/false; "yes" is a string/],
    ['brand:true', 7, /attribute "brand" holds strings; true is a true\/false value/],
    ['inStock > true', 11, /true\/false cannot be compared/],
    ['time > "yesterday"', 8, /"yesterday" is not a date/],
    ['time >= 2011', 9, /for the year 2011 write "2011" or 2011-01-01/],
    ['brand IN (Acme, 3, false)', 20, /true is a true\/false|false is a true\/false/],
  ];
  for (const [f, pos, msg] of cases) {
    assert.throws(() => fc.mask(f), (e: unknown) => {
      assert.ok(e instanceof FilterError, `${f}: ${String(e)}`);
      assert.equal(e.position, pos, `${f}: ${e.message}`);
      assert.match(e.message, msg, f);
      assert.match(e.message, new RegExp(`^filter: position ${pos}: `));
      return true;
    }, f);
  }
  // The JSON form has no text: the error names the node's path instead.
  assert.throws(() => fc.mask({ op: 'or', args: [{ op: 'exists', field: 'x' }, { op: 'not', arg: { op: '<', field: 'price', value: 'a' } }] }),
    /^FilterError: filter: at args\[1\]\.arg: price holds numbers/);
});

test("unknownAttrs 'empty' lets a default filter run on a catalogue without that attribute, without hiding the error from strict calls", () => {
  const plain = new FilterCompiler(Catalog.fromRows([{ id: 'a' }, { id: 'b' }]));
  assert.deepEqual([...plain.mask('NOT nonProduct:true', { unknownAttrs: 'empty' })], [1, 1]);
  assert.throws(() => plain.mask('NOT nonProduct:true'), FilterError);
});

test('the masks follow upserts: a changed or added item is filtered at once', () => {
  const c = Catalog.fromRows([{ id: 'a', price: 5 }, { id: 'b', price: 30 }]);
  const f = new FilterCompiler(c);
  assert.deepEqual([...f.mask('price < 10')], [1, 0]);
  c.upsert({ id: 'b', price: 3 });
  c.upsert({ id: 'c', price: 1 });
  assert.deepEqual([...f.mask('price < 10')], [1, 1, 1]);
});

test('the cache stays bounded and evicted masks are rebuilt the same', () => {
  const f = new FilterCompiler(catalog, { maxCachedMasks: 3 });
  const first = f.mask('category:Sport AND price > 10 AND NOT brand:Acme');
  for (let j = 0; j < 10; j++) f.mask(`price > ${j}`);
  assert.deepEqual(f.mask('category:Sport AND price > 10 AND NOT brand:Acme'), first);
});

test('matchesFilter agrees with the hand-checked masks item by item', () => {
  for (const f of ['category:Kitchen', 'year:2008', 'brand NOT IN (Nike)', 'time >= 2011-01-01', 'NOT price < 10']) {
    const m = fc.mask(f);
    const ast = parseFilter(f);
    for (let i = 0; i < catalog.size; i++) assert.equal(matchesFilter(ast, catalog, i), m[i] === 1, `${f} item ${i}`);
  }
});

test('a malformed JSON filter is a ConfigError naming the path inside it', () => {
  assert.throws(() => fc.mask({ op: 'and', args: [{ op: '=', field: 'price', value: 1 }, { op: 'like', field: 'x', value: 1 }] } as never),
    (e: unknown) => e instanceof ConfigError && e.field.startsWith('filter.args.1'));
  assert.throws(() => fc.mask({ op: 'in', field: 'brand', values: [] } as never, { field: 'boosts[0].filter' }), (e: unknown) => e instanceof ConfigError && e.field.startsWith('boosts[0].filter'));
});

test('masks cached by filter text follow evictions, catalogue changes and the unknownAttrs mode', () => {
  const c = Catalog.fromRows([
    { id: 'a', price: 5, attrs: { brand: 'Acme' } }, { id: 'b', price: 25, attrs: { brand: 'Zeta' } }, { id: 'c', price: 15 },
  ]);
  const small = new FilterCompiler(c, { maxCachedMasks: 2 });
  const pass = (f: string, o = {}) => c.ids.toArray().filter((_, i) => small.sharedMask(f, o)[i]);
  assert.deepEqual(pass('price < 20'), ['a', 'c']);
  assert.equal(small.sharedMask('price < 20'), small.sharedMask('price < 20'), 'a repeated text is the cached mask itself');
  // Two more filters (with their clauses) evict the first mask; its text must not answer with a stale entry.
  pass('brand:Acme'); pass('price > 1 AND brand:Zeta');
  c.upsert({ id: 'c', price: 30 });
  assert.deepEqual(pass('price < 20'), ['a']);
  c.upsert({ id: 'b', price: 1 });
  assert.deepEqual(pass('price < 20'), ['a', 'b'], 'a cached text mask is patched after an upsert');
  // A mask made leniently (unknown attribute = empty) must not answer the same text asked strictly.
  assert.deepEqual(pass('colour:red', { unknownAttrs: 'empty' }), []);
  assert.throws(() => small.sharedMask('colour:red'), FilterError);
});
