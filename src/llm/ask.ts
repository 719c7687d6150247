/**
 * An LLM reads a request into the same structured constraints as the rule-based parser (src/ask/parse.ts). It is
 * shown the catalogue's own vocabulary (categories, attribute values, whether there are prices and years) and
 * must answer in a JSON schema; the answer is then checked against that vocabulary: a category or value the
 * catalogue does not have, a price in a catalogue without prices, a title with no usable word — any of these
 * rejects the whole answer and the parser's reading is used instead (a constraint is never silently dropped).
 */
import { z } from 'zod';
import type { Catalog } from '../catalog/catalog.ts';
import type { RequestInterpretation, RequestInterpreter } from '../ask/ask.ts';
import { finish, titleDraft, yearFilter, type Constraint, type Draft, type Understood } from '../ask/parse.ts';
import { nameKey, titleTokens, type NamedValue, type Vocabulary } from '../ask/vocabulary.ts';
import type { FilterNode } from '../rules/index.ts';
import { STOP_WORDS } from '../text/tokenize.ts';
import type { LlmClient } from './client.ts';
import { LlmError } from './errors.ts';

const LlmConstraintSchema = z.strictObject({
  kind: z.enum(['category', 'attribute', 'price', 'year', 'title']),
  negated: z.boolean(),
  /** attribute: the attribute's name (e.g. "brand"); otherwise null. */
  field: z.string().nullable(),
  /** category / attribute: the exact value from the vocabulary; title: the words the title must have. */
  value: z.string().nullable(),
  /** price / year bounds, inclusive; null when open. */
  min: z.number().nullable(),
  max: z.number().nullable(),
  /** The request words this constraint comes from. */
  source: z.string(),
});

export const LlmUnderstandingSchema = z.strictObject({
  constraints: z.array(LlmConstraintSchema).max(20),
  /** The request's remaining wishes as a few search words (no constraint words, no filler). */
  query: z.string().max(300),
});
export type LlmUnderstanding = z.infer<typeof LlmUnderstandingSchema>;

/** How many values of each kind the prompt lists (most common first). */
const MAX_CATEGORIES = 200, MAX_FIELDS = 10, MAX_VALUES_PER_FIELD = 40;

/** The vocabulary as the prompt shows it: categories and attribute values by how many items have them. */
export function vocabularyPrompt(v: Vocabulary): string {
  const byField = new Map<string, Map<string, number>>();
  for (const list of v.names.values()) {
    for (const x of list) {
      let m = byField.get(x.field);
      if (!m) byField.set(x.field, (m = new Map()));
      m.set(x.value, x.count);
    }
  }
  const top = (m: Map<string, number> | undefined, n: number) => [...(m ?? [])].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n).map(([value]) => value);
  const lines: string[] = [];
  const cats = top(byField.get('category'), MAX_CATEGORIES);
  lines.push(cats.length ? `Categories: ${JSON.stringify(cats)}` : 'Categories: none (do not use kind "category")');
  const attrs = [...byField.keys()].filter((f) => f.startsWith('attrs.')).sort((a, b) => byField.get(b)!.size - byField.get(a)!.size).slice(0, MAX_FIELDS);
  for (const f of attrs) lines.push(`Attribute "${f.slice('attrs.'.length)}": ${JSON.stringify(top(byField.get(f), MAX_VALUES_PER_FIELD))}`);
  if (!attrs.length) lines.push('Attributes: none (do not use kind "attribute")');
  lines.push(v.priceQuartiles ? `Prices: yes (a quarter of the items cost at most ${v.priceQuartiles[0]}, a quarter at least ${v.priceQuartiles[1]})` : 'Prices: none (do not use kind "price")');
  lines.push(v.yearField ? `Years: yes (the latest is ${v.latestYear})` : 'Years: none (do not use kind "year")');
  return lines.join('\n');
}

const SYSTEM = `You turn a shopper's or viewer's request into search constraints for one catalogue.
Use only the categories and attribute values listed, spelled exactly as listed. Kinds:
- "category": value = one listed category;
- "attribute": field = the attribute's name, value = one of its listed values;
- "price": min and/or max (inclusive; null when open), in the catalogue's currency;
- "year": min and/or max (inclusive years; a decade such as "the 80s" is 1980 to 1989);
- "title": value = words the item's title must contain (for a named product, design or film).
Set negated = true for exclusions ("not", "no", "without", "except", "anything but").
source = the request words the constraint comes from. Leave field, value, min, max null when they do not apply.
query = the request's other wishes as a few plain search words (drop filler words and the words used by constraints).
When the request names something that is not in the lists, put its words in query instead of a constraint.`;

/** The LLM's answer as Curio constraints, or the reason it cannot be used. */
export function constraintsFromLlm(a: LlmUnderstanding, vocab: Vocabulary, catalog: Catalog): { constraints: Constraint[]; query: string; queryWords: string[] } | { invalid: string } {
  const constraints: Constraint[] = [];
  for (const [q, c] of a.constraints.entries()) {
    const d = draft(c, vocab, catalog);
    if (typeof d === 'string') return { invalid: `constraints[${q}] (${c.kind}${c.value !== null ? ` "${c.value}"` : ''}): ${d}` };
    constraints.push(finish(d, c.negated, c.source.trim() || d.source));
  }
  const words = a.query.split(/\s+/).filter(Boolean);
  const queryWords = [...new Set(words.flatMap(titleTokens))].filter((w) => !STOP_WORDS.has(w));
  return { constraints, query: words.join(' '), queryWords };
}

function draft(c: z.infer<typeof LlmConstraintSchema>, vocab: Vocabulary, catalog: Catalog): Draft | string {
  const named = (field: string): NamedValue | undefined => (c.value === null ? undefined : vocab.names.get(nameKey(c.value))?.find((v) => v.field === field));
  switch (c.kind) {
    case 'category': {
      const v = named('category');
      if (!v) return 'not one of the catalogue\'s categories';
      return { kind: 'category', text: `category ${v.value}`, source: c.value!, filter: { op: '=', field: 'category', value: v.value } };
    }
    case 'attribute': {
      if (!c.field) return 'an attribute constraint needs field';
      const field = c.field.startsWith('attrs.') ? c.field : `attrs.${c.field}`;
      const v = named(field);
      if (!v) return `not a value of the catalogue's attribute "${field.slice(6)}"`;
      return { kind: 'attribute', text: `${field.slice(6)} ${v.value}`, source: c.value!, filter: { op: '=', field, value: v.value } };
    }
    case 'price': {
      if (!vocab.priceQuartiles) return 'this catalogue has no prices';
      const { min, max } = c;
      if (min === null && max === null) return 'a price constraint needs min or max';
      if (min !== null && max !== null && min > max) return `min ${min} is above max ${max}`;
      const filter: FilterNode = min !== null && max !== null ? { op: 'range', field: 'price', min, max } : min !== null ? { op: '>=', field: 'price', value: min } : { op: '<=', field: 'price', value: max! };
      const text = min !== null && max !== null ? `price ${min}–${max}` : min !== null ? `price >= ${min}` : `price <= ${max}`;
      return { kind: 'price', text, source: c.source, filter };
    }
    case 'year': {
      if (!vocab.yearField) return 'no item has a year or a date';
      const { min, max } = c;
      if (min === null && max === null) return 'a year constraint needs min or max';
      if ((min !== null && !Number.isInteger(min)) || (max !== null && !Number.isInteger(max))) return 'years must be whole numbers';
      if (min !== null && max !== null && min > max) return `min ${min} is after max ${max}`;
      const text = min !== null && max !== null ? (min === max ? `year ${min}` : `year ${min}–${max}`) : min !== null ? `year >= ${min}` : `year <= ${max}`;
      return { kind: 'year', text, source: c.source, filter: yearFilter(vocab, min ?? -Infinity, max ?? Infinity) };
    }
    case 'title': {
      const d = c.value === null ? undefined : titleDraft(c.value, vocab, catalog);
      return d ?? 'a title constraint needs words';
    }
  }
}

/**
 * Reads requests with an LLM; the parser's reading is the answer whenever the LLM fails, times out, is over
 * budget, or answers something the catalogue's vocabulary does not back.
 */
export class LlmRequestInterpreter implements RequestInterpreter {
  constructor(readonly client: LlmClient) {}

  async interpret(request: string, parsed: Understood, vocab: Vocabulary, catalog: Catalog): Promise<RequestInterpretation> {
    const fallback = (why: string): RequestInterpretation => ({ understood: parsed, by: 'parser', fallback: `${why}: using the rule-based parser's reading` });
    let answer: LlmUnderstanding;
    try {
      ({ value: answer } = await this.client.chatJson({
        system: `${SYSTEM}\n\nThe catalogue:\n${vocabularyPrompt(vocab)}`,
        user: parsed.request,
        schema: LlmUnderstandingSchema,
        name: 'request_constraints',
        maxTokens: 600,
      }));
    } catch (e) {
      if (e instanceof LlmError) return fallback(e.message);
      throw e;
    }
    const r = constraintsFromLlm(answer, vocab, catalog);
    if ('invalid' in r) return fallback(`${this.client.describe()} answered ${r.invalid}`);
    return { understood: { request: parsed.request, constraints: r.constraints, query: r.query, queryWords: r.queryWords, warnings: parsed.warnings.filter((w) => w.startsWith('the request does not look like English')) }, by: 'llm' };
  }
}
