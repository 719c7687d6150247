import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { CurioError, StoreError } from '../../errors.ts';
import { InteractionsBuilder, type Interactions } from '../../data/interactions.ts';
import { INTERACTION_TYPES, interactionColumns, TYPE_CODE, type InteractionColumns, type InteractionRow, type InteractionType, type ItemRow, type UserRow } from '../../data/types.ts';
import { HistoryCache, type HistoryCols } from './history-cache.ts';
import type { ImportRecord, SnapshotOptions, StoreInfo, StoreStats, WriteReport } from '../types.ts';
import { validateInteractionColumns, validateInteractions, validateItems, validateUsers } from '../validate.ts';
import { curioVersion, enableWal, migrate, SCHEMA_VERSION } from './schema.ts';
import { toStoreError } from './errors.ts';

/** How a SQLite store is opened. */
export interface SqliteOpenOptions {
  /** Create the file when it does not exist (default true). When false, a missing file is a StoreError. */
  create?: boolean;
  /** Open read-only (implies create: false): any write is a StoreError, and the file is never modified. */
  readonly?: boolean;
  /** How long a write waits for another process's write to finish before failing (default 5000 ms). */
  busyTimeoutMs?: number;
}

export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

type ItemCols = [title: string | null, text: string | null, categories: string | null, attrs: string | null, price: number | null, ts: number | null];
type EventCols = [item: string, type: string, value: number, ts: number, session: string, text: string | null];

const json = (x: unknown): string | null => (x === undefined ? null : JSON.stringify(x));

function itemFromCols(id: string, c: ItemCols): ItemRow {
  const r: ItemRow = { id };
  if (c[0] !== null) r.title = c[0];
  if (c[1] !== null) r.text = c[1];
  if (c[2] !== null) r.categories = JSON.parse(c[2]) as string[];
  if (c[3] !== null) r.attrs = JSON.parse(c[3]) as Record<string, unknown>;
  if (c[4] !== null) r.price = c[4];
  if (c[5] !== null) r.timestamp = c[5];
  return r;
}

function eventFromCols(user: string, c: EventCols): InteractionRow {
  const r: InteractionRow = { user, item: c[0], type: c[1] as InteractionType, value: c[2], timestamp: c[3] };
  if (c[4] !== '') r.session = c[4];
  if (c[5] !== null) r.text = c[5];
  return r;
}

const ITEM_COLS = 'title, text, categories, attrs, price, ts';
/**
 * Histories longer than this are read each time; all cached histories together hold at most this many events, each
 * user counting as HistoryCache's USER_COST more (about 21 bytes an event in its columns: some 84 MB at most).
 */
const MAX_CACHED_HISTORY = 2000;
const MAX_CACHED_HISTORY_ROWS = 4_000_000;
const EVENT_COLS = 'it.ext, x.type, x.value, x.ts, x.session, x.text';

/**
 * Synchronous SQLite operations on one connection. Not safe to interleave with itself across awaits:
 * SqliteStore serialises access. Ext-id -> rowid caches make repeated ids cost no query; they are dropped
 * on any rollback because the rows they point to may be gone.
 */
export class SqliteCore {
  readonly db: Database.Database;
  private readonly userIds = new Map<string, number>();
  private readonly itemIds = new Map<string, number>();
  private readonly q;

  /** True when this open created the file (it did not exist before). */
  readonly created: boolean = false;
  readonly readonly: boolean;
  readonly busyTimeoutMs: number;

  constructor(readonly url: string, file: string, o: SqliteOpenOptions = {}) {
    this.readonly = o.readonly ?? false;
    this.busyTimeoutMs = o.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    const create = (o.create ?? true) && !this.readonly;
    const memory = file === ':memory:';
    if (!memory) {
      const st = statSync(file, { throwIfNoEntry: false });
      if (st?.isDirectory()) throw new StoreError(`${url}: ${file} is a directory, not a store file`);
      if (!st && !create) {
        throw new StoreError(`${url}: no store at ${resolve(file)}: the file does not exist; check the path (a store is created by curio import)`);
      }
      if (!st && !existsSync(dirname(resolve(file)))) {
        throw new StoreError(`${url}: cannot create the store: directory ${dirname(resolve(file))} does not exist`);
      }
      this.created = !st;
    }
    let db: Database.Database | undefined;
    try {
      this.db = db = new Database(file, { readonly: this.readonly, fileMustExist: !create && !memory, timeout: this.busyTimeoutMs });
      // Look before changing anything: a SQLite file of another program must not even get its journal mode switched.
      const version = curioVersion(this.db, url);
      if (version === 'empty' && !create) {
        throw new StoreError(`${url}: ${file} is an empty database, not a Curio store yet; import data into it first (curio import)`);
      }
      if (this.readonly && version !== SCHEMA_VERSION) {
        throw new StoreError(`${url}: store schema version ${version} is older than this Curio's (${SCHEMA_VERSION}); open it once without readonly to upgrade it`);
      }
      if (!memory && !this.readonly) enableWal(this.db, this.busyTimeoutMs);
      this.db.pragma('foreign_keys = ON');
      this.db.pragma('synchronous = NORMAL');
      // Bulk imports insert into several B-trees in random key order: SQLite's 2 MiB default page cache thrashes.
      this.db.pragma('cache_size = -65536');
      if (!this.readonly) migrate(this.db, url);
    } catch (e) {
      if (db?.open) db.close();
      throw toStoreError(e, `${url}: cannot open SQLite store`, this);
    }
    const p = (sql: string) => this.db.prepare(sql);
    this.q = {
      userId: p('SELECT id FROM users WHERE ext = ?').pluck(),
      userGet: p('SELECT id, attrs FROM users WHERE ext = ?').raw(),
      userIns: p('INSERT INTO users (ext, attrs) VALUES (?, ?)'),
      userUpd: p('UPDATE users SET attrs = ? WHERE id = ?'),
      itemId: p('SELECT id FROM items WHERE ext = ?').pluck(),
      itemGet: p(`SELECT id, ${ITEM_COLS} FROM items WHERE ext = ?`).raw(),
      itemIns: p(`INSERT INTO items (ext, ${ITEM_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?)`),
      itemUpd: p('UPDATE items SET title = ?, text = ?, categories = ?, attrs = ?, price = ?, ts = ? WHERE id = ?'),
      // One statement and one key probe per event, new or not: a conflicting event is updated only when its value or
      // text differ, and RETURNING says which happened (no row: unchanged; see addInteractions for inserted vs updated).
      eventUpsert: p(`INSERT INTO interactions (user_id, item_id, type, value, ts, session, text) VALUES (?, ?, ?, ?, ?, ?, ?)
                      ON CONFLICT (user_id, ts, item_id, type, session) DO UPDATE SET value = excluded.value, text = excluded.text
                      WHERE value IS NOT excluded.value OR text IS NOT excluded.text
                      RETURNING id`).pluck(),
      // A first load meets few repeats: the plain insert is cheaper than the upsert (no RETURNING), which runs only
      // when the insert met an existing event.
      eventInsNew: p(`INSERT INTO interactions (user_id, item_id, type, value, ts, session, text) VALUES (?, ?, ?, ?, ?, ?, ?)
                      ON CONFLICT DO NOTHING`),
      maxEventId: p('SELECT max(id) FROM interactions').pluck(),
      rewrites: p(`SELECT n FROM changes WHERE what = 'rewrites'`).pluck(),
      usersWithEventsAfter: p('SELECT DISTINCT u.ext FROM interactions i JOIN users u ON u.id = i.user_id WHERE i.id > ?').pluck(),
      hasEvents: p('SELECT EXISTS (SELECT 1 FROM interactions)').pluck(),
      history: p(`SELECT x.item_id, ${EVENT_COLS} FROM interactions x JOIN items it ON it.id = x.item_id
                  WHERE x.user_id = ? ORDER BY x.ts DESC, x.id DESC LIMIT ?`).raw(),
      historyRange: p(`SELECT x.user_id, u.ext, x.item_id, ${EVENT_COLS} FROM interactions x
                       JOIN users u ON u.id = x.user_id JOIN items it ON it.id = x.item_id
                       WHERE x.user_id >= ? AND x.user_id < ? ORDER BY x.user_id, x.ts DESC, x.id DESC`).raw(),
      maxUserId: p('SELECT max(id) FROM users').pluck(),
      scan: p(`SELECT x.id, u.ext, ${EVENT_COLS} FROM interactions x
               JOIN users u ON u.id = x.user_id JOIN items it ON it.id = x.item_id
               WHERE (x.ts, x.id) > (?, ?) ORDER BY x.ts, x.id LIMIT ?`).raw(),
      scanItems: p(`SELECT ext, ${ITEM_COLS} FROM items WHERE ext > ? ORDER BY ext LIMIT ?`).raw(),
      deleteEvents: p('DELETE FROM interactions WHERE user_id = ?'),
      deleteUser: p('DELETE FROM users WHERE id = ?'),
      importIns: p('INSERT INTO imports (source, format, rows, inserted, skipped, at) VALUES (?, ?, ?, ?, ?, ?)'),
      importAll: p('SELECT source, format, rows, inserted, skipped, at FROM imports ORDER BY id'),
      dataVersion: p('PRAGMA data_version').pluck(),
      totalChanges: p('SELECT total_changes()').pluck(),
    };
  }

  /** Runs `fn` atomically: its own transaction, or a savepoint inside an open one. */
  private atomic<T>(fn: () => T): T {
    try {
      // IMMEDIATE: take the write lock first. A deferred transaction reads first, and when another process
      // commits while it waits for the lock, SQLite fails it at once (SQLITE_BUSY_SNAPSHOT) instead of waiting.
      return this.db.transaction(() => {
        this.syncIdCaches();
        const out = fn();
        // Our own events and rewrites were dropped from the caches as they were written: another connection's next
        // commit is then measured from here (nobody else can write inside this transaction).
        this.seenRewrites = this.q.rewrites.get() as number;
        this.seenMaxEventId = (this.q.maxEventId.get() as number | null) ?? 0;
        return out;
      }).immediate();
    } catch (e) {
      this.forgetIds();
      throw this.error(e);
    }
  }

  /** `e` as a StoreError that says what to do (another process holds the store, disk full...). */
  error(e: unknown): CurioError {
    return toStoreError(e, this.url, this);
  }

  /**
   * Drops the id caches when another connection (another process, or another store handle on the same file) has
   * committed since we last looked: it may have deleted a user whose rowid SQLite then gave to a new user, and a
   * cached rowid would credit our events to that other user. Called inside the write transaction.
   */
  private syncIdCaches(): void {
    const v = this.q.dataVersion.get() as number;
    if (v === this.dataVersion) return;
    // Another connection committed. When all it did was add events (and users or items), only the histories of the
    // users it wrote for are out of date; anything else (a rewrite, a deletion: the triggers count them) drops all.
    const rewrites = this.q.rewrites.get() as number, maxId = (this.q.maxEventId.get() as number | null) ?? 0;
    if (this.dataVersion !== -1 && rewrites === this.seenRewrites && maxId >= this.seenMaxEventId) {
      if (maxId > this.seenMaxEventId) for (const user of this.q.usersWithEventsAfter.iterate(this.seenMaxEventId) as Iterable<string>) this.forgetHistory(user);
    } else this.forgetIds();
    this.dataVersion = v;
    this.seenRewrites = rewrites;
    this.seenMaxEventId = maxId;
  }
  private dataVersion = -1;
  private seenRewrites = 0;
  private seenMaxEventId = 0;

  forgetIds(): void {
    this.dataVersion = -1; // what we saw of others' commits is void too: the next read starts afresh
    this.userIds.clear();
    this.itemIds.clear();
    this.forgetHistories();
  }

  /**
   * Users' histories as last read (newest first), so a server answering the same users again reads no events.
   * Exact, not a time-bounded cache: every write of this connection drops what it changes (addInteractions the
   * users written, deleteUser the user, anything else all), a commit by another connection (data_version, checked
   * on each read) drops the users it added events for, or all when it rewrote or deleted rows, and a rollback
   * drops all.
   */
  private readonly histories = new HistoryCache(MAX_CACHED_HISTORY_ROWS, MAX_CACHED_HISTORY);

  forgetHistories(): void {
    this.histories.clear();
  }

  private forgetHistory(user: string): void {
    this.histories.forget(user);
  }

  /** Events the history cache holds, plus HistoryCache's USER_COST per user. */
  get cachedHistoryRows(): number {
    return this.histories.rows;
  }

  /** Writes made on this connection so far (SQLite's total_changes): a raw write through withDatabase shows here. */
  changes(): number {
    return this.q.totalChanges.get() as number;
  }

  private userRowId(ext: string): number {
    let id = this.userIds.get(ext);
    if (id === undefined) {
      id = (this.q.userId.get(ext) as number | undefined) ?? Number(this.q.userIns.run(ext, null).lastInsertRowid);
      if (this.userIds.size > 1_000_000) this.userIds.clear();
      this.userIds.set(ext, id);
    }
    return id;
  }

  private itemRowId(ext: string): number {
    let id = this.itemIds.get(ext);
    if (id === undefined) {
      id = (this.q.itemId.get(ext) as number | undefined) ?? Number(this.q.itemIns.run(ext, null, null, null, null, null, null).lastInsertRowid);
      if (this.itemIds.size > 1_000_000) this.itemIds.clear();
      this.itemIds.set(ext, id);
    }
    return id;
  }

  upsertUsers(rows: UserRow[]): WriteReport {
    validateUsers(rows);
    return this.atomic(() => {
      const rep: WriteReport = { rows: rows.length, inserted: 0, updated: 0, unchanged: 0 };
      for (const r of rows) {
        const old = this.q.userGet.get(r.id) as [number, string | null] | undefined;
        if (!old) {
          this.q.userIns.run(r.id, json(r.attrs));
          rep.inserted++;
        } else if (r.attrs !== undefined && json(r.attrs) !== old[1]) {
          this.q.userUpd.run(json(r.attrs), old[0]);
          rep.updated++;
        } else rep.unchanged++;
      }
      return rep;
    });
  }

  /** Fields a row leaves undefined keep their stored value, so a bare id never erases a title. */
  upsertItems(rows: ItemRow[]): WriteReport {
    validateItems(rows);
    return this.atomic(() => {
      const rep: WriteReport = { rows: rows.length, inserted: 0, updated: 0, unchanged: 0 };
      for (const r of rows) {
        const old = this.q.itemGet.get(r.id) as [number, ...ItemCols] | undefined;
        const cols: ItemCols = [
          r.title ?? old?.[1] ?? null, r.text ?? old?.[2] ?? null,
          r.categories !== undefined ? json(r.categories) : old?.[3] ?? null,
          r.attrs !== undefined ? json(r.attrs) : old?.[4] ?? null,
          r.price ?? old?.[5] ?? null, r.timestamp ?? old?.[6] ?? null,
        ];
        if (!old) {
          this.q.itemIns.run(r.id, ...cols);
          rep.inserted++;
        } else if (cols.some((c, k) => c !== old[k + 1])) {
          this.q.itemUpd.run(...cols, old[0]);
          rep.updated++;
        } else rep.unchanged++;
      }
      return rep;
    });
  }

  addInteractions(rows: InteractionRow[]): WriteReport {
    validateInteractions(rows);
    return this.writeEvents(interactionColumns(rows));
  }

  addInteractionColumns(c: InteractionColumns): WriteReport {
    validateInteractionColumns(c);
    return this.writeEvents(c);
  }

  /** One path for rows and columns: a bulk import binds statements straight from typed columns, no row objects. */
  private writeEvents(c: InteractionColumns): WriteReport {
    for (const u of c.userIds) this.forgetHistory(u);
    this.maybeDeferTimeIndex();
    return this.atomic(() => {
      this.syncIdCaches();
      let inserted = 0, updated = 0, unchanged = 0;
      const { eventUpsert, eventInsNew } = this.q;
      const firstLoad = this.timeIndexDeferred;
      // Each distinct id of the batch is looked up (or created) once, in order of first appearance.
      const users = new Float64Array(c.userIds.length), items = new Float64Array(c.itemIds.length);
      for (let k = 0; k < users.length; k++) users[k] = this.userRowId(c.userIds[k]!);
      for (let k = 0; k < items.length; k++) items[k] = this.itemRowId(c.itemIds[k]!);
      const { user, item, type, value, timestamp, session, text } = c;
      // SQLite gives a new row the largest rowid + 1, so a returned id above every id seen so far is an insert; an
      // update returns an older row's id (also one inserted earlier in this batch: hence the running maximum).
      let maxId = (this.q.maxEventId.get() as number | null) ?? 0;
      for (let k = 0; k < c.length; k++) {
        const u = users[user[k]!]!, i = items[item[k]!]!, t = INTERACTION_TYPES[type[k]!]!;
        const s = session?.[k] ?? '', body = text?.[k] ?? null;
        if (firstLoad) {
          const ins = eventInsNew.run(u, i, t, value[k]!, timestamp[k]!, s, body);
          if (ins.changes) { inserted++; maxId = Number(ins.lastInsertRowid); continue; }
        }
        const id = eventUpsert.get(u, i, t, value[k]!, timestamp[k]!, s, body) as number | undefined;
        if (id === undefined) unchanged++;
        else if (id > maxId) { inserted++; maxId = id; }
        else updated++;
      }
      return { rows: c.length, inserted, updated, unchanged };
    });
  }

  /**
   * Outer transactions opened by SqliteStore.transaction: depth 0 is none. While the one that holds the deferred
   * time index (below) is open, `timeIndexDeferred` is true.
   */
  private txDepth = 0;
  private timeIndexDeferred = false;

  /**
   * A bulk load into an empty interactions table (a first import) inserts events in file order, which is random
   * order for the index on ts: keeping that index up to date row by row was most of an import's time. So the
   * first write of events into an empty table, at the top level of a store transaction, drops the index, and the
   * commit builds it again in one sorted pass (endTransaction). The drop is part of the transaction: a rollback
   * brings the index back with everything else. The uniqueness key stays, so duplicates and the write report
   * are exactly those of the incremental path.
   */
  private maybeDeferTimeIndex(): void {
    if (this.txDepth !== 1 || this.timeIndexDeferred || !this.db.inTransaction) return;
    if (this.q.hasEvents.get() === 1) return;
    this.db.exec('DROP INDEX IF EXISTS interactions_ts');
    this.timeIndexDeferred = true;
  }

  /** Called by SqliteStore.transaction when a transaction (outer or nested) has begun. */
  beginTransaction(): void {
    this.txDepth++;
  }

  /**
   * Called by SqliteStore.transaction just before the innermost open transaction commits (`commit`), or after it
   * rolled back. The outer commit first rebuilds a deferred time index (a failure there fails the commit, and the
   * caller rolls back); the outer rollback has restored it already. The drop happened at depth 1, outside every
   * savepoint, so a nested rollback cannot undo it.
   */
  endTransaction(commit: boolean): void {
    try {
      if (this.txDepth === 1 && this.timeIndexDeferred && commit) this.db.exec('CREATE INDEX interactions_ts ON interactions(ts)');
    } finally {
      if (this.txDepth === 1) this.timeIndexDeferred = false;
      this.txDepth--;
    }
  }

  getItems(ids: string[]): (ItemRow | undefined)[] {
    return ids.map((id) => {
      const c = this.q.itemGet.get(id) as [number, ...ItemCols] | undefined;
      return c && itemFromCols(id, c.slice(1) as ItemCols);
    });
  }

  history(user: string, limit = -1): InteractionRow[] {
    this.syncIdCaches();
    const cached = this.histories.get(user, limit);
    if (cached) return cached;
    const uid = this.q.userId.get(user) as number | undefined;
    if (uid === undefined) return [];
    const cols = this.q.history.all(uid, limit) as HistoryCols[];
    this.histories.put(user, limit, cols);
    return cols.map((c) => eventFromCols(user, c.slice(1) as EventCols));
  }

  /**
   * Reads the histories of users with rowids in [from, to) into the cache (as `history(user, limit)` would), without
   * pushing out what it holds: a server warms its cache in such slices after it starts. Returns the users cached and
   * whether the cache is full.
   */
  warmHistories(from: number, to: number, limit = -1): { users: number; full: boolean } {
    this.syncIdCaches();
    let users = 0, full = false;
    let user = '', rows: HistoryCols[] = [];
    const flush = () => {
      if (!rows.length) return;
      const take = limit >= 0 && rows.length > limit ? rows.slice(0, limit) : rows;
      if (!this.histories.has(user, limit)) {
        if (this.histories.put(user, limit, take, false)) users++;
        else if (take.length <= this.histories.maxPerUser) full = true;
      }
      rows = [];
    };
    for (const r of this.q.historyRange.iterate(from, to) as Iterable<[number, string, ...HistoryCols]>) {
      if (r[1] !== user) {
        flush();
        if (full) break;
        user = r[1];
      }
      rows.push(r.slice(2) as HistoryCols);
    }
    if (!full) flush();
    return { users, full };
  }

  /** The largest user rowid (0 when there are none): the end of warmHistories' slices. */
  maxUserRowid(): number {
    return (this.q.maxUserId.get() as number | null) ?? 0;
  }

  /** One page of the oldest-first scan, after the (ts, id) cursor. */
  scanPage(afterTs: number, afterId: number, batch: number): { rows: InteractionRow[]; lastTs: number; lastId: number } {
    const raw = this.q.scan.all(afterTs, afterId, batch) as [number, string, ...EventCols][];
    const last = raw[raw.length - 1];
    return {
      rows: raw.map((c) => eventFromCols(c[1], c.slice(2) as EventCols)),
      lastTs: last ? last[5] : afterTs, lastId: last ? last[0] : afterId,
    };
  }

  scanItemsPage(after: string, batch: number): ItemRow[] {
    return (this.q.scanItems.all(after, batch) as [string, ...ItemCols][]).map((c) => itemFromCols(c[0], c.slice(1) as ItemCols));
  }

  /**
   * Runs `fn` in one read transaction: every statement in it sees the same committed state, even while
   * another process commits (WAL readers see the snapshot taken at their first read). Inside an open
   * transaction `fn` just runs: that transaction is already one view.
   */
  private consistentRead<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    this.db.exec('BEGIN DEFERRED');
    try {
      return fn();
    } finally {
      if (this.db.inTransaction) this.db.exec('COMMIT');
    }
  }

  /**
   * Streams rows with raw iteration into typed columns. Ids are interned in interaction-id order,
   * so the same store always yields the same dense indices. The count, both id maps and the rows are read in
   * one read transaction: read separately, a writer committing in between gave rows whose user was past the
   * end of the id map (and, before that was checked, silently user 0).
   */
  snapshot(o: SnapshotOptions = {}): Interactions {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (o.types) {
      const types = [...new Set(o.types)]; // a long repeated list must not exceed SQLite's bound-variable limit
      where.push(`type IN (${types.map(() => '?').join(', ') || 'NULL'})`);
      params.push(...types);
    }
    if (o.since !== undefined) { where.push('ts >= ?'); params.push(o.since); }
    if (o.until !== undefined) { where.push('ts < ?'); params.push(o.until); }
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    return this.consistentRead(() => {
      const total = this.db.prepare(`SELECT count(*) FROM interactions ${filter}`).pluck().get(...params) as number;
      const userExt = this.extById('users'), itemExt = this.extById('items');
      const userDense = new Int32Array(userExt.length).fill(-1), itemDense = new Int32Array(itemExt.length).fill(-1);
      const b = new InteractionsBuilder();
      const rows = this.db.prepare(`SELECT id, user_id, item_id, value, ts, type FROM interactions ${filter} ORDER BY id`).raw().iterate(...params);
      let done = 0;
      for (const row of rows as Iterable<[number, number, number, number, number, InteractionType]>) {
        const uid = row[1], iid = row[2];
        let u = userDense[uid] ?? this.dangling(row[0], 'user', uid);
        if (u < 0) u = userDense[uid] = b.users.intern(userExt[uid] ?? this.dangling(row[0], 'user', uid));
        let i = itemDense[iid] ?? this.dangling(row[0], 'item', iid);
        if (i < 0) i = itemDense[iid] = b.items.intern(itemExt[iid] ?? this.dangling(row[0], 'item', iid));
        const type = TYPE_CODE[row[5]];
        if (type === undefined) throw new StoreError(`${this.url}: interaction ${row[0]} has unknown type "${row[5]}"; the store was written by something other than Curio`);
        b.addIndex(u, i, row[3], row[4], type);
        if (o.onProgress && (++done & 0xffff) === 0) o.onProgress(done, total);
      }
      if (b.length !== total) throw new StoreError(`${this.url}: snapshot read ${b.length} interactions but counted ${total} in the same transaction`);
      o.onProgress?.(b.length, total);
      return b.build();
    });
  }

  private dangling(event: number, what: 'user' | 'item', id: number): never {
    throw new StoreError(`${this.url}: interaction ${event} refers to ${what} ${id}, which is not in the store; the store is inconsistent (run "PRAGMA foreign_key_check" on it)`);
  }

  /** ext ids indexed by rowid (a dense array: rowids are assigned 1, 2, 3... by SQLite). */
  private extById(table: 'users' | 'items'): string[] {
    const max = (this.db.prepare(`SELECT max(id) FROM ${table}`).pluck().get() as number | null) ?? 0;
    const ext = new Array<string>(max + 1);
    for (const [id, e] of this.db.prepare(`SELECT id, ext FROM ${table}`).raw().iterate() as Iterable<[number, string]>) ext[id] = e;
    return ext;
  }

  deleteUser(user: string): number {
    return this.atomic(() => {
      const uid = this.q.userId.get(user) as number | undefined;
      if (uid === undefined) return 0;
      const n = this.q.deleteEvents.run(uid).changes;
      this.q.deleteUser.run(uid);
      this.userIds.delete(user);
      this.forgetHistory(user);
      return n;
    });
  }

  /** Removes an item and every event on it; returns how many events went. */
  deleteItem(item: string): number {
    return this.atomic(() => {
      const iid = this.q.itemId.get(item) as number | undefined;
      if (iid === undefined) return 0;
      const n = this.db.prepare('DELETE FROM interactions WHERE item_id = ?').run(iid).changes;
      this.db.prepare('DELETE FROM items WHERE id = ?').run(iid);
      this.itemIds.delete(item);
      this.forgetHistories();
      return n;
    });
  }

  recordImport(r: ImportRecord): void {
    this.atomic(() => this.q.importIns.run(r.source, r.format, r.rows, r.inserted, r.skipped, r.at));
  }

  imports(): ImportRecord[] {
    return this.q.importAll.all() as ImportRecord[];
  }

  info(): StoreInfo {
    const id = this.db.prepare(`SELECT value FROM meta WHERE key = 'store_id'`).pluck().get() as string | undefined;
    if (id === undefined) throw new StoreError(`${this.url}: the store has no id (its meta table lost the store_id row)`);
    return { id, url: this.url, schemaVersion: SCHEMA_VERSION };
  }

  /** Nothing stored and no import recorded. */
  isEmpty(): boolean {
    return this.consistentRead(() =>
      this.db.prepare('SELECT NOT EXISTS (SELECT 1 FROM users) AND NOT EXISTS (SELECT 1 FROM items) AND NOT EXISTS (SELECT 1 FROM imports)').pluck().get() === 1);
  }

  /** All counts from one view, so they agree with each other while another process writes. */
  stats(): StoreStats {
    return this.consistentRead(() => {
      const count = (t: string) => this.db.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number;
      const byType: Record<string, number> = {};
      for (const [t, n] of this.db.prepare('SELECT type, count(*) FROM interactions GROUP BY type ORDER BY type').raw().all() as [string, number][]) byType[t] = n;
      return { users: count('users'), items: count('items'), interactions: count('interactions'), byType };
    });
  }
}
