/**
 * A test set of requests with what each answer must satisfy (test-data/ask-requests.json), checked item by item
 * against the catalogue — genres, the year in a MovieLens title, prices, title words — never against the parser's
 * own reading. Shared by the real-data test and bench/ask.ts.
 */
import { readFileSync } from 'node:fs';
import type { Catalog } from '../catalog/catalog.ts';
import type { Asker } from './ask.ts';

export interface Expectation {
  category?: string[];
  notCategory?: string[];
  anyCategory?: string[];
  year?: [number | null, number | null];
  notYear?: [number, number];
  priceBelow?: number;
  priceAtMost?: number;
  priceAbove?: number;
  priceBetween?: [number, number];
  titleHas?: string[];
  titleLacks?: string[];
  nothing?: boolean;
}

export interface TestRequest {
  data: string;
  request: string;
  expect: Expectation;
}

export function loadRequestSet(path: string): TestRequest[] {
  return (JSON.parse(readFileSync(path, 'utf8')) as { requests: TestRequest[] }).requests;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A phrase at the start of a title word ("cake" in "CAKESTAND", "mug" in "MUGS"). */
const starts = (title: string, phrase: string) => new RegExp(`\\b${escape(phrase).replace(/ /g, '\\s+')}`, 'i').test(title);
/** A whole word or phrase, plural allowed. */
const word = (title: string, phrase: string) => new RegExp(`\\b${escape(phrase).replace(/ /g, '\\s+')}(?:s|es)?\\b`, 'i').test(title);

/** The clauses of `e` that item i breaks (empty when it satisfies them all). */
export function violations(c: Catalog, i: number, e: Expectation): string[] {
  const cats = c.categories(i), title = c.title(i) ?? '', price = c.price[i]!;
  const y = /\((\d{4})\)\s*$/.exec(title);
  const year = y ? Number(y[1]) : undefined;
  const out: string[] = [];
  for (const g of e.category ?? []) if (!cats.includes(g)) out.push(`category ${g}`);
  for (const g of e.notCategory ?? []) if (cats.includes(g)) out.push(`not category ${g}`);
  if (e.anyCategory && !e.anyCategory.some((g) => cats.includes(g))) out.push(`one of ${e.anyCategory.join('/')}`);
  if (e.year && (year === undefined || (e.year[0] !== null && year < e.year[0]) || (e.year[1] !== null && year > e.year[1]))) out.push(`year ${e.year.join('..')}`);
  if (e.notYear && year !== undefined && year >= e.notYear[0] && year <= e.notYear[1]) out.push(`not year ${e.notYear.join('..')}`);
  if (e.priceBelow !== undefined && !(price < e.priceBelow)) out.push(`price < ${e.priceBelow}`);
  if (e.priceAtMost !== undefined && !(price <= e.priceAtMost)) out.push(`price <= ${e.priceAtMost}`);
  if (e.priceAbove !== undefined && !(price > e.priceAbove)) out.push(`price > ${e.priceAbove}`);
  if (e.priceBetween && !(price >= e.priceBetween[0] && price <= e.priceBetween[1])) out.push(`price ${e.priceBetween.join('..')}`);
  for (const w of e.titleHas ?? []) if (!starts(title, w)) out.push(`title has "${w}"`);
  for (const w of e.titleLacks ?? []) if (word(title, w)) out.push(`title lacks "${w}"`);
  return out;
}

export interface RequestResult {
  request: string;
  returned: number;
  satisfied: number;
  /** The first few broken clauses, `item: clause`. */
  broken: string[];
  /** For `nothing` requests: whether nothing came back with the emptying constraint named. */
  emptyOk?: boolean;
  /**
   * How many of the k places could hold a satisfying item: min(k, products that satisfy the expectation). Less
   * than k when the catalogue has fewer (7 alarm clocks under £4): the other places go to the closest items.
   */
  attainable: number;
  ms: number;
}

/** Runs each request (k = 10) and checks every returned item. */
export async function runRequestSet(asker: Asker, requests: readonly TestRequest[], k = 10): Promise<RequestResult[]> {
  const out: RequestResult[] = [];
  const c = asker.engine.catalog;
  const products = asker.engine.filters.sharedMask('NOT nonProduct:true', { unknownAttrs: 'empty' });
  for (const r of requests) {
    let attainable = 0;
    if (!r.expect.nothing) for (let i = 0; i < c.size && attainable < k; i++) if (products[i] && !violations(c, i, r.expect).length) attainable++;
    const t = performance.now();
    const a = await asker.ask(r.request, { k });
    const ms = performance.now() - t;
    if (r.expect.nothing) {
      out.push({ request: r.request, returned: a.items.length, satisfied: 0, broken: [], emptyOk: a.items.length === 0 && !!a.understood.nothingMatched, attainable, ms });
      continue;
    }
    let satisfied = 0;
    const broken: string[] = [];
    for (const it of a.items) {
      const v = violations(asker.engine.catalog, asker.engine.catalog.ids.get(it.item), r.expect);
      if (!v.length) satisfied++;
      else if (broken.length < 3) broken.push(`${it.title}: ${v.join(', ')}`);
    }
    out.push({ request: r.request, returned: a.items.length, satisfied, broken, attainable, ms });
  }
  return out;
}
