import type { Catalog } from './catalog.ts';

/** Key of a scalar value in a posting map: the type is part of the key, so 1 and "1" stay apart. */
export function valueKey(v: unknown): string | undefined {
  switch (typeof v) {
    case 'string': return `s${v}`;
    case 'number': return Number.isNaN(v) ? undefined : `n${v === 0 ? 0 : v}`;
    case 'boolean': return v ? 'b1' : 'b0';
    default: return undefined;
  }
}

/**
 * Everything filters and caps need to know about one field, built in one pass over the catalogue: which items have
 * it, the items of each value (postings), and the numeric and string values sorted for range queries.
 */
export interface FieldIndex {
  readonly field: string;
  /** The catalogue version it was built at: items changed since (`catalog.changedSince(builtAt)`) are stale here. */
  readonly builtAt: number;
  /** Catalogue size when built: arrays below cover items 0..size-1. */
  readonly size: number;
  /** 1 where the item has at least one value. */
  readonly present: Uint8Array;
  readonly presentCount: number;
  /** How many values of each type the field holds over the catalogue (`other` = objects). */
  readonly counts: { string: number; number: number; boolean: number; other: number };
  /** Items per value, keyed by `valueKey`. */
  readonly postings: ReadonlyMap<string, Int32Array>;
  readonly numbers: { values: Float64Array; items: Int32Array };
  readonly strings: { values: string[]; items: Int32Array };
  /** Every distinct value's key (see `valueKey`), numbered: code c is `keys[c]`. */
  readonly keys: readonly string[];
  readonly codeOf: ReadonlyMap<string, number>;
  /** The value codes of each item (CSR, each code once per item): item i's are `codes[offsets[i]..offsets[i+1])`. */
  readonly offsets: Int32Array;
  readonly codes: Int32Array;
}

export function buildFieldIndex(catalog: Catalog, field: string): FieldIndex {
  const n = catalog.size;
  const present = new Uint8Array(n);
  let presentCount = 0;
  const counts = { string: 0, number: 0, boolean: 0, other: 0 };
  const lists = new Map<string, number[]>();
  const codeOf = new Map<string, number>();
  const offsets = new Int32Array(n + 1);
  const codes: number[] = [];
  const numV: number[] = [], numI: number[] = [];
  const strV: string[] = [], strI: number[] = [];
  const visit = (i: number, v: unknown) => {
    const key = valueKey(v);
    if (key === undefined) { counts.other++; return; }
    let l = lists.get(key);
    if (!l) { lists.set(key, (l = [])); codeOf.set(key, codeOf.size); }
    if (l[l.length - 1] !== i) { l.push(i); codes.push(codeOf.get(key)!); } // a value repeated within one item is posted once
    if (typeof v === 'number') { counts.number++; numV.push(v); numI.push(i); }
    else if (typeof v === 'string') { counts.string++; strV.push(v); strI.push(i); }
    else counts.boolean++;
  };
  // The typed columns are read in place: no per-item arrays for price and time.
  const column = field === 'price' ? catalog.price : field === 'time' ? catalog.time : undefined;
  for (let i = 0; i < n; i++) {
    if (column) {
      const v = column[i]!;
      if (!Number.isNaN(v)) { present[i] = 1; presentCount++; visit(i, v); }
    } else {
      const vs = catalog.values(i, field);
      if (vs.length) { present[i] = 1; presentCount++; }
      for (const v of vs) visit(i, v);
    }
    offsets[i + 1] = codes.length;
  }
  const postings = new Map<string, Int32Array>();
  for (const [k, l] of lists) postings.set(k, Int32Array.from(l));
  // Sorted values serve only order comparisons and ranges: sorted on first use.
  let numbers: { values: Float64Array; items: Int32Array } | undefined;
  let strings: { values: string[]; items: Int32Array } | undefined;
  return {
    field, builtAt: catalog.version, size: n, present, presentCount, counts, postings,
    keys: [...codeOf.keys()], codeOf, offsets, codes: Int32Array.from(codes),
    get numbers() { return (numbers ??= sortNumbers(numV, numI)); },
    get strings() {
      if (!strings) {
        const order = Array.from(strV.keys()).sort((a, b) => (strV[a]! < strV[b]! ? -1 : strV[a]! > strV[b]! ? 1 : 0));
        strings = { values: order.map((j) => strV[j]!), items: Int32Array.from(order, (j) => strI[j]!) };
      }
      return strings;
    },
  };
}

/**
 * Numbers ascending with their items, without a comparator callback: a native sort of the values, then each item
 * drops into the next free slot of its value's run (found by binary search).
 */
function sortNumbers(numV: number[], numI: number[]): { values: Float64Array; items: Int32Array } {
  const values = Float64Array.from(numV).sort();
  const used = new Int32Array(values.length);
  const items = new Int32Array(values.length);
  for (let j = 0; j < numV.length; j++) {
    const run = lowerBound(values, numV[j]!, false);
    items[run + used[run]!++] = numI[j]!;
  }
  return { values, items };
}

/** First index in ascending `values` whose value is >= x (or > x when `strict`). */
export function lowerBound<T extends number | string>(values: ArrayLike<T>, x: T, strict: boolean): number {
  let lo = 0, hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = values[mid]!;
    if (v < x || (strict && v === x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
