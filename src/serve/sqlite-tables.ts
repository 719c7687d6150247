import type Database from 'better-sqlite3';
import { ConfigError } from '../errors.ts';
import type { DataStore } from '../store/types.ts';
import { SqliteStore } from '../store/sqlite/index.ts';

/**
 * The server's own tables in the store's SQLite file, reached through `SqliteStore.withDatabase` (so they are
 * written in the store's transactions, serialised with its calls). They are `curio_*` tables created here on first
 * use, outside the store's schema version: a store without them is still a valid store.
 *
 * - `curio_api_keys`: API keys, the secret only as a salted scrypt hash.
 * - `curio_idempotency`: the answer given to each idempotency key, written in the same transaction as the events it
 *   acknowledged, so a retried batch is answered from here and stored once.
 */
export const SERVE_TABLES = `
  CREATE TABLE IF NOT EXISTS curio_api_keys (
    id TEXT PRIMARY KEY,
    scope TEXT NOT NULL,
    name TEXT,
    salt BLOB NOT NULL,
    hash BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
  );
  CREATE TABLE IF NOT EXISTS curio_idempotency (
    key TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    response TEXT NOT NULL,
    at INTEGER NOT NULL
  );
`;

const ready = new WeakSet<Database.Database>();

/** The SQLite store behind `store` with the server's tables in place; other backends are refused, naming why. */
export function sqliteStore(store: DataStore): SqliteStore {
  if (!(store instanceof SqliteStore)) {
    throw new ConfigError('store', `${store.url}: the server keeps API keys and idempotency records in a SQLite store; open a .db file`);
  }
  return store;
}

/** Runs `fn` on the store's connection (inside the transaction when `store` is a transaction handle). */
export function withTables<T>(store: DataStore, fn: (db: Database.Database) => T): Promise<T> {
  return sqliteStore(store).withDatabase((db) => {
    if (!ready.has(db)) {
      db.exec(SERVE_TABLES);
      ready.add(db);
    }
    return fn(db);
  }, { ownTablesOnly: true });
}
