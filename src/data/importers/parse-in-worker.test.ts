import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImportError } from '../../errors.ts';
import { SqliteStore } from '../../store/sqlite/index.ts';
import { importData, type ImportReport } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'curio-parse-worker-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const mapping = { user: 'user', item: 'item', type: 'type', value: 'value', timestamp: 'ts', session: 'session', text: 'text' };

/** A CSV with every kind of row: repeats (same value, new value), sessions, review text, quoted delimiters, bad rows. */
function messyCsv(rows: number): string {
  const lines = ['user,item,type,value,ts,session,text'];
  for (let k = 0; k < rows; k++) {
    const u = `u${k % 97}`, i = `i${(k * 31) % 211}`, ts = `2021-03-${String(1 + (k % 28)).padStart(2, '0')}T10:${String(k % 60).padStart(2, '0')}:00.000Z`;
    if (k % 500 === 7) lines.push(`${u},,view,1,${ts},,`); // empty item
    else if (k % 500 === 9) lines.push(`${u},${i},teleport,1,${ts},,`); // unknown type
    else if (k % 500 === 11) lines.push(`${u},${i},rating,0x10,${ts},,`); // hex value
    else if (k % 500 === 13) lines.push(`${u},${i},rating,4`); // short row
    else if (k % 300 === 5) lines.push(`${u},${i},review,4,${ts},,"good, ""really"" good"`);
    else if (k % 100 === 3) lines.push(`${u},${i},purchase,${1 + (k % 3)},${ts},s${k % 7},`);
    else lines.push(`${u},${i},${k % 2 ? 'view' : 'rating'},${1 + (k % 5)},${ts},,`);
    if (k % 250 === 1) lines.push(lines[lines.length - 1]!.replace(/,(\d),2021/, ',9,2021')); // same event, new value
    if (k % 250 === 2) lines.push(lines[lines.length - 1]!); // same event again
  }
  return lines.join('\n') + '\n';
}

async function importWith(file: string, parseInWorker: boolean, skipInvalid: boolean) {
  const s = SqliteStore.open(':memory:');
  try {
    let report: ImportReport | undefined, error: unknown;
    try {
      report = await importData(s, { format: 'csv', path: file, mapping, skipInvalid, parseInWorker });
    } catch (e) {
      error = e;
    }
    const events = [];
    for await (const b of s.scan({ batch: 10_000 })) events.push(...b);
    return { report, error, stats: await s.stats(), events };
  } finally {
    await s.close();
  }
}

test('a CSV parsed in a worker thread imports exactly as one parsed inline: rows, repeats, skips, report', async () => {
  const file = join(dir, 'messy.csv');
  writeFileSync(file, messyCsv(50_000)); // more than one 1 MiB chunk
  const inline = await importWith(file, false, true), worker = await importWith(file, true, true);
  assert.equal(inline.error, undefined);
  assert.ok(inline.report!.skipped >= 4 * 100 && inline.report!.updated > 0 && inline.report!.unchanged > 0, JSON.stringify(inline.report));
  const strip = (r: ImportReport) => ({ ...r, firstErrors: r.firstErrors.map((e) => e.message) });
  assert.deepEqual(strip(worker.report!), strip(inline.report!));
  assert.deepEqual(worker.stats, inline.stats);
  assert.deepEqual(worker.events, inline.events);
  assert.ok(inline.events.some((e) => e.text === 'good, "really" good' && e.type === 'review'));
  assert.ok(inline.events.some((e) => e.session === 's3'));
});

test('a bad row fails a worker-parsed import with the inline error, and nothing is written', async () => {
  const file = join(dir, 'bad.csv');
  writeFileSync(file, messyCsv(2_000));
  const inline = await importWith(file, false, false), worker = await importWith(file, true, false);
  assert.ok(inline.error instanceof ImportError && worker.error instanceof ImportError);
  assert.equal((worker.error as ImportError).message, (inline.error as ImportError).message);
  assert.match((worker.error as ImportError).message, /bad\.csv:\d+ field "item": empty/);
  assert.deepEqual(worker.stats, { users: 0, items: 0, interactions: 0, byType: {} });
});

test('a missing column and an empty file fail the same way in the worker', async () => {
  const noTs = join(dir, 'nots.csv');
  writeFileSync(noTs, 'user,item,type,value,session,text\nu1,i1,view,1,,\n');
  const empty = join(dir, 'empty.csv');
  writeFileSync(empty, '');
  for (const file of [noTs, empty]) {
    const inline = await importWith(file, false, true), worker = await importWith(file, true, true);
    assert.ok(worker.error instanceof ImportError, String(worker.error));
    assert.equal((worker.error as ImportError).message, (inline.error as ImportError).message);
  }
  const gone = await importWith(join(dir, 'missing.csv'), true, false);
  assert.match(String((gone.error as Error).message), /no such file/);
});
