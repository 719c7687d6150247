import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEMO_DATA } from './demo.ts';

const bin = resolve(import.meta.dirname, '../../../bin/curio.js');
const dir = mkdtempSync(join(tmpdir(), 'curio-explain-cli-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const db = join(dir, 'shop.db');

function curio(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir, env: { ...process.env, CURIO_DB: db, CURIO_MODEL: join(dir, 'm.bin') } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

interface Explained {
  score: number; served?: number; exact: boolean; method: string; base: number; rest: number;
  contributions: { item: string; title: string; share: number; removal?: number }[]; sentences: string[];
}

test('curio explain: the shares of the recommended item add up to the score recommend printed, with titles and a sentence', () => {
  let r = curio('import', 'online-retail', DEMO_DATA, '--skip-invalid', '--quiet');
  assert.equal(r.code, 0, r.err);
  r = curio('train', '--model', 'itemknn', '--set', 'neighbors=50', '--out', 'm.bin', '--quiet');
  assert.equal(r.code, 0, r.err);
  r = curio('recommend', '--user', '15311', '-k', '1', '--json');
  assert.equal(r.code, 0, r.err);
  const rec = (JSON.parse(r.out) as { item: string; score: number; reasons: { text: string }[] }[])[0]!;
  assert.match(rec.reasons[0]!.text, /^because you bought "[^"]+"/);

  r = curio('explain', '--user', '15311', '--item', rec.item, '--json', '--top', '3');
  assert.equal(r.code, 0, r.err);
  const x = JSON.parse(r.out) as Explained;
  assert.equal(x.exact, true);
  assert.equal(x.method, 'item-neighbours');
  // The model sums in float32, the explanation in float64: equal to float32 precision.
  assert.ok(Math.abs(x.score - rec.score) < 1e-6 * Math.max(1, Math.abs(rec.score)), `${x.score} vs ${rec.score}`);
  assert.ok(Math.abs(x.contributions.reduce((s, c) => s + c.share, x.base + x.rest) - x.score) < 1e-9 * Math.max(1, x.score));
  assert.ok(x.contributions.length === 3 && x.contributions.every((c, q) => c.title && (q === 0 || c.share <= x.contributions[q - 1]!.share)));
  assert.ok(x.contributions.every((c) => c.removal === -c.share));
  assert.ok(x.sentences[0]!.startsWith(`Because you bought "${x.contributions[0]!.title}"`));
  // The engine's reason cites the same items as explain.
  assert.ok(rec.reasons[0]!.text.startsWith(`because you bought "${x.contributions[0]!.title}"`));

  r = curio('explain', '--user', '15311', '--item', rec.item);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^itemknn score of \S+ ".+" for user 15311: [\d.]+$/m);
  assert.match(r.out, /^exact: base \+ shares add up to the score$/m);
  assert.ok(r.out.includes(x.contributions[0]!.title));
  assert.match(r.out, /^Because you bought ".+"/m);

  // A history given on the command line is folded in, as recommend --history does: the same score, explained.
  const items = x.contributions.map((c) => c.item).join(',');
  r = curio('recommend', '--history', items, '-k', '1', '--json');
  assert.equal(r.code, 0, r.err);
  const anon = (JSON.parse(r.out) as { item: string; score: number }[])[0]!;
  r = curio('explain', '--history', items, '--item', anon.item, '--json');
  assert.equal(r.code, 0, r.err);
  const y = JSON.parse(r.out) as Explained;
  assert.ok(Math.abs(y.score - anon.score) < 1e-6 * Math.max(1, Math.abs(anon.score)), `${y.score} vs ${anon.score}`);
  assert.ok(y.contributions.every((c) => x.contributions.some((d) => d.item === c.item)), 'only the given history items are cited');
});

test('curio explain: a missing flag, an unknown user or item is one line naming it', () => {
  for (const [args, msg] of [
    [['--item', '22610'], /--user: give the user/],
    [['--history', 'nope1,nope2', '--item', '22610'], /--history: none of nope1, nope2 is an item the model knows/],
    [['--user', '15311'], /--item: give the item/],
    [['--user', 'nobody', '--item', '22610'], /unknown user "nobody"/],
    [['--user', '15311', '--item', 'nope'], /unknown item "nope"/],
  ] as const) {
    const r = curio('explain', ...args);
    assert.equal(r.code === 0, false, args.join(' '));
    assert.match(r.err, msg);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
  }
});
