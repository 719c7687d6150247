import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { StoreError } from '../../errors.ts';
import type { InteractionRow } from '../../data/types.ts';
import { SqliteStore } from './index.ts';
import type { SqliteCore } from './core.ts';

const dir = mkdtempSync(join(tmpdir(), 'curio-sqlite-errors-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const require = createRequire(import.meta.url);
const fixture = fileURLToPath(new URL('./concurrent-writer.fixture.ts', import.meta.url));
const ev = (user: string, item = 'i', timestamp = 1): InteractionRow => ({ user, item, type: 'view', value: 1, timestamp });
const busy = (e: unknown) => e instanceof StoreError && /another process holds the store \(waited 0\.2 s/.test(e.message) && !/SqliteError/.test(e.message);

test('a write while another connection holds the write lock waits, then says another process holds the store', async () => {
  const file = join(dir, 'busy.db');
  const s = SqliteStore.open(file, undefined, { busyTimeoutMs: 200 });
  await s.addInteractions([ev('before')]);
  const other = new Database(file);
  other.exec('BEGIN IMMEDIATE');
  try {
    await assert.rejects(s.addInteractions([ev('u')]), busy);
    await assert.rejects(s.transaction(async (tx) => { await tx.addInteractions([ev('u')]); }), busy);
    await assert.rejects(s.deleteUser('before'), busy);
    // Reads are not blocked by a writer (WAL).
    assert.equal((await s.stats()).interactions, 1);
    // Opening a store that needs no migration works; creating one in a locked file waits and fails the same way.
    const fresh = join(dir, 'busy-new.db');
    const locker = new Database(fresh);
    locker.exec('BEGIN IMMEDIATE');
    assert.throws(() => SqliteStore.open(fresh, undefined, { busyTimeoutMs: 200 }), (e: unknown) => e instanceof StoreError && /cannot open SQLite store: another process holds the store/.test(e.message));
    locker.exec('ROLLBACK');
    locker.close();
  } finally {
    other.exec('ROLLBACK');
    other.close();
  }
  // Another process holds the lock for 300 ms, less than the wait: the write goes through once it is done.
  const holder = spawn(process.execPath, ['-e', `
    const db = new (require(${JSON.stringify(require.resolve('better-sqlite3'))}))(${JSON.stringify(file)});
    db.exec('BEGIN IMMEDIATE'); console.log('locked');
    setTimeout(() => { db.exec('COMMIT'); db.close(); }, 300);`], { stdio: ['ignore', 'pipe', 'inherit'] });
  await once(holder.stdout!, 'data');
  const waited = SqliteStore.open(file, undefined, { busyTimeoutMs: 5000 });
  const t0 = Date.now();
  assert.equal((await waited.addInteractions([ev('after')])).inserted, 1);
  assert.ok(Date.now() - t0 >= 100, 'the write waited for the other process');
  await once(holder, 'exit');
  await waited.close();
  await s.close();
});

test('a disk I/O error at COMMIT (file-size limit in a child process) is a StoreError saying what to do; the store is whole', async () => {
  const file = join(dir, 'ioerr.db');
  const s = SqliteStore.open(file);
  await s.addInteractions([ev('keep', 'k')]);
  await s.close();
  // ulimit -f: writes past 1 MiB fail (Node ignores SIGXFSZ), as on a full disk; the 30,000 events of the
  // child's one transaction stay in the page cache until COMMIT writes them to the WAL.
  const r = spawnSync('bash', ['-c', `ulimit -f 1024; exec "${process.execPath}" --import tsx "${fixture}" "${file}" full`], { encoding: 'utf8' });
  assert.match(r.stdout, /^error StoreError: sqlite:\S+ioerr\.db: disk I\/O error \(SQLITE_IOERR_WRITE.*the write was rolled back and the store is as it was; check the disk/m, r.stdout + r.stderr);
  const again = SqliteStore.open(file);
  assert.deepEqual(await again.stats(), { users: 1, items: 1, interactions: 1, byType: { view: 1 } });
  await again.close();
  const db = new Database(file, { readonly: true });
  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  db.close();
});

test('SQLITE_FULL from SQLite is a StoreError saying the disk is full; nothing of the batch is stored', async () => {
  const s = SqliteStore.open(join(dir, 'full.db'));
  await s.addInteractions([ev('keep', 'k')]);
  // A page limit is SQLite's own way to make a database "full": the real SQLITE_FULL path, without filling a disk.
  const db = (s as unknown as { core: SqliteCore }).core.db;
  db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
  const many = Array.from({ length: 5000 }, (_, k) => ev(`u${k}`, `i${k}`));
  await assert.rejects(s.addInteractions(many), (e: unknown) => e instanceof StoreError && /: the disk is full \(SQLITE_FULL\); the write was rolled back.*free some disk space/.test(e.message));
  await assert.rejects(s.transaction((tx) => tx.addInteractions(many)), (e: unknown) => e instanceof StoreError && /the disk is full/.test(e.message));
  assert.deepEqual((await s.stats()).interactions, 1);
  await s.close();
});
