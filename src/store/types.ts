import type { InteractionColumns, InteractionRow, InteractionType, ItemRow, UserRow } from '../data/types.ts';
import type { Interactions } from '../data/interactions.ts';

/** What a batch write did. Every input row is accounted for: inserted + updated + unchanged = rows. */
export interface WriteReport {
  rows: number;
  inserted: number;
  updated: number;
  /** Rows identical to what was stored already (e.g. re-importing the same file). */
  unchanged: number;
}

export interface SnapshotOptions {
  /** Only these interaction types (default: all). */
  types?: InteractionType[];
  /** Only events at or after / before these times (ms since epoch). */
  since?: number;
  until?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface StoreStats {
  users: number;
  items: number;
  interactions: number;
  byType: Record<string, number>;
}

/** A record of one import, kept in the store for provenance. */
export interface ImportRecord {
  source: string;
  format: string;
  rows: number;
  inserted: number;
  skipped: number;
  at: number;
}

/** How to open a store. */
export interface OpenOptions {
  /** Create the store when it does not exist (default true). When false, a missing store is a StoreError. */
  create?: boolean;
  /** Open for reading only (implies create: false): writes are StoreErrors and the store is never modified. */
  readonly?: boolean;
}

/** Which store this is: `id` is random, written when the store was created, and never changes. */
export interface StoreInfo {
  id: string;
  url: string;
  schemaVersion: number;
}

/**
 * Users, items and interactions. One transaction per batch call: a batch that fails leaves the store as it was.
 * Interactions are keyed by (user, item, type, timestamp, session): writing the same event twice stores it once.
 * Async so that a networked backend (PostgreSQL) can implement the same interface.
 */
export interface DataStore {
  readonly url: string;
  /** The store's identity (a model file records `id` to refuse being used with another store). */
  info(): Promise<StoreInfo>;
  upsertUsers(rows: UserRow[]): Promise<WriteReport>;
  upsertItems(rows: ItemRow[]): Promise<WriteReport>;
  addInteractions(rows: InteractionRow[]): Promise<WriteReport>;
  /** The same as addInteractions for a batch held as columns (bulk imports: no object per row). */
  addInteractionColumns(cols: InteractionColumns): Promise<WriteReport>;
  /** Runs `fn` in one transaction: all of its writes land or none do. */
  transaction<T>(fn: (tx: DataStore) => Promise<T>): Promise<T>;
  getItem(id: string): Promise<ItemRow | undefined>;
  getItems(ids: string[]): Promise<(ItemRow | undefined)[]>;
  /** A user's events, newest first. */
  history(user: string, o?: { limit?: number }): Promise<InteractionRow[]>;
  /** Streams every interaction in batches, oldest first. */
  scan(o: { batch: number; since?: number }): AsyncIterable<InteractionRow[]>;
  /** A columnar in-memory snapshot for training and evaluation. */
  snapshot(o?: SnapshotOptions): Promise<Interactions>;
  /** Every item, in id order, streamed in batches. */
  scanItems(o: { batch: number }): AsyncIterable<ItemRow[]>;
  deleteUser(user: string): Promise<number>;
  recordImport(r: ImportRecord): Promise<void>;
  imports(): Promise<ImportRecord[]>;
  stats(): Promise<StoreStats>;
  /**
   * Closes the store. `removeIfNewAndEmpty`: if this open created the store and it is still empty (nothing was
   * written), remove it, so a failed first import leaves no empty store behind.
   */
  close(o?: { removeIfNewAndEmpty?: boolean }): Promise<void>;
}
