import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImportError } from '../errors.ts';
import { DelimitedParser, INVALID_UTF8, readDelimited, readJsonLines, readJsonLinesBatches, Utf8Decoder, type DelimitedRecord } from './csv.ts';

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

const CR_ONLY = 'id,name\r1,"a\rb"\r\r2,x\r\n3,"y\r\nz"\r4,';

test('every chunking of the input gives the same records', () => {
  for (const input of [TRICKY.slice(1), CR_ONLY]) {
    const whole: DelimitedRecord[] = [];
    new DelimitedParser('t').feed(input, true, whole);
    for (const size of [1, 2, 3, 5, 8]) {
      const p = new DelimitedParser('t'), out: DelimitedRecord[] = [];
      for (let k = 0; k < input.length; k += size) p.feed(input.slice(k, k + size), false, out);
      p.feed('', true, out);
      assert.deepEqual(out, whole, `chunk size ${size}`);
    }
  }
});

test('a lone CR ends a line like LF and CRLF do, also for line numbers; inside quotes it is text', () => {
  const out: DelimitedRecord[] = [];
  new DelimitedParser('t').feed(CR_ONLY, true, out);
  assert.deepEqual(out.map((r) => [r.line, r.fields]), [
    [1, ['id', 'name']], [2, ['1', 'a\rb']], [5, ['2', 'x']], [6, ['3', 'y\r\nz']], [8, ['4', '']],
  ]);
});

test('one huge line parses in linear time: the open record is never re-parsed at a chunk boundary', () => {
  // The same 2 MB line fed whole and in 4 KB chunks: re-parsing the open record at every chunk made the chunked
  // feed cost ~chunks/2 = 256 times the whole one. Both are timed in the same conditions (interleaved, best of
  // three), so a loaded machine slows both alike.
  const line = 'ab,'.repeat((2 << 20) / 3);
  const parse = (chunk: number): number => {
    const p = new DelimitedParser('t'), out: DelimitedRecord[] = [];
    const t0 = performance.now();
    for (let k = 0; k < line.length; k += chunk) p.feed(line.slice(k, k + chunk), false, out);
    p.feed('', true, out);
    const ms = performance.now() - t0;
    assert.equal(out.length, 1);
    assert.equal(out[0]!.fields.length, line.length / 3 + 1);
    return ms;
  };
  let whole = Infinity, chunked = Infinity;
  for (let run = 0; run < 3; run++) {
    whole = Math.min(whole, parse(line.length));
    chunked = Math.min(chunked, parse(4096));
  }
  assert.ok(chunked / whole < 5, `whole ${whole.toFixed(1)} ms, 4 KB chunks ${chunked.toFixed(1)} ms`);
});

test('UTF-8: characters cut by a chunk boundary decode whole; invalid bytes are marked, never U+FFFD', () => {
  const bytes = Buffer.from('aé€𝄞\ufffdz', 'utf8');
  for (let size = 1; size <= 4; size++) {
    const d = new Utf8Decoder();
    let s = '';
    for (let k = 0; k < bytes.length; k += size) s += d.decode(bytes.subarray(k, k + size), false);
    s += d.decode(Buffer.alloc(0), true);
    assert.equal(s, 'aé€𝄞\ufffdz', `chunk size ${size}`);
    assert.equal(d.sawInvalid, false);
  }
  const d = new Utf8Decoder();
  // A stray continuation byte, an overlong "/", an encoded surrogate, and a sequence cut by the end of the file.
  const bad = Buffer.from([0x61, 0x80, 0x62, 0xc0, 0xaf, 0x63, 0xed, 0xa0, 0x80, 0x64, 0xe2, 0x82]);
  const s = d.decode(bad.subarray(0, 11), false) + d.decode(bad.subarray(11), true);
  assert.equal(s.replaceAll(INVALID_UTF8, '?'), 'a?b??c???d??');
  assert.ok(d.sawInvalid);
});

test('a record holding bytes that are not UTF-8 says which field; other records are untouched', async () => {
  const p = fixture('latin.csv', Buffer.concat([Buffer.from('user,item\nCaf'), Buffer.from([0xe9]), Buffer.from(',1\nCafé,2\n')]));
  const recs = await all(readDelimited(p, { header: true }));
  assert.deepEqual(recs.map((r) => [r.line, r.invalidUtf8]), [[2, 0], [3, undefined]]);
  assert.equal(recs[1]!.fields[0], 'Café');
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
  // The batch reader hands bad lines over with their error, so an import can count them and go on.
  const lines = (await all(readJsonLinesBatches(bad))).flat();
  assert.deepEqual(lines.map((l) => [l.line, l.error?.reason.slice(0, 12)]), [[1, undefined], [2, 'invalid JSON']]);
  const cr = fixture('cr.jsonl', '{"u":"1"}\r{"u":"2"}\r\n\r{"u":"3"}');
  assert.deepEqual((await all(readJsonLines(cr))).map((l) => [l.line, l.value]), [[1, { u: '1' }], [2, { u: '2' }], [4, { u: '3' }]]);
  // A CRLF split by the 1 MiB read boundary is one line end.
  const long = `{"u":"${'x'.repeat((1 << 20) - 9)}"}`;
  const split = fixture('split.jsonl', `${long}\r\n{"u":"2"}\n`);
  assert.deepEqual((await all(readJsonLines(split))).map((l) => l.line), [1, 2]);
  const latin = fixture('c.jsonl', Buffer.concat([Buffer.from('{"u":"Caf'), Buffer.from([0xe9]), Buffer.from('"}\n{"u":"x"}\n')]));
  assert.deepEqual((await all(readJsonLinesBatches(latin))).flat().map((l) => [l.line, l.error?.reason]), [[1, 'not valid UTF-8'], [2, undefined]]);
});
