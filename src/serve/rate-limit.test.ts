import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RateLimiter, SharedRateLimiter } from './rate-limit.ts';
import { nativeAddon } from '../linalg/native.ts';

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

const native = nativeAddon()?.sharedBucketsOpen ? nativeAddon() : undefined;

test('shared buckets: two mappings of one file take from the same bucket; peek takes nothing; keys apart', { skip: !native && 'native addon not built' }, () => {
  const file = join(mkdtempSync(join(tmpdir(), 'curio-buckets-')), 'buckets');
  // A slow refill (1 token in 1000 s): the test's own time cannot add a token.
  const a = SharedRateLimiter.open(file, 0.001, 3)!, b = SharedRateLimiter.open(file, 0.001, 3)!;
  assert.equal(a.peek('k'), 0);
  assert.deepEqual([a.take('k'), b.take('k'), b.peek('k'), a.take('k')], [0, 0, 0, 0], 'the burst of 3, taken through either mapping');
  const wait = b.take('k');
  assert.ok(wait > 900 && wait <= 1000, `empty for both: a token in about 1000 s, got ${wait}`);
  assert.ok(a.peek('k') > 900);
  assert.equal(a.take('other'), 0, 'another key has its own bucket');
  assert.throws(() => SharedRateLimiter.open(file, 1, 1, 1 << 10), /another table/, 'another table size in the same file is refused');
});

test('shared buckets across processes: 4 processes taking at once get exactly the burst between them', { skip: !native && 'native addon not built' }, async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'curio-buckets-')), 'buckets');
  const child = `
    import { SharedRateLimiter } from ${JSON.stringify(new URL('./rate-limit.ts', import.meta.url).href)};
    const l = SharedRateLimiter.open(${JSON.stringify(file)}, 0.001, 500);
    let got = 0;
    for (let i = 0; i < 400; i++) if (l.take('shared') === 0) got++;
    process.stdout.write(String(got));`;
  const run = () => new Promise<number>((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child], (e, out) => (e ? reject(e) : resolve(Number(out))));
  });
  const got = await Promise.all([run(), run(), run(), run()]);
  assert.equal(got.reduce((s, x) => s + x, 0), 500, `1,600 takes against a burst of 500: ${got.join(' + ')}`);
});
