/** What a user did to an item. Stored as text; kept small so models can map it to a weight. */
export const INTERACTION_TYPES = ['view', 'click', 'cart', 'purchase', 'rating', 'review', 'like', 'dislike', 'share', 'impression'] as const;
export type InteractionType = (typeof INTERACTION_TYPES)[number];

/**
 * Types that record what the system did, not what the user did (an `impression` = an item was shown).
 * They are kept out of training data and histories unless asked for by name.
 */
export const NON_SIGNAL_TYPES: readonly InteractionType[] = ['impression'];

export function isInteractionType(s: string): s is InteractionType {
  return (INTERACTION_TYPES as readonly string[]).includes(s);
}

/** Code of each type in columnar arrays (Uint8Array). */
export const TYPE_CODE: Record<InteractionType, number> = Object.fromEntries(
  INTERACTION_TYPES.map((t, i) => [t, i]),
) as Record<InteractionType, number>;

export interface ItemRow {
  id: string;
  title?: string;
  /** Free text: description, synopsis, product text. */
  text?: string;
  categories?: string[];
  /** Any other attributes (author, brand, year, language...). JSON-serialisable. */
  attrs?: Record<string, unknown>;
  price?: number;
  /** Publication / creation time, ms since epoch. */
  timestamp?: number;
}

export interface UserRow {
  id: string;
  attrs?: Record<string, unknown>;
}

export interface InteractionRow {
  user: string;
  item: string;
  type: InteractionType;
  /** Rating, quantity, dwell seconds... 1 when the event carries no value. */
  value: number;
  /** ms since epoch; 0 when unknown. */
  timestamp: number;
  /** Session or basket id (e.g. an invoice number). */
  session?: string;
  /** Review text. */
  text?: string;
}

/**
 * A batch of interactions as columns, for bulk writes: no object per row. Ids are interned per batch (row k's
 * user is `userIds[user[k]]`), so the store looks each distinct id up once per batch, not once per row.
 */
export interface InteractionColumns {
  length: number;
  userIds: string[];
  user: Int32Array;
  itemIds: string[];
  item: Int32Array;
  /** TYPE_CODE of each row's type. */
  type: Uint8Array;
  value: Float64Array;
  timestamp: Float64Array;
  /** Per row, or absent when no row has one. */
  session?: (string | undefined)[];
  text?: (string | undefined)[];
}

/** Builds InteractionColumns row by row (growing past `capacity` when needed; `build` trims to the rows pushed). */
export class InteractionColumnsBuilder {
  private readonly userIdx = new Map<string, number>();
  private readonly itemIdx = new Map<string, number>();
  private readonly cols: InteractionColumns;
  private session: (string | undefined)[] | undefined;
  private text: (string | undefined)[] | undefined;

  constructor(private capacity: number) {
    capacity = this.capacity = Math.max(1, capacity);
    this.cols = {
      length: 0, userIds: [], user: new Int32Array(capacity), itemIds: [], item: new Int32Array(capacity),
      type: new Uint8Array(capacity), value: new Float64Array(capacity), timestamp: new Float64Array(capacity),
    };
  }

  get length(): number {
    return this.cols.length;
  }

  push(r: InteractionRow): void {
    if (this.cols.length === this.capacity) this.grow();
    const c = this.cols, k = c.length++;
    let u = this.userIdx.get(r.user);
    if (u === undefined) { u = c.userIds.length; c.userIds.push(r.user); this.userIdx.set(r.user, u); }
    let i = this.itemIdx.get(r.item);
    if (i === undefined) { i = c.itemIds.length; c.itemIds.push(r.item); this.itemIdx.set(r.item, i); }
    c.user[k] = u;
    c.item[k] = i;
    c.type[k] = TYPE_CODE[r.type];
    c.value[k] = r.value;
    c.timestamp[k] = r.timestamp;
    if (r.session !== undefined) (this.session ??= new Array<string | undefined>(this.capacity))[k] = r.session;
    if (r.text !== undefined) (this.text ??= new Array<string | undefined>(this.capacity))[k] = r.text;
  }

  private grow(): void {
    const c = this.cols, n = (this.capacity *= 2);
    const more = <T extends Int32Array | Uint8Array | Float64Array>(a: T, make: new (n: number) => T): T => { const b = new make(n); b.set(a); return b; };
    c.user = more(c.user, Int32Array);
    c.item = more(c.item, Int32Array);
    c.type = more(c.type, Uint8Array);
    c.value = more(c.value, Float64Array);
    c.timestamp = more(c.timestamp, Float64Array);
    if (this.session) this.session.length = n;
    if (this.text) this.text.length = n;
  }

  build(): InteractionColumns {
    const c = this.cols, n = c.length;
    const out: InteractionColumns = {
      length: n, userIds: c.userIds, user: c.user.subarray(0, n), itemIds: c.itemIds, item: c.item.subarray(0, n),
      type: c.type.subarray(0, n), value: c.value.subarray(0, n), timestamp: c.timestamp.subarray(0, n),
    };
    if (this.session) out.session = this.session.slice(0, n);
    if (this.text) out.text = this.text.slice(0, n);
    return out;
  }
}

/** Rows as columns (the store writes both through one path). */
export function interactionColumns(rows: readonly InteractionRow[]): InteractionColumns {
  const b = new InteractionColumnsBuilder(rows.length);
  for (const r of rows) b.push(r);
  return b.build();
}
