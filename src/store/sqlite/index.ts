import type Database from 'better-sqlite3';
import { StoreError } from '../../errors.ts';
import type { Interactions } from '../../data/interactions.ts';
import type { InteractionRow, ItemRow, UserRow } from '../../data/types.ts';
import type { DataStore, ImportRecord, SnapshotOptions, StoreInfo, StoreStats, WriteReport } from '../types.ts';
import { SqliteCore } from './core.ts';

let nextSavepoint = 0;

/** Runs tasks one at a time, in call order, so an async transaction never interleaves with other calls. */
class Gate {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => T | Promise<T>): Promise<T> {
    const p = this.tail.then(fn);
    this.tail = p.catch(() => undefined);
    return p;
  }
}

/**
 * DataStore on an embedded SQLite file (better-sqlite3): WAL journal, foreign keys, prepared statements,
 * one transaction per batch call. Calls are serialised; `transaction(fn)` holds the store for the whole of
 * `fn`, and calls made through its `tx` argument run inside it (nested transactions become savepoints).
 */
export class SqliteStore implements DataStore {
  private closed = false;
  

  private constructor(
    private readonly core: SqliteCore,
    private readonly gate: Gate,
    /** Set on the handle passed to a transaction body: it already holds the gate. */
    private readonly inTransaction: boolean,
  ) {}

  /** Opens (creating if needed) the SQLite file at `file`, or an in-memory store for ':memory:'. */
  static open(file: string, url = `sqlite:${file}`): SqliteStore {
    return new SqliteStore(new SqliteCore(url, file), new Gate(), false);
  }

  get url(): string {
    return this.core.url;
  }

  private run<T>(fn: () => T): Promise<T> {
    if (this.inTransaction) return Promise.resolve().then(fn);
    return this.gate.run(() => {
      if (this.closed) throw new StoreError(`${this.url}: store is closed`);
      return fn();
    });
  }

  info(): Promise<StoreInfo> {
    return this.run(() => this.core.info());
  }
  upsertUsers(rows: UserRow[]): Promise<WriteReport> {
    return this.run(() => this.core.upsertUsers(rows));
  }
  upsertItems(rows: ItemRow[]): Promise<WriteReport> {
    return this.run(() => this.core.upsertItems(rows));
  }
  addInteractions(rows: InteractionRow[]): Promise<WriteReport> {
    return this.run(() => this.core.addInteractions(rows));
  }

  async transaction<T>(fn: (tx: DataStore) => Promise<T>): Promise<T> {
    const body = async (): Promise<T> => {
      const db = this.core.db;
      const sp = `curio_tx_${nextSavepoint++}`;
      db.exec(this.inTransaction ? `SAVEPOINT ${sp}` : 'BEGIN IMMEDIATE');
      try {
        const result = await fn(new SqliteStore(this.core, this.gate, true));
        db.exec(this.inTransaction ? `RELEASE ${sp}` : 'COMMIT');
        return result;
      } catch (e) {
        if (db.inTransaction) db.exec(this.inTransaction ? `ROLLBACK TO ${sp}; RELEASE ${sp}` : 'ROLLBACK');
        this.core.forgetIds();
        throw e;
      }
    };
    if (this.inTransaction) return body();
    return this.gate.run(() => {
      if (this.closed) throw new StoreError(`${this.url}: store is closed`);
      return body();
    });
  }

  async getItem(id: string): Promise<ItemRow | undefined> {
    return (await this.getItems([id]))[0];
  }
  /**
   * Extension point for modules that keep their own tables in the store's file (the server's API keys and
   * idempotency records, src/serve/sqlite-tables.ts): runs `fn` on the SQLite connection, serialised with the
   * store's own calls, and inside the transaction when called on a `transaction` handle. Such tables are named
   * `curio_*`, created by their module (CREATE TABLE IF NOT EXISTS) and not part of the store's schema version.
   */
  withDatabase<T>(fn: (db: Database.Database) => T): Promise<T> {
    return this.run(() => fn(this.core.db));
  }

  getItems(ids: string[]): Promise<(ItemRow | undefined)[]> {
    return this.run(() => this.core.getItems(ids));
  }
  history(user: string, o: { limit?: number } = {}): Promise<InteractionRow[]> {
    return this.run(() => this.core.history(user, o.limit));
  }

  async *scan(o: { batch: number; since?: number }): AsyncIterable<InteractionRow[]> {
    checkBatch(o.batch);
    // Keyset paging on (ts, id): no cursor stays open between batches, so the caller may write meanwhile.
    let ts = o.since ?? -Number.MAX_VALUE, id = -1;
    for (;;) {
      const page = await this.run(() => this.core.scanPage(ts, id, o.batch));
      if (page.rows.length) yield page.rows;
      if (page.rows.length < o.batch) return;
      ts = page.lastTs; id = page.lastId;
    }
  }

  async *scanItems(o: { batch: number }): AsyncIterable<ItemRow[]> {
    checkBatch(o.batch);
    let after = '';
    for (;;) {
      const rows = await this.run(() => this.core.scanItemsPage(after, o.batch));
      if (rows.length) yield rows;
      if (rows.length < o.batch) return;
      after = rows[rows.length - 1]!.id;
    }
  }

  snapshot(o?: SnapshotOptions): Promise<Interactions> {
    return this.run(() => this.core.snapshot(o));
  }
  deleteUser(user: string): Promise<number> {
    return this.run(() => this.core.deleteUser(user));
  }
  /** Removes an item and every event on it (SQLite only, for the server's DELETE /v1/items); returns how many events went. */
  deleteItem(item: string): Promise<number> {
    return this.run(() => this.core.deleteItem(item));
  }
  recordImport(r: ImportRecord): Promise<void> {
    return this.run(() => this.core.recordImport(r));
  }
  imports(): Promise<ImportRecord[]> {
    return this.run(() => this.core.imports());
  }
  stats(): Promise<StoreStats> {
    return this.run(() => this.core.stats());
  }

  close(): Promise<void> {
    if (this.inTransaction) return Promise.reject(new StoreError(`${this.url}: cannot close a store inside its transaction`));
    return this.gate.run(() => {
      if (this.closed) return;
      this.closed = true;
      this.core.db.close();
    });
  }
}

function checkBatch(batch: number): void {
  if (!Number.isInteger(batch) || batch < 1) throw new StoreError(`scan batch must be a positive integer, got ${batch}`);
}

