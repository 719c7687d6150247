import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from '../../errors.ts';
import { runStoreContract } from '../store.contract.ts';
import { SqliteStore } from './index.ts';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.ts';

const dir = mkdtempSync(join(tmpdir(), 'curio-sqlite-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
let n = 0;

runStoreContract('sqlite file', async () => SqliteStore.open(join(dir, `contract-${n++}.db`)));
runStoreContract('sqlite :memory:', async () => SqliteStore.open(':memory:'));

test('a file store persists across reopen, in WAL mode at the current schema version', async () => {
  const file = join(dir, 'persist.db');
  const s = SqliteStore.open(file);
  await s.addInteractions([{ user: 'u', item: 'i', type: 'purchase', value: 2, timestamp: 5, session: 'inv1' }]);
  const info = await s.info();
  assert.deepEqual([info.url, info.schemaVersion], [`sqlite:${file}`, SCHEMA_VERSION]);
  await s.close();
  const db = new Database(file, { readonly: true });
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  db.close();
  const again = SqliteStore.open(file);
  assert.deepEqual(await again.history('u'), [{ user: 'u', item: 'i', type: 'purchase', value: 2, timestamp: 5, session: 'inv1' }]);
  assert.equal((await again.info()).id, info.id, 'the store id survives reopening');
  await again.close();
  await assert.rejects(again.stats(), /closed/);
});

test('a file from schema version 1 is migrated in place: its events, ids and history survive, and re-import stays idempotent', async () => {
  const file = join(dir, 'v1.db');
  const db = new Database(file);
  MIGRATIONS[0]!(db);
  db.pragma('user_version = 1');
  db.exec(`INSERT INTO users (id, ext) VALUES (1, 'u1'), (2, 'u2');
           INSERT INTO items (id, ext, title) VALUES (1, 'i1', 'One'), (2, 'i2', 'Two');
           INSERT INTO interactions (user_id, item_id, type, value, ts, session, text) VALUES
             (1, 1, 'view', 1, 10, '', NULL), (1, 2, 'purchase', 3, 20, 'inv', 'great'), (2, 2, 'view', 1, 5, '', NULL);`);
  db.close();
  const s = SqliteStore.open(file);
  assert.deepEqual(await s.history('u1'), [
    { user: 'u1', item: 'i2', type: 'purchase', value: 3, timestamp: 20, session: 'inv', text: 'great' },
    { user: 'u1', item: 'i1', type: 'view', value: 1, timestamp: 10 },
  ]);
  const again = await s.addInteractions([{ user: 'u1', item: 'i1', type: 'view', value: 1, timestamp: 10 }, { user: 'u2', item: 'i1', type: 'view', value: 1, timestamp: 7 }]);
  assert.deepEqual([again.inserted, again.unchanged], [1, 1]);
  assert.equal((await s.snapshot()).length, 4);
  const id = (await s.info()).id;
  assert.match(id, /^[0-9a-f-]{36}$/, 'a migrated file gets a store id');
  await s.close();
  const reopened = SqliteStore.open(file);
  assert.equal((await reopened.info()).id, id);
  await reopened.close();
  const check = new Database(file, { readonly: true });
  assert.equal(check.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  const indexes = (check.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'interactions'`).pluck().all() as string[]).sort();
  assert.ok(!indexes.includes('interactions_user_ts') && indexes.includes('interactions_ts'), indexes.join(', '));
  check.close();
});

test('a file written by a newer schema is refused with a clear StoreError', () => {
  const file = join(dir, 'newer.db');
  const db = new Database(file);
  for (const m of MIGRATIONS) m(db);
  db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  db.close();
  assert.throws(() => SqliteStore.open(file), (e: unknown) => e instanceof StoreError && /newer than this Curio supports/.test(e.message));
});

test('a file that is not SQLite gives a StoreError naming it', async () => {
  const { writeFileSync } = await import('node:fs');
  const file = join(dir, 'junk.db');
  writeFileSync(file, 'this is not a database, just some text long enough to be read as a header....................');
  assert.throws(() => SqliteStore.open(file), (e: unknown) => e instanceof StoreError && e.message.includes(file));
});

test('300k events written in batches come back whole in the snapshot, ids intact', async () => {
  const s = SqliteStore.open(':memory:');
  const rows = [];
  for (let k = 0; k < 300_000; k++) rows.push({ user: `u${k % 5000}`, item: `i${(k * 31) % 3000}`, type: 'view' as const, value: 1, timestamp: k });
  for (let k = 0; k < rows.length; k += 50_000) await s.addInteractions(rows.slice(k, k + 50_000));
  const d = await s.snapshot();
  assert.equal(d.length, 300_000);
  assert.equal(d.users.size, 5000);
  assert.equal(d.users.id(d.user[123_456]!), `u${123_456 % 5000}`);
  // Throughput is measured by `npm run bench -- store`, not here.
  await s.close();
});

test('an interaction whose user or item is missing makes snapshot fail with a StoreError, never a row for user 0', async () => {
  for (const missing of ['user', 'item'] as const) {
    const file = join(dir, `dangling-${missing}.db`);
    const s = SqliteStore.open(file);
    await s.addInteractions([{ user: 'u1', item: 'i1', type: 'view', value: 1, timestamp: 1 }]);
    await s.close();
    // Written behind Curio's back with foreign keys off: a row pointing past the end of the id map.
    const db = new Database(file);
    db.pragma('foreign_keys = OFF');
    db.prepare(`INSERT INTO interactions (user_id, item_id, type, value, ts) VALUES (?, ?, 'view', 1, 2)`).run(missing === 'user' ? 7 : 1, missing === 'item' ? 7 : 1);
    db.close();
    const again = SqliteStore.open(file);
    await assert.rejects(again.snapshot(), (e: unknown) => e instanceof StoreError && new RegExp(`interaction 2 refers to ${missing} 7, which is not in the store`).test(e.message));
    await again.close();
  }
});
