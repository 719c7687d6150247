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
  /** 1 where the item has at least one value. */
  readonly present: Uint8Array;
  readonly presentCount: number;
  /** How many values of each type the field holds over the catalogue (`other` = objects). */
  readonly counts: { string: number; number: number; boolean: number; other: number };
  /** Items per value, keyed by `valueKey`. */
  readonly postings: ReadonlyMap<string, Int32Array>;
  readonly numbers: { values: Float64Array; items: Int32Array };
  readonly strings: { values: string[]; items: Int32Array };
}

export function buildFieldIndex(catalog: Catalog, field: string): FieldIndex {
  const n = catalog.size;
  const present = new Uint8Array(n);
  let presentCount = 0;
  const counts = { string: 0, number: 0, boolean: 0, other: 0 };
  const lists = new Map<string, number[]>();
  const numV: number[] = [], numI: number[] = [];
  const strV: string[] = [], strI: number[] = [];
  for (let i = 0; i < n; i++) {
    const vs = catalog.values(i, field);
    if (vs.length) { present[i] = 1; presentCount++; }
    for (const v of vs) {
      const key = valueKey(v);
      if (key === undefined) { counts.other++; continue; }
      let l = lists.get(key);
      if (!l) lists.set(key, (l = []));
      if (l[l.length - 1] !== i) l.push(i); // a value repeated within one item is posted once
      if (typeof v === 'number') { counts.number++; numV.push(v); numI.push(i); }
      else if (typeof v === 'string') { counts.string++; strV.push(v); strI.push(i); }
      else counts.boolean++;
    }
  }
  const postings = new Map<string, Int32Array>();
  for (const [k, l] of lists) postings.set(k, Int32Array.from(l));
  const numOrder = Int32Array.from(numV.keys()).sort((a, b) => numV[a]! - numV[b]!);
  const strOrder = Int32Array.from(strV.keys()).sort((a, b) => (strV[a]! < strV[b]! ? -1 : strV[a]! > strV[b]! ? 1 : 0));
  return {
    field, present, presentCount, counts, postings,
    numbers: { values: Float64Array.from(numOrder, (j) => numV[j]!), items: Int32Array.from(numOrder, (j) => numI[j]!) },
    strings: { values: Array.from(strOrder, (j) => strV[j]!), items: Int32Array.from(strOrder, (j) => strI[j]!) },
  };
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
