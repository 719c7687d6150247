import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { progress } from './progress.ts';

function sink(tty: boolean) {
  const chunks: string[] = [];
  const w = new Writable({ write(c, _e, cb) { chunks.push(String(c)); cb(); } }) as unknown as NodeJS.WriteStream;
  (w as { isTTY?: boolean }).isTTY = tty;
  return { w, text: () => chunks.join('') };
}

test('progress prints quarter lines when not on a terminal, and a final line', () => {
  const s = sink(false);
  const p = progress('import', 100, { stream: s.w });
  for (let i = 0; i <= 100; i++) p.update(i);
  p.finish('42 rows');
  const lines = s.text().trim().split('\n');
  assert.equal(lines.length, 5, s.text()); // 0%, 25%, 50%, 75%, then the final line
  assert.match(lines[1]!, /^import \[#{6}\.{18}\]\s+25%/);
  assert.match(lines.at(-1)!, /^import done .*42 rows$/);
});

test('quiet progress prints nothing', () => {
  const s = sink(true);
  const p = progress('x', 10, { stream: s.w, quiet: true });
  p.update(5);
  p.finish();
  assert.equal(s.text(), '');
});
