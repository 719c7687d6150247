import type { InteractionRow, InteractionType } from '../../data/types.ts';

/**
 * What a cached user costs beyond their events, in events: an entry and its four typed arrays take about as much
 * memory as 20 events in columns, so many short histories cannot hold far more memory than the limit suggests.
 */
export const USER_COST = 20;

/** One event as the history query reads it: the item's rowid and ext id, then the event's columns. */
export type HistoryCols = [itemId: number, item: string, type: string, value: number, ts: number, session: string, text: string | null];

interface Entry {
  limit: number;
  /** Item rowids (the ext ids are kept once per item, in `itemExt`). */
  items: Int32Array;
  types: Uint8Array;
  values: Float64Array;
  ts: Float64Array;
  /** Only when some event of the user has a session / a text. */
  sessions?: string[];
  texts?: (string | null)[];
}

/**
 * Users' histories as last read (newest first), in columns: about 21 bytes an event instead of an object each, so
 * a server can hold every user's history of a store of millions of events. Exact, not time-bounded: the store drops
 * what a write changes (see SqliteCore.history). Least recently used users go first when `maxRows` is reached.
 */
export class HistoryCache {
  private readonly users = new Map<string, Entry>();
  private held = 0;
  /** Ext id by item rowid, for the items of cached events. */
  private readonly itemExt: string[] = [];
  private readonly typeCode = new Map<string, number>();
  private readonly typeName: string[] = [];

  constructor(
    /** All cached histories together hold at most this many events, each user counting USER_COST more. */
    readonly maxRows: number,
    /** Longer histories are not cached. */
    readonly maxPerUser: number,
  ) {}

  /** Events held, plus USER_COST per user. */
  get rows(): number {
    return this.held;
  }

  get size(): number {
    return this.users.size;
  }

  has(user: string, limit: number): boolean {
    return this.users.get(user)?.limit === limit;
  }

  /** The cached history, as fresh rows, or undefined. */
  get(user: string, limit: number): InteractionRow[] | undefined {
    const e = this.users.get(user);
    if (!e || e.limit !== limit) return undefined;
    // Most recently used last: the oldest entries go first when the cache is full.
    this.users.delete(user);
    this.users.set(user, e);
    const out: InteractionRow[] = new Array(e.items.length);
    for (let q = 0; q < e.items.length; q++) {
      const r: InteractionRow = { user, item: this.itemExt[e.items[q]!]!, type: this.typeName[e.types[q]!] as InteractionType, value: e.values[q]!, timestamp: e.ts[q]! };
      const s = e.sessions?.[q];
      if (s) r.session = s;
      const t = e.texts?.[q];
      if (t !== undefined && t !== null) r.text = t;
      out[q] = r;
    }
    return out;
  }

  /**
   * Caches `cols` as the user's history read with `limit`; `evict` false keeps what is held and caches nothing when
   * it would not fit (warming never pushes out histories that requests brought in). Returns whether it was cached.
   */
  put(user: string, limit: number, cols: readonly HistoryCols[], evict = true): boolean {
    const n = cols.length;
    if (n > this.maxPerUser) return false;
    this.forget(user);
    if (!evict && this.held + n + USER_COST > this.maxRows) return false;
    const e: Entry = { limit, items: new Int32Array(n), types: new Uint8Array(n), values: new Float64Array(n), ts: new Float64Array(n) };
    for (let q = 0; q < n; q++) {
      const c = cols[q]!;
      e.items[q] = c[0];
      this.itemExt[c[0]] ??= c[1];
      let code = this.typeCode.get(c[2]);
      if (code === undefined) {
        code = this.typeName.length;
        if (code > 255) return false; // the store's types are a handful; never more than a byte
        this.typeCode.set(c[2], code);
        this.typeName.push(c[2]);
      }
      e.types[q] = code;
      e.values[q] = c[3];
      e.ts[q] = c[4];
      if (c[5] !== '') (e.sessions ??= new Array<string>(n).fill(''))[q] = c[5];
      if (c[6] !== null) (e.texts ??= new Array<string | null>(n).fill(null))[q] = c[6];
    }
    this.users.set(user, e);
    this.held += n + USER_COST;
    for (const [u, h] of this.users) {
      if (this.held <= this.maxRows) break;
      this.users.delete(u);
      this.held -= h.items.length + USER_COST;
    }
    return true;
  }

  forget(user: string): void {
    const e = this.users.get(user);
    if (e) {
      this.users.delete(user);
      this.held -= e.items.length + USER_COST;
    }
  }

  /** Drops everything, item ids included (a rowid may name another item after a delete). */
  clear(): void {
    this.users.clear();
    this.held = 0;
    this.itemExt.length = 0;
  }
}
