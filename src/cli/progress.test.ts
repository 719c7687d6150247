import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { breakProgressLine, progress } from './progress.ts';

function sink(tty: boolean) {
  const chunks: string[] = [];
  const w = new Writable({ write(c, _e, cb) { chunks.push(String(c)); cb(); } }) as unknown as NodeJS.WriteStream;
  (w as { isTTY?: boolean }).isTTY = tty;
  return { w, text: () => chunks.join('') };
}

test('progress prints quarter lines for long work when not on a terminal, and a final line', async (t) => {
  const s = sink(false);
  const now = performance.now();
  let fake = now;
  t.mock.method(performance, 'now', () => fake);
  const p = progress('import', 100, { stream: s.w });
  p.update(10); // under two seconds: nothing
  fake = now + 3000;
  for (let i = 10; i <= 100; i++) p.update(i);
  p.finish('42 rows');
  const lines = s.text().trim().split('\n');
  // once past two seconds: the first quarter (at 10%), then 25%, 50%, 75%, then the final line
  assert.equal(lines.length, 5, s.text());
  assert.match(lines[0]!, /^import \[#{2}\.{22}\]\s+10%/);
  assert.match(lines[1]!, /^import \[#{6}\.{18}\]\s+25%/);
  assert.match(lines.at(-1)!, /^import done 3\.0s  42 rows$/);
});

test('short work prints only the final line', () => {
  const s = sink(false);
  const p = progress('fit', 10, { stream: s.w });
  for (let i = 0; i <= 10; i++) p.update(i);
  p.finish();
  assert.match(s.text(), /^fit done \d+\.\ds\n$/);
});

test('quiet progress prints nothing', () => {
  const s = sink(true);
  const p = progress('x', 10, { stream: s.w, quiet: true });
  p.update(5);
  p.finish();
  assert.equal(s.text(), '');
});

test('a message after an unfinished terminal bar starts on a new line, and only once', () => {
  const s = sink(true);
  const p = progress('fit', 10, { stream: s.w });
  p.update(5);
  assert.doesNotMatch(s.text(), /\n/);
  breakProgressLine();
  breakProgressLine();
  assert.match(s.text(), /^\rfit \[#+\.+\]\s+50%.*\n$/);
  const done = sink(true);
  const q = progress('fit', 10, { stream: done.w });
  q.update(5);
  q.finish();
  breakProgressLine();
  assert.equal(done.text().split('\n').length, 2, 'a finished bar already ended its line');
});
