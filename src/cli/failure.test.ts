import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { chmodSync, rmSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { describeFailure } from './failure.ts';
import { ConfigError, StoreError } from '../errors.ts';

// Every failure class through the real binary: one line `curio: <command>: ...`, a non-zero exit code, and
// a stack trace only with --debug.
const bin = resolve(import.meta.dirname, '../../bin/curio.js');
const dir = mkdtempSync(join(tmpdir(), 'curio-failure-'));
chmodSync(dir, 0o755); // readable by the unprivileged user of the permission tests
after(() => rmSync(dir, { recursive: true, force: true }));
const db = join(dir, 'shop.db');
const MAP = 'user=user,item=item,type=type,value=value,timestamp=timestamp';
// Root ignores file permissions: the permission tests then run the binary as `nobody`.
const asRoot = process.getuid?.() === 0;

function curio(args: string[], o: SpawnSyncOptions & { node?: string[] } = {}) {
  const r = spawnSync(process.execPath, [...(o.node ?? []), bin, ...args], { encoding: 'utf8', cwd: dir, ...o, env: { ...process.env, CURIO_DB: db, ...o.env } });
  return { code: r.status, out: String(r.stdout), err: String(r.stderr) };
}

/** The failure printed exactly one line, started `curio: <command>: `, had no stack trace, and exited `code`. */
function assertOneLine(r: { code: number | null; err: string }, command: string, pattern: RegExp, code = 1): void {
  assert.equal(r.code, code, r.err);
  const lines = r.err.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line expected, got:\n${r.err}`);
  assert.ok(lines[0]!.startsWith(`curio: ${command}: `), lines[0]);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(r.err, /^\s+at /m);
}

function importEvents(file: string, store: string) {
  return curio(['import', 'csv', file, '--map', MAP, '--db', store, '--quiet']);
}

const events = join(dir, 'events.csv');
const setup = curio(['generate', '--users', '60', '--items', '40', '--interactions', '800', '--out', events, '--quiet']);
assert.equal(setup.code, 0, setup.err);

test('an unknown flag is one line listing the command\'s flags once, exit code 2', () => {
  const r = curio(['recommend', '--user', 'u1', '--bogus']);
  assertOneLine(r, 'recommend', /--bogus: unknown option; the options of recommend are --/, 2);
  for (const flag of ['--model', '--db', '-k/--k', '--user', '--filter']) assert.ok(r.err.includes(` ${flag},`) || r.err.includes(` ${flag} `), flag);
  assert.equal(r.err.match(/recommend/g)!.length, 3, 'command named by the prefix, the list and the hint, not repeated');
  assert.equal(r.err.match(/--user/g)!.length, 1, 'flags listed once');
  assertOneLine(curio(['stats', '-k']), 'stats', /-k: unknown option; the options of stats are --db, --json/, 2);
  assertOneLine(curio(['recommend', '-k']), 'recommend', /-k: needs a value/, 2);
  assertOneLine(curio(['stats', '--json=yes']), 'stats', /--json: takes no value/, 2);
  const global = curio(['--bogus']);
  assert.equal(global.code, 2);
  assert.equal(global.err, 'curio: --bogus: unknown option; the global options are --help, --version, --debug (a command\'s own options follow it: curio <command> --help)\n');
  assert.match(curio(['toString']).err, /^curio: unknown command "toString"; /, 'only own commands, not Object.prototype');
  const cmd = curio(['frobnicate']);
  assert.equal(cmd.code, 2);
  assert.match(cmd.err, /^curio: unknown command "frobnicate"; the commands are import, train, .*\n$/);
});

test('missing files and folders name the path and what to do', () => {
  assertOneLine(curio(['train', '--config', 'missing.json']), 'train', /missing\.json: no such file; check the path/);
  assertOneLine(curio(['generate', '--out', join(dir, 'no-such-folder', 'e.csv'), '--quiet']), 'generate',
    /no-such-folder\/e\.csv: the folder .*no-such-folder does not exist; create it/);
  assertOneLine(curio(['generate', '--out', dir, '--quiet']), 'generate', /is a folder; give the path of a file/);
});

test('a full device (ENOSPC) is one line', { skip: !existsSync('/dev/full') && 'no /dev/full' }, () => {
  assertOneLine(curio(['generate', '--out', '/dev/full', '--quiet']), 'generate', /no space left on the device; free some space/);
});

test('permission denied on files and a read-only store are one line', () => {
  const locked = join(dir, 'locked');
  mkdirSync(locked, { mode: 0o555 });
  const store = join(dir, 'readonly.db');
  assert.equal(importEvents(events, store).code, 0);
  chmodSync(store, 0o444);
  // As root, run the binary as `nobody`, for whom the permissions hold.
  const as: SpawnSyncOptions = asRoot ? { uid: 65534, gid: 65534 } : {};
  assertOneLine(curio(['generate', '--out', join(locked, 'e.csv'), '--quiet'], as), 'generate', /locked\/e\.csv: permission denied; check the permissions/);
  assertOneLine(curio(['train', '--config', join(locked, 'nope.json')], as), 'train', /no such file/);
  const r = curio(['import', 'csv', events, '--map', MAP, '--db', store, '--quiet'], as);
  assertOneLine(r, 'import', /readonly\.db.*(read-?only|cannot be written|permission).*; check (the permissions|that the file)/);
});

test('a store held by another process is one line saying so', () => {
  const store = join(dir, 'busy.db');
  assert.equal(importEvents(events, store).code, 0);
  const holder = new Database(store);
  holder.exec('BEGIN EXCLUSIVE');
  try {
    assertOneLine(importEvents(events, store), 'import', /busy\.db.*another process holds (it|the store).*; (wait for that process to finish|run this again when the other process)/);
  } finally {
    holder.close();
  }
});

test('a damaged store is one line saying so', () => {
  const store = join(dir, 'damaged.db');
  assert.equal(importEvents(events, store).code, 0);
  const fd = openSync(store, 'r+');
  writeSync(fd, Buffer.alloc(6 * 4096, 0xff), 0, 6 * 4096, 2 * 4096); // B-tree pages after the schema page
  closeSync(fd);
  assertOneLine(curio(['stats', '--db', store]), 'stats', /damaged\.db.*(malformed|damaged).*; restore it from a backup/);
  assertOneLine(importEvents(events, store), 'import', /damaged\.db.*(malformed|damaged).*; restore it from a backup/);
  writeFileSync(join(dir, 'text.db'), 'not a database at all, just text that is long enough to be looked at by SQLite\n'.repeat(80));
  assertOneLine(curio(['stats', '--db', join(dir, 'text.db')]), 'stats', /text\.db.*not a (database|Curio)/);
});

// SQLITE_FULL needs a full file system: a 256 KiB tmpfs in a private mount namespace (gone with the process).
const unshare = spawnSync('unshare', ['-m', '--propagation', 'private', 'true']).status === 0;
test('a disk that fills during an import (SQLITE_FULL) is one line', { skip: !unshare && 'needs unshare -m (root)' }, () => {
  const big = join(dir, 'big.csv');
  assert.equal(curio(['generate', '--users', '500', '--items', '800', '--interactions', '20000', '--out', big, '--quiet']).code, 0);
  const small = join(dir, 'small');
  mkdirSync(small);
  const script = `mount -t tmpfs -o size=256k tmpfs "$1" && exec "$2" "$3" import csv "$4" --map ${MAP} --db "$1/s.db" --quiet`;
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, 'sh', small, process.execPath, bin, big], { encoding: 'utf8' });
  assertOneLine({ code: r.status, err: r.stderr }, 'import', /small\/s\.db.*(disk is full|database or disk is full).*; .*free some (disk )?space/);
});

test('a crafted model file is one line, never a RangeError trace', () => {
  const model = join(dir, 'm.bin');
  assert.equal(importEvents(events, db).code, 0);
  assert.equal(curio(['train', '--model', 'popularity', '--out', model, '--quiet']).code, 0);
  // The header is JSON after 16 bytes (magic, version, header length): give an array a negative length.
  const buf = readFileSync(model);
  const hlen = buf.readUInt32LE(12);
  const header = JSON.parse(buf.toString('utf8', 16, 16 + hlen)) as { arrays: { length: number }[] };
  header.arrays[0]!.length = -4;
  const text = JSON.stringify(header);
  assert.ok(text.length <= hlen);
  buf.write(text.padEnd(hlen, ' '), 16, 'utf8');
  writeFileSync(join(dir, 'crafted.bin'), buf);
  assertOneLine(curio(['recommend', '--user', 'u1', '--model', 'crafted.bin']), 'recommend', /(malformed|crafted\.bin).*; /);
});

// An unexpected error (a bug) is simulated by a preload that makes reading package.json throw, at once or
// from a timer callback (outside the awaited chain).
const preload = join(dir, 'fault.mjs');
writeFileSync(preload, `import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
const read = fs.readFileSync;
fs.readFileSync = function (p, ...rest) {
  if (String(p).endsWith('package.json')) {
    const bug = new TypeError('simulated bug');
    if (process.env.FAULT === 'late') setImmediate(() => { throw bug; });
    else throw bug;
  }
  return read.call(this, p, ...rest);
};
syncBuiltinESMExports();
`);

test('an unexpected error is one line pointing at --debug; --debug adds the stack', () => {
  const node = ['--import', preload];
  const r = curio(['--version'], { node });
  assert.equal(r.code, 1);
  assert.equal(r.err, 'curio: unexpected TypeError: simulated bug; run with --debug for the stack and please report it\n');
  const d = curio(['--version', '--debug'], { node });
  assert.equal(d.code, 1);
  assert.match(d.err, /^curio: unexpected TypeError: simulated bug; .*\nTypeError: simulated bug\n\s+at /);
  const late = curio(['--version'], { node, env: { FAULT: 'late' } });
  assert.equal(late.code, 1);
  assert.match(late.err, /^curio: unexpected TypeError: simulated bug; run with --debug/m);
  assert.doesNotMatch(late.err, /^\s+at /m);
});

test('describeFailure: store errors wrapping SQLite get the advice, typed errors keep their message', () => {
  const sqlite = Object.assign(new Error('database is locked'), { name: 'SqliteError', code: 'SQLITE_BUSY' });
  const wrapped = new StoreError('sqlite:a.db: database is locked', { cause: sqlite });
  assert.equal(describeFailure(wrapped, { command: 'import', db: 'a.db' }).line,
    'curio: import: sqlite:a.db: database is locked; wait for that process to finish, then retry');
  const advised = new StoreError('sqlite:a.db: another process holds the store; retry later', { cause: sqlite });
  assert.equal(describeFailure(advised, { command: 'import', db: 'a.db' }).line, 'curio: import: sqlite:a.db: another process holds the store; retry later');
  assert.deepEqual(describeFailure(new ConfigError('--k', 'expected an integer\nnot "x"'), { command: 'recommend', db: 'a.db' }),
    { line: 'curio: recommend: --k: expected an integer not "x"; see curio recommend --help', exitCode: 1 });
  assert.match(describeFailure(new RangeError('Maximum call stack size exceeded'), { db: 'a.db' }).line, /^curio: unexpected RangeError/);
});

test('a --config file that is not JSON is one line naming it', () => {
  writeFileSync(join(dir, 'broken.json'), '{"model": {');
  assertOneLine(curio(['train', '--config', 'broken.json', '--quiet']), 'train', /broken\.json(:\d+)? is not valid JSON \(.*\); fix the file/);
});

test('describeFailure: schema errors name each field', async () => {
  const { z } = await import('zod');
  const r = z.object({ factors: z.number(), alpha: z.number() }).safeParse({ factors: 'x' });
  assert.ok(!r.success);
  assert.equal(describeFailure(r.error, { command: 'train', db: 'a.db' }).line,
    'curio: train: invalid settings: factors: Invalid input: expected number, received string, alpha: Invalid input: expected number, received undefined; fix them (curio train --help)');
});

test('a missing model file or a folder given as one is not called damaged', async () => {
  const { loadArtifact } = await import('../models/artifact.ts');
  const missing = await loadArtifact(join(dir, 'no-such-model.bin')).catch((e: unknown) => e);
  const line = describeFailure(missing, { command: 'ask', db }).line;
  assert.match(line, /no-such-model\.bin: no such file; train one with `curio train`, or pass --model/);
  assert.doesNotMatch(line, /damaged/);
  const folder = describeFailure(await loadArtifact(dir).catch((e: unknown) => e), { command: 'ask', db }).line;
  assert.match(folder, /it is a folder; pass the model file's path/);
  assert.doesNotMatch(folder, /damaged/);
});

test('a message that already names the command is not prefixed with it twice', async () => {
  const { ExplainError } = await import('../explain/contributions.ts');
  assert.equal(describeFailure(new ExplainError('explain: no explanation for model kind "content"'), { command: 'explain', db: 'curio.db' }).line, 'curio: explain: no explanation for model kind "content"; see curio explain --help');
  assert.match(describeFailure(new ExplainError('explain: x'), { command: 'recommend', db: 'curio.db' }).line, /^curio: recommend: explain: x/);
});
