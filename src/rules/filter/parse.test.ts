import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FilterSyntaxError } from '../../errors.ts';
import { filterNodeSchema, formatFilter, positionOf, type FilterNode } from './ast.ts';
import { parseFilter } from './parse.ts';
import { mulberry32 } from '../../data/random.ts';

const eq = (field: string, value: string | number | boolean): FilterNode => ({ op: '=', field, value });

test('the issue example parses to the expected AST', () => {
  assert.deepEqual(parseFilter('category:"Home & Garden" AND price < 20 AND NOT attrs.brand:"Nike" AND year >= 2005'), {
    op: 'and',
    args: [
      eq('category', 'Home & Garden'),
      { op: '<', field: 'price', value: 20 },
      { op: 'not', arg: eq('attrs.brand', 'Nike') },
      { op: '>=', field: 'attrs.year', value: 2005 },
    ],
  });
});

test('every construct: IN, NOT IN, ranges, BETWEEN, EXISTS, -, implicit AND, OR precedence, parentheses', () => {
  const cases: [string, FilterNode][] = [
    ['brand IN ("a", b, 3)', { op: 'in', field: 'attrs.brand', values: ['a', 'b', 3] }],
    ['brand not in (a)', { op: 'not', arg: { op: 'in', field: 'attrs.brand', values: ['a'] } }],
    ['price:10..20', { op: 'range', field: 'price', min: 10, max: 20 }],
    ['price:10..', { op: 'range', field: 'price', min: 10 }],
    ['price:..20.5', { op: 'range', field: 'price', max: 20.5 }],
    ['price:-5..-1', { op: 'range', field: 'price', min: -5, max: -1 }],
    ['title:"a".."m"', { op: 'range', field: 'title', min: 'a', max: 'm' }],
    ['price BETWEEN 1 AND 2', { op: 'range', field: 'price', min: 1, max: 2 }],
    ['price NOT BETWEEN 1 AND 2', { op: 'not', arg: { op: 'range', field: 'price', min: 1, max: 2 } }],
    ['EXISTS attrs.brand', { op: 'exists', field: 'attrs.brand' }],
    ['exists brand', { op: 'exists', field: 'attrs.brand' }],
    ['-brand:Nike', { op: 'not', arg: eq('attrs.brand', 'Nike') }],
    ['categories:Books price<20', { op: 'and', args: [eq('category', 'Books'), { op: '<', field: 'price', value: 20 }] }],
    ['a:1 OR b:2 AND c:3', { op: 'or', args: [eq('attrs.a', 1), { op: 'and', args: [eq('attrs.b', 2), eq('attrs.c', 3)] }] }],
    ['(a:1 OR b:2) AND c:3', { op: 'and', args: [{ op: 'or', args: [eq('attrs.a', 1), eq('attrs.b', 2)] }, eq('attrs.c', 3)] }],
    ['NOT NOT a:true', { op: 'not', arg: { op: 'not', arg: eq('attrs.a', true) } }],
    ['inStock:FALSE', eq('attrs.inStock', false)],
    ['id:85123A', eq('id', '85123A')],
    ['id:22139', eq('id', 22139)],
    ['time >= 2011-01-01', { op: '>=', field: 'time', value: '2011-01-01' }],
    ['x != 1e+21', { op: '!=', field: 'attrs.x', value: 1e21 }],
    ['x = .5', eq('attrs.x', 0.5)],
    ['"attrs.shelf life":3', eq('attrs.shelf life', 3)],
    ['color:blue-green', eq('attrs.color', 'blue-green')],
    ["t:'it\\'s \\u00e9\\n'", eq('attrs.t', "it's é\n")],
    ['price:10.. brand:x', { op: 'and', args: [{ op: 'range', field: 'price', min: 10 }, eq('attrs.brand', 'x')] }],
  ];
  for (const [src, ast] of cases) assert.deepEqual(parseFilter(src), ast, src);
});

test('nodes remember their 1-based source positions (field, then each literal)', () => {
  const n = parseFilter('a:1 AND price BETWEEN 2 AND 30');
  assert.equal(n.op, 'and');
  if (n.op !== 'and') return;
  assert.deepEqual(positionOf(n.args[0]!), { at: 1, values: [3] });
  assert.deepEqual(positionOf(n.args[1]!), { at: 9, values: [23, 29] });
});

test('syntax errors name the 1-based position and what was expected', () => {
  const cases: [string, number, RegExp][] = [
    ['category:"Books" AND price:', 28, /expected a value after ":", found the end of the filter/],
    ['category:"Books" AND', 21, /expected a filter term/],
    ['price < AND', 9, /expected a value after "<", found "AND"/],
    ['(a:1 OR b:2', 12, /expected "\)" to close the "\(" at position 1/],
    ['a:1)', 4, /this "\)" closes nothing/],
    ['a:"abc', 3, /unterminated string/],
    ['a:"\\q"', 4, /unknown escape \\q/],
    ['price 20', 7, /expected ":", "=", "!=", "<", "<=", ">", ">=", IN or BETWEEN after the field "price"/],
    ['brand IN a', 10, /expected "\(" to start the IN list/],
    ['brand IN (a b)', 13, /expected "," or "\)" in the IN list/],
    ['price BETWEEN 1 2', 17, /expected AND between the two ends of BETWEEN/],
    ['a:true..x', 7, /a range of true\/false means nothing/],
    ['', 1, /expected a filter such as/],
    ['a:1 # b', 5, /unexpected character "#"/],
  ];
  for (const [src, pos, msg] of cases) {
    assert.throws(() => parseFilter(src), (e: unknown) => {
      assert.ok(e instanceof FilterSyntaxError, src);
      assert.equal(e.position, pos, `${src}: ${e.message}`);
      assert.match(e.message, msg, src);
      assert.match(e.message, new RegExp(`^filter: position ${pos}: expected|^filter: position ${pos}: `));
      return true;
    }, src);
  }
  assert.throws(() => parseFilter('a:', 'boosts[0].filter'), /^FilterSyntaxError: boosts\[0\]\.filter: position 3: expected a value after ":"/);
});

test('formatFilter prints text that parses back to the same AST, and the AST is valid JSON form', () => {
  const srcs = [
    'category:"Home & Garden" AND price < 20 AND NOT attrs.brand:"Nike" AND year >= 2005',
    '(a:1 OR b:2) AND (c:3 OR NOT (d:4 AND e:5))',
    '(a:1 AND b:2) AND c:3',
    'a:1 OR (b:2 OR c:3)',
    'attrs.price:3 attrs.category:x "attrs.in":1 "attrs.a b":"q\\"uote"',
    'price:..3 title:"a".."b" x:-1.5e-7..2 EXISTS y -z IN (1, "2", true)',
  ];
  for (const s of srcs) {
    const ast = parseFilter(s);
    const text = formatFilter(ast);
    assert.deepEqual(parseFilter(text), ast, `${s} -> ${text}`);
    assert.deepEqual(filterNodeSchema.parse(JSON.parse(JSON.stringify(ast))), ast);
  }
  assert.equal(formatFilter(parseFilter('categories:Books  brand:Nike')), 'category:"Books" AND brand:"Nike"');
});

test('the JSON schema rejects malformed nodes', () => {
  for (const bad of [{ op: 'and', args: [] }, { op: 'range', field: 'p' }, { op: 'range', field: 'p', min: 1, max: 'x' }, { op: '~', field: 'a', value: 1 }, { op: '=', field: 'a', value: null }, { op: '=', field: 'a', value: NaN }]) {
    assert.equal(filterNodeSchema.safeParse(bad).success, false, JSON.stringify(bad));
  }
});

test('deep nesting is a syntax error, not a stack overflow', () => {
  assert.throws(() => parseFilter(`${'('.repeat(5000)}a:1${')'.repeat(5000)}`), (e: unknown) => e instanceof FilterSyntaxError && /more than 64 nested/.test(e.message));
  assert.throws(() => parseFilter(`${'NOT '.repeat(100)}a:1`), FilterSyntaxError);
  assert.deepEqual(parseFilter(`${'('.repeat(30)}a:1${')'.repeat(30)}`), eq('attrs.a', 1));
});

test('fuzz: mangled filters either parse or fail with a FilterSyntaxError inside the text, never anything else', () => {
  const rng = mulberry32(21);
  const seeds = ['category:"Home & Garden" AND price < 20 AND NOT attrs.brand:"Nike" AND year >= 2005', 'brand IN ("a", b) OR (price:1..2 -x:y)', 'EXISTS t AND time BETWEEN 2011-01-01 AND "2012"'];
  const alphabet = ' ()"\':,.=<>!-\\aN0INOTAND..5e';
  let parsed = 0, failed = 0;
  for (let t = 0; t < 3000; t++) {
    let s = seeds[t % seeds.length]!;
    for (let e = 0; e < 1 + Math.floor(rng() * 4); e++) {
      const at = Math.floor(rng() * (s.length + 1));
      const r = rng();
      if (r < 0.4) s = s.slice(0, at) + s.slice(at + 1);
      else if (r < 0.8) s = s.slice(0, at) + alphabet[Math.floor(rng() * alphabet.length)] + s.slice(at);
      else s = s.slice(0, at);
    }
    try {
      const ast = parseFilter(s);
      assert.deepEqual(parseFilter(formatFilter(ast)), ast, s);
      parsed++;
    } catch (e) {
      assert.ok(e instanceof FilterSyntaxError, `${s}: ${String(e)}`);
      assert.ok(e.position >= 1 && e.position <= s.length + 1, `${s}: position ${e.position}`);
      failed++;
    }
  }
  assert.ok(parsed > 300 && failed > 300, `parsed ${parsed}, failed ${failed}`);
});
