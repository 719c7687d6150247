import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTimestamp } from './timestamp.ts';

test('numbers below 1e11 are seconds, others milliseconds', () => {
  assert.equal(parseTimestamp(1_300_000_000), 1_300_000_000_000);
  assert.equal(parseTimestamp('1300000000'), 1_300_000_000_000);
  assert.equal(parseTimestamp(1_300_000_000_123), 1_300_000_000_123);
  assert.equal(parseTimestamp('99999999999'), 99_999_999_999_000);
  assert.equal(parseTimestamp(NaN), undefined);
});

test('ISO dates are UTC unless they carry a zone; impossible dates are rejected', () => {
  assert.equal(parseTimestamp('2010-12-01'), Date.UTC(2010, 11, 1));
  assert.equal(parseTimestamp('2010-12-01 08:26:00'), Date.UTC(2010, 11, 1, 8, 26));
  assert.equal(parseTimestamp('2010-12-01T08:26'), Date.UTC(2010, 11, 1, 8, 26));
  assert.equal(parseTimestamp('2010-12-01T08:26:05.250Z'), Date.UTC(2010, 11, 1, 8, 26, 5, 250));
  assert.equal(parseTimestamp('2010-12-01T08:26:00+02:00'), Date.UTC(2010, 11, 1, 6, 26));
  assert.equal(parseTimestamp('2010-12-01T08:26:00-0130'), Date.UTC(2010, 11, 1, 9, 56));
  for (const bad of ['2021-02-30', '2021-13-01', '12/01/2010', 'yesterday', '']) assert.equal(parseTimestamp(bad), undefined, bad);
});

test('times a Date cannot hold, and hex, are not timestamps; times before 1970 are', () => {
  for (const bad of [1e300, '1e300', '99999999999999999', Infinity, '0x10', 'NaN', 'Infinity']) assert.equal(parseTimestamp(bad), undefined, String(bad));
  assert.equal(parseTimestamp('-86400'), -86_400_000);
  assert.equal(parseTimestamp(8.64e15), 8.64e15);
});

test('Date#toISOString text (read by a fast path) gives the same times and rejections as the general rule', () => {
  for (let k = 0; k < 2000; k++) {
    const d = new Date(Math.round((Math.random() * 2 - 0.5) * 4e12));
    assert.equal(parseTimestamp(d.toISOString()), d.getTime(), d.toISOString());
    assert.equal(parseTimestamp(d.toISOString().replace(/\.\d{3}Z$/, 'Z')), Math.floor(d.getTime() / 1000) * 1000);
  }
  assert.equal(parseTimestamp('2020-02-29T23:59:59.999Z'), Date.UTC(2020, 1, 29, 23, 59, 59, 999));
  assert.equal(parseTimestamp('0050-01-01T00:00:00.000Z'), Date.UTC(50, 0, 1)); // as the general rule reads it
  for (const bad of ['2021-02-29T00:00:00.000Z', '2021-04-31T00:00:00Z', '2021-01-01T24:00:00.000Z', '2021-01-01T00:60:00Z', '2021-1a-01T00:00:00Z', '2021-01-01T00:00:00.00xZ']) {
    assert.equal(parseTimestamp(bad), undefined, bad);
  }
});
