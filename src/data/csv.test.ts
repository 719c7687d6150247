import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImportError } from '../errors.ts';
import { DelimitedParser, readDelimited, readJsonLines, type DelimitedRecord } from './csv.ts';

const dir = mkdtempSync(join(tmpdir(), 'curio-csv-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const fixture = (name: string, content: string | Buffer): string => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};
async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const TRICKY = '\ufeffid,name,note\r\n1,"Smith, J.","said ""hi"""\r\n\r\n2,"two\nlines",\r\n3, spaced ,"x"\n4,a"b,\n';

test('RFC 4180: quotes, embedded delimiters and newlines, CRLF, BOM, blank lines; start line of each record', async () => {
  const recs = await all(readDelimited(fixture('tricky.csv', TRICKY), { header: true }));
  assert.deepEqual(recs.map((r) => [r.line, r.fields]), [
    [2, ['1', 'Smith, J.', 'said "hi"']],
    [4, ['2', 'two\nlines', '']],
    [6, ['3', ' spaced ', 'x']],
    [7, ['4', 'a"b', '']],
  ]);
  assert.deepEqual(recs[0]!.header, ['id', 'name', 'note']);
});

test('every chunking of the input gives the same records', () => {
  const whole: DelimitedRecord[] = [];
  new DelimitedParser('t').feed(TRICKY.slice(1), true, whole);
  for (const size of [1, 2, 3, 5, 8]) {
    const p = new DelimitedParser('t'), out: DelimitedRecord[] = [];
    for (let k = 0; k < TRICKY.length - 1; k += size) p.feed(TRICKY.slice(1).slice(k, k + size), false, out);
    p.feed('', true, out);
    assert.deepEqual(out, whole, `chunk size ${size}`);
  }
});

test('last record without newline, trailing delimiter at end of file, other delimiters, quotes off', async () => {
  assert.deepEqual((await all(readDelimited(fixture('a.csv', 'a,b\n"x",')))).map((r) => r.fields), [['a', 'b'], ['x', '']]);
  assert.deepEqual((await all(readDelimited(fixture('b.tsv', '1\t2\t"3\n'), { delimiter: '\t', quote: false }))).map((r) => r.fields), [['1', '2', '"3']]);
  assert.deepEqual((await all(readDelimited(fixture('c.txt', 'a|b|c'), { delimiter: '|' }))).map((r) => r.fields), [['a', 'b', 'c']]);
});

test('latin1 files decode byte for byte', async () => {
  const p = fixture('l1.txt', Buffer.from([0x31, 0x7c, 0x43, 0x61, 0x66, 0xe9, 0x0a])); // "1|Café\n" in latin1
  assert.deepEqual((await all(readDelimited(p, { delimiter: '|', encoding: 'latin1' })))[0]!.fields, ['1', 'Café']);
});

test('an unterminated quote names the file and the line where the record started', async () => {
  const p = fixture('bad.csv', 'a,b\n1,2\n3,"never\nclosed\n');
  await assert.rejects(all(readDelimited(p)), (e: unknown) => e instanceof ImportError && e.file === p && e.line === 3 && /unterminated/.test(e.reason));
  const q = fixture('bad2.csv', 'a\n"x"y\n');
  await assert.rejects(all(readDelimited(q)), (e: unknown) => e instanceof ImportError && e.line === 2 && /after a closing quote/.test(e.reason));
});

test('large files stream in chunks with byte progress', async () => {
  const lines = Array.from({ length: 200_000 }, (_, k) => `${k},item${k % 97},"t, ${k}"`);
  const p = fixture('big.csv', lines.join('\n') + '\n');
  const progress: number[] = [];
  let n = 0, last: DelimitedRecord | undefined;
  for await (const r of readDelimited(p, { onBytes: (b) => progress.push(b) })) { n++; last = r; }
  assert.equal(n, 200_000);
  assert.deepEqual(last, { line: 200_000, fields: ['199999', 'item82', 't, 199999'] });
  assert.ok(progress.length > 1, 'read in more than one chunk');
});

test('readJsonLines parses each line, skips blank ones, and names the line of bad JSON', async () => {
  const p = fixture('a.jsonl', '{"u":"1"}\r\n\n{"u":"2","v":3}');
  assert.deepEqual(await all(readJsonLines(p)), [{ line: 1, value: { u: '1' } }, { line: 3, value: { u: '2', v: 3 } }]);
  const bad = fixture('b.jsonl', '{"u":1}\n{oops}\n');
  await assert.rejects(all(readJsonLines(bad)), (e: unknown) => e instanceof ImportError && e.line === 2 && /invalid JSON/.test(e.reason));
});
