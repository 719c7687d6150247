/**
 * Reads a request in plain English into hard constraints (each a filter AST over the catalogue) and a soft query
 * (the words left once constraints, exclusions and filler are taken out). Rule-based and dependency-free: price
 * and year phrases by patterns, categories and attribute values through the catalogue's own names (plus the
 * general synonym list), exclusions by "not / no / without / except / anything but / but not / other than".
 */
import { ConfigError } from '../errors.ts';
import type { FilterNode } from '../rules/index.ts';
import { STOP_WORDS } from '../text/tokenize.ts';
import { SYNONYMS, itemsWithTitleWords, nameKey, titleTokens, type NamedValue, type Vocabulary } from './vocabulary.ts';
import type { Catalog } from '../catalog/catalog.ts';
import { wordSynonym } from './word-synonyms.ts';

export type ConstraintKind = 'category' | 'attribute' | 'price' | 'year' | 'title';

export interface Constraint {
  kind: ConstraintKind;
  /** An exclusion ("not a musical"). */
  negated: boolean;
  /** How it was understood, for people: `category Comedy`, `price < 5`, `not title word "spaceboy"`. */
  text: string;
  /** The request words it came from. */
  source: string;
  filter: FilterNode;
}

export interface Understood {
  request: string;
  constraints: Constraint[];
  /** The soft query: request words left after constraints and filler were taken out. */
  query: string;
  /** The query's words as matched against item text (normalised, plurals stemmed). */
  queryWords: string[];
  /** What could not be used, said plainly (another language, a dangling "not"). */
  warnings: string[];
}

export const MAX_REQUEST_CHARS = 1000;

/** Request words that carry no wish of their own. */
const FILLER = new Set(('movie movies film films flick flicks something anything thing things stuff show shows recommend recommendation ' +
  'recommendations suggest suggestion want wanna need looking look find get give me some any good great nice best watch watching ' +
  'buy item items product products one ones kind sort type design designs style like would could should can id im about cost ' +
  'costing costs priced price pound pounds dollar dollars euro euros buck bucks quid year years made released around really very ' +
  'just also maybe perhaps tonight today please let lets show watch see something someone all only either neither nor ' +
  'version versions edition thats whats hey hi hello ok okay do does did dont doesnt isnt').split(' '));

/** Function words of other languages (French, German, Spanish, Italian, Portuguese) that English does not use. */
const FOREIGN = new Set(('le la les une des pour avec sans pas est du au et ou très drôle der das ein eine für mit ohne nicht und ist ' +
  'ich bitte el los las una para con sin por y del películas película il lo gli per senza non di che um uma com sem não filme ' +
  'ein einen einem lustig lustigen kinder niños enfants bambini').split(' '));

const NEG = String.raw`(?:anything\s+but|anything\s+except|everything\s+but|other\s+than|except\s+for|except|excluding|without|but\s+not|not|no|nothing|avoid|isnt|aren't|arent|don'?t\s+want|do\s+not\s+want|never)`;
const NEG_BEFORE = new RegExp(String.raw`\b${NEG}\s+(?:(?:a|an|the|any|from|in|of)\s+)?$`);
const CUR = String.raw`(?:[£$€]|gbp|usd|eur)?`;
const NUM = String.raw`(\d+(?:[.,]\d+)?)`;
const UNIT = String.raw`(?:\s*(?:pounds?|quid|dollars?|bucks?|euros?|gbp|usd|eur|p\b|pence))?`;

/** Words or signs that make a number an amount of money. */
const MONEY = /[£$€]|pound|dollar|euro|quid|buck|gbp|usd|eur|pence|\dp\b/;

const WORD_DECADES: Record<string, number> = {
  twenties: 1920, thirties: 1930, forties: 1940, fifties: 1950, sixties: 1960, seventies: 1970, eighties: 1980, nineties: 1990,
  noughties: 2000, 'two thousands': 2000,
};

function num(s: string, pence = false): number {
  const v = Number(s.replace(',', '.'));
  return pence ? v / 100 : v;
}

/** A decade's first year: "80" -> 1980, "00"/"10" -> 2000/2010 (twenties to nineties read as the 1900s). */
function decadeStart(d: string): number {
  if (d.length === 4) return Number(d);
  const x = Number(d);
  return x <= 10 ? 2000 + x : 1900 + x;
}

const isYear = (n: number) => Number.isInteger(n) && n >= 1870 && n <= 2100;

export interface Draft {
  kind: ConstraintKind;
  text: string;
  source: string;
  filter: FilterNode;
}

/** Matches nothing (a title word no item has). */
const NOTHING: FilterNode = { op: 'and', args: [{ op: 'exists', field: 'id' }, { op: 'not', arg: { op: 'exists', field: 'id' } }] };

const SYN = new Map<string, string[]>(Object.entries(SYNONYMS).map(([k, v]) => [nameKey(k), v.split('|').map(nameKey)]));

/**
 * Parses `request` against `catalog`'s vocabulary. Throws ConfigError (field "request") for an empty request or one
 * over MAX_REQUEST_CHARS characters.
 *
 * @example
 * parseRequest('a funny animated movie for kids, not a musical', v, catalog).constraints.map((c) => c.text)
 * // ['category Comedy', 'category Animation', 'category Children', 'not category Musical']
 */
export function parseRequest(request: string, vocab: Vocabulary, catalog: Catalog): Understood {
  const trimmed = request.trim();
  if (!trimmed) throw new ConfigError('request', 'empty: say what you are looking for, e.g. "a funny animated movie for kids, not a musical"');
  if (trimmed.length > MAX_REQUEST_CHARS) {
    throw new ConfigError('request', `too long: ${trimmed.length} characters (at most ${MAX_REQUEST_CHARS}); say what you want in a sentence or two`);
  }
  if (!/[\p{L}\p{N}]/u.test(trimmed)) throw new ConfigError('request', `has no words: say what you are looking for in words, e.g. "a funny animated movie for kids, not a musical"`);
  // Work on a lower-cased copy of the same length, blanking each span once it is understood.
  let s = trimmed.normalize('NFKC').toLowerCase().replace(/[’`]/g, "'").replace(/[“”]/g, '"')
    // an initial's full stop ("j.r.r. tolkien", "u.s.") ends no phrase: a space, so the name's words stay together
    .replace(/(?<![\p{L}\p{N}])(\p{L})\./gu, '$1 ');
  const out: Constraint[] = [];
  const at: number[] = []; // where each constraint starts in the request, to list them in its order
  const push = (c: Constraint, where: number) => { out.push(c); at.push(where); };
  const warnings: string[] = [];
  const blank = (from: number, to: number) => { s = s.slice(0, from) + ' '.repeat(to - from) + s.slice(to); };

  /** Each match of `re` becomes a constraint (negated when a negation word precedes it); the span is blanked. */
  const each = (re: RegExp, make: (m: RegExpExecArray) => Draft | undefined) => {
    for (const m of [...s.matchAll(new RegExp(re.source, `${re.flags}g`))] as RegExpExecArray[]) {
      if (s.slice(m.index, m.index + m[0].length).trim() !== m[0].trim()) continue; // overlapped an earlier match
      const d = make(m);
      if (!d) continue;
      const before = s.slice(0, m.index);
      const neg = NEG_BEFORE.exec(before);
      const from = neg ? neg.index : m.index;
      push(finish(d, !!neg, s.slice(from, m.index + m[0].length).trim()), from);
      blank(from, m.index + m[0].length);
    }
  };

  // Quoted text and "called X" / "titled X": words the title must have.
  each(/(?:\b(?:called|titled|named)\s+)?"([^"]+)"|\b(?:called|titled|named)\s+([\p{L}\p{N}' ]+?)(?=[,.;!?]|$)/u, (m) => titleDraft(m[1] ?? m[2]!, vocab, catalog));

  // Prices: ranges first, then bounds, then words.
  const price = (op: 'range' | '<' | '<=' | '>' | '>=', a: number, b?: number): FilterNode =>
    op === 'range' ? { op: 'range', field: 'price', min: a, max: b! } : { op, field: 'price', value: a };
  each(new RegExp(String.raw`\b(?:between|from)\s+${CUR}${NUM}${UNIT}\s*(?:and|to|-|–)\s*${CUR}${NUM}${UNIT}`), (m) => {
    const a = num(m[1]!), b = num(m[2]!);
    const money = /[£$€]|pound|dollar|euro|quid|buck|gbp|usd|eur/.test(m[0]);
    if (!money && isYear(a) && isYear(b)) return undefined; // "between 1990 and 2000": years
    return { kind: 'price', text: `price ${Math.min(a, b)}–${Math.max(a, b)}`, source: m[0], filter: price('range', Math.min(a, b), Math.max(a, b)) };
  });
  // "£5-£10", "5 to 10 pounds": a range without "between", money said somewhere in it (else years: "1990-2000")
  each(new RegExp(String.raw`(?<![\p{L}\p{N}.])${CUR}${NUM}(p\b|\s*pence)?${UNIT}\s*(?:-|–|to)\s*${CUR}${NUM}(p\b|\s*pence)?${UNIT}`, 'u'), (m) => {
    if (!MONEY.test(m[0])) return undefined;
    const a = num(m[1]!, !!m[2]), b = num(m[3]!, !!m[4]);
    return { kind: 'price', text: `price ${Math.min(a, b)}–${Math.max(a, b)}`, source: m[0], filter: price('range', Math.min(a, b), Math.max(a, b)) };
  });
  // "£3 or less", "£10 and up"
  each(new RegExp(String.raw`(?<![\p{L}\p{N}.])${CUR}${NUM}(p\b|\s*pence)?${UNIT}\s+(?:or|and)\s+(less|under|below|cheaper|lower|more|over|above|up|upwards|higher)\b`, 'u'), (m) => {
    if (!MONEY.test(m[0])) return undefined;
    const v = num(m[1]!, !!m[2]);
    const op = /less|under|below|cheaper|lower/.test(m[3]!) ? '<=' : '>=';
    return { kind: 'price', text: `price ${op} ${v}`, source: m[0], filter: price(op, v) };
  });
  // "around £5": within a fifth either side
  each(new RegExp(String.raw`\b(?:around|about|roughly|approximately|approx|circa|near|nearly)\s+${CUR}${NUM}(p\b|\s*pence)?${UNIT}`, 'u'), (m) => {
    if (!MONEY.test(m[0])) return undefined;
    const v = num(m[1]!, !!m[2]);
    const lo = Math.round(v * 80) / 100, hi = Math.round(v * 120) / 100;
    return { kind: 'price', text: `price ${lo}–${hi} (around ${v})`, source: m[0], filter: price('range', lo, hi) };
  });
  each(new RegExp(String.raw`\b(under|below|less\s+than|cheaper\s+than|up\s+to|at\s+most|no\s+more\s+than|not\s+more\s+than|max(?:imum)?|within|over|above|more\s+than|at\s+least|min(?:imum)?|from|pricier\s+than|costlier\s+than)\s+${CUR}${NUM}(p\b|\s*pence)?${UNIT}`), (m) => {
    const w = m[1]!.replace(/\s+/g, ' ');
    const v = num(m[2]!, !!m[3]);
    const money = /[£$€]|pound|dollar|euro|quid|buck|gbp|usd|eur|pence|\dp\b/.test(m[0]);
    if (!money && (isYear(v) || w === 'from')) return undefined; // "from 1995", "over 2000": years or not a price
    const op = /under|below|less|cheaper/.test(w) ? '<' : /up to|at most|more than|max|within/.test(w) && !/^more/.test(w) ? '<=' : /over|above|^more|pricier|costlier/.test(w) ? '>' : '>=';
    return { kind: 'price', text: `price ${op} ${v}`, source: m[0], filter: price(op, v) };
  });
  const q = vocab.priceQuartiles;
  each(/\b(cheap|cheaper|cheapest|inexpensive|budget|affordable|low[- ]cost|bargain|expensive|pricey|premium|luxury|luxurious|upmarket)\b/, (m) => {
    const cheap = /cheap|inexpensive|budget|afford|low|bargain/.test(m[1]!);
    // Relative to this catalogue: the cheapest or dearest quarter of its priced items.
    if (!q) return { kind: 'price', text: `${cheap ? 'cheap' : 'expensive'} (no item has a price)`, source: m[0], filter: { op: 'exists', field: 'price' } };
    const v = cheap ? q[0] : q[1];
    return cheap
      ? { kind: 'price', text: `price <= ${v} (cheapest quarter)`, source: m[0], filter: price('<=', v) }
      : { kind: 'price', text: `price >= ${v} (dearest quarter)`, source: m[0], filter: price('>=', v) };
  });

  // An amount no pattern above read ("a £5 gift"): said, and kept out of the query (no item text has "5").
  for (const m of [...s.matchAll(new RegExp(String.raw`[£$€]\s*\d+(?:[.,]\d+)?|\b\d+(?:[.,]\d+)?(?:p\b|\s*(?:pence|pounds?|quid|dollars?|bucks?|euros?|gbp|usd|eur)\b)`, 'gu'))]) {
    warnings.push(`"${m[0].trim()}": a price without "under", "over", "between" or "around" is no constraint (say "under ${m[0].trim()}" to make it one)`);
    blank(m.index!, m.index! + m[0].length);
  }

  // Years and decades.
  const years = (a: number, b: number, label: string, source: string): Draft => ({ kind: 'year', text: label, source, filter: yearFilter(vocab, a, b) });
  each(/\b(?:between|from)\s+(\d{4})\s*(?:and|to|-|–)\s*(\d{4})\b|\b(\d{4})\s*(?:-|–|to)\s*(\d{4})\b/, (m) => {
    const a = Number(m[1] ?? m[3]), b = Number(m[2] ?? m[4]);
    if (!isYear(a) || !isYear(b)) return undefined;
    return years(Math.min(a, b), Math.max(a, b), `year ${Math.min(a, b)}–${Math.max(a, b)}`, m[0]);
  });
  each(/\b(?:(early|mid|late)[- ]?)?(?:(?:from|in|of)\s+)?(?:the\s+)?(?:(early|mid|late)[- ]?)?'?(\d{2}|\d{3}0)'?s\b/, (m) => {
    if (m[3]!.length === 4 && !m[3]!.endsWith('0')) return undefined;
    const d = decadeStart(m[3]!.length === 4 ? m[3]! : m[3]!);
    if (m[3]!.length === 2 && !m[3]!.endsWith('0')) return undefined;
    const part = m[1] ?? m[2];
    // "the 1800s", "the 1900s": a century; "the 2000s" is read as its first decade, as people mostly mean
    const span = d % 100 === 0 && d < 2000 ? 100 : 10;
    const [a, b] = part === 'early' ? [d, d + 0.3 * span] : part === 'mid' ? [d + 0.3 * span, d + 0.6 * span] : part === 'late' ? [d + 0.6 * span, d + span - 1] : [d, d + span - 1];
    return years(a, b, `year ${a}–${b} (${part ? `${part} ` : ''}${d}s)`, m[0]);
  });
  each(new RegExp(String.raw`\b(?:(early|mid|late)[- ]?)?(?:(?:from|in|of)\s+)?(?:the\s+)?(?:(early|mid|late)[- ]?)?(${Object.keys(WORD_DECADES).join('|')})\b`), (m) => {
    const d = WORD_DECADES[m[3]!]!;
    const part = m[1] ?? m[2];
    const [a, b] = part === 'early' ? [d, d + 3] : part === 'mid' ? [d + 3, d + 6] : part === 'late' ? [d + 6, d + 9] : [d, d + 9];
    return years(a, b, `year ${a}–${b} (${part ? `${part} ` : ''}${d}s)`, m[0]);
  });
  each(/\b(after|since|from|newer\s+than|later\s+than|post(?=-)|post|before|until|till|prior\s+to|older\s+than|earlier\s+than|pre(?=-)|pre|in|of)(?:-|\s+)(?:the\s+year\s+)?(\d{4})\b(\s+(?:on(?:wards?)?|and\s+(?:later|after|newer)|or\s+(?:later|after|newer)))?/, (m) => {
    const y = Number(m[2]);
    if (!isYear(y)) return undefined;
    const w = m[1]!.replace(/\s+/g, ' ');
    if (w === 'after' || w === 'newer than' || w === 'later than' || w === 'post') return years(y + 1, Infinity, `year > ${y}`, m[0]);
    // "a film from 1999" is that year; "from 1999 on" and "since 1999" are open-ended
    if (w === 'since' || m[3]) return years(y, Infinity, `year >= ${y}`, m[0]);
    if (w === 'from') return years(y, y, `year ${y}`, m[0]);
    if (w === 'in' || w === 'of') return years(y, y, `year ${y}`, m[0]);
    return years(-Infinity, y - 1, `year < ${y}`, m[0]);
  });
  each(/\b(\d{4})\b/, (m) => {
    const y = Number(m[1]);
    return isYear(y) ? years(y, y, `year ${y}`, m[0]) : undefined;
  });
  // "the last 5 years", "the past decade": back from the catalogue's latest year, as "recent" is
  const COUNT: Record<string, number> = { two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, twenty: 20, a: 1 };
  each(/\b(?:(?:in|from|of|over|during)\s+)?(?:the\s+)?(?:last|past)\s+(?:(\d{1,3}|two|three|four|five|six|seven|eight|nine|ten|twenty|a)\s+(years?|decades?)|(year|decade))\b/, (m) => {
    const unit = m[2] ?? m[3]!;
    const span = (m[1] ? COUNT[m[1]] ?? Number(m[1]) : 1) * (unit.startsWith('decade') ? 10 : 1);
    const label = `the last ${span === 1 ? 'year' : `${span} years`}`;
    if (vocab.latestYear === undefined || !(span >= 1)) return years(-Infinity, Infinity, `${label} (no item has a year)`, m[0]);
    const from = vocab.latestYear - span + 1;
    return years(from, Infinity, `year >= ${from} (${label}: the catalogue ends in ${vocab.latestYear})`, m[0]);
  });
  each(/\b(recent|newest|latest|new\s+releases?)\b/, (m) => {
    if (vocab.latestYear === undefined) return years(-Infinity, Infinity, 'recent (no item has a year)', m[0]);
    const from = vocab.latestYear - 4;
    return years(from, Infinity, `year >= ${from} (recent: the catalogue's last 5 years)`, m[0]);
  });

  // "by Tolkien": a surname names the one person (author, brand...) of the catalogue whose name ends with it
  each(/\bby\s+(\p{L}[\p{L}'-]*)/u, (m) => {
    const key = nameKey(m[1]!);
    if (vocab.names.has(key)) return undefined; // a whole name ("by Disney"): matched as a name below
    const list = vocab.surnames?.get(key);
    if (!list) return undefined;
    const what = (v: NamedValue) => (v.field === 'category' ? 'category' : v.field.slice('attrs.'.length));
    // "not by King" leaves out every King (up to a few); "by King" does not guess which one
    if (list.length > 1 && list.length <= 10 && NEG_BEFORE.test(s.slice(0, m.index))) {
      const sorted = [...list].sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
      return {
        kind: 'attribute', text: `${what(sorted[0]!)} ${sorted.map((v) => v.value).join(' or ')} (by "${m[1]}")`, source: m[0],
        filter: { op: 'or', args: sorted.map((v) => ({ op: '=', field: v.field, value: v.value }) as FilterNode) },
      };
    }
    if (list.length > 1) {
      const named = [...list].sort((a, b) => b.count - a.count || a.value.localeCompare(b.value)).slice(0, 5).map((v) => v.value);
      warnings.push(`"${m[0].trim()}": ${list.length} names end so (${named.join(', ')}${list.length > 5 ? ', ...' : ''}); say the whole name`);
      return undefined;
    }
    const v = list[0]!;
    return { kind: 'attribute', text: `${what(v)} ${v.value} (by "${m[1]}")`, source: m[0], filter: { op: '=', field: v.field, value: v.value } };
  });

  // Exclusions of names and title words: a negation word and the words after it up to a break.
  const BREAK = String.raw`[,.;!?]|\b(?:and|but|with|for|that|which|please|under|over|below|above|between|after|before|since|from|in|made|i|we|my)\b|` + NEG;
  // A preposition right after the negation belongs to it ("not for kids", "nothing with spiders").
  const negRe = new RegExp(String.raw`\b${NEG}\b\s*(?:(?:for|with|about|featuring|involving|by|in|from)\s+)?((?:(?!${BREAK}).)*)`, 'g');
  for (const m of [...s.matchAll(negRe)]) {
    const scope = m[1]!;
    const start = m.index!, end = m.index! + m[0].length;
    const words = scope.split(/[^\p{L}\p{N}'&-]+/u).filter(Boolean);
    const found = matchNames(words, vocab);
    const rest: string[] = [];
    for (let t = 0; t < words.length; t++) {
      const f = found.find((x) => x.from === t);
      if (f) { push(finish(nameDraft(f), true, m[0].trim()), start); t = f.to - 1; continue; }
      const w = words[t]!.replace(/'/g, '');
      if (!STOP_WORDS.has(w) && !FILLER.has(w)) rest.push(words[t]!);
    }
    if (rest.length) {
      const d = titleDraft(rest.join(' '), vocab, catalog);
      if (d) {
        push(finish(d, true, m[0].trim()), start);
        if (d.filter === NOTHING) warnings.push(excludesNothing(m[0].trim(), rest.join(' '), vocab));
      }
    } else if (!found.length) {
      warnings.push(`"${m[0].trim()}": nothing to exclude was named after "${m[0].trim().split(/\s+/)[0]}"`);
    }
    blank(start, end);
  }

  // Names (categories, attribute values) anywhere else; "X or Y" between two names of one field is one choice.
  const words: { w: string; at: number }[] = [];
  for (const m of s.matchAll(/[\p{L}\p{N}][\p{L}\p{N}'&-]*/gu)) words.push({ w: m[0], at: m.index! });
  const found = matchNames(words.map((x) => x.w), vocab);
  const named: { d: Draft; from: number; to: number; field: string }[] = [];
  for (const f of found) {
    const d = nameDraft(f);
    const prev = named[named.length - 1];
    if (prev && f.from === prev.to + 1 && words[prev.to]!.w === 'or' && prev.field === f.values[0]!.field) {
      prev.d = { ...prev.d, text: `${prev.d.text} or ${d.text.replace(/^\S+ /, '')}`, source: `${prev.d.source} or ${d.source}`, filter: { op: 'or', args: [prev.d.filter, d.filter] } };
      prev.to = f.to;
      continue;
    }
    named.push({ d, from: f.from, to: f.to, field: f.values[0]!.field });
  }
  for (const n of named) push(finish(n.d, false, n.d.source), words[n.from]!.at);
  const used = new Set<number>();
  for (const f of found) for (let t = f.from; t < f.to; t++) used.add(t);

  const queryRaw: string[] = [];
  let english = 0, foreign = 0, nonLatin = 0;
  for (const [t, { w }] of words.entries()) {
    const bare = w.replace(/'/g, '');
    if (STOP_WORDS.has(bare) || FILLER.has(bare)) english++;
    if (FOREIGN.has(bare)) foreign++;
    if (/[^\p{Script=Latin}\p{N}'&-]/u.test(w)) nonLatin++;
    if (used.has(t) || STOP_WORDS.has(bare) || FILLER.has(bare) || bare === 'or') continue;
    queryRaw.push(w);
  }
  if (nonLatin > words.length / 2 || (foreign >= 2 && foreign > english)) {
    warnings.push('the request does not look like English: only English words for genres, prices, years and exclusions are understood; other words are matched against item text as they are');
  }
  const queryWords = [...new Set(queryRaw.flatMap(titleTokens))];
  const order = out.map((_, q) => q).sort((a, b) => at[a]! - at[b]! || a - b);
  return { request: trimmed, constraints: order.map((q) => out[q]!), query: queryRaw.join(' '), queryWords, warnings: [...new Set(warnings)] };
}

export function finish(d: Draft, negated: boolean, source: string): Constraint {
  return negated
    ? { kind: d.kind, negated, text: `not ${d.text}`, source, filter: { op: 'not', arg: d.filter } }
    : { kind: d.kind, negated, text: d.text, source, filter: d.filter };
}

export function yearFilter(v: Vocabulary, a: number, b: number): FilterNode {
  const field = v.yearField ?? 'attrs.year';
  const lo = Number.isFinite(a) ? (field === 'time' ? Date.UTC(a, 0, 1) : a) : undefined;
  const hi = Number.isFinite(b) ? (field === 'time' ? Date.UTC(b + 1, 0, 1) - 1 : b) : undefined;
  if (lo === undefined && hi === undefined) return { op: 'exists', field };
  return { op: 'range', field, ...(lo !== undefined ? { min: lo } : {}), ...(hi !== undefined ? { max: hi } : {}) };
}

/** Why a title-word exclusion leaves out nothing, and whether the items' other text (tags, reviews) has the words. */
function excludesNothing(source: string, phrase: string, vocab: Vocabulary): string {
  const words = titleTokens(phrase).filter((w) => !STOP_WORDS.has(w));
  let inText: Set<number> | undefined;
  for (const w of words) {
    const items = vocab.textItems?.(w);
    const next = new Set<number>();
    if (items) for (const i of items) if (!inText || inText.has(i)) next.add(i);
    inText = next;
  }
  const n = inText?.size ?? 0;
  const other = n ? ` (${n} item${n > 1 ? 's\'' : '\'s'} other text has it: exclusions read titles only)` : '';
  return `"${source}" leaves out nothing: no item title has "${phrase.toLowerCase()}"${other}`;
}

/** Title words as a filter: the ids of the items whose title has all of them. */
export function titleDraft(phrase: string, vocab: Vocabulary, catalog: Catalog): Draft | undefined {
  const words = titleTokens(phrase).filter((w) => !STOP_WORDS.has(w));
  if (!words.length) return undefined;
  const items = itemsWithTitleWords(vocab, words);
  const filter: FilterNode = items.length ? { op: 'in', field: 'id', values: Array.from(items, (i) => catalog.ids.id(i)) } : NOTHING;
  return { kind: 'title', text: `title has ${words.length > 1 ? 'the words' : 'the word'} ${words.map((w) => `"${w}"`).join(' ')}`, source: phrase, filter };
}

interface NameMatch {
  from: number;
  to: number;
  source: string;
  values: NamedValue[];
  /** Set when word vectors found it: the anchor word it is close to. */
  near?: { word: string; cosine: number };
}

/** Longest-first n-gram matches of `words` against the vocabulary's names, directly or through a synonym. */
function matchNames(words: readonly string[], vocab: Vocabulary): NameMatch[] {
  const keys = words.map((w) => nameKey(w));
  const out: NameMatch[] = [];
  for (let t = 0; t < words.length;) {
    let hit: NameMatch | undefined;
    for (let len = Math.min(vocab.maxNameWords + 1, words.length - t); len >= 1 && !hit; len--) {
      const parts = keys.slice(t, t + len);
      if (!parts[0] || !parts[len - 1] || STOP_WORDS.has(parts[0])) continue;
      for (const key of new Set([parts.join(' '), parts.join('')])) {
        const direct = vocab.names.get(key);
        const syn = SYN.get(key);
        const values = direct ?? (syn && syn.every((k) => vocab.names.has(k)) ? syn.flatMap((k) => [bestValue(vocab.names.get(k)!)]) : undefined);
        if (values) { hit = { from: t, to: t + len, source: words.slice(t, t + len).join(' '), values: direct ? [bestValue(direct)] : values }; break; }
      }
    }
    // Neither a name nor a listed synonym: a category close by word vectors, when one is clearly closest.
    if (!hit) {
      const w = words[t]!.toLowerCase().replace(/'/g, '');
      const ws = FILLER.has(w) ? undefined : wordSynonym(w, vocab);
      if (ws) hit = { from: t, to: t + 1, source: words[t]!, values: ws.values, near: { word: ws.near, cosine: ws.cosine } };
    }
    if (hit) { out.push(hit); t = hit.to; } else t++;
  }
  return out;
}

/** Of the values a name matches, the category first, then the most common. */
function bestValue(list: NamedValue[]): NamedValue {
  return [...list].sort((a, b) => (a.field === 'category' ? 0 : 1) - (b.field === 'category' ? 0 : 1) || b.count - a.count)[0]!;
}

function nameDraft(f: NameMatch): Draft {
  const via = f.near ? ` ("${f.source.toLowerCase()}" is close to "${f.near.word}": ${f.near.cosine.toFixed(2)})` : '';
  const parts = f.values.map((v) => ({
    kind: (v.field === 'category' ? 'category' : 'attribute') as ConstraintKind,
    text: `${v.field === 'category' ? 'category' : v.field.slice('attrs.'.length)} ${v.value}${via}`,
    filter: { op: '=', field: v.field, value: v.value } as FilterNode,
  }));
  if (parts.length === 1) return { ...parts[0]!, source: f.source };
  return { kind: parts[0]!.kind, text: parts.map((p) => p.text).join(' and '), source: f.source, filter: { op: 'and', args: parts.map((p) => p.filter) } };
}
