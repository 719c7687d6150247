import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEMO_DATA } from './demo.ts';

const bin = resolve(import.meta.dirname, '../../../bin/curio.js');
const dir = mkdtempSync(join(tmpdir(), 'curio-recipes-cli-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const db = join(dir, 'shop.db');

function curio(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir, env: { ...process.env, CURIO_DB: db, CURIO_MODEL: join(dir, 'm.bin') } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

interface Row { rank: number; item: string; score: number; title: string; reasons: { kind: string; text: string }[] }
function json(...args: string[]): Row[] {
  const r = curio(...args, '--json');
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.err}`);
  return JSON.parse(r.out) as Row[];
}

test('every recipe command answers through the engine, on the real binary and a real store', () => {
  let r = curio('import', 'online-retail', DEMO_DATA, '--skip-invalid', '--quiet');
  assert.equal(r.code, 0, r.err);
  r = curio('train', '--model', 'itemknn', '--set', 'neighbors=50', '--out', 'm.bin', '--quiet');
  assert.equal(r.code, 0, r.err);

  const recs = json('recommend', '--user', '15311', '-k', '5');
  assert.equal(recs.length, 5);
  assert.deepEqual(recs.map((x) => x.rank), [1, 2, 3, 4, 5]);
  assert.ok(recs.every((x, q) => q === 0 || x.score <= recs[q - 1]!.score));
  assert.ok(recs.every((x) => x.title && x.reasons[0]!.kind === 'model'));

  // Rules on the command line: a filter, a pin, a cap and a boost.
  const cheap = json('recommend', '--user', '15311', '-k', '5', '--filter', 'price < 2 AND NOT title:"POSTAGE"');
  assert.ok(cheap.length > 0);
  const pinned = json('recommend', '--user', '15311', '-k', '5', '--pin', `${recs[4]!.item}@1`);
  assert.equal(pinned[0]!.item, recs[4]!.item);
  assert.ok(pinned[0]!.reasons.some((x) => x.kind === 'pin'));
  const boosted = json('recommend', '--user', '15311', '-k', '5', '--boost', `id:"${recs[2]!.item}"=100`);
  assert.equal(boosted[0]!.item, recs[2]!.item);

  // Impressions: record what was shown, then leave it out.
  r = curio('recommend', '--user', '15311', '-k', '5', '--record', '--json');
  assert.equal(r.code, 0, r.err);
  const hidden = json('recommend', '--user', '15311', '-k', '5', '--exclude-shown', '7d');
  assert.ok(!hidden.some((x) => recs.some((y) => y.item === x.item)), 'shown items are left out');
  assert.equal(JSON.parse(curio('stats', '--json').out).byType.impression, 5);

  const related = json('related', '--item', '85123A', '-k', '5');
  assert.equal(related.length, 5);
  assert.ok(!related.some((x) => x.item === '85123A'));
  assert.deepEqual(json('similar', '--item', '85123A', '-k', '5'), related, 'similar is an alias of related');

  const fbt = json('bought-together', '--item', '22727', '-k', '3');
  assert.equal(fbt.length, 3);
  assert.match(fbt[0]!.reasons[0]!.text, /^bought with ".*" in ~?\d+ baskets \(confidence [\d.]+, lift [\d.]+\)$/);
  const basket = json('bought-together', '--items', '22727,22726', '-k', '3');
  assert.ok(!basket.some((x) => x.item === '22727' || x.item === '22726'));

  const trending = json('trending', '--window', '7d', '--now', '2011-12-09', '-k', '3');
  assert.equal(trending.length, 3);
  assert.match(trending[0]!.reasons[0]!.text, /^trending: /);
  const popular = json('popular', '-k', '3');
  assert.match(popular[0]!.reasons[0]!.text, /^popular: \d+ events$/);
  // Re-ranking knobs: novelty 1 asks for long-tail items only, each with its reason.
  const novel = json('recommend', '--user', '15311', '-k', '5', '--novelty', '1');
  assert.equal(novel.length, 5);
  assert.ok(novel.some((x) => x.reasons.some((y) => y.kind === 'novelty')), JSON.stringify(novel));
  const cont = json('continue', '--user', '15311', '-k', '3');
  assert.match(cont[0]!.reasons[0]!.text, /^you bought it \d+ days ago$/);
  assert.equal(curio('new-arrivals', '-k', '3').code, 0);
  assert.equal(curio('also-viewed', '--item', '85123A', '-k', '3').code, 0);

  // A recipe from a pipeline file, run through --recipe.
  writeFileSync(join(dir, 'pipeline.json'), JSON.stringify({ recipes: { 'cheap-popular': { scorers: [{ kind: 'popular' }], filter: 'price < 1' } } }));
  const cheapPop = json('recommend', '--config', 'pipeline.json', '--recipe', 'cheap-popular', '-k', '3');
  assert.equal(cheapPop.length, 3);
  assert.match(cheapPop[0]!.reasons[0]!.text, /^popular: \d+ events$/);
  r = curio('recommend', '--recipe', 'nope');
  assert.match(r.err, /recipe: unknown recipe "nope"; available: also-viewed, bought-together, continue/);

  // The table form names the reasons too.
  r = curio('bought-together', '--item', '22727', '-k', '2');
  assert.match(r.out, /rank\s+item\s+score\s+title\s+why\n\s+1\s+\S+\s+[\d.]+\s+.*bought with/);
});

test('recipe commands reject bad rules naming the flag or field', () => {
  let r = curio('recommend', '--user', '15311', '-k', '3', '--pin', '85123A@4');
  assert.equal(r.code, 1);
  assert.match(r.err, /pin\[0\]\.position: position 4 is outside the list \(1\.\.3\)/);
  r = curio('recommend', '--user', '15311', '--cap', 'category=0');
  assert.match(r.err, /cap\[0\]\.max: a cap must allow at least 1 item/);
  r = curio('recommend', '--user', '15311', '--pin', '85123A');
  assert.match(r.err, /--pin: expected ITEM@POSITION/);
  r = curio('related');
  assert.match(r.err, /context\.item: the "related" recipe needs an item/);
  r = curio('recommend', '--user', 'nobody');
  assert.match(r.err, /unknown user "nobody"/);
  r = curio('trending', '--window', 'soon');
  assert.match(r.err, /window/);
  r = curio('popular', '--diversity', '2');
  assert.match(r.err, /^curio: popular: diversity: must be a number in \[0, 1\], got 2/m);
  r = curio('popular', '--novelty', 'lots');
  assert.match(r.err, /--novelty: expected a number from 0 to 1, got 'lots'/);
  r = curio('popular', '--rerank', 'shuffle', '--diversity', '0.5');
  assert.match(r.err, /rerank: /);
  r = curio('popular', '--db', join(dir, 'missing.db'));
  assert.match(r.err, /--db: no store at/);
});

test('models that read text serve and explain through the same commands: cb2cf (mixed encoder, kernel map) and hybrid', () => {
  let r = curio('import', 'online-retail', DEMO_DATA, '--skip-invalid', '--quiet');
  assert.equal(r.code, 0, r.err);
  for (const [model, sets] of [['cb2cf', ['collaborative.kind=ease', 'observed=1', 'degree=2', 'encoder={"name":"mix","parts":[{"encoder":{"name":"tfidf","projection":"none"}}]}']], ['hybrid', []], ['content', []]] as const) {
    const out = `${model}.bin`;
    r = curio('train', '--model', model, ...sets.flatMap((s) => ['--set', s]), '--out', out, '--quiet');
    assert.equal(r.code, 0, `${model}: ${r.err}`);
    const recs = json('recommend', '--user', '15311', '-k', '3', '--model', out);
    assert.equal(recs.length, 3, model);
    // cb2cf's warm items are its EASE scores, explained by EASE's item weights; a hybrid's blend and content's ridge
    // profile have no exact history shares: their reasons cite the closest description in the history
    if (model === 'cb2cf') assert.match(recs[0]!.reasons[0]!.text, /because you bought/);
    else assert.ok(recs.every((x) => /^its description is closest to ".+", which you bought \((both say [a-z0-9, ]+; )?text similarity (1|0\.\d+)\)/.test(x.reasons[0]!.text)), JSON.stringify(recs[0]));
    r = curio('explain', '--user', '15311', '--item', recs[0]!.item, '--model', out);
    assert.equal(r.code, 0, r.err);
    if (model !== 'cb2cf') assert.match(r.out, new RegExp(`^${model}'s score of .* has no exact split into history items \\(no explanation for model kind "${model}"\\); the text it read:\nits description is closest to ".+" \\(\\d+\\) in the history: text similarity (1\\.0000|0\\.\\d+)`));
    assert.doesNotMatch(r.err, /TypeError|unexpected/);
  }
});
