import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FLOAT32_MAX, idProblem, parseDecimal, readId, valueProblem } from './checks.ts';

test('parseDecimal: decimal text only; not hex, binary, Infinity, NaN, empty, or beyond float64', () => {
  for (const [s, x] of [['4', 4], [' -0.5 ', -0.5], ['1e3', 1000], ['.5', 0.5], ['5.', 5], ['+2', 2], ['1e308', 1e308]] as const) assert.equal(parseDecimal(s), x, s);
  for (const s of ['0x10', '0b1', '0o7', 'Infinity', '-Infinity', 'NaN', '', ' ', '1e400', '1,5', '1e', '--1', '1 2']) assert.equal(parseDecimal(s), undefined, s);
});

test('valueProblem: event values must fit a float32', () => {
  assert.equal(valueProblem(FLOAT32_MAX), undefined);
  assert.equal(valueProblem(-3e38), undefined);
  for (const x of [1e39, -1e39, 1e308, Infinity, NaN]) assert.ok(valueProblem(x), String(x));
  assert.equal(Math.fround(1e39), Infinity); // why: what a float32 snapshot would hold
});

test('readId: trimmed text; whitespace-only, NUL and undecodable ids, and inexact numbers, are refused', () => {
  assert.deepEqual([' 1', '1 ', '1', 1].map(readId), ['1', '1', '1', '1']);
  assert.equal(readId(2 ** 53 - 1), '9007199254740991');
  for (const [raw, why] of [
    ['   ', /only whitespace/], ['', /empty/], ['a\0b', /NUL/], ['caf\udc80', /not valid UTF-8/],
    [2 ** 53, /write ids as strings/], [9007199254740993, /write ids as strings/], [Infinity, /write ids as strings/], [1.5, /write ids as strings/],
  ] as const) assert.throws(() => readId(raw), why, String(raw));
  assert.equal(readId('😀'), '😀'); // a surrogate pair is text, not a lone surrogate
  assert.match(idProblem(' a')!, /trim it/);
});
