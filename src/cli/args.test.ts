import { test } from 'node:test';
import assert from 'node:assert/strict';
import { intOption, parse, parseSets, UsageError } from './args.ts';
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
