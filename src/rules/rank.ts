import { z } from 'zod';
import { canonicalField, isBuiltinField, type Catalog } from '../catalog/catalog.ts';
import { valueKey, type FieldIndex } from '../catalog/field-index.ts';
import { ConfigError } from '../errors.ts';
import { topK, type Ranked } from '../linalg/topk.ts';
import { filterSchema, type FilterNode } from './filter/ast.ts';
import type { FilterCompiler } from './filter/compile.ts';

/**
 * Raise (boost) or lower (bury) the score of the items matching `filter`: `multiply` scales the score's magnitude
 * in its favour (`s * m` for s >= 0; for a negative score, `s + |s| * (m - 1)`, so m > 1 still raises it and m < 1
 * still lowers it), then `add` is added.
 * @example { filter: 'brand:Acme', multiply: 1.5 }   // boost
 * @example { filter: 'EXISTS attrs.discontinued', add: -10 }   // bury
 */
export const boostSchema = z.object({
  filter: filterSchema,
  multiply: z.number().finite().nonnegative().optional(),
  add: z.number().finite().optional(),
}).strict().refine((b) => b.multiply !== undefined || b.add !== undefined, 'a boost needs multiply or add');
export type Boost = { filter: string | FilterNode; multiply?: number; add?: number };

/** Put catalogue item `item` at 1-based `position` of the result, whatever its score. */
export const pinSchema = z.object({ item: z.number().int().nonnegative(), position: z.number().int() }).strict();
export type Pin = z.infer<typeof pinSchema>;

/** At most `max` items per value of `field` in the result (an item with several values counts against each). */
export const capSchema = z.object({ field: z.string().min(1), max: z.number().int() }).strict();
export type Cap = z.infer<typeof capSchema>;

export interface RankRules {
  k: number;
  pins?: readonly Pin[];
  caps?: readonly Cap[];
}

/**
 * Applies boosts and buries in place, in order; NaN and -Infinity scores (not candidates) stay as they are. Each
 * boost's filter goes through `fc` (cached masks). Returns how many scores each boost changed.
 * @example applyBoosts(scores, [{ filter: 'category:Sale', multiply: 2 }, { filter: 'price > 100', add: -0.5 }], fc)
 */
export function applyBoosts(scores: Float32Array, boosts: readonly Boost[], fc: FilterCompiler): number[] {
  checkLength(scores, fc.catalog);
  return boosts.map((b, j) => {
    const mask = fc.sharedMask(b.filter, { field: `boosts[${j}].filter` });
    const m = b.multiply ?? 1, a = b.add ?? 0;
    let changed = 0;
    // Masks from the compiler are word-aligned: skip four non-matching items at a time.
    const words = new Uint32Array(mask.buffer, mask.byteOffset, mask.length >> 2);
    for (let j = 0, i = 0; i < mask.length; j++, i += 4) {
      if (j < words.length && words[j] === 0) continue;
      for (let b = i; b < i + 4 && b < mask.length; b++) {
        const s = scores[b]!;
        if (mask[b] && s > -Infinity) { scores[b] = s + Math.abs(s) * (m - 1) + a; changed++; }
      }
    }
    return changed;
  });
}

/** Marks the items where `mask` is 0 as not candidates (NaN). */
export function applyMask(scores: Float32Array, mask: Uint8Array): void {
  if (mask.length !== scores.length) throw new RangeError(`mask has ${mask.length} entries, scores ${scores.length}`);
  // Branch-free on the float's bits: OR-ing the quiet-NaN pattern into a score makes it NaN whatever it was
  // (±Infinity included), and OR-ing 0 leaves it alone. Mixed mask bytes would otherwise mispredict a branch
  // per item; whole words of passes (four mask bytes) are still skipped.
  const bits = new Uint32Array(scores.buffer, scores.byteOffset, scores.length);
  let i = 0;
  if (mask.byteOffset % 4 === 0) {
    const words = new Uint32Array(mask.buffer, mask.byteOffset, mask.length >> 2);
    for (let j = 0; j < words.length; j++, i += 4) {
      const w = words[j]!;
      if (w === 0x01010101) continue;
      bits[i] |= ((w & 1) ^ 1) * QUIET_NAN;
      bits[i + 1] |= (((w >>> 8) & 1) ^ 1) * QUIET_NAN;
      bits[i + 2] |= (((w >>> 16) & 1) ^ 1) * QUIET_NAN;
      bits[i + 3] |= (((w >>> 24) & 1) ^ 1) * QUIET_NAN;
    }
  }
  for (; i < scores.length; i++) bits[i] |= (mask[i]! === 0 ? 1 : 0) * QUIET_NAN;
}

/** Exponent all ones and the quiet bit: a NaN whatever the other bits. */
const QUIET_NAN = 0x7fc00000;

/**
 * A mask that is 1 everywhere except at the items with these ids (ids the catalogue lacks are counted in
 * `unknown`, not an error: a list of ids to hide may name items not imported yet).
 * @example const { mask } = exclusionMask(catalog, ['85123A', '22139']); applyMask(scores, mask);
 */
export function exclusionMask(catalog: Catalog, ids: Iterable<string>): { mask: Uint8Array; unknown: number } {
  const mask = new Uint8Array(catalog.size).fill(1);
  let unknown = 0;
  for (const id of ids) {
    const i = catalog.ids.get(id);
    if (i < 0) unknown++;
    else mask[i] = 0;
  }
  return { mask, unknown };
}

/**
 * Checks pins and caps against k and the catalogue: each problem is a ConfigError naming its field
 * (`pins[1].position`, `caps[0].max`). `rankWithRules` calls it; call it early to fail before any scoring.
 */
export function validateRules(rules: RankRules, catalog: Catalog): void {
  const { k, pins = [], caps = [] } = rules;
  if (!Number.isInteger(k) || k < 1) throw new ConfigError('k', `must be a whole number of at least 1, got ${k}`);
  const byPosition = new Map<number, number>(), byItem = new Map<number, number>();
  pins.forEach((p, j) => {
    if (!Number.isInteger(p.item) || p.item < 0 || p.item >= catalog.size) {
      throw new ConfigError(`pins[${j}].item`, `${p.item} is not an item of the catalogue (0..${catalog.size - 1})`);
    }
    if (!Number.isInteger(p.position) || p.position < 1 || p.position > k) {
      throw new ConfigError(`pins[${j}].position`, `position ${p.position} is outside the result: positions run from 1 to k = ${k}`);
    }
    const other = byPosition.get(p.position);
    if (other !== undefined) throw new ConfigError(`pins[${j}].position`, `position ${p.position} is already taken by pins[${other}]`);
    const same = byItem.get(p.item);
    if (same !== undefined) throw new ConfigError(`pins[${j}].item`, `item "${catalog.ids.id(p.item)}" is already pinned by pins[${same}]`);
    byPosition.set(p.position, j);
    byItem.set(p.item, j);
  });
  caps.forEach((c, j) => {
    if (!Number.isInteger(c.max) || c.max < 1) throw new ConfigError(`caps[${j}].max`, `a cap must be a whole number of at least 1, got ${c.max}`);
    const field = canonicalField(c.field);
    if (!isBuiltinField(field) && catalog.fieldIndex(field).presentCount === 0) {
      throw new ConfigError(`caps[${j}].field`, `no item has the attribute "${field.slice(6)}"`);
    }
  });
}

/**
 * The final cut: the best `k` items by score (NaN and -Infinity are not candidates) under per-field caps, with
 * pinned items at their positions. Pins are placed whatever their score (filter them out first if a filter must
 * win over a pin), count against the caps, and are never removed by them; when fewer than k items are left, pins
 * close up but keep their order. Work: a top-(k·m) heap over the scores, then one greedy pass; m grows (x4)
 * only when caps reject so many candidates that the pass runs dry.
 * @example rankWithRules(scores, { k: 10, pins: [{ item: catalog.ids.get('promo'), position: 1 }], caps: [{ field: 'category', max: 3 }] }, catalog)
 */
export function rankWithRules(scores: Float32Array, rules: RankRules, catalog: Catalog): Ranked {
  checkLength(scores, catalog);
  validateRules(rules, catalog);
  const { k } = rules;
  const pins = [...(rules.pins ?? [])].sort((a, b) => a.position - b.position);
  const caps = (rules.caps ?? []).map((c) => ({ field: canonicalField(c.field), max: c.max }));
  const pinned = new Set(pins.map((p) => p.item));
  const slots = k - pins.length;
  const n = scores.length;

  const counters = caps.map((c) => new CapCounter(catalog, c.field, c.max));
  for (const p of pins) for (const c of counters) c.take(p.item);
  const chosen: number[] = [];
  // Top-k ties go to the lower index, so a larger heap's list starts with the smaller one's: each round resumes at q.
  let q = 0, full = counters.some((c) => c.full());
  for (let m = caps.length ? 4 : 1; !full; m *= 4) {
    const want = Math.min(n, slots * m + pins.length);
    const cand = topK(scores, want).items;
    for (; q < cand.length && chosen.length < slots && !full; q++) {
      const i = cand[q]!;
      if (pinned.has(i) || !counters.every((c) => c.fits(i))) continue;
      for (const c of counters) c.take(i);
      chosen.push(i);
      full = counters.some((c) => c.full());
    }
    if (chosen.length === slots || cand.length < want || want >= n) break;
  }

  const len = Math.min(k, chosen.length + pins.length);
  const items = new Int32Array(len);
  const out = new Float32Array(len);
  let pi = 0, ci = 0;
  for (let r = 0; r < len; r++) {
    const i = pi < pins.length && (pins[pi]!.position === r + 1 || ci >= chosen.length) ? pins[pi++]!.item : chosen[ci++]!;
    items[r] = i;
    out[r] = scores[i]!;
  }
  return { items, scores: out };
}

/**
 * Counts, per value of one field, the items taken so far. Reads value codes from the field's index (no allocation);
 * the items changed since the index was built are read one by one.
 */
class CapCounter {
  private readonly ix: FieldIndex;
  private readonly counts: Int32Array;
  private readonly extra = new Map<string, number>();
  private readonly stale: Set<number> | undefined;
  /** Index codes still below the cap. */
  private open: number;

  constructor(private readonly catalog: Catalog, private readonly field: string, private readonly max: number) {
    this.ix = catalog.fieldIndex(field);
    const changed = catalog.changedSince(this.ix.builtAt)!;
    this.stale = changed.length ? new Set(changed) : undefined;
    this.counts = new Int32Array(this.ix.keys.length);
    this.open = this.ix.keys.length;
  }

  fits(i: number): boolean {
    if (this.stale?.has(i)) return this.staleKeys(i).every((key) => this.count(key) < this.max);
    const { offsets, codes } = this.ix;
    for (let p = offsets[i]!; p < offsets[i + 1]!; p++) if (this.counts[codes[p]!]! >= this.max) return false;
    return true;
  }

  take(i: number): void {
    if (this.stale?.has(i)) {
      for (const key of this.staleKeys(i)) {
        const c = this.ix.codeOf.get(key);
        if (c === undefined) this.extra.set(key, (this.extra.get(key) ?? 0) + 1);
        else this.bump(c);
      }
      return;
    }
    const { offsets, codes } = this.ix;
    for (let p = offsets[i]!; p < offsets[i + 1]!; p++) this.bump(codes[p]!);
  }

  /** Every item has a value of the field and every value is at its cap: nothing more can be taken. */
  full(): boolean {
    return this.open === 0 && !this.stale && this.ix.presentCount === this.catalog.size;
  }

  private bump(c: number): void {
    if (++this.counts[c]! === this.max) this.open--;
  }

  private count(key: string): number {
    const c = this.ix.codeOf.get(key);
    return c === undefined ? (this.extra.get(key) ?? 0) : this.counts[c]!;
  }

  private staleKeys(i: number): string[] {
    return [...new Set(this.catalog.values(i, this.field).map(valueKey).filter((k) => k !== undefined))];
  }
}

function checkLength(scores: Float32Array, catalog: Catalog): void {
  if (scores.length !== catalog.size) throw new RangeError(`scores have ${scores.length} entries, the catalogue ${catalog.size} items`);
}
