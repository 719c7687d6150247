import type { FilterValue } from './ast.ts';

/**
 * A literal as compared against `field`: on `time`, a date string ("2011-01-31", ISO 8601) becomes ms since epoch;
 * undefined when it is not a date. Every other literal is itself.
 */
export function literalFor(field: string, v: FilterValue): FilterValue | undefined {
  if (field !== 'time' || typeof v !== 'string') return v;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

/** Equality of one stored value with a literal; a bare number also matches the same digits stored as text (id:22139). */
export function valueEquals(x: unknown, v: FilterValue): boolean {
  return x === v || (typeof v === 'number' && typeof x === 'string' && x === String(v));
}

/** Order comparison of a stored value with a literal of the same type; values of another type never compare. */
export function valueCompare(x: unknown, v: number | string): number | undefined {
  if (typeof x !== typeof v || (typeof x !== 'number' && typeof x !== 'string')) return undefined;
  return (x as number | string) < v ? -1 : (x as number | string) > v ? 1 : 0;
}
