/**
 * Random filters built from a catalogue's real values, and the checks the property tests run with them: the
 * compiled mask equals the item-by-item reading of the AST (`matchesFilter`), the text form reads back to the same
 * AST, and a filtered, capped ranking never holds a violating item and equals a plain sort-then-greedy reference.
 * Used by src/rules/filter/property.test.ts and the real-data suite.
 */
import assert from 'node:assert/strict';
import { Catalog } from '../../catalog/catalog.ts';
import { valueKey } from '../../catalog/field-index.ts';
import type { ItemRow } from '../../data/types.ts';
import { mulberry32, type RandomFn } from '../../data/random.ts';
import { applyMask, rankWithRules, type Cap } from '../rank.ts';
import { COMPARE_OPS, formatFilter, type FilterNode, type FilterValue } from './ast.ts';
import { FilterCompiler } from './compile.ts';
import { matchesFilter } from './evaluate.ts';
import { parseFilter } from './parse.ts';

const pick = <T>(rng: RandomFn, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;

const CATS = ['Books', 'Music', 'Home & Garden', 'Toys', 'Sport', 'Kitchen'];
const WORDS = ['red', 'mug', 'Tea', 'set', 'lamp', 'vintage', 'ball', 'zebra', 'Ünïcode', 'a "quoted" one'];

export function syntheticRow(rng: RandomFn, id: string): ItemRow {
  const attrs: Record<string, unknown> = {};
  if (rng() < 0.8) attrs.brand = pick(rng, ['Acme', 'Nike', 'Zed "Q"', 'ÉLAN', 'nike']);
  if (rng() < 0.9) attrs.year = rng() < 0.9 ? 1990 + Math.floor(rng() * 30) : String(1990 + Math.floor(rng() * 30));
  if (rng() < 0.6) attrs.tags = Array.from({ length: 1 + Math.floor(rng() * 3) }, () => pick(rng, ['gift', 'sale', 'new', 'eco']));
  if (rng() < 0.7) attrs.inStock = rng() < 0.5;
  if (rng() < 0.7) attrs.rating = Math.round(rng() * 50) / 10;
  if (rng() < 0.5) attrs.size = rng() < 0.5 ? pick(rng, ['S', 'M', 'L']) : pick(rng, [36, 38, 40, 42]);
  if (rng() < 0.05) attrs.nonProduct = true;
  return {
    id,
    ...(rng() < 0.9 ? { title: `${pick(rng, WORDS)} ${pick(rng, WORDS)}` } : {}),
    categories: Array.from({ length: Math.floor(rng() * 4) }, () => pick(rng, CATS)),
    ...(rng() < 0.7 ? { price: Math.round(rng() * 10000) / 100 } : {}),
    ...(rng() < 0.6 ? { timestamp: Date.UTC(2010, 0, 1) + Math.floor(rng() * 400) * 86_400_000 } : {}),
    attrs,
  };
}

export function syntheticCatalog(n: number, seed: number): Catalog {
  const rng = mulberry32(seed);
  return Catalog.fromRows(Array.from({ length: n }, (_, i) => syntheticRow(rng, rng() < 0.3 ? String(20000 + i) : `p${i}`)));
}

/** The values each field holds in the catalogue, by type: the pool random literals are drawn from. */
export function valuePools(c: Catalog, fields: string[]) {
  return fields.map((field) => {
    const pool = { field, number: [] as number[], string: [] as string[], boolean: [] as boolean[] };
    for (let i = 0; i < c.size; i++) {
      for (const v of c.values(i, field)) {
        if (typeof v === 'number') pool.number.push(v);
        else if (typeof v === 'string') pool.string.push(v);
        else if (typeof v === 'boolean') pool.boolean.push(v);
      }
    }
    return pool;
  }).filter((p) => p.number.length + p.string.length + p.boolean.length > 0);
}
type Pool = ReturnType<typeof valuePools>[number];

function randomLiteral(rng: RandomFn, p: Pool, type: 'number' | 'string' | 'boolean'): FilterValue {
  if (type === 'number') {
    const v = rng() < 0.8 ? pick(rng, p.number) : Math.round((rng() * 2 - 0.5) * Math.max(...p.number.map(Math.abs), 1) * 100) / 100;
    return v === 0 ? 0 : v;
  }
  if (type === 'string') {
    if (p.field === 'time' || rng() < 0.8) return p.field === 'time' ? new Date(pick(rng, p.number)).toISOString() : pick(rng, p.string);
    return pick(rng, ['zz-none', '', 'M', 'Nik']);
  }
  return pick(rng, p.boolean);
}

function randomLeaf(rng: RandomFn, pools: Pool[]): FilterNode {
  const p = pick(rng, pools);
  const types = (['number', 'string', 'boolean'] as const).filter((t) => p[t].length > 0 || (t === 'string' && p.field === 'time'));
  const orderable = types.filter((t) => t !== 'boolean');
  const r = rng();
  if (r < 0.1) return { op: 'exists', field: rng() < 0.8 ? p.field : 'attrs.neverSet' };
  if (r < 0.45 || !orderable.length) {
    const t = pick(rng, types);
    // A bare number also matches the same digits stored as text: try it on text fields that hold digits.
    const v = t === 'string' && p.field !== 'time' && rng() < 0.2 && p.string.some((s) => String(Number(s)) === s)
      ? Number(pick(rng, p.string.filter((s) => String(Number(s)) === s)))
      : randomLiteral(rng, p, t);
    return { op: rng() < 0.75 ? '=' : '!=', field: p.field, value: v };
  }
  if (r < 0.6) return { op: 'in', field: p.field, values: Array.from({ length: 1 + Math.floor(rng() * 4) }, () => randomLiteral(rng, p, pick(rng, types))) };
  const t = pick(rng, orderable);
  if (r < 0.8) return { op: pick(rng, COMPARE_OPS.slice(2)), field: p.field, value: randomLiteral(rng, p, t) };
  const a = randomLiteral(rng, p, t) as number | string, b = randomLiteral(rng, p, t) as number | string;
  const [lo, hi] = rng() < 0.85 ? (a < b ? [a, b] : [b, a]) : [a, b]; // sometimes an empty, reversed range
  const ends = rng();
  return ends < 0.6 ? { op: 'range', field: p.field, min: lo, max: hi } : ends < 0.8 ? { op: 'range', field: p.field, min: lo } : { op: 'range', field: p.field, max: hi };
}

export function randomFilter(rng: RandomFn, pools: Pool[], depth: number): FilterNode {
  const r = rng();
  if (depth === 0 || r < 0.35) return randomLeaf(rng, pools);
  if (r < 0.5) return { op: 'not', arg: randomFilter(rng, pools, depth - 1) };
  const args = Array.from({ length: 2 + Math.floor(rng() * 2) }, () => randomFilter(rng, pools, depth - 1));
  return { op: r < 0.8 ? 'and' : 'or', args };
}

/** Reference cut: every candidate sorted by score (ties to the lower index), then caps applied greedily. */
export function referenceRank(scores: Float32Array, k: number, caps: Cap[], c: Catalog): number[] {
  const order = [...scores.keys()].filter((i) => scores[i]! > -Infinity).sort((a, b) => scores[b]! - scores[a]! || a - b);
  const counts = caps.map(() => new Map<string, number>());
  const out: number[] = [];
  for (const i of order) {
    if (out.length === k) break;
    const keys = caps.map((cap) => [...new Set(c.values(i, cap.field === 'categories' ? 'category' : cap.field).map((v) => valueKey(v)!))]);
    if (caps.some((cap, j) => keys[j]!.some((key) => (counts[j]!.get(key) ?? 0) >= cap.max))) continue;
    caps.forEach((_, j) => keys[j]!.forEach((key) => counts[j]!.set(key, (counts[j]!.get(key) ?? 0) + 1)));
    out.push(i);
  }
  return out;
}

export const SYNTHETIC_FIELDS = ['id', 'title', 'category', 'price', 'time', 'attrs.brand', 'attrs.year', 'attrs.tags', 'attrs.inStock', 'attrs.rating', 'attrs.size', 'attrs.nonProduct'];
export const SYNTHETIC_CAPS: Cap[] = [{ field: 'category', max: 1 }, { field: 'attrs.brand', max: 1 }, { field: 'attrs.tags', max: 1 }];

/** The compiled mask equals the item-by-item reading; a filtered, capped ranking equals the reference. */
export function checkFilter(c: Catalog, fc: FilterCompiler, ast: FilterNode, rng: RandomFn, caps: Cap[]): number {
  const text = formatFilter(ast);
  const m = fc.mask(rng() < 0.5 ? ast : text);
  let passing = 0;
  for (let i = 0; i < c.size; i++) {
    assert.equal(m[i], matchesFilter(ast, c, i) ? 1 : 0, `item ${c.ids.id(i)} under ${text}`);
    passing += m[i]!;
  }
  const scores = Float32Array.from({ length: c.size }, () => Math.round(rng() * 1000) / 10);
  applyMask(scores, m);
  const k = 1 + Math.floor(rng() * 20);
  const someCaps = caps.filter(() => rng() < 0.5).map((cap) => ({ ...cap, max: 1 + Math.floor(rng() * 3) }));
  const r = rankWithRules(scores, { k, caps: someCaps }, c);
  for (const i of r.items) assert.ok(matchesFilter(ast, c, i), `ranked item ${c.ids.id(i)} violates ${text}`);
  assert.deepEqual([...r.items], referenceRank(scores, k, someCaps, c), `ranking under ${text} with caps ${JSON.stringify(someCaps)}`);
  return passing;
}

export function checkCatalogue(c: Catalog, fields: string[], seed: number, trials: number, caps: Cap[]) {
  const pools = valuePools(c, fields);
  const fc = new FilterCompiler(c, { maxCachedMasks: 64 });
  const rng = mulberry32(seed);
  let nonTrivial = 0;
  for (let t = 0; t < trials; t++) {
    const ast = randomFilter(rng, pools, 3);
    const text = formatFilter(ast);
    assert.deepEqual(parseFilter(text), ast, `round trip of ${text}`);
    const passing = checkFilter(c, fc, ast, rng, caps);
    if (passing > 0 && passing < c.size) nonTrivial++;
  }
  // The generator must produce filters that split the catalogue, or the test proves little.
  assert.ok(nonTrivial > trials / 3, `only ${nonTrivial} of ${trials} filters split the catalogue`);
}
