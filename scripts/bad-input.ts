/**
 * Runs the bad-input class (issue 9) through the importers and prints one Markdown table row per case: format,
 * input, outcome (the error line, or what was stored and skipped). Usage, from the repository root:
 *   node --import tsx scripts/bad-input.ts [TREE]      # TREE: another checkout to compare (default: this one)
 * The "one 50 MB line" case takes minutes on parsers that re-scan their pending text.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
const root = resolve(process.argv[2] ?? join(import.meta.dirname, '..'));
type Importers = typeof import('../src/data/importers/index.ts');
type Sqlite = typeof import('../src/store/sqlite/index.ts');
const { importData } = (await import(`${root}/src/data/importers/index.ts`)) as Importers;
const { SqliteStore } = (await import(`${root}/src/store/sqlite/index.ts`)) as Sqlite;
const dir = mkdtempSync(join(tmpdir(), 'curio-bad-input-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (name: string, content: string | Buffer) => { const d = join(dir, String(n++)); mkdirSync(d); const p = join(d, name); writeFileSync(p, content); return p; };
const folder = (files: Record<string, string | Buffer>) => { const d = join(dir, String(n++)); mkdirSync(d); for (const [k, v] of Object.entries(files)) writeFileSync(join(d, k), v); return d; };
const M = { user: 'u', item: 'i', value: 'v', timestamp: 't' };
const H = 'u,i,v,t\n';
const RH = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n';
const cases: [string, string, () => string, object?][] = [
  ['csv', 'UTF-8 BOM before the header', () => file('a.csv', '\ufeff' + H + 'a,x,1,1300000000\n'), M],
  ['csv', 'quoted newline and "" inside a field', () => file('a.csv', H + '"a\nb","x""y",1,1300000000\n'), M],
  ['csv', 'unterminated quote', () => file('a.csv', H + 'a,"x,1,1300000000\n'), M],
  ['csv', 'quote inside an unquoted field', () => file('a.csv', H + 'a,x"y,1,1300000000\n'), M],
  ['csv', 'text after a closing quote', () => file('a.csv', H + 'a,"x"y,1,1300000000\n'), M],
  ['csv', 'CR-only line ends', () => file('a.csv', 'u,i,v,t\ra,x,1,1300000000\rb,y,2,1300000001\r'), M],
  ['csv', 'row with fewer fields (no timestamp)', () => file('a.csv', H + 'a,x,1\n'), M],
  ['csv', 'row with more fields', () => file('a.csv', H + 'a,x,1,1300000000,extra\n'), M],
  ['csv', 'empty file', () => file('a.csv', ''), M],
  ['csv', 'header only, mapped column missing', () => file('a.csv', 'u,i,v\n'), M],
  ['csv', 'mapped column missing, with --skip-invalid', () => file('a.csv', 'u,i,v\na,x,1\n'), { ...M, skip: true }],
  ['csv', 'duplicate mapped header name', () => file('a.csv', 'u,i,i,v,t\na,x,y,1,1300000000\n'), M],
  ['csv', 'header names with spaces (" u, i")', () => file('a.csv', ' u, i, v, t\na,x,1,1300000000\n'), M],
  ['csv', 'value 1e39 (float32 overflow)', () => file('a.csv', H + 'a,x,1e39,1300000000\n'), M],
  ['csv', 'value 1e308', () => file('a.csv', H + 'a,x,1e308,1300000000\n'), M],
  ['csv', 'value 1e400', () => file('a.csv', H + 'a,x,1e400,1300000000\n'), M],
  ['csv', 'value 0x10 (hex)', () => file('a.csv', H + 'a,x,0x10,1300000000\n'), M],
  ['csv', 'value NaN / Infinity', () => file('a.csv', H + 'a,x,NaN,1300000000\nb,x,Infinity,1300000000\n'), M],
  ['csv', 'ids " 1", "1 ", "1"', () => file('a.csv', H + ' 1,x,1,1300000000\n1 ,y,1,1300000000\n1,z,1,1300000000\n'), M],
  ['csv', 'whitespace-only id', () => file('a.csv', H + '   ,x,1,1300000000\n'), M],
  ['csv', 'empty id', () => file('a.csv', H + ',x,1,1300000000\n'), M],
  ['csv', 'NUL in an id', () => file('a.csv', H + 'a\0b,x,1,1300000000\n'), M],
  ['csv', 'invalid UTF-8 in ids (0xE9, 0xE8)', () => file('a.csv', Buffer.concat([Buffer.from(H + 'caf'), Buffer.from([0xe9]), Buffer.from(',x,1,1300000000\ncaf'), Buffer.from([0xe8]), Buffer.from(',y,1,1300000000\n')])), M],
  ['csv', 'UTF-16 file', () => file('a.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(H + 'a,x,1,1300000000\n', 'utf16le')])), M],
  ['csv', 'id of 100,000 characters', () => file('a.csv', H + 'x'.repeat(100000) + ',x,1,1300000000\n'), M],
  ['csv', 'timestamp 1e300 (out of Date range)', () => file('a.csv', H + 'a,x,1,1e300\n'), M],
  ['csv', 'timestamp 99999999999999999', () => file('a.csv', H + 'a,x,1,99999999999999999\n'), M],
  ['csv', 'negative timestamp (1969)', () => file('a.csv', H + 'a,x,1,-86400\n'), M],
  ['csv', 'timestamp 2021-02-30', () => file('a.csv', H + 'a,x,1,2021-02-30\n'), M],
  ['csv', 'timestamp 0x10', () => file('a.csv', H + 'a,x,1,0x10\n'), M],
  ['csv', 'blank lines between rows', () => file('a.csv', H + '\na,x,1,1300000000\n\n\nb,x,1,1300000000\n'), M],
  ['jsonl', 'numeric id 2^53+1', () => file('a.jsonl', '{"u":9007199254740993,"i":"x","v":1}\n{"u":9007199254740992,"i":"y","v":1}\n'), M],
  ['jsonl', 'numeric id 1e400', () => file('a.jsonl', '{"u":1e400,"i":"x","v":1}\n'), M],
  ['jsonl', 'numeric id 12.5', () => file('a.jsonl', '{"u":12.5,"i":"x","v":1}\n'), M],
  ['jsonl', 'value 1e39 (number)', () => file('a.jsonl', '{"u":"a","i":"x","v":1e39}\n'), M],
  ['jsonl', 'value "0x10"', () => file('a.jsonl', '{"u":"a","i":"x","v":"0x10"}\n'), M],
  ['jsonl', 'id with \\u0000', () => file('a.jsonl', '{"u":"a\\u0000","i":"x","v":1}\n'), M],
  ['jsonl', 'id with lone surrogate \\udc80', () => file('a.jsonl', '{"u":"\\udc80","i":"x","v":1}\n'), M],
  ['jsonl', 'invalid UTF-8 byte in a string', () => file('a.jsonl', Buffer.concat([Buffer.from('{"u":"caf'), Buffer.from([0xe9]), Buffer.from('","i":"x","v":1}\n')])), M],
  ['jsonl', 'bad JSON line, with --skip-invalid', () => file('a.jsonl', '{"u":"a","i":"x","v":1}\n{oops\n'), { ...M, skip: true }],
  ['jsonl', 'BOM before the first line', () => file('a.jsonl', '\ufeff{"u":"a","i":"x","v":1}\n'), M],
  ['jsonl', 'empty file', () => file('a.jsonl', ''), M],
  ['jsonl', 'id is true / an object', () => file('a.jsonl', '{"u":true,"i":"x","v":1}\n'), M],
  ['movielens-latest', 'rating 1e39', () => folder({ 'movies.csv': 'movieId,title,genres\n1,A (1999),Drama\n', 'ratings.csv': 'userId,movieId,rating,timestamp\n1,1,1e39,1000\n' })],
  ['movielens-latest', 'rating 7 (off the 0.5-5 scale)', () => folder({ 'movies.csv': 'movieId,title,genres\n1,A (1999),Drama\n', 'ratings.csv': 'userId,movieId,rating,timestamp\n1,1,7,1000\n' })],
  ['movielens-latest', 'rating 0x4', () => folder({ 'movies.csv': 'movieId,title,genres\n1,A (1999),Drama\n', 'ratings.csv': 'userId,movieId,rating,timestamp\n1,1,0x4,1000\n' })],
  ['movielens-latest', 'userId " 1" and "1"', () => folder({ 'movies.csv': 'movieId,title,genres\n1,A (1999),Drama\n2,B (1999),Drama\n', 'ratings.csv': 'userId,movieId,rating,timestamp\n 1,1,4,1000\n1,2,4,1000\n' })],
  ['movielens-latest', 'ratings row without timestamp', () => folder({ 'movies.csv': 'movieId,title,genres\n1,A (1999),Drama\n', 'ratings.csv': 'userId,movieId,rating,timestamp\n1,1,4\n' })],
  ['movielens-latest', 'empty ratings.csv', () => folder({ 'movies.csv': 'movieId,title,genres\n1,A (1999),Drama\n', 'ratings.csv': '' })],
  ['movielens-latest', 'timestamp 1e20 seconds', () => folder({ 'movies.csv': 'movieId,title,genres\n1,A (1999),Drama\n', 'ratings.csv': 'userId,movieId,rating,timestamp\n1,1,4,100000000000000000000\n' })],
  ['movielens-100k', 'u.user line without zip', () => folder({ 'u.user': '1|24|M|technician\n', 'u.data': '1\t1\t5\t874965758\n' })],
  ['movielens-100k', 'u.data rating 1e39', () => folder({ 'u.data': '1\t1\t1e39\t874965758\n' })],
  ['movielens-100k', 'u.data CR-only line ends', () => folder({ 'u.data': '1\t1\t5\t874965758\r2\t1\t4\t874965758\r' })],
  ['goodbooks-10k', 'rating 0x10', () => folder({ 'books.csv': 'book_id,title\n1,A\n', 'ratings.csv': 'user_id,book_id,rating\n1,1,0x10\n' })],
  ['goodbooks-10k', 'rating 6', () => folder({ 'books.csv': 'book_id,title\n1,A\n', 'ratings.csv': 'user_id,book_id,rating\n1,1,6\n' })],
  ['goodbooks-10k', 'books.csv header only without title', () => folder({ 'books.csv': 'book_id\n' })],
  ['online-retail', 'cancellation of an earlier purchase', () => file('r.csv', RH + '1,A,a,5,2011-01-01 10:00:00,1,7.0,UK\nC2,A,a,-5,2011-01-01 10:10:00,1,7.0,UK\n')],
  ['online-retail', 'invoice split over non-adjacent lines (2 + 3)', () => file('r.csv', RH + '1,P1,a,2,2011-01-01 10:00:00,1,7.0,UK\n2,P2,b,1,2011-01-01 10:00:00,1,8.0,UK\n1,P1,a,3,2011-01-01 10:00:00,1,7.0,UK\n')],
  ['online-retail', 'cancellation larger than the earlier purchase', () => file('r.csv', RH + '1,P1,a,2,2011-01-01 10:00:00,1,7.0,UK\nC2,P1,a,-5,2011-01-01 10:10:00,1,7.0,UK\n')],
  ['online-retail', 'cancellation before any purchase', () => file('r.csv', RH + 'C2,P1,a,-5,2011-01-01 10:10:00,1,7.0,UK\n3,P1,a,2,2011-01-02 10:00:00,1,7.0,UK\n')],
  ['online-retail', 'cancellation with a positive quantity', () => file('r.csv', RH + 'C2,P1,a,5,2011-01-01 10:10:00,1,7.0,UK\n')],
  ['csv', 'same event twice with different values', () => file('a.csv', H + 'a,x,1,1300000000\na,x,5,1300000000\n'), M],
  ['csv', 'mixed LF / CRLF / CR line ends', () => file('a.csv', 'u,i,v,t\r\na,x,1,1300000000\rb,x,1,1300000000\nc,x,1,1300000000\r\n'), M],
  ['csv', 'trailing delimiter on every line (header too)', () => file('a.csv', 'u,i,v,t,\na,x,1,1300000000,\n'), M],
  ['csv', 'one 50 MB line of 25M fields', () => file('a.csv', H + 'a,'.repeat(25_000_000) + '\n'), M],
  ['jsonl', 'CR-only line ends', () => file('a.jsonl', '{"u":"a","i":"x","v":1}\r{"u":"b","i":"x","v":1}\r'), M],
  ['online-retail', 'price changes (2.00 then 2.50)', () => file('r.csv', RH + '1,A,a,2,2011-01-01 10:00:00,2.00,7.0,UK\n2,A,a,3,2011-02-01 10:00:00,2.50,8.0,UK\n')],
  ['online-retail', 'POST stock code', () => file('r.csv', RH + '1,POST,POSTAGE,1,2011-01-01 10:00:00,18,7.0,UK\n')],
  ['online-retail', 'Quantity 1e39', () => file('r.csv', RH + '1,A,a,1e39,2011-01-01 10:00:00,1,7.0,UK\n')],
  ['online-retail', 'CustomerID " 7.0" and "7.0"', () => file('r.csv', RH + '1,A,a,1, 2011-01-01 10:00:00,1, 7.0,UK\n2,P2,b,1,2011-01-01 10:00:00,1,7.0,UK\n')],
];

console.log('| format | input | outcome |\n|---|---|---|');
for (const [format, what, make, opts] of cases) {
  const o = (opts ?? {}) as Record<string, unknown>;
  const skip = o.skip === true;
  const mapping = format === 'csv' || format === 'jsonl' ? { user: 'u', item: 'i', ...(format === 'csv' ? { value: 'v', timestamp: 't' } : { value: 'v' }) } : undefined;
  const path = make();
  const s = SqliteStore.open(':memory:');
  let out: string;
  const t0 = performance.now();
  try {
    const r = await importData(s, { format, path, mapping, skipInvalid: skip });
    const st = await s.stats();
    const ev: string[] = [];
    for await (const b of s.scan({ batch: 100 })) for (const e of b) ev.push(`${JSON.stringify(e.user).slice(0, 12)}/${JSON.stringify(e.item).slice(0, 12)}=${e.value}@${e.timestamp}`);
    const sk = Object.entries(r.skippedByReason).map(([k, v]) => `${v} ${k}`).join('; ');
    out = `ok: ${st.interactions} events ${ev.slice(0, 3).join(' ')}${sk ? `; skipped ${sk}` : ''}`;
    if (format === 'online-retail') {
      const items: string[] = [];
      for await (const b of s.scanItems({ batch: 100 })) for (const it of b) items.push(`${it.id}${it.price !== undefined ? ` £${it.price}` : ''}${it.attrs?.nonProduct ? ' nonProduct' : ''}`);
      out += `; items ${items.join(', ')}`;
    }
  } catch (e) {
    const err = e as Error & { code?: string };
    out = `ERROR ${err.constructor.name}: ${err.message.replaceAll(dir, '').split('\n')[0]!.slice(0, 140)}`;
  }
  await s.close();
  const ms = performance.now() - t0;
  if (ms > 1000) out += ` [${(ms / 1000).toFixed(1)} s]`;
  console.log(`| ${format} | ${what}${skip ? ' (--skip-invalid)' : ''} | ${out.replaceAll(dir, '').replaceAll('|', '\\|').slice(0, 160)} |`);
}
