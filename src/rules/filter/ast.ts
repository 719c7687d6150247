import { z } from 'zod';
import { canonicalField } from '../../catalog/catalog.ts';

/** A literal in a filter: its JS type is its filter type. */
export type FilterValue = string | number | boolean;

/**
 * A parsed filter, and the JSON form programs write directly. Field names are canonical (`category`, `price`,
 * `attrs.brand`; a bare `brand` written by a program is read as `attrs.brand`). On multi-valued fields a
 * comparison holds when any value satisfies it; `!=` is `NOT =` (so items without the field match); ranges are
 * inclusive and either end may be left open.
 *
 * @example
 * // category:"Home & Garden" AND price < 20 AND NOT brand:"Nike"
 * const f: FilterNode = { op: 'and', args: [
 *   { op: '=', field: 'category', value: 'Home & Garden' },
 *   { op: '<', field: 'price', value: 20 },
 *   { op: 'not', arg: { op: '=', field: 'attrs.brand', value: 'Nike' } },
 * ] };
 */
export type FilterNode =
  | { op: 'and'; args: FilterNode[] }
  | { op: 'or'; args: FilterNode[] }
  | { op: 'not'; arg: FilterNode }
  | { op: CompareOp; field: string; value: FilterValue }
  | { op: 'in'; field: string; values: FilterValue[] }
  | { op: 'range'; field: string; min?: number | string; max?: number | string }
  | { op: 'exists'; field: string };

export const COMPARE_OPS = ['=', '!=', '<', '<=', '>', '>='] as const;
export type CompareOp = (typeof COMPARE_OPS)[number];
export type LeafNode = Exclude<FilterNode, { op: 'and' | 'or' | 'not' }>;

const value = z.union([z.string(), z.number().finite(), z.boolean()]);
const bound = z.union([z.string(), z.number().finite()]);
const field = z.string().min(1);

/** zod schema of the JSON form (`FilterNode`). */
export const filterNodeSchema: z.ZodType<FilterNode> = z.lazy(() =>
  z.discriminatedUnion('op', [
    z.object({ op: z.literal('and'), args: z.array(filterNodeSchema).min(1) }).strict(),
    z.object({ op: z.literal('or'), args: z.array(filterNodeSchema).min(1) }).strict(),
    z.object({ op: z.literal('not'), arg: filterNodeSchema }).strict(),
    z.object({ op: z.enum(COMPARE_OPS), field, value }).strict(),
    z.object({ op: z.literal('in'), field, values: z.array(value).min(1) }).strict(),
    z.object({ op: z.literal('range'), field, min: bound.optional(), max: bound.optional() }).strict()
      .refine((r) => r.min !== undefined || r.max !== undefined, 'a range needs min or max')
      .refine((r) => r.min === undefined || r.max === undefined || typeof r.min === typeof r.max, 'min and max must be both numbers or both strings'),
    z.object({ op: z.literal('exists'), field }).strict(),
  ]),
) as z.ZodType<FilterNode>;

/** A filter as people write it (`parseFilter` syntax) or its JSON form. */
export const filterSchema = z.union([z.string(), filterNodeSchema]);
export type Filter = z.infer<typeof filterSchema>;

/** Where a parsed node came from in its source text (1-based), for errors found after parsing. */
export interface SourcePosition {
  /** The node's first token (the field of a leaf). */
  at: number;
  /** Each literal's position, in AST order (`value`; `values`; `min`, `max`). */
  values?: number[];
}
const positions = new WeakMap<object, SourcePosition>();
export function setPosition(node: FilterNode, p: SourcePosition): void {
  positions.set(node, p);
}
/** The source position of a node made by `parseFilter`; undefined for nodes built in code. */
export function positionOf(node: FilterNode): SourcePosition | undefined {
  return positions.get(node);
}

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'between', 'exists', 'true', 'false']);
const BARE = /^[\p{L}_$][\p{L}\p{N}_.$-]*$/u;

function formatName(f: string): string {
  const short = f.startsWith('attrs.') ? f.slice(6) : f;
  const name = canonicalField(short) === canonicalField(f) ? short : f;
  return BARE.test(name) && !name.includes('..') && !name.endsWith('.') && !KEYWORDS.has(name.toLowerCase()) ? name : JSON.stringify(name);
}

function formatValue(v: FilterValue): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

const PRECEDENCE = { or: 1, and: 2, not: 3 } as const;

/**
 * The filter as text that `parseFilter` reads back to the same AST (strings always quoted, bare attribute names
 * where unambiguous).
 * @example formatFilter({ op: '<', field: 'price', value: 20 }) === 'price < 20'
 */
export function formatFilter(node: FilterNode): string {
  const wrap = (child: FilterNode, min: number) => {
    const p = child.op === 'and' || child.op === 'or' || child.op === 'not' ? PRECEDENCE[child.op] : 4;
    const s = formatFilter(child);
    return p <= min ? `(${s})` : s;
  };
  switch (node.op) {
    // A nested group of the same operator keeps its parentheses, so the AST shape survives a round trip.
    case 'and': return node.args.length === 1 ? formatFilter(node.args[0]!) : node.args.map((a) => wrap(a, PRECEDENCE.and)).join(' AND ');
    case 'or': return node.args.length === 1 ? formatFilter(node.args[0]!) : node.args.map((a) => wrap(a, PRECEDENCE.or)).join(' OR ');
    case 'not': return `NOT ${wrap(node.arg, PRECEDENCE.not - 1)}`;
    case '=': return `${formatName(node.field)}:${formatValue(node.value)}`;
    case 'in': return `${formatName(node.field)} IN (${node.values.map(formatValue).join(', ')})`;
    case 'range': return `${formatName(node.field)}:${node.min === undefined ? '' : formatValue(node.min)}..${node.max === undefined ? '' : formatValue(node.max)}`;
    case 'exists': return `EXISTS ${formatName(node.field)}`;
    default: return `${formatName(node.field)} ${node.op} ${formatValue(node.value)}`;
  }
}
