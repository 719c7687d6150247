import { BUILTIN_FIELDS, BUILTIN_TYPES, canonicalField, isBuiltinField, type Catalog } from '../../catalog/catalog.ts';
import { lowerBound, valueKey, type FieldIndex } from '../../catalog/field-index.ts';
import { parseConfig } from '../../config.ts';
import { FilterError } from '../../errors.ts';
import { filterNodeSchema, formatFilter, positionOf, type FilterNode, type FilterValue, type LeafNode } from './ast.ts';
import { matchesFilter } from './evaluate.ts';
import { literalFor } from './literal.ts';
import { parseFilter } from './parse.ts';

export interface MaskOptions {
  /**
   * 'error' (default): a field no item has is a FilterError (a typo, most likely). 'empty': it matches nothing,
   * for defaults that must work on any catalogue (`NOT nonProduct:true`). `EXISTS x` never errs.
   */
  unknownAttrs?: 'error' | 'empty';
  /** The request or config field holding the filter, for error messages (default 'filter'). */
  field?: string;
}

type FieldType = 'string' | 'number' | 'boolean';
interface CacheEntry { node: FilterNode; mask: Uint8Array }

/**
 * Compiles filters to `Uint8Array(catalog.size)` masks (1 = the item passes). Each clause's mask and each
 * combination's is cached (keyed by its canonical text, least recently used dropped), so a repeated filter costs a
 * lookup and a copy, and a new filter over known clauses costs only word-wide AND/OR. Clauses use the catalogue's
 * value indexes: postings for `=`/`IN`, sorted values (binary search) for ranges. Caches follow the catalogue:
 * after an `upsert` the next call re-reads just the changed items in each cached mask. A JSON filter object is
 * validated and keyed once: treat it as immutable after passing it (build a new object for a new filter).
 *
 * @example
 * const fc = new FilterCompiler(catalog);
 * const m = fc.mask('category:"Home & Garden" AND price < 20 AND NOT brand:Nike');
 * for (let i = 0; i < m.length; i++) if (!m[i]) scores[i] = NaN;
 */
export class FilterCompiler {
  private cache = new Map<string, CacheEntry>();
  /**
   * Filter text as written (plus the unknownAttrs mode) -> its cache entry: a repeated request filter costs one
   * lookup, not a parse-cache lookup, the node's canonical key and the mask lookup. An entry the mask cache has
   * dropped (evicted, or cleared after many catalogue changes) no longer matches and is recompiled.
   */
  private byText = new Map<string, { key: string; entry: CacheEntry }>();
  private parsed = new Map<string, FilterNode>();
  private valid = new WeakSet<FilterNode>();
  private version: number;

  constructor(readonly catalog: Catalog, private readonly o: { maxCachedMasks?: number } = {}) {
    this.version = catalog.version;
  }

  /** The items passing `filter` (text or JSON form), as a new mask the caller may change. */
  mask(filter: string | FilterNode, o: MaskOptions = {}): Uint8Array {
    return this.sharedMask(filter, o).slice();
  }

  /**
   * Like `mask`, without the copy: the cached mask itself, which the caller must not change, valid until the next
   * catalogue change (the hot path of a request: apply it at once).
   */
  sharedMask(filter: string | FilterNode, o: MaskOptions = {}): Uint8Array {
    if (this.version !== this.catalog.version) this.catchUp();
    if (typeof filter !== 'string') return this.compile(this.checked(filter, o.field ?? 'filter'), '', o);
    const mode = o.unknownAttrs === 'empty' ? '\u0000' : '';
    const known = this.byText.get(mode + filter);
    if (known && this.cache.get(known.key) === known.entry) {
      this.cache.delete(known.key);
      this.cache.set(known.key, known.entry);
      return known.entry.mask;
    }
    const node = this.parse(filter, o.field ?? 'filter');
    const mask = this.compile(node, '', o);
    const key = mode + keys.get(node)!;
    const entry = this.cache.get(key);
    if (entry) {
      if (this.byText.size >= (this.o.maxCachedMasks ?? 256)) this.byText.delete(this.byText.keys().next().value!);
      this.byText.set(mode + filter, { key, entry });
    }
    return mask;
  }

  /** How many items pass `filter`. */
  count(filter: string | FilterNode, o: MaskOptions = {}): number {
    const m = this.sharedMask(filter, o);
    let c = 0;
    for (let i = 0; i < m.length; i++) c += m[i]!;
    return c;
  }

  /** A JSON filter from outside (a request body, a config) is validated once per object. */
  private checked(node: FilterNode, field: string): FilterNode {
    if (!this.valid.has(node)) {
      parseConfig(filterNodeSchema, node, field);
      this.valid.add(node);
    }
    return node;
  }

  private parse(src: string, field: string): FilterNode {
    let n = this.parsed.get(src);
    if (!n) {
      n = parseFilter(src, field);
      if (this.parsed.size >= 256) this.parsed.delete(this.parsed.keys().next().value!);
      this.parsed.set(src, n);
    }
    return n;
  }

  private compile(node: FilterNode, path: string, o: MaskOptions): Uint8Array {
    // A mask made under unknownAttrs 'empty' must not answer a later strict request, which has to fail.
    let text = keys.get(node);
    if (text === undefined) keys.set(node, (text = formatFilter(node)));
    const key = o.unknownAttrs === 'empty' ? `\u0000${text}` : text;
    const hit = this.cache.get(key);
    if (hit) {
      // Re-insert: Map order is the recency order the eviction reads.
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit.mask;
    }
    let m: Uint8Array;
    switch (node.op) {
      case 'and': case 'or': {
        m = this.newMask();
        m.set(this.compile(node.args[0]!, sub(path, 'args[0]'), o));
        const w = this.words32(m);
        for (let a = 1; a < node.args.length; a++) {
          const x = this.words32(this.compile(node.args[a]!, sub(path, `args[${a}]`), o));
          if (node.op === 'and') for (let j = 0; j < w.length; j++) w[j]! &= x[j]!;
          else for (let j = 0; j < w.length; j++) w[j]! |= x[j]!;
        }
        break;
      }
      case 'not': {
        m = this.newMask();
        m.set(this.compile(node.arg, sub(path, 'arg'), o));
        this.invert(m);
        break;
      }
      default: m = this.leaf(node, path, o);
    }
    const max = this.o.maxCachedMasks ?? 256;
    if (this.cache.size >= max) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, { node, mask: m });
    return m;
  }

  /**
   * Brings cached masks up to the catalogue after upserts: a few changed items are re-read one by one in every
   * cached mask (masks grow with the catalogue); after many changes the cache starts over.
   */
  private catchUp(): void {
    const changed = this.catalog.changedSince(this.version);
    this.version = this.catalog.version;
    if (!changed || changed.length * this.cache.size > 50_000) { this.cache.clear(); return; }
    for (const e of this.cache.values()) {
      if (e.mask.length !== this.catalog.size) {
        const grown = this.newMask();
        grown.set(e.mask);
        e.mask = grown;
      }
      for (const i of changed) e.mask[i] = matchesFilter(e.node, this.catalog, i) ? 1 : 0;
    }
  }

  /** A zeroed mask whose buffer is padded to whole 32-bit words, so AND/OR/NOT run four items at a time. */
  private newMask(): Uint8Array {
    const n = this.catalog.size;
    return new Uint8Array(new ArrayBuffer((n + 3) & ~3), 0, n);
  }

  private words32(m: Uint8Array): Uint32Array {
    return new Uint32Array(m.buffer, m.byteOffset, m.buffer.byteLength >> 2);
  }

  private invert(m: Uint8Array): void {
    const w = this.words32(m);
    for (let j = 0; j < w.length; j++) w[j]! ^= 0x01010101;
    for (let i = m.length; i < m.buffer.byteLength; i++) new Uint8Array(m.buffer)[i] = 0; // keep the padding zero
  }

  /**
   * A clause's mask from the field's value index; the items changed since the index was built are stale in it and
   * read one by one instead.
   */
  private leaf(node: LeafNode, path: string, o: MaskOptions): Uint8Array {
    const field = canonicalField(node.field);
    const ix = this.catalog.fieldIndex(field);
    const stale = this.catalog.changedSince(ix.builtAt)!;
    const m = this.leafFromIndex(node, field, ix, stale, path, o);
    for (const i of stale) m[i] = matchesFilter(node, this.catalog, i) ? 1 : 0;
    return m;
  }

  private leafFromIndex(node: LeafNode, field: string, ix: FieldIndex, stale: Int32Array, path: string, o: MaskOptions): Uint8Array {
    const pos = positionOf(node);
    const fail = (reason: string, valueAt = -1): never => {
      throw new FilterError(valueAt >= 0 ? (pos?.values?.[valueAt] ?? pos?.at) : pos?.at, pos ? undefined : (path || undefined), reason, o.field ?? 'filter');
    };
    const m = this.newMask();
    const builtin = isBuiltinField(field);
    if (node.op === 'exists') { m.set(ix.present); return m; }
    const types = this.typesOf(field, ix, stale);
    // Under unknownAttrs 'empty' an attribute no item has reads as a field without values: `x:1` matches nothing,
    // `x != 1` everything, as `matchesFilter` reads it.
    const absent = !builtin && types.size === 0;
    if (absent && o.unknownAttrs !== 'empty') {
      fail(`no item has the attribute "${field.slice(6)}"${this.suggest(field.slice(6))}`);
    }
    const name = builtin ? field : `attribute "${field.slice(6)}"`;
    const describeTypes = () => [...types].map((t) => (t === 'boolean' ? 'true/false' : t === 'other' ? 'objects' : `${t}s`)).join(' and ');
    /** The literal as compared on this field; fails when no stored value can ever equal or order against it. */
    const literal = (raw: FilterValue, at: number, ordered: boolean): FilterValue => {
      // A bare year on time is a slip (it would mean 2 seconds after 1970), not a timestamp anyone means.
      if (field === 'time' && typeof raw === 'number' && Number.isInteger(raw) && raw >= 1000 && raw <= 9999) {
        fail(`time holds timestamps (ms since epoch); for the year ${raw} write "${raw}" or ${raw}-01-01`, at);
      }
      const v = literalFor(field, raw);
      if (v === undefined) fail(`time holds timestamps; ${JSON.stringify(raw)} is not a date (write it like "2011-01-31" or as ms since epoch)`, at);
      const t = typeof v as FieldType;
      if (ordered && t === 'boolean') fail(`${name}: true/false cannot be compared with ${node.op === 'range' ? 'a range' : node.op}`, at);
      const ok = absent || types.has(t) || (!ordered && t === 'number' && types.has('string'));
      if (!ok) fail(`${name} holds ${describeTypes()}; ${typeof raw === 'string' ? JSON.stringify(raw) : String(raw)} is a ${t === 'boolean' ? 'true/false value' : t}`, at);
      return v!;
    };
    switch (node.op) {
      case '=': case '!=':
        this.setEqual(m, field, ix, literal(node.value, 0, false));
        if (node.op === '!=') this.invert(m);
        return m;
      case 'in':
        node.values.forEach((raw, a) => this.setEqual(m, field, ix, literal(raw, a, false)));
        return m;
      case 'range': {
        const lo = node.min === undefined ? undefined : literal(node.min, 0, true);
        const hi = node.max === undefined ? undefined : literal(node.max, node.min === undefined ? 0 : 1, true);
        if (lo !== undefined && hi !== undefined && typeof lo !== typeof hi) fail('a range needs two numbers or two strings');
        const sorted = typeof (lo ?? hi) === 'number' ? ix.numbers : ix.strings;
        const from = lo === undefined ? 0 : lowerBound(sorted.values as ArrayLike<number | string>, lo as number | string, false);
        const to = hi === undefined ? sorted.items.length : lowerBound(sorted.values as ArrayLike<number | string>, hi as number | string, true);
        for (let j = from; j < to; j++) m[sorted.items[j]!] = 1;
        return m;
      }
      default: {
        const v = literal(node.value, 0, true) as number | string;
        const sorted = typeof v === 'number' ? ix.numbers : ix.strings;
        const vals = sorted.values as ArrayLike<number | string>;
        let from = 0, to = sorted.items.length;
        if (node.op === '<') to = lowerBound(vals, v, false);
        else if (node.op === '<=') to = lowerBound(vals, v, true);
        else if (node.op === '>') from = lowerBound(vals, v, true);
        else from = lowerBound(vals, v, false);
        for (let j = from; j < to; j++) m[sorted.items[j]!] = 1;
        return m;
      }
    }
  }

  private setEqual(m: Uint8Array, field: string, ix: FieldIndex, v: FilterValue): void {
    if (field === 'id') {
      // Ids are unique: the id map answers without building a posting list of every item.
      const i = this.catalog.ids.get(String(v));
      if (i >= 0) m[i] = 1;
      return;
    }
    const post = (p: Int32Array | undefined) => { if (p) for (let j = 0; j < p.length; j++) m[p[j]!] = 1; };
    post(ix.postings.get(valueKey(v)!));
    if (typeof v === 'number') post(ix.postings.get(`s${String(v)}`));
  }

  /** The types a field's values have ('other' = objects only counts as present: `types.size` 0 means absent). */
  private typesOf(field: string, ix: FieldIndex, stale: Int32Array): Set<FieldType | 'other'> {
    if (isBuiltinField(field)) return new Set([BUILTIN_TYPES[field]]);
    const s = new Set<FieldType | 'other'>();
    if (ix.counts.string) s.add('string');
    if (ix.counts.number) s.add('number');
    if (ix.counts.boolean) s.add('boolean');
    if (ix.counts.other) s.add('other');
    for (const i of stale) {
      for (const v of this.catalog.values(i, field)) {
        const t = typeof v;
        s.add(t === 'string' || t === 'number' || t === 'boolean' ? t : 'other');
      }
    }
    return s;
  }

  private suggest(name: string): string {
    const known = [...BUILTIN_FIELDS, ...this.catalog.attrNames()];
    let best = '', bestD = Infinity;
    for (const k of known) {
      const d = editDistance(name.toLowerCase(), k.toLowerCase());
      if (d < bestD) { best = k; bestD = d; }
    }
    if (best === name) return ` (the built-in field is written ${name}, without "attrs.")`;
    return bestD <= (name.length >= 5 ? 2 : 1) ? ` (did you mean "${best}"?)` : '';
  }
}

/** Canonical text of each node seen (nodes are treated as immutable once compiled): the cache key. */
const keys = new WeakMap<FilterNode, string>();

const sub = (path: string, step: string) => (path ? `${path}.${step}` : step);

/** Edit distance counting a swap of neighbours as one edit (prcie -> price). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  let prevPrev = prev;
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) cur[j] = Math.min(cur[j]!, prevPrev[j - 2]! + 1);
    }
    prevPrev = prev;
    prev = cur;
  }
  return prev[b.length]!;
}
