import { test } from 'node:test';
import assert from 'node:assert/strict';
import { intOption, parse, parseSets } from './args.ts';
import { ConfigError } from '../errors.ts';

test('parseSets builds nested values and parses JSON scalars', () => {
  assert.deepEqual(parseSets(['factors=64', 'weighting.kind=bm25', 'name=abc', 'on=true']), { factors: 64, weighting: { kind: 'bm25' }, name: 'abc', on: true });
  assert.throws(() => parseSets(['oops']), ConfigError);
});

test('parse rejects unknown flags with a ConfigError naming the command', () => {
  assert.throws(() => parse(['--nope'], { k: { type: 'string' } }, 'recommend'), (e: unknown) => e instanceof ConfigError && /recommend/.test(e.message) && /--nope/.test(e.message));
  assert.equal(intOption('12', 'k', 10), 12);
  assert.throws(() => intOption('0', 'k', 10), /--k/);
});
