import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEMO_DATA } from './demo.ts';

const bin = resolve(import.meta.dirname, '../../../bin/curio.js');
const dir = mkdtempSync(join(tmpdir(), 'curio-ask-cli-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const db = join(dir, 'shop.db');

// tfidf (fitted in a second) rather than the default use encoder, which would encode the demo catalogue for a minute
function curio(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir, env: { ...process.env, CURIO_DB: db, CURIO_MODEL: join(dir, 'm.bin'), CURIO_ENCODER: 'tfidf' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

interface Answer {
  understood: { constraints: { text: string; filter: unknown }[]; queryWords: string[]; personalised: boolean; nothingMatched?: string; warnings: string[] };
  items: { rank: number; item: string; score: number; title: string; reasons: { kind: string; text: string }[] }[];
}

test('curio ask (and search) on a freshly imported store (no model), then personalised with one; --json holds only the answer; bad requests', () => {
  let r = curio('import', 'online-retail', DEMO_DATA, '--skip-invalid', '--quiet');
  assert.equal(r.code, 0, r.err);

  r = curio('ask', 'lunch bags under £5 but not the spaceboy design', '-k', '5', '--json');
  assert.equal(r.code, 0, r.err);
  const a = JSON.parse(r.out) as Answer;
  assert.deepEqual(a.understood.constraints.map((c) => c.text), ['price < 5', 'not title has the word "spaceboy"']);
  assert.ok(a.items.length > 0 && a.items.length <= 5);
  for (const it of a.items) {
    assert.ok(!/spaceboy/i.test(it.title), it.title);
    assert.deepEqual(Object.keys(it), ['rank', 'item', 'score', 'title', 'reasons']);
  }
  assert.equal(a.understood.personalised, false);

  r = curio('ask', 'lunch bags under £5', '-k', '3');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^understood:\n {2}price < 5 +from "under £5"/);
  assert.match(r.out, /query: lunch bag \(BM25 \+ tfidf vectors\)/);
  r = curio('ask', 'lunch bags', '--encoder', 'none', '--json');
  assert.equal((JSON.parse(r.out) as { understood: { encoder: string } }).understood.encoder, 'none');
  r = curio('ask', 'lunch bags', '--encoder', 'bert9');
  assert.notEqual(r.code, 0);
  assert.match(r.err, /encoder: unknown text encoder "bert9"; available: tfidf, .*use/);
  assert.ok(!/\n\s+at /.test(r.err), 'no stack trace');

  r = curio('train', '--model', 'itemknn', '--set', 'neighbors=50', '--out', 'm.bin', '--quiet');
  assert.equal(r.code, 0, r.err);
  r = curio('ask', 'bags under £3', '--user', '15311', '--json');
  assert.equal(r.code, 0, r.err);
  const p = JSON.parse(r.out) as Answer;
  assert.equal(p.understood.personalised, true);
  assert.ok(p.items.every((x) => x.reasons.some((y) => y.kind === 'model')));

  r = curio('search', 'lunch bag', '--user', '15311', '-k', '4', '--json');
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(r.out) as { words: string[]; personalised: boolean; items: Answer['items'] };
  assert.deepEqual(s.words, ['lunch', 'bag']);
  assert.equal(s.personalised, true);
  assert.equal(s.items.length, 4);
  assert.ok(s.items.every((x) => /lunch|bag/i.test(x.title)), s.items.map((x) => x.title).join());

  r = curio('ask', 'bags from the 80s', '--json');
  assert.equal(r.code, 0, r.err);
  const none = JSON.parse(r.out) as Answer;
  assert.deepEqual(none.items, []);
  assert.match(none.understood.nothingMatched!, /year 1980–1989.*no item has a year or a date/);

  r = curio('ask', '');
  assert.notEqual(r.code, 0);
  assert.match(r.err, /request: empty/);
  r = curio('ask', 'x'.repeat(10_000));
  assert.notEqual(r.code, 0);
  assert.match(r.err, /request: too long: 10000 characters/);
  assert.ok(!/\n\s+at /.test(r.err), 'no stack trace');
});
