import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, ImportError } from '../../errors.ts';
import { SqliteStore } from '../../store/sqlite/index.ts';
import type { DataStore } from '../../store/types.ts';
import { importData } from './index.ts';
import { isNonProduct, RETAIL_SKIP } from './onlineRetail.ts';

const dir = mkdtempSync(join(tmpdir(), 'curio-import-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, content: string | Buffer): string => {
  const p = join(dir, name);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, content);
  return p;
};
const withStore = async (fn: (s: DataStore) => Promise<void>) => {
  const s = SqliteStore.open(':memory:');
  try { await fn(s); } finally { await s.close(); }
};
const EMPTY = { users: 0, items: 0, interactions: 0, byType: {} };

const RETAIL = `InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom
536365,71053,"LANTERN, WHITE METAL",6,2010-12-01 08:26:00,3.39,17850.0,United Kingdom
536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,2,2010-12-01 08:26:00,2.55,17850.0,United Kingdom
536366,71053,LANTERN,1,2010-12-01 09:00:00,3.00,,United Kingdom
C536379,D,Discount,-1,2010-12-01 09:41:00,27.5,14527.0,United Kingdom
536380,22961,JAM MAKING SET PRINTED,-24,2010-12-01 09:41:00,1.45,14527.0,United Kingdom
536381,71053,LANTERN,3,2010-12-02 10:00:00,3.50,13047.0,France
`;

test('online retail: purchases with invoice sessions, merged repeats, odd rows skipped by reason', () => withStore(async (s) => {
  const file = write('retail.csv', RETAIL);
  const r = await importData(s, { format: 'online-retail', path: file });
  assert.equal(r.rows, 7);
  assert.equal(r.merged, 1);
  assert.deepEqual(r.skippedByReason, { [RETAIL_SKIP.noCustomer]: 1, [RETAIL_SKIP.cancellationUnmatched]: 1, [RETAIL_SKIP.nonPositive]: 1 });
  assert.equal(r.skipped, 3);
  assert.deepEqual(await s.stats(), { users: 2, items: 2, interactions: 3, byType: { purchase: 3 } });
  assert.deepEqual(await s.history('17850'), [
    // Same time: the later-written event first.
    { user: '17850', item: '71053', type: 'purchase', value: 6, timestamp: Date.UTC(2010, 11, 1, 8, 26), session: '536365' },
    { user: '17850', item: '85123A', type: 'purchase', value: 8, timestamp: Date.UTC(2010, 11, 1, 8, 26), session: '536365' },
  ]);
  // The title comes from the product's first imported line, the price from its latest.
  assert.deepEqual(await s.getItem('71053'), { id: '71053', title: 'LANTERN, WHITE METAL', price: 3.5 });
  assert.equal((await s.imports())[0]!.skipped, 3);
}));

// Hand-checked: every line is one purchase, folded into one, or skipped for a reason.
const NETTING = `InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
100,A,ALPHA,5,2011-01-01 10:00:00,2.00,1.0,United Kingdom
100,B,BETA,2,2011-01-01 10:00:00,1.00,1.0,United Kingdom
101,A,ALPHA,3,2011-01-02 10:00:00,2.50,1.0,United Kingdom
102,A,ALPHA,4,2011-01-02 11:00:00,0,2.0,France
100,B,BETA,3,2011-01-01 10:00:00,1.00,1.0,United Kingdom
C103,A,ALPHA,-4,2011-01-03 10:00:00,2.50,1.0,United Kingdom
C104,B,BETA,-5,2011-01-03 10:00:00,1.00,1.0,United Kingdom
C105,A,ALPHA,-10,2011-01-03 10:00:00,2.50,2.0,France
C106,Z,ZED,-1,2011-01-03 10:00:00,1.00,3.0,United Kingdom
C107,A,ALPHA,-1,2011-01-03 12:00:00,2.50,4.0,United Kingdom
108,A,ALPHA,1,2011-01-04 10:00:00,2.25,4.0,United Kingdom
108,POST,POSTAGE,1,2011-01-04 10:00:00,18.00,4.0,United Kingdom
108,A,ALPHA,2,2011-01-04 10:00:00,2.25,4.0,United Kingdom
`;

test('online retail: cancellations net against the customer\'s earlier purchases of the product; split invoices add up; non-products tagged', () => withStore(async (s) => {
  const r = await importData(s, { format: 'online-retail', path: write('netting.csv', NETTING) });
  assert.equal(r.rows, 13);
  assert.deepEqual(r.skippedByReason, {
    // C103 takes 3 from invoice 101 (latest first) and 1 from 100; C104 takes invoice 100's 2 + 3 of BETA.
    [RETAIL_SKIP.cancellationMatched]: 2,
    [RETAIL_SKIP.cancellationPartly]: 1, // C105: 10 against customer 2's 4
    [RETAIL_SKIP.cancellationUnmatched]: 2, // C106: never bought; C107: bought only later (108)
    [RETAIL_SKIP.purchaseCancelled]: 4, // 101 ALPHA, both BETA lines of 100, 102 ALPHA
  });
  assert.equal(r.merged, 1); // 108's two ALPHA lines
  assert.equal(r.imported - 2 - 2 + r.merged + r.skipped, 13); // 2 users + 2 items written; every line accounted for
  assert.deepEqual(await s.stats(), { users: 2, items: 2, interactions: 3, byType: { purchase: 3 } });
  assert.deepEqual(await s.history('1'), [
    { user: '1', item: 'A', type: 'purchase', value: 4, timestamp: Date.UTC(2011, 0, 1, 10), session: '100' },
  ]);
  assert.deepEqual((await s.history('4')).map((e) => [e.item, e.value, e.session]), [['POST', 1, '108'], ['A', 3, '108']]);
  assert.equal((await s.history('2')).length, 0); // customer 2's only purchase was cancelled: no user
  // Latest positive price (customer 4's 2.25, not the free line or the first 2.00); non-products tagged.
  assert.deepEqual(await s.getItem('A'), { id: 'A', title: 'ALPHA', price: 2.25 });
  assert.deepEqual(await s.getItem('POST'), { id: 'POST', title: 'POSTAGE', price: 18, attrs: { nonProduct: true } });
  assert.equal(await s.getItem('B'), undefined); // every BETA purchase was cancelled
  const again = await importData(s, { format: 'online-retail', path: write('netting.csv', NETTING) });
  assert.deepEqual([again.inserted, again.updated, again.unchanged], [0, 0, r.inserted]);
}));

test('online retail: which stock codes are not products', () => {
  for (const c of ['POST', 'DOT', 'M', 'm', 'C2', 'D', 'S', 'BANK CHARGES', 'AMAZONFEE', 'CRUK', 'PADS', 'B', 'gift_0001_20']) assert.ok(isNonProduct(c), c);
  for (const c of ['85123A', '71053', '22961', 'DCGS0003', 'DCGSSGIRL', '15056BL']) assert.ok(!isNonProduct(c), c);
});

test('re-importing the same file inserts nothing and reports every record unchanged', () => withStore(async (s) => {
  const file = write('retail2.csv', RETAIL);
  const first = await importData(s, { format: 'online-retail', path: file });
  const again = await importData(s, { format: 'online-retail', path: file });
  assert.equal(again.inserted, 0);
  assert.equal(again.updated, 0);
  assert.equal(again.unchanged, first.inserted);
  assert.equal((await s.stats()).interactions, 3);
}));

test('a malformed row fails the whole import with file, line and field, leaving the store as it was', () => withStore(async (s) => {
  await s.addInteractions([{ user: 'before', item: 'x', type: 'view', value: 1, timestamp: 0 }]);
  const before = await s.stats();
  const lines = ['userId,movieId,rating,timestamp'];
  for (let k = 0; k < 30; k++) lines.push(`${k},${k + 100},4,1000`);
  lines.push('7,9,four,1000');
  const folder = join(dir, 'mlbad');
  write('mlbad/movies.csv', 'movieId,title,genres\n1,A (1999),Drama\n');
  const file = write('mlbad/ratings.csv', lines.join('\n'));
  // batchSize 10: three batches are written inside the transaction before the bad line is read.
  await assert.rejects(importData(s, { format: 'movielens-latest', path: folder, batchSize: 10 }),
    (e: unknown) => e instanceof ImportError && e.file === file && e.line === 32 && e.field === 'rating' && /"four" is not a number/.test(e.message));
  assert.deepEqual(await s.stats(), before);
  assert.deepEqual(await s.imports(), []);

  const r = await importData(s, { format: 'movielens-latest', path: folder, skipInvalid: true, batchSize: 10 });
  assert.deepEqual(r.skippedByReason, { 'invalid rating': 1 });
  assert.equal(r.firstErrors.length, 1);
  assert.equal(r.firstErrors[0]!.line, 32);
  assert.equal((await s.stats()).byType.rating, 30);
}));

test('movielens-100k: latin1 titles, genre flags, dates, ratings; ratings for unknown users are counted, not imported', () => withStore(async (s) => {
  const flags = (on: number[]) => Array.from({ length: 19 }, (_, g) => (on.includes(g) ? '1' : '0')).join('|');
  write('ml100k/u.item', Buffer.concat([
    Buffer.from(`1|Toy Story (1995)|01-Jan-1995||http://x|${flags([3, 4, 5])}\n2|`),
    Buffer.from([0x43, 0x61, 0x66, 0xe9]), // "Café" in latin1
    Buffer.from(` "Noir" (1950)|4-Feb-1971|||${flags([10])}\n`),
  ]));
  write('ml100k/u.user', '1|24|M|technician|85711\n2|53|F|other|94043\n');
  write('ml100k/u.data', '1\t1\t5\t874965758\n2\t2\t3\t876893171\n0\t1\t1\t883603013\t\n');
  const progress: [number, number][] = [];
  const r = await importData(s, { format: 'movielens-100k', path: join(dir, 'ml100k'), onProgress: (d, t) => progress.push([d, t]) });
  assert.deepEqual(r.skippedByReason, { 'user id not in u.user': 1 });
  assert.deepEqual(r.parts!.map((p) => p.file.slice(-6)), ['u.item', 'u.user', 'u.data']);
  assert.deepEqual(await s.getItem('2'), { id: '2', title: 'Café "Noir" (1950)', categories: ['Film-Noir'], attrs: {}, timestamp: Date.UTC(1971, 1, 4) });
  assert.deepEqual((await s.getItem('1'))!.categories, ['Animation', "Children's", 'Comedy']);
  assert.deepEqual(await s.history('1'), [{ user: '1', item: '1', type: 'rating', value: 5, timestamp: 874965758000 }]);
  assert.deepEqual(await s.stats(), { users: 2, items: 2, interactions: 2, byType: { rating: 2 } });
  const last = progress[progress.length - 1]!;
  assert.equal(last[0], last[1]);
}));

test('goodbooks: book metadata as items, ratings and to-read lists as events', () => withStore(async (s) => {
  write('gb/books.csv', 'book_id,authors,original_publication_year,title,language_code,average_rating\n' +
    '1,Suzanne Collins,2008.0,"The Hunger Games (The Hunger Games, #1)",eng,4.34\n2,"Homer, Robert Fagles",-750.0,The Odyssey,,3.9\n');
  write('gb/ratings.csv', 'user_id,book_id,rating\n1,1,5\n1,2,3\n');
  write('gb/to_read.csv', 'user_id,book_id\n2,1\n');
  const r = await importData(s, { format: 'goodbooks-10k', path: join(dir, 'gb') });
  assert.equal(r.inserted, 5);
  assert.deepEqual(await s.getItem('2'), { id: '2', title: 'The Odyssey', attrs: { authors: ['Homer', 'Robert Fagles'], year: -750, averageRating: 3.9 }, timestamp: Date.UTC(-750, 0, 1) });
  assert.deepEqual(await s.stats(), { users: 2, items: 2, interactions: 3, byType: { like: 1, rating: 2 } });
}));

test('generic csv and jsonl with a column mapping, defaults, and the timestamp rule', () => withStore(async (s) => {
  const csv = write('events.csv', 'who,what,when,kind\na,x,1300000000,click\na,y,1300000000123,view\nb,x,2011-03-13 07:06:40,click\nb,y,,view\n');
  const r = await importData(s, { format: 'csv', path: csv, mapping: { user: 'who', item: 'what', timestamp: 'when', type: 'kind' } });
  assert.equal(r.inserted, 4);
  assert.deepEqual((await s.history('a')).map((e) => [e.item, e.type, e.value, e.timestamp]), [['y', 'view', 1, 1300000000123], ['x', 'click', 1, 1300000000000]]);
  assert.deepEqual((await s.history('b')).map((e) => e.timestamp), [1300000000000, 0]);

  const jl = write('events.jsonl', '{"u":7,"i":"x","r":4.5,"t":"2020-01-01T00:00:00+01:00","s":"s1"}\n{"u":"8","i":"x","r":"3"}\n');
  await importData(s, { format: 'jsonl', path: jl, mapping: { user: 'u', item: 'i', value: 'r', timestamp: 't', session: 's', defaults: { type: 'rating' } } });
  assert.deepEqual(await s.history('7'), [{ user: '7', item: 'x', type: 'rating', value: 4.5, timestamp: Date.UTC(2019, 11, 31, 23), session: 's1' }]);

  const bad = write('bad.jsonl', '{"u":"1","i":"x"}\n{"u":"1","i":"x","k":"poke"}\n');
  await assert.rejects(importData(s, { format: 'jsonl', path: bad, mapping: { user: 'u', item: 'i', type: 'k' } }),
    (e: unknown) => e instanceof ImportError && e.line === 1 && e.field === 'k');
  await assert.rejects(importData(s, { format: 'csv', path: csv, mapping: { user: 'nope', item: 'what' } }),
    (e: unknown) => e instanceof ImportError && e.line === 1 && e.field === 'nope');
  await assert.rejects(importData(s, { format: 'csv', path: csv, mapping: { user: 'who' } as never }), (e: unknown) => e instanceof ConfigError && e.field === 'mapping.item');
}));

test('unknown formats and missing paths are ConfigErrors that say what is accepted', () => withStore(async (s) => {
  await assert.rejects(importData(s, { format: 'parquet', path: dir }), (e: unknown) => e instanceof ConfigError && /movielens-100k, .*online-retail/.test(e.message));
  await assert.rejects(importData(s, { format: 'movielens-latest', path: join(dir, 'nowhere') }), (e: unknown) => e instanceof ConfigError && e.field === 'path');
  await assert.rejects(importData(s, { format: 'movielens-100k', path: join(dir, 'gb') }), /missing u\.data/);
  assert.deepEqual(await s.stats(), EMPTY);
}));

test('row shape: a short row names its missing field, a long row is invalid, both counted under skipInvalid', () => withStore(async (s) => {
  const file = write('shape/events.csv', 'who,what,when\na,x,1300000000\nb,y\nc,z,1300000000,extra\n');
  const mapping = { user: 'who', item: 'what', timestamp: 'when' };
  await assert.rejects(importData(s, { format: 'csv', path: file, mapping }),
    (e: unknown) => e instanceof ImportError && e.file === file && e.line === 3 && e.field === 'when' && /missing: the row has 2 of the 3 fields/.test(e.message));
  assert.deepEqual(await s.stats(), EMPTY);
  const r = await importData(s, { format: 'csv', path: file, mapping, skipInvalid: true });
  assert.deepEqual(r.skippedByReason, { 'invalid when': 1, 'invalid row': 1 });
  assert.match(r.firstErrors[1]!.message, /:4: the row has 4 fields, 1 more than the 3 columns/);
  assert.deepEqual(await s.stats(), { users: 1, items: 1, interactions: 1, byType: { view: 1 } });
  // Headerless files too: a u.user line without its zip code.
  write('shape100k/u.user', '1|24|M|technician\n');
  write('shape100k/u.data', '1\t1\t5\t874965758\n');
  await assert.rejects(importData(s, { format: 'movielens-100k', path: join(dir, 'shape100k') }), (e: unknown) => e instanceof ImportError && e.field === 'zip code');
}));

test('an empty file, or a header without a mapped column, fails before anything is written, even with skipInvalid', () => withStore(async (s) => {
  const mapping = { user: 'who', item: 'what' };
  for (const [name, content, why] of [
    ['empty.csv', '', /:1: empty file \(no header line\)/],
    ['blank.csv', '\n\r\n', /:1: empty file/],
    ['header-only.csv', 'who,when\n', /:1 field "what": no column "what"/],
    ['no-column.csv', 'who,when\na,1\n', /:1 field "what": no column "what"/],
    ['twice.csv', 'who,what,what\na,x,y\n', /:1 field "what": column "what" appears more than once/],
  ] as const) {
    const file = write(`hdr/${name}`, content);
    await assert.rejects(importData(s, { format: 'csv', path: file, mapping, skipInvalid: true }), (e: unknown) => e instanceof ImportError && why.test(e.message), name);
  }
  await assert.rejects(importData(s, { format: 'jsonl', path: write('hdr/empty.jsonl', '\n'), mapping, skipInvalid: true }), /:1: empty file/);
  await assert.rejects(importData(s, { format: 'movielens-100k', path: write('hdr100k/u.data', '') }), /u\.data:1: empty file/);
  assert.deepEqual(await s.stats(), EMPTY);
  assert.deepEqual(await s.imports(), []);
  // A header with the columns and no rows is a valid (empty) import.
  const r = await importData(s, { format: 'csv', path: write('hdr/ok.csv', 'who,what\n'), mapping });
  assert.equal(r.rows, 0);
}));

test('CR-only line endings are line endings', () => withStore(async (s) => {
  const file = write('cr.csv', 'who,what,when\r"a",x,1300000000\rb,y,1300000001\r');
  const r = await importData(s, { format: 'csv', path: file, mapping: { user: 'who', item: 'what', timestamp: 'when' } });
  assert.equal(r.rows, 2);
  assert.deepEqual((await s.history('b')).map((e) => [e.item, e.timestamp]), [['y', 1300000001000]]);
}));

test('values and ids, in every importer: float32 overflow, hex, whitespace, NUL, bad UTF-8 and inexact JSON numbers are invalid rows', () => withStore(async (s) => {
  const reasons = async (format: string, path: string, mapping?: Parameters<typeof importData>[1]['mapping']) => {
    const r = await importData(s, { format, path, mapping, skipInvalid: true });
    return { skipped: r.skippedByReason, errors: r.firstErrors.map((e) => `${e.line} ${e.reason}`) };
  };
  const csv = write('vals/events.csv', Buffer.concat([Buffer.from(
    'who,what,score\n 1,x,1\n1 ,y,2\n1,z,3\n   ,x,1\na\0b,x,1\nb,x,1e39\nb,x,1e308\nb,x,-1e39\nb,x,0x10\nb,x,Infinity\nb,x,3e38\nb,'),
  Buffer.from([0x78, 0xff]), Buffer.from(',1\nb,x\xff,1\n')]));
  const a = await reasons('csv', csv, { user: 'who', item: 'what', value: 'score' });
  assert.deepEqual(a.skipped, { 'invalid who': 2, 'invalid score': 5, 'invalid what': 1 });
  assert.deepEqual(a.errors, ['5 only whitespace', '6 contains a NUL character', '7 1e+39 overflows a 32-bit float (largest is ±3.4e38)',
    '8 1e+308 overflows a 32-bit float (largest is ±3.4e38)', '9 -1e+39 overflows a 32-bit float (largest is ±3.4e38)']);
  // " 1", "1 " and "1" are one user; 3e38 fits a float32; the byte 0xff (line 12) is invalid, "ÿ" in UTF-8 (line 13) is text.
  assert.deepEqual((await s.history('1')).map((e) => e.item).sort(), ['x', 'y', 'z']);
  assert.deepEqual((await s.history('b')).map((e) => [e.item, e.value]), [['x\u00ff', 1], ['x', 3e38]]);

  const jl = write('vals/events.jsonl', [
    '{"u":9007199254740993,"i":"x"}', '{"u":1e400,"i":"x"}', '{"u":12.5,"i":"x"}', '{"u":"c","i":"x","v":1e39}',
    '{"u":"c","i":"\\u0000"}', '{"u":"\\udc80","i":"x"}', '{"u":"c","i":"x","v":"0x10"}', '{"u":42,"i":" x ","v":"2"}',
  ].join('\n') + '\n' + Buffer.from([0x7b, 0xff, 0x7d]).toString('latin1') + '\n');
  const b = await reasons('jsonl', jl, { user: 'u', item: 'i', value: 'v' });
  assert.deepEqual(b.skipped, { 'invalid u': 4, 'invalid v': 2, 'invalid i': 1, 'invalid row': 1 });
  assert.match(b.errors[0]!, /^1 numeric id 9007199254740992 cannot be held exactly.*write ids as strings/);
  assert.deepEqual(await s.history('42'), [{ user: '42', item: 'x', type: 'view', value: 2, timestamp: 0 }]);

  write('valsml/movies.csv', 'movieId,title,genres\n1,A (1999),Drama\n 2 ,B (2000),Drama\n');
  write('valsml/ratings.csv', 'userId,movieId,rating,timestamp\n7,1,1e39,1000\n7,2,0x10,1000\n7, 2,4,1e300\n 7 ,2 ,4,1000\n');
  const c = await reasons('movielens-latest', join(dir, 'valsml'));
  assert.deepEqual(c.skipped, { 'invalid rating': 2, 'invalid timestamp': 1 });
  assert.deepEqual(await s.history('7'), [{ user: '7', item: '2', type: 'rating', value: 4, timestamp: 1_000_000 }]);

  write('valsgb/books.csv', 'book_id,title\n1,A\n');
  write('valsgb/ratings.csv', 'user_id,book_id,rating\n8,1,0x10\n8,1,Infinity\n 8,1,5\n');
  assert.deepEqual((await reasons('goodbooks-10k', join(dir, 'valsgb'))).skipped, { 'invalid rating': 2 });
  write('vals100k/u.data', '9\t1\t1e39\t874965758\n9\t1\t4\t1e300\n 9\t1\t5\t874965758\n');
  assert.deepEqual((await reasons('movielens-100k', join(dir, 'vals100k'))).skipped, { 'invalid rating': 1, 'invalid timestamp': 1 });
  assert.equal((await s.history('9')).length, 1);
  const retail = write('vals-retail.csv', 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n' +
    '1,A,a,1e39,2010-12-01 08:26:00,1,5.0,UK\n1,B,b,0x10,2010-12-01 08:26:00,1,5.0,UK\n1, C ,c,2,2010-12-01 08:26:00,1, 5.0 ,UK\n');
  assert.deepEqual((await reasons('online-retail', retail)).skipped, { 'invalid Quantity': 2 });
  assert.deepEqual((await s.history('5')).map((e) => e.item), ['C']);
}));

test('the store refuses what the importers refuse: float32 overflow, untrimmed, whitespace-only and NUL ids', () => withStore(async (s) => {
  const ev = { user: 'u', item: 'i', type: 'view' as const, value: 1, timestamp: 0 };
  await assert.rejects(s.addInteractions([ev, { ...ev, value: 1e39 }]), /addInteractions\[1\]\.value: must be a finite number within float32 range/);
  await assert.rejects(s.addInteractions([{ ...ev, user: ' u' }]), /addInteractions\[0\]\.user: bad id: " u" has leading or trailing whitespace/);
  await assert.rejects(s.addInteractions([{ ...ev, item: '  ' }]), /item: bad id: only whitespace/);
  await assert.rejects(s.upsertItems([{ id: 'a\0' }]), /upsertItems\[0\]\.id: bad id: contains a NUL/);
  await assert.rejects(s.addInteractions([{ ...ev, timestamp: 1e300 }]), /timestamp/);
  assert.deepEqual(await s.stats(), EMPTY);
}));

test('more of the class: UTF-16 files, runaway ids, spaced header names, ratings off the scale', () => withStore(async (s) => {
  const utf16 = write('more/utf16.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('who,what\na,x\n', 'utf16le')]));
  await assert.rejects(importData(s, { format: 'csv', path: utf16, mapping: { user: 'who', item: 'what' }, skipInvalid: true }),
    (e: unknown) => e instanceof ImportError && e.line === 1 && /UTF-16.*save it as UTF-8/.test(e.reason));
  const csv = write('more/events.csv', ` who , what \na,${'x'.repeat(1025)}\nb,${'y'.repeat(1024)}\n`);
  const r = await importData(s, { format: 'csv', path: csv, mapping: { user: 'who', item: 'what' }, skipInvalid: true });
  assert.deepEqual(r.skippedByReason, { 'invalid what': 1 });
  assert.match(r.firstErrors[0]!.reason, /1025 characters long, more than 1024/);
  const far = await importData(s, { format: 'csv', path: write('more/far.csv', 'who,what,when\na,x,1e300\nb,x,2021-02-30\n'), mapping: { user: 'who', item: 'what', timestamp: 'when' }, skipInvalid: true });
  assert.deepEqual(far.firstErrors.map((e) => e.reason), ['1e300 is beyond the dates JavaScript can hold (±8.64e15 ms)', '"2021-02-30" is not unix seconds, ms, or an ISO date']);
  write('more-ml/movies.csv', 'movieId,title,genres\n1,A (1999),Drama\n');
  write('more-ml/ratings.csv', 'userId,movieId,rating,timestamp\n1,1,7,1000\n1,1,0,1000\n1,1,0.5,1000\n');
  const ml = await importData(s, { format: 'movielens-latest', path: join(dir, 'more-ml'), skipInvalid: true });
  assert.deepEqual(ml.skippedByReason, { 'invalid rating': 2 });
  assert.match(ml.firstErrors[0]!.message, /ratings\.csv:2 field "rating": 7 is outside the rating scale 0\.5-5/);
  write('more-gb/books.csv', 'book_id,title\n1,A\n');
  write('more-gb/ratings.csv', 'user_id,book_id,rating\n1,1,0\n1,1,6\n');
  assert.deepEqual((await importData(s, { format: 'goodbooks-10k', path: join(dir, 'more-gb'), skipInvalid: true })).skippedByReason, { 'invalid rating': 2 });
}));

test('online retail: the data set\'s folder is taken for its one CSV; a folder with none or several is one clear error', () => withStore(async (s) => {
  const file = write('folder-one/online_retail.csv', RETAIL);
  const r = await importData(s, { format: 'online-retail', path: join(file, '..') });
  assert.equal(r.rows, 7);
  write('folder-two/a.csv', RETAIL); write('folder-two/b.csv', RETAIL);
  await assert.rejects(importData(s, { format: 'online-retail', path: join(file, '../../folder-two') }), (e: unknown) => e instanceof ConfigError && /folder-two is a folder with 2 CSV files \(a\.csv, b\.csv\): give the Online Retail CSV file itself/.test(e.message));
  await assert.rejects(importData(s, { format: 'online-retail', path: join(file, '../nope.csv') }), (e: unknown) => e instanceof ConfigError && /no such file/.test(e.message));
}));
