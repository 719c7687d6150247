import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const bin = resolve(import.meta.dirname, '../../bin/curio.js');
const dir = mkdtempSync(join(tmpdir(), 'curio-cli-'));
const db = join(dir, 'shop.db');

function curio(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir, env: { ...process.env, CURIO_DB: db } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('curio generate + import + stats + train + recommend + similar, through the real binary', () => {
  let r = curio('generate', '--users', '200', '--items', '120', '--interactions', '4000', '--out', 'events.csv', '--quiet');
  assert.equal(r.code, 0, r.err);
  r = curio('import', 'csv', 'events.csv', '--map', 'user=user,item=item,type=type,value=value,timestamp=timestamp', '--quiet');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /rows read\s+4000/);
  r = curio('import', 'csv', 'events.csv', '--map', 'user=user,item=item,type=type,value=value,timestamp=timestamp', '--quiet');
  assert.match(r.out, /\(0 new, 0 updated, \d+ unchanged\)/, 're-import stores nothing new');
  r = curio('stats', '--json');
  assert.equal(JSON.parse(r.out).interactions, 4000);
  r = curio('train', '--model', 'itemknn', '--set', 'neighbors=30', '--out', 'm.bin', '--quiet');
  assert.equal(r.code, 0, r.err);
  assert.ok(existsSync(join(dir, 'm.bin')));
  r = curio('recommend', '--user', 'u3', '-k', '5', '--model', 'm.bin', '--json');
  assert.equal(r.code, 0, r.err);
  const recs = JSON.parse(r.out) as { item: string; score: number }[];
  assert.equal(recs.length, 5);
  assert.ok(recs.every((x, q) => q === 0 || x.score <= recs[q - 1]!.score));
  r = curio('similar', '--item', recs[0]!.item, '-k', '3', '--model', 'm.bin', '--json');
  assert.equal(JSON.parse(r.out).length, 3);
  r = curio('recommend', '--history', `${recs[0]!.item},${recs[1]!.item}`, '--model', 'm.bin', '--json');
  assert.equal(r.code, 0, r.err);
  assert.ok(!JSON.parse(r.out).some((x: { item: string }) => x.item === recs[0]!.item), 'history items are not recommended back');
});

test('a malformed row stops the import naming file, line and field, and writes nothing', () => {
  writeFileSync(join(dir, 'bad.csv'), 'user,item,value\nu1,i1,1\nu2,i2,abc\n');
  const before = JSON.parse(curio('stats', '--json').out);
  let r = curio('import', 'csv', 'bad.csv', '--map', 'user=user,item=item,value=value', '--type', 'click', '--quiet');
  assert.equal(r.code, 1);
  assert.match(r.err, /bad\.csv:3 field "value"/);
  assert.deepEqual(JSON.parse(curio('stats', '--json').out).interactions, before.interactions);
  r = curio('import', 'csv', 'bad.csv', '--map', 'user=user,item=item,value=value', '--type', 'click', '--skip-invalid', '--quiet');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /skipped\s+1/);
  assert.equal(JSON.parse(curio('stats', '--json').out).interactions, before.interactions + 1);
});

test('clear errors for unknown commands, flags, users and models', () => {
  assert.equal(curio('frobnicate').code, 2);
  assert.match(curio('frobnicate').err, /^curio: unknown command "frobnicate"; the commands are import, /);
  let r = curio('train', '--model', 'nope', '--quiet');
  assert.match(r.err, /unknown model "nope"; available: popularity, itemknn/);
  r = curio('train', '--model', 'ials', '--set', 'factors=-3', '--quiet');
  assert.match(r.err, /ials\.factors/);
  r = curio('recommend', '--user', 'nobody', '--model', 'm.bin');
  assert.match(r.err, /unknown user "nobody"/);
  r = curio('recommend', '--user', 'u1', '--bogus');
  assert.equal(r.code, 2);
  assert.match(r.err, /^curio: recommend: --bogus: unknown option; the options of recommend are --model, /);
  assert.match(curio('import', '--help').out, /Formats: movielens-100k/);
});

test('curio --version names the package version and the kernels in use', () => {
  const pkg = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };
  const r = curio('--version');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, new RegExp(`^curio ${pkg.version.replace(/\./g, '\\.')}\nkernels: (native C\\+\\+|TypeScript)`));
  const off = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8', env: { ...process.env, CURIO_NATIVE: '0' } });
  assert.match(off.stdout, /kernels: TypeScript \(CURIO_NATIVE=0\)/);
});

test('curio evaluate writes a JSON and a Markdown report', () => {
  const r = curio('evaluate', '--preset', 'leave-last-out', '--models', 'popularity,itemknn', '--report', 'rep', '--quiet');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /popularity .*\n.*itemknn/s);
  const rep = JSON.parse(readFileSync(join(dir, 'rep', 'report.json'), 'utf8'));
  assert.equal(rep.models.length, 2);
  assert.ok(rep.models[1].metrics['ndcg@10'] >= 0);
  assert.match(readFileSync(join(dir, 'rep', 'report.md'), 'utf8'), /\| itemknn \|/);
});

test('curio evaluate reports protocol, tuned parameters and space, intervals, paired tests and per-user results', () => {
  const r = curio('evaluate', '--preset', 'recbole', '--models', 'popularity,itemknn', '--tune', '2', '--fit-on', 'train+valid', '--seed', '5', '--report', 'rep2', '--quiet');
  assert.equal(r.code, 0, r.err);
  for (const text of [r.out, readFileSync(join(dir, 'rep2', 'report.md'), 'utf8')]) {
    assert.match(text, /filters: interactions with value >= 3 kept as positives, turned into 1s/);
    assert.match(text, /k-core: users >= 10, items >= 10/);
    assert.match(text, /split: random-holdout .*seed 5/);
    assert.match(text, /final models fitted on: train\+valid/);
    assert.match(text, /masked at ranking time: each user's training items, validation items/);
    assert.match(text, /itemknn: neighbors=\d+, shrink=\d+ \(validation ndcg@10 0\.\d{4}, best of 2 random-search trials; space neighbors ∈ \{20, 50, 100, 200, 400, 800, 1600\}, shrink ∈ \{0, 10, 50, 100\}\)/);
    assert.match(text, /popularity: not tuned/);
    assert.match(text, /paired t-test/);
    assert.match(text, /ndcg@10 +\|? *popularity +\|? *0\.\d{4} +\|? *\[0\.\d{4}, 0\.\d{4}\] +\|? *-?0\.\d{4} +\|? *\[-?0\.\d{4}, -?0\.\d{4}\] +\|? *[<0-9.]+/);
  }
  const rep = JSON.parse(readFileSync(join(dir, 'rep2', 'report.json'), 'utf8'));
  assert.equal(rep.method.fitOn, 'train+valid');
  assert.equal(rep.uncertainty.resamples, 1000);
  const [pop, knn] = rep.models;
  const ref = rep.uncertainty.reference.model === 'itemknn' ? knn : pop, other = ref === knn ? pop : knn;
  assert.ok(other.vsReference['ndcg@10'].p >= 0 && other.vsReference['ndcg@10'].p <= 1);
  assert.ok(knn.intervals['recall@10'].lo <= knn.metrics['recall@10'] && knn.metrics['recall@10'] <= knn.intervals['recall@10'].hi);
  assert.deepEqual(Object.keys(knn.tuning.space), ['neighbors', 'shrink']);
  const lines = readFileSync(join(dir, 'rep2', 'per-user.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, pop.usersEvaluated + knn.usersEvaluated);
  const knnRows = lines.filter((l) => l.model === 'itemknn');
  assert.match(knnRows[0].user, /^u\d+$/);
  const mean = knnRows.reduce((s, l) => s + l['ndcg@10'], 0) / knnRows.length;
  assert.ok(Math.abs(mean - knn.metrics['ndcg@10']) < 1e-5, `${mean} vs ${knn.metrics['ndcg@10']}`);
  const bad = curio('evaluate', '--fit-on', 'valid', '--report', 'rep3');
  assert.notEqual(bad.code, 0);
  assert.match(bad.err, /--fit-on.*must be train or train\+valid, got "valid"/);
});

test('curio --help lists every command with the summary its own --help gives', () => {
  const r = curio('--help');
  assert.equal(r.code, 0, r.err);
  const listed = [...r.out.matchAll(/^  (\S+)\s+(.+)$/gm)].map((m) => [m[1]!, m[2]!] as const);
  assert.ok(listed.length >= 8, r.out);
  for (const [name, summary] of listed) assert.equal(curio(name, '--help').out.split('\n')[0], summary, name);
});

test('the binary trains on worker threads with the TypeScript kernels (the compiled worker entries resolve)', () => {
  const env = { ...process.env, CURIO_NATIVE: '0', CURIO_DB: join(dir, 'workers.db') };
  const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir, env });
  let r = run('generate', '--users', '400', '--items', '700', '--interactions', '20000', '--out', 'w.csv', '--quiet');
  assert.equal(r.status, 0, r.stderr);
  r = run('import', 'csv', 'w.csv', '--map', 'user=user,item=item,type=type,value=value,timestamp=timestamp', '--quiet');
  assert.equal(r.status, 0, r.stderr);
  // iALS splits across workers from 2M nonzeros x factors; EASE's dense inverse from 600 items (2+ cores).
  for (const sets of [['factors=128', 'iterations=2'], ['l2=100']]) {
    const model = sets.length === 2 ? 'ials' : 'ease';
    r = run('train', '--model', model, ...sets.flatMap((s) => ['--set', s]), '--out', `${model}.bin`, '--quiet');
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(join(dir, `${model}.bin`)));
  }
});

test('curio evaluate --sweep writes report.html with one plot per beyond metric; bad sweeps and data without categories fail first', () => {
  // a small MovieLens-latest layout: 6 genres, 100 movies, 150 users with a favourite genre
  mkdirSync(join(dir, 'ml'), { recursive: true });
  const genres = ['Action', 'Comedy', 'Drama', 'Horror', 'Romance', 'Sci-Fi'];
  writeFileSync(join(dir, 'ml', 'movies.csv'), ['movieId,title,genres', ...Array.from({ length: 100 }, (_, q) => `${q + 1},Movie ${q + 1} (2000),${genres[(q + 1) % 6]}|${genres[(q + 3) % 6]}`)].join('\n') + '\n');
  const ratings = ['userId,movieId,rating,timestamp'];
  for (let u = 1; u <= 150; u++) for (let m = 1; m <= 100; m++) if (m % 6 === u % 6 || (m * 7 + u * 13) % 5 === 0) ratings.push(`${u},${m},${3 + ((u + m) % 3)},${1e6 + u * 100 + m}`);
  writeFileSync(join(dir, 'ml', 'ratings.csv'), ratings.join('\n') + '\n');
  const mldb = join(dir, 'ml.db');
  let r = curio('import', 'movielens-latest', 'ml', '--db', mldb);
  assert.equal(r.code, 0, r.err);
  r = curio('evaluate', '--db', mldb, '--models', 'popularity,itemknn', '--sweep', 'diversity=0:1:0.5', '--rerank', 'dpp,calibrated', '--report', 'swept', '--quiet');
  assert.equal(r.code, 0, r.err);
  const html = readFileSync(join(dir, 'swept', 'report.html'), 'utf8');
  assert.match(html, /<h2>Trade-off: \w+ re-ranked, diversity swept \(validation split\)<\/h2>/);
  assert.equal(html.match(/<svg /g)?.length, 6, 'the exposure curve; ild, novelty, calibration, longtail, serendipity');
  assert.match(html, /<h2>Exposure and the long tail \(test\)<\/h2>/);
  assert.match(html, /item categories from the store \(100 of 100 items categorised, 6 categories\)/);
  assert.match(html, /<td>calibrated<\/td><td class="n">0.5<\/td>/);
  assert.doesNotMatch(html, /<script|<link|\ssrc=|\shref=/);
  for (const [args, message] of [
    [['--sweep', 'diversity=0:1:0.001'], /--sweep.*1001 points; at most 200/],
    [['--sweep', 'diversity=0:1:0.01', '--rerank', 'dpp,mmr'], /--sweep.*= 202 points; at most 200/],
    [['--sweep', 'diversity=0:1.5:0.5'], /--sweep.*diversity must be in \[0, 1\], got 1.5/],
    [['--sweep', 'diversity=0:1:0.5', '--rerank', 'dpp,nope'], /--rerank.*unknown re-ranker "nope"/],
    [['--rerank', 'dpp'], /--rerank.*add --sweep/],
  ] as const) {
    r = curio('evaluate', '--db', mldb, ...args, '--report', 'never', '--quiet');
    assert.notEqual(r.code, 0, args.join(' '));
    assert.match(r.err, message);
  }
  // the generated shop data has no item categories
  r = curio('evaluate', '--models', 'popularity', '--sweep', 'diversity=0,1', '--report', 'never', '--quiet');
  assert.notEqual(r.code, 0);
  assert.match(r.err, /--sweep.*need item categories, and no item in .* has any/);
  assert.ok(!existsSync(join(dir, 'never')));
});
