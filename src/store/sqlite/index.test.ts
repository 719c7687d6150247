import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from '../../errors.ts';
import { runStoreContract } from '../store.contract.ts';
import { USER_COST } from './history-cache.ts';
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

test('a user deleted through another connection and its rowid reused: events are never credited to the new user', async () => {
  const file = join(dir, 'two-handles.db');
  const a = SqliteStore.open(file), b = SqliteStore.open(file);
  await a.addInteractions([{ user: 'alice', item: 'i1', type: 'view', value: 1, timestamp: 1 }]);
  // Another connection (as another process would) deletes alice; SQLite gives her rowid to bob.
  await b.deleteUser('alice');
  await b.addInteractions([{ user: 'bob', item: 'i2', type: 'view', value: 1, timestamp: 2 }]);
  await a.addInteractions([{ user: 'alice', item: 'i3', type: 'view', value: 1, timestamp: 3 }]);
  assert.deepEqual((await a.history('alice')).map((r) => r.item), ['i3']);
  assert.deepEqual((await a.history('bob')).map((r) => r.item), ['i2']);
  await a.close();
  await b.close();
});

test('another connection reads the last committed state while an import transaction is open, without waiting', async () => {
  const file = join(dir, 'reader.db');
  const writer = SqliteStore.open(file), reader = SqliteStore.open(file, undefined, { create: false, busyTimeoutMs: 100 });
  await writer.addInteractions([{ user: 'u', item: 'a', type: 'view', value: 1, timestamp: 1 }]);
  await writer.transaction(async (tx) => {
    await tx.addInteractions(Array.from({ length: 1000 }, (_, k) => ({ user: `n${k}`, item: 'a', type: 'view' as const, value: 1, timestamp: k })));
    // A reader that had to wait would fail after its 100 ms busy timeout.
    assert.equal((await reader.snapshot()).length, 1);
    assert.deepEqual(await reader.stats(), { users: 1, items: 1, interactions: 1, byType: { view: 1 } });
  });
  assert.equal((await reader.snapshot()).length, 1001);
  await writer.close();
  await reader.close();
});

const hasTimeIndex = (file: string): boolean => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(`SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'interactions_ts'`).pluck().get() === 1;
  } finally {
    db.close();
  }
};

test('a first load in one transaction defers the time index: it is back after commit, and after a rollback', async () => {
  const file = join(dir, 'deferred.db');
  const s = SqliteStore.open(file);
  const ev = (k: number) => ({ user: `u${k % 7}`, item: `i${k % 5}`, type: 'view' as const, value: 1, timestamp: 1000 - k });
  await assert.rejects(s.transaction(async (tx) => {
    await tx.addInteractions([ev(1), ev(2)]);
    throw new Error('abort');
  }), /abort/);
  assert.equal(hasTimeIndex(file), true, 'the rollback restored the dropped index');
  assert.equal((await s.stats()).interactions, 0);
  await s.transaction(async (tx) => {
    await tx.addInteractions([ev(1), ev(2)]);
    // Reads inside the load still see its rows, in time order (without the index).
    const rows = [];
    for await (const b of tx.scan({ batch: 1 })) rows.push(...b);
    assert.deepEqual(rows.map((r) => r.timestamp), [998, 999]);
    await tx.transaction(async (inner) => inner.addInteractions([ev(3)]));
    await assert.rejects(tx.transaction(async (inner) => { await inner.addInteractions([ev(4)]); throw new Error('inner'); }), /inner/);
  });
  assert.equal(hasTimeIndex(file), true, 'the commit rebuilt the index');
  assert.deepEqual((await s.history('u1')).map((r) => r.timestamp), [999]);
  // A store that has events keeps its index during a transaction (incremental path), and later loads work.
  await s.transaction(async (tx) => { await tx.addInteractions([ev(5)]); });
  assert.equal(hasTimeIndex(file), true);
  assert.equal((await s.stats()).interactions, 4);
  await s.close();
  const db = new Database(file, { readonly: true });
  assert.deepEqual(db.prepare('PRAGMA integrity_check').pluck().all(), ['ok']);
  assert.match(JSON.stringify(db.prepare('EXPLAIN QUERY PLAN SELECT id FROM interactions WHERE ts > 0 ORDER BY ts').all()), /interactions_ts/);
  db.close();
});

test('the write report of a first load counts an event repeated in the same batch as updated or unchanged, never inserted twice', async () => {
  const s = SqliteStore.open(join(dir, 'repeats.db'));
  const e = { user: 'u', item: 'i', type: 'rating' as const, timestamp: 7 };
  const rep = await s.transaction((tx) => tx.addInteractions([
    { ...e, value: 3 }, { ...e, item: 'j', value: 1 }, { ...e, value: 3 }, { ...e, value: 4 }, { ...e, value: 4, text: 'hi' }, { ...e, item: 'j', value: 1 },
  ]));
  assert.deepEqual(rep, { rows: 6, inserted: 2, updated: 2, unchanged: 2 });
  assert.deepEqual((await s.history('u')).map((r) => [r.item, r.value, r.text]), [['j', 1, undefined], ['i', 4, 'hi']]);
  assert.deepEqual(await s.addInteractions([{ ...e, value: 4, text: 'hi' }, { ...e, value: 5 }, { ...e, timestamp: 8, value: 1 }]), { rows: 3, inserted: 1, updated: 1, unchanged: 1 });
  await s.close();
});

test('cached histories are exact: every write (this handle, a raw SQL write, another connection, a rollback) is seen by the next read', async () => {
  const file = join(dir, 'history-cache.db');
  const s = SqliteStore.open(file);
  const ev = (user: string, item: string, timestamp: number) => ({ user, item, type: 'view' as const, value: 1, timestamp });
  await s.addInteractions([ev('u', 'a', 1), ev('v', 'a', 1)]);
  const items = async (user: string) => (await s.history(user)).map((r) => r.item);
  assert.deepEqual(await items('u'), ['a']);
  assert.deepEqual(await items('u'), ['a'], 'read twice: the second from the cache');
  const rows = await s.history('u');
  (rows[0] as { item: string }).item = 'x';
  rows.push(ev('u', 'zz', 0));
  assert.deepEqual(await items('u'), ['a'], 'rows and array are the caller\'s own: changing them changes no later read');

  await s.addInteractions([ev('u', 'b', 2)]);
  assert.deepEqual(await items('u'), ['b', 'a'], 'an event written through the store');
  await s.withDatabase((db) => db.prepare("DELETE FROM interactions WHERE ts = 2").run());
  assert.deepEqual(await items('u'), ['a'], 'a raw write through withDatabase');
  // A caller that declares it writes only its own tables keeps the cache (and must not touch events).
  await s.withDatabase((db) => db.exec('CREATE TABLE IF NOT EXISTS curio_note (x); INSERT INTO curio_note VALUES (1)'), { ownTablesOnly: true });
  assert.equal(s.cachedHistoryRows, 1 + USER_COST, 'u (read again after the raw write) is still cached');
  await assert.rejects(s.transaction(async (tx) => {
    await tx.addInteractions([ev('u', 'c', 3)]);
    assert.deepEqual((await tx.history('u')).map((r) => r.item), ['c', 'a'], 'inside the transaction, its own write');
    throw new Error('roll back');
  }), /roll back/);
  assert.deepEqual(await items('u'), ['a'], 'a rolled-back write is gone');

  const other = SqliteStore.open(file);
  await other.addInteractions([ev('u', 'd', 4)]);
  assert.deepEqual(await items('u'), ['d', 'a'], 'another connection\'s commit');
  await other.deleteUser('v');
  assert.deepEqual(await items('v'), [], 'another connection\'s deletion');
  await other.close();
  await s.deleteUser('u');
  assert.deepEqual(await items('u'), []);
  await s.addInteractions([ev('w', 'a', 5)]);
  await s.deleteItem('a');
  assert.deepEqual(await items('w'), [], 'an item deleted with its events');
  await s.close();
});

test('another connection adding events drops only those users\' cached histories; an update or deletion there drops all', async () => {
  const file = join(dir, 'history-cache-others.db');
  const s = SqliteStore.open(file), other = SqliteStore.open(file);
  const ev = (user: string, item: string, timestamp: number, value = 1) => ({ user, item, type: 'view' as const, value, timestamp });
  await s.addInteractions([ev('u', 'a', 1), ev('v', 'a', 1), ev('w', 'b', 1)]);
  const read = async (user: string) => (await s.history(user)).map((r) => `${r.item}:${r.value}`);
  for (const u of ['u', 'v', 'w']) await read(u);
  assert.equal(s.cachedHistoryRows, 3 * (1 + USER_COST));

  await other.addInteractions([ev('u', 'c', 2), ev('new', 'z', 2)]); // a new user and item too
  assert.deepEqual(await read('v'), ['a:1']);
  assert.equal(s.cachedHistoryRows, 2 * (1 + USER_COST), 'u dropped (new events); v and w kept');
  assert.deepEqual(await read('u'), ['c:1', 'a:1'], 'u read again, with the other connection\'s event');
  assert.deepEqual(await read('new'), ['z:1']);

  await other.addInteractions([ev('w', 'b', 1, 5)]); // the same event again, another value: an update in place
  assert.deepEqual(await read('w'), ['b:5'], 'an event updated by another connection');
  await read('u');
  await other.withDatabase((db) => db.prepare("DELETE FROM interactions WHERE item_id = (SELECT id FROM items WHERE ext = 'c')").run());
  assert.deepEqual(await read('u'), ['a:1'], 'a raw deletion by another connection (the triggers count it)');
  await other.deleteUser('v');
  assert.deepEqual(await read('v'), [], 'a user erased through another connection');
  await other.close();
  await s.close();
});

test('warming while events are written: every cached history equals what a fresh connection reads', async () => {
  const file = join(dir, 'history-warm-race.db');
  const s = SqliteStore.open(file);
  const ev = (u: number, q: number) => ({ user: `u${u}`, item: `i${(u + q) % 30}`, type: 'view' as const, value: 1, timestamp: 100 + q });
  await s.addInteractions(Array.from({ length: 600 }, (_, k) => ev(k % 300, Math.floor(k / 300))));
  const warming = s.warmHistories({ sliceUsers: 7 });
  for (let b = 0; b < 20; b++) await s.addInteractions(Array.from({ length: 15 }, (_, k) => ev((b * 15 + k) * 7 % 300, 10 + b)));
  await warming;
  const fresh = SqliteStore.open(file);
  for (let u = 0; u < 300; u++) assert.deepEqual(await s.history(`u${u}`), await fresh.history(`u${u}`), `u${u}`);
  await fresh.close();
  await s.close();
});

test('warmHistories reads every user\'s history into the cache, equal to what history() reads, and honours the limit', async () => {
  const file = join(dir, 'history-warm.db');
  const s = SqliteStore.open(file);
  const rows = [];
  for (let u = 0; u < 1200; u++) for (let q = 0; q < 1 + (u % 4); q++) rows.push({ user: `u${u}`, item: `i${(u * 7 + q) % 50}`, type: q % 2 ? 'view' as const : 'purchase' as const, value: q + 1, timestamp: 1000 + q * 10 + (u % 3), ...(q === 1 ? { session: `s${u}` } : {}), ...(q === 2 ? { text: `review ${u}` } : {}) });
  await s.addInteractions(rows);
  const cold = SqliteStore.open(file);
  const want = await Promise.all([0, 1, 2, 3, 599, 1199].map((u) => cold.history(`u${u}`)));
  await cold.close();
  assert.equal(s.cachedHistoryRows, 0);
  const r = await s.warmHistories({ sliceUsers: 100 });
  assert.deepEqual(r, { users: 1200, full: false });
  assert.equal(s.cachedHistoryRows, rows.length + 1200 * USER_COST);
  const got = await Promise.all([0, 1, 2, 3, 599, 1199].map((u) => s.history(`u${u}`)));
  assert.deepEqual(got, want);
  // A limit is part of the key: warmed with 2, a read with 2 comes from memory, one without reads the store.
  const t = SqliteStore.open(file);
  await t.warmHistories({ limit: 2 });
  let capped = 0;
  for (let u = 0; u < 1200; u++) capped += Math.min(2, 1 + (u % 4)) + USER_COST;
  assert.equal(t.cachedHistoryRows, capped);
  assert.deepEqual(await t.history('u3', { limit: 2 }), want[3]!.slice(0, 2));
  assert.deepEqual(await t.history('u3'), want[3]);
  await t.close();
  await s.close();
});
