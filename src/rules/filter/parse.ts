import { canonicalField } from '../../catalog/catalog.ts';
import { FilterSyntaxError } from '../../errors.ts';
import { setPosition, type CompareOp, type FilterNode, type FilterValue } from './ast.ts';

type TokenKind = 'word' | 'string' | 'number' | 'punct' | 'end';
interface Token {
  kind: TokenKind;
  /** word/punct: the text; string: the unescaped value; number: the source text. */
  text: string;
  num: number;
  /** 1-based. */
  pos: number;
}

const WORD_CHAR = /[\p{L}\p{N}_.$-]/u;
const NUMBER = /-?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const PUNCT = ['..', '<=', '>=', '!=', '(', ')', ',', ':', '=', '<', '>', '-'];
const ESCAPES: Record<string, string> = { '"': '"', "'": "'", '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

function tokenize(src: string, fieldName: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const fail = (at: number, msg: string): never => { throw new FilterSyntaxError(at + 1, msg, fieldName); };
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) { i++; continue; }
    const start = i;
    if (c === '"' || c === "'") {
      let s = '';
      i++;
      for (;;) {
        if (i >= src.length) fail(start, `unterminated string: expected a closing ${c}`);
        const d = src[i]!;
        if (d === c) { i++; break; }
        if (d === '\\') {
          const e = src[i + 1];
          if (e === 'u') {
            const hex = src.slice(i + 2, i + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail(i, 'expected four hex digits after \\u');
            s += String.fromCharCode(parseInt(hex, 16));
            i += 6;
          } else if (e !== undefined && ESCAPES[e] !== undefined) {
            s += ESCAPES[e];
            i += 2;
          } else fail(i, `unknown escape \\${e ?? ''}: expected one of \\" \\' \\\\ \\n \\t \\r \\b \\f \\/ \\uXXXX`);
        } else { s += d; i++; }
      }
      out.push({ kind: 'string', text: s, num: NaN, pos: start + 1 });
      continue;
    }
    // A run of word characters (never across ".."): a number when all of it is one, else a bare word (85123A, a-b).
    if (WORD_CHAR.test(c) && !(c === '-' && !/[\d.]/.test(src[i + 1] ?? '')) && !(c === '.' && src[i + 1] === '.')) {
      let j = i + 1;
      while (j < src.length && WORD_CHAR.test(src[j]!) && !(src[j] === '.' && src[j + 1] === '.')) j++;
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(src);
      if (m && (i + m[0].length === j || (i + m[0].length > j && !WORD_CHAR.test(src[i + m[0].length] ?? '')))) {
        // The number may go past the run on an exponent sign (1e+21).
        out.push({ kind: 'number', text: m[0], num: Number(m[0]), pos: start + 1 });
        i += m[0].length;
      } else {
        const text = src.slice(i, j);
        if (text.startsWith('-')) fail(i, `expected a filter term after "-", not "${text}"`);
        out.push({ kind: 'word', text, num: NaN, pos: start + 1 });
        i = j;
      }
      continue;
    }
    const p = PUNCT.find((q) => src.startsWith(q, i));
    if (!p) fail(i, `unexpected character "${c}"`);
    out.push({ kind: 'punct', text: p!, num: NaN, pos: start + 1 });
    i += p!.length;
  }
  out.push({ kind: 'end', text: '', num: NaN, pos: src.length + 1 });
  return out;
}

/** Words that shape the expression: never a field or a bare value (quote them to mean the text). */
const STRUCTURAL = new Set(['and', 'or', 'not', 'in', 'between', 'exists']);
const MAX_DEPTH = 64;
const COMPARE: Record<string, CompareOp> = { '=': '=', '!=': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

function describe(t: Token): string {
  switch (t.kind) {
    case 'end': return 'the end of the filter';
    case 'string': return `the string ${JSON.stringify(t.text)}`;
    case 'number': return `the number ${t.text}`;
    default: return `"${t.text}"`;
  }
}

class Parser {
  private p = 0;
  constructor(private readonly toks: Token[], private readonly fieldName: string) {}

  private get t(): Token { return this.toks[this.p]!; }
  private fail(t: Token, expected: string): never {
    throw new FilterSyntaxError(t.pos, `expected ${expected}, found ${describe(t)}`, this.fieldName);
  }
  private isKw(kw: string, t = this.t): boolean {
    return t.kind === 'word' && t.text.toLowerCase() === kw;
  }
  private isPunct(s: string, t = this.t): boolean {
    return t.kind === 'punct' && t.text === s;
  }

  parse(): FilterNode {
    if (this.t.kind === 'end') this.fail(this.t, 'a filter such as category:"Books" AND price < 20');
    const n = this.or();
    const rest: Token = this.t;
    if (rest.kind !== 'end') this.fail(rest, this.isPunct(')') ? 'the end of the filter (this ")" closes nothing)' : 'AND, OR or the end of the filter');
    return n;
  }

  private or(): FilterNode {
    const first = this.t;
    const args = [this.and()];
    while (this.isKw('or')) { this.p++; args.push(this.and()); }
    return args.length === 1 ? args[0]! : this.at({ op: 'or', args }, first);
  }

  /** Terms side by side are ANDed, like a search box: `category:Books price < 20`. */
  private and(): FilterNode {
    const first = this.t;
    const args = [this.unary()];
    for (;;) {
      if (this.isKw('and')) { this.p++; args.push(this.unary()); }
      else if (this.startsTerm()) args.push(this.unary());
      else break;
    }
    return args.length === 1 ? args[0]! : this.at({ op: 'and', args }, first);
  }

  private startsTerm(): boolean {
    const t = this.t;
    if (t.kind === 'string') return true;
    if (t.kind === 'word') return !this.isKw('and') && !this.isKw('or');
    return this.isPunct('(') || this.isPunct('-');
  }

  private depth = 0;

  private unary(): FilterNode {
    const t = this.t;
    // Deep nesting would overflow the stack (and the evaluators' recursion) long before it meant anything.
    if (++this.depth > MAX_DEPTH) this.fail(t, `a simpler filter: more than ${MAX_DEPTH} nested NOTs or parentheses`);
    try {
      if (this.isKw('not') || this.isPunct('-')) {
        this.p++;
        return this.at({ op: 'not', arg: this.unary() }, t);
      }
      return this.primary();
    } finally {
      this.depth--;
    }
  }

  private primary(): FilterNode {
    const t = this.t;
    if (this.isPunct('(')) {
      this.p++;
      const n = this.or();
      if (!this.isPunct(')')) this.fail(this.t, `")" to close the "(" at position ${t.pos}`);
      this.p++;
      return n;
    }
    if (this.isKw('exists')) {
      this.p++;
      const f = this.field('a field name after EXISTS');
      return this.at({ op: 'exists', field: f }, t);
    }
    const field = this.field('a filter term: a field name, NOT, EXISTS or "("');
    const opTok = this.t;
    if (this.isPunct(':')) {
      this.p++;
      if (this.isPunct('..')) {
        this.p++;
        const maxTok = this.t;
        const max = this.bound('a value after ".."');
        return this.at({ op: 'range', field, max }, t, [maxTok.pos]);
      }
      const vTok = this.t;
      const v = this.value(`a value after ":"`);
      if (this.isPunct('..')) {
        if (typeof v === 'boolean') this.fail(this.t, 'a number or a string before ".." (a range of true/false means nothing)');
        this.p++;
        const maxTok = this.t;
        // `price:10.. brand:x` is an open range ANDed with a term: a value followed by an operator starts a term.
        const after = this.toks[this.p + 1] ?? maxTok;
        const startsTerm = after.kind === 'punct' && (after.text === ':' || COMPARE[after.text] !== undefined);
        if (this.isValue(maxTok) && !startsTerm) {
          const max = this.bound('a value after ".."');
          return this.at({ op: 'range', field, min: v as number | string, max }, t, [vTok.pos, maxTok.pos]);
        }
        return this.at({ op: 'range', field, min: v as number | string }, t, [vTok.pos]);
      }
      return this.at({ op: '=', field, value: v }, t, [vTok.pos]);
    }
    const cmp = opTok.kind === 'punct' ? COMPARE[opTok.text] : undefined;
    if (cmp) {
      this.p++;
      const vTok = this.t;
      const v = this.value(`a value after "${opTok.text}"`);
      return this.at({ op: cmp, field, value: v }, t, [vTok.pos]);
    }
    if (this.isKw('in')) { this.p++; return this.inList(field, t); }
    if (this.isKw('between')) { this.p++; return this.between(field, t); }
    if (this.isKw('not')) {
      const next = this.toks[this.p + 1]!;
      if (this.isKw('in', next)) { this.p += 2; return this.at({ op: 'not', arg: this.inList(field, t) }, t); }
      if (this.isKw('between', next)) { this.p += 2; return this.at({ op: 'not', arg: this.between(field, t) }, t); }
    }
    return this.fail(opTok, `":", "=", "!=", "<", "<=", ">", ">=", IN or BETWEEN after the field "${field}"`);
  }

  private inList(field: string, t: Token): FilterNode {
    if (!this.isPunct('(')) this.fail(this.t, '"(" to start the IN list');
    this.p++;
    const values: FilterValue[] = [], at: number[] = [];
    for (;;) {
      at.push(this.t.pos);
      values.push(this.value(values.length ? 'a value after ","' : 'a value in the IN list'));
      if (this.isPunct(',')) { this.p++; continue; }
      if (this.isPunct(')')) { this.p++; break; }
      this.fail(this.t, '"," or ")" in the IN list');
    }
    return this.at({ op: 'in', field, values }, t, at);
  }

  private between(field: string, t: Token): FilterNode {
    const minTok = this.t;
    const min = this.bound('a value after BETWEEN');
    if (!this.isKw('and')) this.fail(this.t, 'AND between the two ends of BETWEEN');
    this.p++;
    const maxTok = this.t;
    const max = this.bound('a value after BETWEEN ... AND');
    return this.at({ op: 'range', field, min, max }, t, [minTok.pos, maxTok.pos]);
  }

  private field(expected: string): string {
    const t = this.t;
    if (t.kind === 'string' || (t.kind === 'word' && !STRUCTURAL.has(t.text.toLowerCase()))) {
      this.p++;
      return canonicalField(t.text);
    }
    return this.fail(t, expected);
  }

  private isValue(t: Token): boolean {
    return t.kind === 'string' || t.kind === 'number' || (t.kind === 'word' && !STRUCTURAL.has(t.text.toLowerCase()));
  }

  private value(expected: string): FilterValue {
    const t = this.t;
    if (t.kind === 'string') { this.p++; return t.text; }
    if (t.kind === 'number') { this.p++; return t.num === 0 ? 0 : t.num; }
    if (t.kind === 'word' && !STRUCTURAL.has(t.text.toLowerCase())) {
      this.p++;
      const lower = t.text.toLowerCase();
      return lower === 'true' ? true : lower === 'false' ? false : t.text;
    }
    return this.fail(t, expected);
  }

  private bound(expected: string): number | string {
    const t = this.t;
    const v = this.value(expected);
    if (typeof v === 'boolean') this.fail(t, `${expected.replace(/^a value/, 'a number or a string')} (a range of true/false means nothing)`);
    return v as number | string;
  }

  private at<N extends FilterNode>(node: N, t: Token, values?: number[]): N {
    setPosition(node, values ? { at: t.pos, values } : { at: t.pos });
    return node;
  }
}

/**
 * Parses a filter expression to its AST (never `eval`). Grammar, keywords case-insensitive:
 * - `field:value` (equality; on a multi-valued field, any value), `field = v`, `!=`, `<`, `<=`, `>`, `>=`
 * - `field IN (a, b)`, `field NOT IN (...)`; ranges `price:10..20`, `price:10..`, `price:..20`,
 *   `price BETWEEN 10 AND 20` (inclusive)
 * - `EXISTS field`; `NOT x` or `-x`; `a AND b` (or just `a b`); `a OR b`; parentheses
 * - values: numbers, `true`/`false`, "quoted" or 'quoted' strings with JSON escapes, bare words (`Books`, `85123A`)
 * - fields: `id`, `title`, `category` (alias `categories`), `price`, `time` (alias `timestamp`); `attrs.x` or a
 *   bare `x` for any other attribute (quote odd names: `"attrs.shelf life":3`)
 *
 * `fieldName` names the request or config field holding the text, for the error message.
 * @throws FilterSyntaxError with the 1-based position and what was expected there.
 * @example parseFilter('category:"Home & Garden" AND price < 20 AND NOT brand:Nike')
 */
export function parseFilter(src: string, fieldName = 'filter'): FilterNode {
  return new Parser(tokenize(src, fieldName), fieldName).parse();
}
