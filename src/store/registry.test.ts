import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ConfigError, StoreError } from '../errors.ts';
import { openStore, registerStore, registeredSchemes } from './registry.ts';
import { MIGRATIONS, SCHEMA_VERSION } from './sqlite/schema.ts';
import type { DataStore } from './types.ts';

const dir = mkdtempSync(join(tmpdir(), 'curio-registry-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

test('sqlite: URLs, bare .db/.sqlite paths and :memory: open SQLite stores', async () => {
  for (const [spec, file] of [[`sqlite:${join(dir, 'a.db')}`, 'a.db'], [join(dir, 'b.sqlite'), 'b.sqlite'], [join(dir, 'c.db'), 'c.db']] as const) {
    const s = await openStore(spec);
    assert.equal(s.url, spec.startsWith('sqlite:') ? spec : `sqlite:${spec}`);
    await s.close();
    assert.ok(existsSync(join(dir, file)), file);
  }
  const m = await openStore(':memory:');
  assert.equal(m.url, 'sqlite::memory:');
  assert.equal((await m.stats()).interactions, 0);
  await m.close();
});

test('unknown schemes and plain paths give a ConfigError listing the registered schemes', async () => {
  await assert.rejects(openStore('mongo://x'), (e: unknown) => e instanceof ConfigError && /unknown store scheme "mongo"/.test(e.message) && /sqlite:/.test(e.message));
  await assert.rejects(openStore('data/file.txt'), (e: unknown) => e instanceof ConfigError && /not a store URL/.test(e.message));
});

test('a registered backend is opened by its scheme', async () => {
  const seen: string[] = [];
  registerStore('fake', async (location, url) => {
    seen.push(location, url);
    return { url } as DataStore;
  });
  assert.ok(registeredSchemes().includes('fake'));
  const s = await openStore('fake://host/db');
  assert.equal(s.url, 'fake://host/db');
  assert.deepEqual(seen, ['//host/db', 'fake://host/db']);
});

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

test('{ create: false } and { readonly: true } never create a store: a missing file is a StoreError saying so', async () => {
  for (const o of [{ create: false }, { readonly: true }]) {
    const file = join(dir, 'typo.db');
    await assert.rejects(openStore(file, o), (e: unknown) => e instanceof StoreError && /no store at \S+typo\.db: the file does not exist/.test(e.message));
    await assert.rejects(openStore(`sqlite:${file}`, o), StoreError);
    assert.ok(!existsSync(file) && !existsSync(`${file}-wal`), JSON.stringify(o));
  }
  await assert.rejects(openStore(join(dir, 'no-such-dir', 'x.db')), (e: unknown) => e instanceof StoreError && /directory \S+no-such-dir does not exist/.test(e.message));
  await assert.rejects(openStore(`sqlite:${dir}`), (e: unknown) => e instanceof StoreError && /is a directory/.test(e.message));
});

test('a SQLite file that is not a Curio store is refused and left byte-for-byte unchanged, in every open mode', async () => {
  const file = join(dir, 'other-app.sqlite');
  const db = new Database(file);
  db.exec(`CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('keep me')`);
  db.close();
  const before = sha(file);
  for (const o of [{}, { create: false }, { readonly: true }]) {
    await assert.rejects(openStore(file, o), (e: unknown) => e instanceof StoreError && /is not a Curio store \(user_version 0, tables: notes\); it was left unchanged/.test(e.message));
  }
  assert.equal(sha(file), before);
  assert.ok(!existsSync(`${file}-wal`) && !existsSync(`${file}-shm`), 'not switched to WAL');
  const check = new Database(file, { readonly: true });
  assert.equal(check.pragma('journal_mode', { simple: true }), 'delete');
  check.close();
});

test('an empty file becomes a store when creating is allowed, and is refused otherwise', async () => {
  const file = join(dir, 'touched.db');
  writeFileSync(file, '');
  await assert.rejects(openStore(file, { create: false }), (e: unknown) => e instanceof StoreError && /an empty database, not a Curio store yet/.test(e.message));
  assert.equal(readFileSync(file).length, 0);
  const s = await openStore(file);
  assert.match((await s.info()).id, /^[0-9a-f-]{36}$/);
  await s.close();
});

test('{ readonly: true } reads a store and refuses every write without changing the file', async () => {
  const file = join(dir, 'ro.db');
  const w = await openStore(file);
  await w.addInteractions([{ user: 'u', item: 'i', type: 'view', value: 1, timestamp: 1 }]);
  await w.close();
  const before = sha(file);
  const r = await openStore(file, { readonly: true });
  assert.equal((await r.stats()).interactions, 1);
  assert.equal((await r.snapshot()).length, 1);
  const readOnly = (e: unknown) => e instanceof StoreError && /the store was opened read-only; open it without \{ readonly: true \} to write/.test(e.message);
  await assert.rejects(r.addInteractions([{ user: 'v', item: 'i', type: 'view', value: 1, timestamp: 2 }]), readOnly);
  await assert.rejects(r.transaction((tx) => tx.upsertItems([{ id: 'x' }])), readOnly);
  await assert.rejects(r.deleteUser('u'), readOnly);
  await r.close();
  assert.equal(sha(file), before);
});

test('close({ removeIfNewAndEmpty }) removes only a store this open created and nothing was written to', async () => {
  const file = join(dir, 'fresh.db');
  const a = await openStore(file);
  await a.close({ removeIfNewAndEmpty: true });
  assert.ok(!existsSync(file) && !existsSync(`${file}-wal`) && !existsSync(`${file}-shm`));
  const b = await openStore(file);
  await b.upsertItems([{ id: 'x' }]);
  await b.close({ removeIfNewAndEmpty: true });
  assert.ok(existsSync(file), 'a store with data is kept');
  const c = await openStore(file);
  await c.deleteUser('nobody');
  await c.close({ removeIfNewAndEmpty: true });
  assert.ok(existsSync(file), 'a store this open did not create is kept');
});

test('{ readonly: true } on a store of an older schema says to open it once read-write, and leaves it unchanged', async () => {
  const file = join(dir, 'old-schema.db');
  const db = new Database(file);
  for (const m of MIGRATIONS.slice(0, 2)) m(db);
  db.pragma('user_version = 2');
  db.close();
  const before = sha(file);
  await assert.rejects(openStore(file, { readonly: true }), (e: unknown) => e instanceof StoreError && /schema version 2 is older .*open it once without readonly/.test(e.message));
  assert.equal(sha(file), before);
  const s = await openStore(file, { create: false });
  assert.equal((await s.info()).schemaVersion, SCHEMA_VERSION);
  await s.close();
  const r = await openStore(file, { readonly: true });
  assert.equal((await r.snapshot({ types: Array(40_000).fill('view') })).length, 0);
  await r.close();
});
