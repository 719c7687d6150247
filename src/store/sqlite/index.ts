import type Database from 'better-sqlite3';
import { AsyncLocalStorage } from 'node:async_hooks';
import { rmSync } from 'node:fs';
import { StoreError } from '../../errors.ts';
import type { Interactions } from '../../data/interactions.ts';
import { isInteractionType, type InteractionColumns, type InteractionRow, type ItemRow, type UserRow } from '../../data/types.ts';
import type { DataStore, ImportRecord, SnapshotOptions, StoreInfo, StoreStats, WriteReport } from '../types.ts';
import { SqliteCore, type SqliteOpenOptions } from './core.ts';

export type { SqliteOpenOptions } from './core.ts';

let nextSavepoint = 0;

/** One running outer transaction; `active` turns false when it ends. */
interface RunningTransaction {
  core: SqliteCore;
  active: boolean;
}

/**
 * The transaction whose body the current code runs in (async context follows awaits and callbacks): a call on the
 * outer store from inside its own transaction body would wait for that transaction forever.
 */
const runningTransaction = new AsyncLocalStorage<RunningTransaction>();

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
    /** Set on the handle passed to a transaction body: it already holds the gate while `tx.active`. */
    private readonly tx?: RunningTransaction,
  ) {}

  /**
   * Opens the SQLite file at `file` (creating it unless `create: false` or `readonly`), or an in-memory store for
   * ':memory:'. A SQLite file that is not a Curio store is refused unchanged.
   */
  static open(file: string, url = `sqlite:${file}`, o: SqliteOpenOptions = {}): SqliteStore {
    return new SqliteStore(new SqliteCore(url, file, o), new Gate());
  }

  /** True when opening this store created its file. */
  get created(): boolean {
    return this.core.created;
  }

  private get inTransaction(): boolean {
    return this.tx !== undefined;
  }

  /** Refuses the calls that cannot work: on a closed store, on a finished transaction's handle, on the outer store
   * from inside its own transaction (it would wait for itself forever). */
  private checkUsable(): void {
    if (this.tx) {
      if (!this.tx.active) throw new StoreError(`${this.url}: this transaction handle was used after its transaction() ended; use the store itself`);
      return;
    }
    if (this.closed) throw new StoreError(`${this.url}: store is closed`);
    const running = runningTransaction.getStore();
    if (running?.active && running.core === this.core) {
      throw new StoreError(
        `${this.url}: the store was called inside its own transaction() body, which would wait for the transaction to end forever; ` +
          'call the tx argument the body receives instead (store.transaction(async (tx) => { await tx.addInteractions(...) }))',
      );
    }
  }

  get url(): string {
    return this.core.url;
  }

  private run<T>(fn: () => T): Promise<T> {
    try {
      this.checkUsable();
    } catch (e) {
      return Promise.reject(e);
    }
    const guarded = () => {
      this.checkUsable();
      try {
        return fn();
      } catch (e) {
        throw this.core.error(e);
      }
    };
    if (this.inTransaction) return Promise.resolve().then(guarded);
    return this.gate.run(guarded);
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
  addInteractionColumns(cols: InteractionColumns): Promise<WriteReport> {
    return this.run(() => this.core.addInteractionColumns(cols));
  }

  async transaction<T>(fn: (tx: DataStore) => Promise<T>): Promise<T> {
    this.checkUsable();
    const body = async (): Promise<T> => {
      this.checkUsable();
      const db = this.core.db;
      const sp = `curio_tx_${nextSavepoint++}`;
      try {
        db.exec(this.inTransaction ? `SAVEPOINT ${sp}` : 'BEGIN IMMEDIATE');
      } catch (e) {
        throw this.core.error(e);
      }
      this.core.beginTransaction();
      let open = true;
      const end = (commit: boolean) => {
        if (open) { open = false; this.core.endTransaction(commit); }
      };
      const running: RunningTransaction = this.tx ?? { core: this.core, active: true };
      const inner = new SqliteStore(this.core, this.gate, running);
      try {
        const result = this.tx ? await fn(inner) : await runningTransaction.run(running, () => fn(inner));
        try {
          end(true);
          db.exec(this.inTransaction ? `RELEASE ${sp}` : 'COMMIT');
        } catch (e) {
          throw this.core.error(e);
        }
        return result;
      } catch (e) {
        try {
          if (db.inTransaction) db.exec(this.inTransaction ? `ROLLBACK TO ${sp}; RELEASE ${sp}` : 'ROLLBACK');
        } finally {
          end(false);
        }
        this.core.forgetIds();
        throw e;
      } finally {
        if (!this.tx) running.active = false;
      }
    };
    if (this.inTransaction) {
      // Savepoints nest as a stack: two sibling transactions interleaving across awaits would roll back or
      // release each other's savepoint (one's writes silently lost, the other a raw "no such savepoint").
      if (this.nestedOpen) {
        throw new StoreError(`${this.url}: a nested transaction() is already running on this tx; await it before starting another (or run them inside each other)`);
      }
      this.nestedOpen = true;
      try {
        return await body();
      } finally {
        this.nestedOpen = false;
      }
    }
    return this.gate.run(body);
  }
  private nestedOpen = false;

  async getItem(id: string): Promise<ItemRow | undefined> {
    return (await this.getItems([id]))[0];
  }
  /**
   * Extension point for modules that keep their own tables in the store's file (the server's API keys and
   * idempotency records, src/serve/sqlite-tables.ts): runs `fn` on the SQLite connection, serialised with the
   * store's own calls, and inside the transaction when called on a `transaction` handle. Such tables are named
   * `curio_*`, created by their module (CREATE TABLE IF NOT EXISTS) and not part of the store's schema version.
   */
  withDatabase<T>(fn: (db: Database.Database) => T, o: { ownTablesOnly?: boolean } = {}): Promise<T> {
    return this.run(() => {
      const before = this.core.changes();
      try {
        return fn(this.core.db);
      } finally {
        // A raw write may have changed events: the cached histories cannot tell which (unless the caller writes
        // only its own curio_* tables, as the server's keys and idempotency records do).
        if (!o.ownTablesOnly && this.core.changes() !== before) this.core.forgetHistories();
      }
    });
  }

  /**
   * Reads users' histories into the store's history cache, a slice of users at a time (each slice one serialised
   * read, so requests and writes interleave), until every user is in or the cache is full; `history(user, {limit})`
   * then answers from memory. A server calls this once it listens. Resolves to the users cached.
   */
  async warmHistories(o: { limit?: number; sliceUsers?: number; signal?: AbortSignal } = {}): Promise<{ users: number; full: boolean }> {
    const slice = o.sliceUsers ?? 200; // about 10K events at 50 a user: a few ms of the event loop each
    const end = await this.run(() => this.core.maxUserRowid());
    let users = 0;
    for (let from = 1; from <= end && !o.signal?.aborted; from += slice) {
      const r = await this.run(() => this.core.warmHistories(from, from + slice, o.limit ?? -1));
      users += r.users;
      if (r.full) return { users, full: true };
      await new Promise((resolve) => setImmediate(resolve));
    }
    return { users, full: false };
  }

  /** Events held in the history cache (plus USER_COST per user): what warmHistories and reads brought in. */
  get cachedHistoryRows(): number {
    return this.core.cachedHistoryRows;
  }

  getItems(ids: string[]): Promise<(ItemRow | undefined)[]> {
    return this.run(() => this.core.getItems(ids));
  }
  history(user: string, o: { limit?: number } = {}): Promise<InteractionRow[]> {
    return this.run(() => {
      if (o.limit !== undefined && !(Number.isInteger(o.limit) && o.limit >= 0)) throw new StoreError(`history limit must be a non-negative integer, got ${o.limit}`);
      return this.core.history(user, o.limit);
    });
  }

  async *scan(o: { batch: number; since?: number }): AsyncIterable<InteractionRow[]> {
    checkBatch(o.batch);
    checkTime('scan since', o.since);
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
    return this.run(() => {
      // A NaN bound or a misspelt type would silently select nothing: training on an empty snapshot.
      checkTime('snapshot since', o?.since);
      checkTime('snapshot until', o?.until);
      for (const t of o?.types ?? []) if (!isInteractionType(t)) throw new StoreError(`snapshot types: unknown interaction type "${String(t)}"`);
      return this.core.snapshot(o);
    });
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

  /**
   * Closes the store; closing twice is harmless. With `removeIfNewAndEmpty`, a store file that this open created
   * and that is still empty is deleted (with its -wal and -shm files): a failed import leaves nothing behind.
   */
  close(o: { removeIfNewAndEmpty?: boolean } = {}): Promise<void> {
    if (this.inTransaction) return Promise.reject(new StoreError(`${this.url}: cannot close a store inside its transaction`));
    if (!this.closed) {
      try {
        this.checkUsable();
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return this.gate.run(() => {
      if (this.closed) return;
      const file = this.core.db.name;
      const remove = o.removeIfNewAndEmpty === true && this.core.created && this.core.isEmpty();
      this.closed = true;
      this.core.db.close();
      if (remove) for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
    });
  }
}

function checkBatch(batch: number): void {
  if (!Number.isInteger(batch) || batch < 1) throw new StoreError(`scan batch must be a positive integer, got ${batch}`);
}

function checkTime(what: string, t: number | undefined): void {
  if (t !== undefined && (typeof t !== 'number' || Number.isNaN(t))) throw new StoreError(`${what} must be a time in ms since the epoch, got ${String(t)}`);
}
