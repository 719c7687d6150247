import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimiter } from './rate-limit.ts';

test('token bucket: a burst, then the sustained rate; keys are independent; the wait says when a token is back', () => {
  let now = 0;
  const rl = new RateLimiter(2, 3, () => now); // 2 per second, bursts of 3
  assert.deepEqual([rl.take('a'), rl.take('a'), rl.take('a')], [0, 0, 0]);
  assert.equal(rl.take('a'), 0.5, 'empty: one token comes back in 1/2 s');
  assert.equal(rl.take('b'), 0, 'another key has its own bucket');
  now = 250;
  assert.equal(rl.take('a'), 0.25, 'half a token after 250 ms');
  now = 500;
  assert.equal(rl.take('a'), 0);
  assert.ok(rl.take('a') > 0);
  now = 60_000;
  assert.deepEqual([rl.take('a'), rl.take('a'), rl.take('a'), rl.take('a') > 0], [0, 0, 0, true], 'an idle bucket refills to the burst, not beyond');
  assert.throws(() => new RateLimiter(0, 1), RangeError);
});

test('peek says when a token is there without taking it (failed logins are counted only when they fail)', () => {
  let now = 0;
  const rl = new RateLimiter(1, 2, () => now);
  assert.equal(rl.peek('ip'), 0, 'an unknown key has its burst');
  assert.deepEqual([rl.take('ip'), rl.peek('ip'), rl.peek('ip'), rl.take('ip')], [0, 0, 0, 0], 'peeking takes nothing');
  assert.equal(rl.peek('ip'), 1, 'empty: a token in 1 s');
  now = 400;
  assert.equal(rl.peek('ip'), 0.6);
  now = 1000;
  assert.equal(rl.peek('ip'), 0);
});
