import { canonicalField, type Catalog } from '../../catalog/catalog.ts';
import type { FilterNode } from './ast.ts';
import { literalFor, valueCompare, valueEquals } from './literal.ts';

/**
 * Whether item i satisfies the filter, read item by item: the reference semantics `FilterCompiler` must equal, and
 * a way to check one item. Slow (allocates per call): use `FilterCompiler.mask` for whole catalogues. Does not
 * validate fields or types (an unknown field simply has no values).
 */
export function matchesFilter(node: FilterNode, catalog: Catalog, i: number): boolean {
  switch (node.op) {
    case 'and': return node.args.every((a) => matchesFilter(a, catalog, i));
    case 'or': return node.args.some((a) => matchesFilter(a, catalog, i));
    case 'not': return !matchesFilter(node.arg, catalog, i);
    case 'exists': return catalog.values(i, canonicalField(node.field)).length > 0;
    default: break;
  }
  const field = canonicalField(node.field);
  const xs = catalog.values(i, field);
  switch (node.op) {
    case '=': case '!=': {
      const v = literalFor(field, node.value);
      const eq = v !== undefined && xs.some((x) => valueEquals(x, v));
      return node.op === '=' ? eq : !eq;
    }
    case 'in': return node.values.some((raw) => { const v = literalFor(field, raw); return v !== undefined && xs.some((x) => valueEquals(x, v)); });
    case 'range': {
      const lo = node.min === undefined ? undefined : literalFor(field, node.min);
      const hi = node.max === undefined ? undefined : literalFor(field, node.max);
      return xs.some((x) => {
        if (lo !== undefined) { const c = valueCompare(x, lo as number | string); if (c === undefined || c < 0) return false; }
        if (hi !== undefined) { const c = valueCompare(x, hi as number | string); if (c === undefined || c > 0) return false; }
        return true;
      });
    }
    default: {
      const v = literalFor(field, node.value);
      if (v === undefined || typeof v === 'boolean') return false;
      return xs.some((x) => {
        const c = valueCompare(x, v);
        if (c === undefined) return false;
        switch (node.op) {
          case '<': return c < 0;
          case '<=': return c <= 0;
          case '>': return c > 0;
          default: return c >= 0;
        }
      });
    }
  }
}
