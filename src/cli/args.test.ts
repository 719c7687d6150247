import { test } from 'node:test';
import assert from 'node:assert/strict';
import { distinctList, intOption, numberOption, parse, parseSets, UsageError } from './args.ts';
import { ConfigError } from '../errors.ts';

test('parseSets builds nested values and parses JSON scalars', () => {
  assert.deepEqual(parseSets(['factors=64', 'weighting.kind=bm25', 'name=abc', 'on=true']), { factors: 64, weighting: { kind: 'bm25' }, name: 'abc', on: true });
  assert.throws(() => parseSets(['oops']), ConfigError);
});

test('parse rejects unknown flags with a UsageError naming the flag and listing the valid ones once', () => {
  const options = { k: { type: 'string', short: 'k' }, json: { type: 'boolean' } } as const;
  assert.throws(() => parse(['--nope'], options, 'recommend'), (e: unknown) => e instanceof UsageError && e instanceof ConfigError
    && e.message === '--nope: unknown option; the options of recommend are -k/--k, --json (curio recommend --help)');
  assert.throws(() => parse(['-k'], options, 'recommend'), (e: unknown) => e instanceof UsageError && /^-k: needs a value/.test(e.message));
  assert.throws(() => parse(['--json=1'], options, 'recommend'), (e: unknown) => e instanceof UsageError && /^--json: takes no value/.test(e.message));
  assert.deepEqual(parse(['-k', '5', 'pos'], options, 'recommend').positionals, ['pos']);
  assert.equal(intOption('12', 'k', 10), 12);
  assert.throws(() => intOption('0', 'k', 10), /--k/);
});

test('parseSets refuses keys that name nothing or reach the prototype, and conflicting paths', () => {
  for (const bad of ['__proto__.polluted=1', 'a..b=1', '.a=1', 'constructor.prototype.x=1']) {
    assert.throws(() => parseSets([bad]), (e: unknown) => e instanceof ConfigError && /is not a valid key/.test(e.message), bad);
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.throws(() => parseSets(['a=1', 'a.b=2']), /a is already set to 1, not an object/);
  assert.throws(() => parseSets(['a.b=1', 'a=2']), /would replace the keys already set under a/);
  assert.deepEqual(parseSets(['a.b=1', 'a.c=2']), { a: { b: 1, c: 2 } });
});

test('number flags take plain decimals only; lists refuse empty and repeated entries', () => {
  for (const bad of ['', ' ', '0x10', '1e3', '7.5', ' 7', 'Infinity', '99999999999999999999']) assert.throws(() => intOption(bad, 'seed', 42, 0), /--seed: expected an integer >= 0/, JSON.stringify(bad));
  assert.equal(intOption('007', 'seed', 42, 0), 7);
  assert.throws(() => intOption('0', 'k', 10), /--k: expected an integer >= 1, got "0"/);
  for (const bad of ['', 'abc', '0x10', 'Infinity', '1e400', '3,5']) assert.throws(() => numberOption(bad, 'min-value'), /--min-value: ".*" is not a number/, bad);
  assert.deepEqual(['3', '-0.5', '.5', '2e1'].map((x) => numberOption(x, 'min-value')), [3, -0.5, 0.5, 20]);
  assert.deepEqual(distinctList('purchase, rating', '--types'), ['purchase', 'rating']);
  assert.throws(() => distinctList('itemknn,ials,itemknn', '--models'), /--models: "itemknn" is listed twice/);
  assert.throws(() => distinctList('a,', '--models'), /has an empty entry/);
});

test('a negative number after a flag is its value (then checked by its rule), not a missing value', () => {
  const o = { seed: { type: 'string' }, k: { type: 'string', short: 'k' }, quiet: { type: 'boolean' } } as const;
  assert.deepEqual({ ...parse(['--seed', '-1', '-k', '-5', 'x'], o, 'evaluate').values }, { seed: '-1', k: '-5' });
  assert.deepEqual({ ...parse(['--seed', '-.5'], o, 'evaluate').values }, { seed: '-.5' });
  // A flag after a flag is still a flag.
  assert.throws(() => parse(['--seed', '--quiet'], o, 'evaluate'), /--seed: needs a value/);
});
