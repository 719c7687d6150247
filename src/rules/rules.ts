import { z } from 'zod';
import type { Catalog } from '../catalog/catalog.ts';
import { parseConfig } from '../config.ts';
import { ConfigError } from '../errors.ts';
import { filterSchema, formatFilter } from './filter/ast.ts';
import type { FilterCompiler } from './filter/compile.ts';
import { applyBoosts, applyMask, boostSchema, capSchema, exclusionMask, rankWithRules, type Pin } from './rank.ts';

/**
 * The business rules of one request, or a pipeline's defaults, with items named by id. JSON-friendly: this is
 * what a config file or a request body holds.
 * @example
 * const rules = rulesSchema.parse({
 *   filter: 'category:"Home & Garden" AND price < 20',
 *   boosts: [{ filter: 'brand:Acme', multiply: 1.5 }, { filter: 'EXISTS attrs.clearance', add: -1 }],
 *   pins: [{ item: '85123A', position: 1 }],
 *   caps: [{ field: 'category', max: 2 }],
 *   exclude: ['22139'],
 * });
 */
export const rulesSchema = z.object({
  filter: filterSchema.optional(),
  boosts: z.array(boostSchema).default([]),
  pins: z.array(z.object({ item: z.string().min(1), position: z.number().int() }).strict()).default([]),
  caps: z.array(capSchema).default([]),
  exclude: z.array(z.string()).default([]),
}).strict();
export type Rules = z.input<typeof rulesSchema>;

/** Why an item sits where it does, as far as rules are concerned (the engine adds the scorers' reasons). */
export interface RuleReason {
  kind: 'pin' | 'boost' | 'bury';
  text: string;
}

export interface RuledRanking {
  items: Int32Array;
  scores: Float32Array;
  /** Per result position, the rules that placed or moved the item. */
  reasons: RuleReason[][];
  /** Ids in `exclude` the catalogue does not have (ignored). */
  unknownExcluded: number;
}

/**
 * Resolves pins named by item id to catalogue indices.
 * @throws ConfigError naming `pins[j].item` for an id the catalogue lacks.
 */
export function resolvePins(pins: readonly { item: string; position: number }[], catalog: Catalog): Pin[] {
  return pins.map((p, j) => {
    const item = catalog.ids.get(p.item);
    if (item < 0) throw new ConfigError(`pins[${j}].item`, `unknown item "${p.item}": the catalogue has no such id`);
    return { item, position: p.position };
  });
}

/**
 * The whole rules stage in one call, in place on `scores` (catalogue space, NaN = not a candidate): filter, exclude
 * by id, boost and bury, then cut to k with caps and pins. Returns the ranking with the rule reasons of each item.
 * @example
 * const r = applyRules(scores, { filter: 'price < 20', pins: [{ item: 'promo', position: 1 }] }, 10, fc);
 * r.items[0] === catalog.ids.get('promo'); r.reasons[0] // [{ kind: 'pin', text: 'pinned at position 1' }]
 */
export function applyRules(scores: Float32Array, rules: Rules, k: number, fc: FilterCompiler): RuledRanking {
  const r = parseConfig(rulesSchema, rules, '');
  const catalog = fc.catalog;
  const pins = resolvePins(r.pins, catalog);
  if (r.filter !== undefined) applyMask(scores, fc.sharedMask(r.filter));
  const { mask, unknown } = exclusionMask(catalog, r.exclude);
  if (r.exclude.length) applyMask(scores, mask);
  applyBoosts(scores, r.boosts, fc);
  const ranked = rankWithRules(scores, { k, pins, caps: r.caps }, catalog);
  const boostMasks = r.boosts.map((b, j) => fc.sharedMask(b.filter, { field: `boosts[${j}].filter` }));
  const pinAt = new Map(pins.map((p) => [p.item, p.position]));
  const reasons = [...ranked.items].map((i) => {
    const out: RuleReason[] = [];
    const at = pinAt.get(i);
    if (at !== undefined) out.push({ kind: 'pin', text: `pinned at position ${at}` });
    r.boosts.forEach((b, j) => {
      if (!boostMasks[j]![i]) return;
      // A boost or a bury by its effect on a score of 1 (a rule may both multiply and add).
      const raises = (b.multiply ?? 1) + (b.add ?? 0) > 1;
      const how = [b.multiply !== undefined && b.multiply !== 1 ? `×${b.multiply}` : '', b.add ? `${b.add > 0 ? '+' : ''}${b.add}` : ''].filter(Boolean).join(' ');
      const what = typeof b.filter === 'string' ? b.filter : formatFilter(b.filter);
      out.push({ kind: raises ? 'boost' : 'bury', text: `${raises ? 'boosted' : 'buried'} ${how} (${what})` });
    });
    return out;
  });
  return { ...ranked, reasons, unknownExcluded: unknown };
}

/**
 * Reads the CLI's `--boost EXPR=2` (multiply), `EXPR=+0.5` / `EXPR=-1` (add): the factor follows the last "=".
 * @example parseBoostArg('category:Books=2') // { filter: 'category:Books', multiply: 2 }
 */
export function parseBoostArg(arg: string, option = '--boost'): { filter: string; multiply?: number; add?: number } {
  const eq = arg.lastIndexOf('=');
  const raw = eq < 0 ? '' : arg.slice(eq + 1).trim();
  const filter = eq < 0 ? '' : arg.slice(0, eq).trim();
  const x = Number(raw);
  if (!filter || !raw || !Number.isFinite(x)) {
    throw new ConfigError(option, `expected FILTER=FACTOR (multiply) or FILTER=+N / FILTER=-N (add), e.g. 'brand:Acme=1.5', got '${arg}'`);
  }
  if (raw.startsWith('+') || raw.startsWith('-')) return { filter, add: x };
  return { filter, multiply: x };
}

/**
 * Reads the CLI's `--pin ITEM@POSITION`.
 * @example parsePinArg('85123A@1') // { item: '85123A', position: 1 }
 */
export function parsePinArg(arg: string, option = '--pin'): { item: string; position: number } {
  const at = arg.lastIndexOf('@');
  const position = Number(arg.slice(at + 1));
  if (at <= 0 || !Number.isInteger(position)) throw new ConfigError(option, `expected ITEM@POSITION, e.g. '85123A@1', got '${arg}'`);
  return { item: arg.slice(0, at), position };
}

/**
 * Reads the CLI's `--cap FIELD=MAX`.
 * @example parseCapArg('category=2') // { field: 'category', max: 2 }
 */
export function parseCapArg(arg: string, option = '--cap'): { field: string; max: number } {
  const eq = arg.lastIndexOf('=');
  const max = Number(arg.slice(eq + 1));
  if (eq <= 0 || arg.slice(eq + 1).trim() === '' || !Number.isInteger(max)) {
    throw new ConfigError(option, `expected FIELD=MAX, e.g. 'category=2', got '${arg}'`);
  }
  return { field: arg.slice(0, eq).trim(), max };
}
