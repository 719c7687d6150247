import type { ItemRow } from '../data/types.ts';
import { IdMap } from '../data/ids.ts';
import type { DataStore } from '../store/types.ts';
import { buildFieldIndex, type FieldIndex } from './field-index.ts';

/** Fields every catalogue has; any other name is an attribute, written `attrs.<name>`. */
export const BUILTIN_FIELDS = ['id', 'title', 'category', 'price', 'time'] as const;
export type BuiltinField = (typeof BUILTIN_FIELDS)[number];
/** The value type of each built-in field (`category` is multi-valued). */
export const BUILTIN_TYPES: Record<BuiltinField, 'string' | 'number'> = {
  id: 'string', title: 'string', category: 'string', price: 'number', time: 'number',
};
const ALIASES: Record<string, BuiltinField> = { categories: 'category', timestamp: 'time' };

/**
 * The canonical name of a field as written by a person: built-ins and their aliases (`categories`, `timestamp`)
 * map to the built-in; `attrs.x` stays; any other bare name means `attrs.<name>`.
 * @example canonicalField('categories') === 'category'; canonicalField('brand') === 'attrs.brand'
 */
export function canonicalField(name: string): string {
  if ((BUILTIN_FIELDS as readonly string[]).includes(name)) return name;
  const alias = ALIASES[name];
  if (alias) return alias;
  return name.startsWith('attrs.') ? name : `attrs.${name}`;
}

export function isBuiltinField(field: string): field is BuiltinField {
  return (BUILTIN_FIELDS as readonly string[]).includes(field);
}

const NO_CATEGORIES: readonly string[] = Object.freeze([]);
const NO_ITEMS = new Int32Array(0);

/**
 * Every item of a store in one dense index space 0..size-1, column by column: the space request scores
 * (`Float32Array(size)`) and filter masks (`Uint8Array(size)`) live in. Price and time are typed columns (NaN when
 * missing); per-field value indexes (postings and sorted values, used by filters and caps) are built on first use
 * and dropped by `upsert`.
 *
 * @example
 * const catalog = await Catalog.fromStore(store);
 * const i = catalog.ids.get('85123A');          // -1 when unknown
 * catalog.title(i); catalog.price[i]; catalog.attr(i, 'brand');
 * const toCatalog = catalog.indexMap(model.items); // model index -> catalog index
 */
export class Catalog {
  readonly ids = new IdMap();
  private titles: (string | undefined)[] = [];
  private cats: (readonly string[])[] = [];
  private attrRecords: (Record<string, unknown> | undefined)[] = [];
  private priceCol = new Float64Array(16);
  private timeCol = new Float64Array(16);
  private priceView: Float64Array | undefined;
  private timeView: Float64Array | undefined;
  private indexes = new Map<string, FieldIndex>();
  private attrNameSet: Set<string> | undefined;
  /** The item of each upsert, oldest first; `logBase` upserts were dropped from its front. */
  private log: number[] = [];
  private logBase = 0;

  /** Reads every item of `store` (streamed in batches of `batch`, default 5000). */
  static async fromStore(store: DataStore, o: { batch?: number; onProgress?: (items: number) => void } = {}): Promise<Catalog> {
    const c = new Catalog();
    for await (const rows of store.scanItems({ batch: o.batch ?? 5000 })) {
      for (const r of rows) c.upsert(r);
      o.onProgress?.(c.size);
    }
    return c;
  }

  /** A catalogue of these rows, in their order (a repeated id merges into its first row, as in the store). */
  static fromRows(rows: Iterable<ItemRow>): Catalog {
    const c = new Catalog();
    for (const r of rows) c.upsert(r);
    return c;
  }

  get size(): number {
    return this.ids.size;
  }

  /**
   * Counts upserts. Caches over the catalogue (value indexes, filter masks) remember the version they were built at
   * and patch just the items `changedSince` reports instead of rebuilding.
   */
  get version(): number {
    return this.logBase + this.log.length;
  }

  /**
   * The items added or updated since `version` was read (each once, in no promised order), or undefined when that is
   * too far back to tell (the change log keeps the last few thousand upserts): rebuild then.
   */
  changedSince(version: number): Int32Array | undefined {
    if (version < this.logBase) return undefined;
    const from = version - this.logBase;
    if (from >= this.log.length) return NO_ITEMS;
    return Int32Array.from(new Set(this.log.slice(from)));
  }

  /** Price of each item, NaN when missing. A view: take it again after `upsert` adds items. */
  get price(): Float64Array {
    return (this.priceView ??= this.priceCol.subarray(0, this.size));
  }

  /** Item timestamp (ms since epoch) of each item, NaN when missing. A view: take it again after `upsert` adds items. */
  get time(): Float64Array {
    return (this.timeView ??= this.timeCol.subarray(0, this.size));
  }

  title(i: number): string | undefined {
    return this.titles[i];
  }

  categories(i: number): readonly string[] {
    return this.cats[i] ?? NO_CATEGORIES;
  }

  /** The attribute `name` of item i (`name` may be a dotted path into nested objects), undefined when absent. */
  attr(i: number, name: string): unknown {
    const a = this.attrRecords[i];
    if (!a) return undefined;
    if (name in a) return a[name];
    if (!name.includes('.')) return undefined;
    let v: unknown = a;
    for (const part of name.split('.')) {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
      v = (v as Record<string, unknown>)[part];
    }
    return v;
  }

  /** Every attribute name some item has (top-level keys), for messages that suggest a field. */
  attrNames(): ReadonlySet<string> {
    if (!this.attrNameSet) {
      const s = new Set<string>();
      for (const a of this.attrRecords) if (a) for (const k of Object.keys(a)) s.add(k);
      this.attrNameSet = s;
    }
    return this.attrNameSet;
  }

  /**
   * The values of a canonical field (see `canonicalField`) for item i, arrays flattened, null and undefined left
   * out: `[]` when the item lacks the field. Slow path (allocates); hot paths use `fieldIndex`.
   */
  values(i: number, field: string): unknown[] {
    switch (field) {
      case 'id': return [this.ids.id(i)];
      case 'title': { const t = this.titles[i]; return t === undefined ? [] : [t]; }
      case 'category': return [...this.categories(i)];
      case 'price': { const p = this.priceCol[i]!; return Number.isNaN(p) ? [] : [p]; }
      case 'time': { const t = this.timeCol[i]!; return Number.isNaN(t) ? [] : [t]; }
    }
    const out: unknown[] = [];
    flattenInto(this.attr(i, field.slice('attrs.'.length)), out);
    return out;
  }

  /**
   * The value index of a canonical field, built on first use. Upserts do not rebuild it until many items changed:
   * the items changed since it was built, `changedSince(index.builtAt)`, are stale in it (their entries may be old,
   * new items are missing) and callers read those few items directly.
   */
  fieldIndex(field: string): FieldIndex {
    let ix = this.indexes.get(field);
    if (ix && ix.builtAt !== this.version) {
      const stale = this.changedSince(ix.builtAt);
      if (!stale || stale.length > Math.max(64, this.size >> 6)) ix = undefined;
    }
    if (!ix) {
      ix = buildFieldIndex(this, field);
      this.indexes.set(field, ix);
    }
    return ix;
  }

  /**
   * Maps another index space (a model's or snapshot's item `IdMap`) to this one: `out[j]` is the catalogue index of
   * `ids.id(j)`, or -1 when the catalogue lacks it.
   */
  indexMap(ids: IdMap): Int32Array {
    const out = new Int32Array(ids.size);
    for (let j = 0; j < out.length; j++) out[j] = this.ids.get(ids.id(j));
    return out;
  }

  /**
   * Adds an item or updates one, served at once; returns its index (stable: an update keeps it). Like the store,
   * fields the row carries replace the old ones and absent fields are kept. Value indexes and filter masks catch up
   * on their next use (see `changedSince`).
   */
  upsert(row: ItemRow): number {
    const i = this.ids.intern(row.id);
    if (i === this.titles.length) {
      this.titles.push(undefined);
      this.cats.push(NO_CATEGORIES);
      this.attrRecords.push(undefined);
      if (i >= this.priceCol.length) {
        const grow = (a: Float64Array) => { const b = new Float64Array(a.length * 2); b.set(a); return b; };
        this.priceCol = grow(this.priceCol);
        this.timeCol = grow(this.timeCol);
      }
      this.priceCol[i] = NaN;
      this.timeCol[i] = NaN;
    }
    if (row.title !== undefined) this.titles[i] = row.title;
    if (row.categories !== undefined) this.cats[i] = Object.freeze([...row.categories]);
    if (row.attrs !== undefined) this.attrRecords[i] = row.attrs;
    if (row.price !== undefined) this.priceCol[i] = row.price;
    if (row.timestamp !== undefined) this.timeCol[i] = row.timestamp;
    this.priceView = this.timeView = undefined;
    this.attrNameSet = undefined;
    this.log.push(i);
    if (this.log.length > 8192) {
      this.log.splice(0, 4096);
      this.logBase += 4096;
    }
    return i;
  }
}

/** Appends the leaf values of `v` (arrays flattened, null/undefined skipped) to `out`. */
export function flattenInto(v: unknown, out: unknown[]): void {
  if (v === undefined || v === null) return;
  if (Array.isArray(v)) for (const x of v) flattenInto(x, out);
  else out.push(v);
}
