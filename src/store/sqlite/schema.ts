import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { StoreError } from '../../errors.ts';

/**
 * Ordered schema migrations. Migration k (0-based) moves a file from user_version k to k+1.
 * Append new steps; never edit a released one, files in the wild were built by it.
 */
export const MIGRATIONS: readonly ((db: Database.Database) => void)[] = [
  (db) => {
    db.exec(`
      CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        ext TEXT NOT NULL UNIQUE,
        attrs TEXT
      );
      CREATE TABLE items (
        id INTEGER PRIMARY KEY,
        ext TEXT NOT NULL UNIQUE,
        title TEXT,
        text TEXT,
        categories TEXT,
        attrs TEXT,
        price REAL,
        ts INTEGER
      );
      CREATE TABLE interactions (
        id INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
        type TEXT NOT NULL,
        value REAL NOT NULL,
        ts INTEGER NOT NULL,
        -- '' rather than NULL: NULLs are distinct in UNIQUE, so the same session-less event could be stored twice
        session TEXT NOT NULL DEFAULT '',
        text TEXT,
        UNIQUE (user_id, item_id, type, ts, session)
      );
      CREATE INDEX interactions_user_ts ON interactions(user_id, ts);
      CREATE INDEX interactions_ts ON interactions(ts);
      CREATE TABLE imports (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        format TEXT NOT NULL,
        rows INTEGER NOT NULL,
        inserted INTEGER NOT NULL,
        skipped INTEGER NOT NULL,
        at INTEGER NOT NULL
      );
    `);
  },
  // v2: the uniqueness key leads with (user_id, ts), so it also serves per-user history in time order and the
  // separate (user_id, ts) index goes: one B-tree fewer to update per event (imports about 1.5x faster).
  (db) => {
    db.exec(`
      CREATE TABLE interactions_v2 (
        id INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
        type TEXT NOT NULL,
        value REAL NOT NULL,
        ts INTEGER NOT NULL,
        session TEXT NOT NULL DEFAULT '',
        text TEXT,
        UNIQUE (user_id, ts, item_id, type, session)
      );
      INSERT INTO interactions_v2 (id, user_id, item_id, type, value, ts, session, text)
        SELECT id, user_id, item_id, type, value, ts, session, text FROM interactions;
      DROP TABLE interactions;
      ALTER TABLE interactions_v2 RENAME TO interactions;
      CREATE INDEX interactions_ts ON interactions(ts);
    `);
  },
  // v3: a random store id, so a model file can record which store it was trained on and refuse another one.
  (db) => {
    db.exec('CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID');
    db.prepare(`INSERT INTO meta (key, value) VALUES ('store_id', ?)`).run(randomUUID());
  },
  // v4: a count of every change to stored rows other than a new event or a new user or item (an event updated or
  // deleted, a user or item deleted), kept by triggers whoever writes: another connection's cache of histories and
  // ids then knows when new events are all that happened since it last looked (see SqliteStore.syncIdCaches).
  (db) => {
    db.exec(`
      CREATE TABLE changes (what TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
      INSERT INTO changes (what, n) VALUES ('rewrites', 0);
      CREATE TRIGGER interactions_updated AFTER UPDATE ON interactions BEGIN UPDATE changes SET n = n + 1 WHERE what = 'rewrites'; END;
      CREATE TRIGGER interactions_deleted AFTER DELETE ON interactions BEGIN UPDATE changes SET n = n + 1 WHERE what = 'rewrites'; END;
      CREATE TRIGGER users_deleted AFTER DELETE ON users BEGIN UPDATE changes SET n = n + 1 WHERE what = 'rewrites'; END;
      CREATE TRIGGER items_deleted AFTER DELETE ON items BEGIN UPDATE changes SET n = n + 1 WHERE what = 'rewrites'; END;
    `);
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Switches `db` to WAL. SQLite fails this at once (SQLITE_BUSY, no busy handler) while another process is
 * switching the same new file, so it is retried until `busyTimeoutMs` has passed.
 */
export function enableWal(db: Database.Database, busyTimeoutMs: number): void {
  const deadline = Date.now() + busyTimeoutMs;
  for (;;) {
    try {
      if (db.pragma('journal_mode', { simple: true }) !== 'wal') db.pragma('journal_mode = WAL');
      return;
    } catch (e) {
      if (!String((e as { code?: unknown }).code).startsWith('SQLITE_BUSY') || Date.now() >= deadline) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2 + Math.random() * 8);
    }
  }
}

/** Tables every Curio store has had since schema version 1. */
const CURIO_TABLES = ['users', 'items', 'interactions', 'imports'];

/**
 * What the file at `db` is, read without writing anything: 'empty' (a new or blank database, which Curio may
 * initialise) or the schema version of a Curio store. Anything else is refused here, before the caller
 * switches the journal mode or migrates: a SQLite file of another program must come out unchanged.
 */
export function curioVersion(db: Database.Database, url: string): number | 'empty' {
  // Version and tables from one view: another process may be creating the store right now.
  const read = () => [
    db.pragma('user_version', { simple: true }) as number,
    db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).pluck().all() as string[],
  ] as const;
  const [version, tables] = db.inTransaction ? read() : db.transaction(read)();
  if (version === 0 && tables.length === 0) return 'empty';
  if (version === 0 || !CURIO_TABLES.every((t) => tables.includes(t))) {
    const shown = tables.length > 8 ? [...tables.slice(0, 8), '...'] : tables;
    throw new StoreError(
      `${url}: this SQLite file is not a Curio store (user_version ${version}, tables: ${shown.join(', ') || 'none'}); ` +
        'it was left unchanged; give the path of a Curio store, or a new file name to create one',
    );
  }
  if (version > SCHEMA_VERSION) {
    throw new StoreError(`${url}: store schema version ${version} is newer than this Curio supports (${SCHEMA_VERSION}); upgrade Curio to open it`);
  }
  return version;
}

/**
 * Brings `db` up to SCHEMA_VERSION in one immediate (write-locked) transaction, re-reading the version inside it:
 * two processes creating or upgrading the same file at once then run the migration exactly once between them.
 */
export function migrate(db: Database.Database, url: string): void {
  if (db.pragma('user_version', { simple: true }) === SCHEMA_VERSION) return;
  db.exec('BEGIN IMMEDIATE');
  try {
    const v0 = curioVersion(db, url);
    for (let v = v0 === 'empty' ? 0 : v0; v < SCHEMA_VERSION; v++) MIGRATIONS[v]!(db);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
    db.exec('COMMIT');
  } catch (e) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw e;
  }
}
