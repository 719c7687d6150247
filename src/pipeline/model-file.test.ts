import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArtifactError } from '../errors.ts';
import { openStore } from '../store/registry.ts';
import type { InteractionRow } from '../data/types.ts';
import { IdMap } from '../data/ids.ts';
import { trainFromStore } from './train.ts';
import { bindModelToStore, loadModelFile, saveModelFile } from './model-file.ts';
import { recommendCommand, similarCommand } from '../cli/commands/recommend.ts';

const dir = mkdtempSync(join(tmpdir(), 'curio-model-file-'));
const dbA = join(dir, 'a.db'), dbB = join(dir, 'b.db');
const modelPath = join(dir, 'ials.bin');

/** Two stores with the same external ids ("1".."40") standing for different things, as two catalogues do. */
async function makeStore(path: string, label: string, shift: number): Promise<void> {
  const store = await openStore(path);
  await store.upsertItems(Array.from({ length: 40 }, (_, i) => ({ id: String(i + 1), title: `${label} item ${i + 1}` })));
  const rows: InteractionRow[] = [];
  for (let u = 0; u < 50; u++) for (let q = 0; q < 6; q++) rows.push({ user: `u${u}`, item: String(((u + shift) * 5 + q * 7) % 40 + 1), type: 'purchase', value: 1, timestamp: q });
  await store.addInteractions(rows);
  await store.close();
}

test.before(async () => {
  await makeStore(dbA, 'A', 0);
  await makeStore(dbB, 'B', 3);
  const store = await openStore(dbA);
  try {
    await saveModelFile(modelPath, await trainFromStore(store, { model: { kind: 'ials', config: { factors: 4, iterations: 2 } } }));
  } finally {
    await store.close();
  }
});

test('a model file records its store; using it with another store is refused, the same store or a copy is fine', async () => {
  const a = await openStore(dbA), b = await openStore(dbB);
  try {
    const t = await loadModelFile(modelPath);
    assert.equal(t.store?.id, (await a.info()).id);
    assert.equal(t.users.size, t.model.nUsers);
    assert.deepEqual((await loadModelFile(modelPath, { store: a })).warnings, []);
    await assert.rejects(loadModelFile(modelPath, { store: b }), (e: unknown) => e instanceof ArtifactError
      && e.message.includes(`trained from the store ${a.url} (id ${t.store!.id}), not ${b.url}`)
      && e.message.includes(`use --db ${a.url}, or retrain on this store with \`curio train --db ${b.url}\``));
    const other = await loadModelFile(modelPath, { store: b, allowOtherStore: true });
    assert.match(other.warnings.join(), /trained from another store .* matched by external id/);
    // a model fitted outside a store cannot be checked: it is used, and a warning says so
    const bare = join(dir, 'bare.bin');
    await saveModelFile(bare, { model: t.model, users: t.users, items: t.items, info: {} });
    assert.match((await loadModelFile(bare, { store: b })).warnings.join(), /does not record the store it was trained from/);
  } finally {
    await a.close();
    await b.close();
  }
  // a copy of the store file is the same store (same id): still accepted
  copyFileSync(dbA, join(dir, 'copy.db'));
  const copy = await openStore(join(dir, 'copy.db'));
  try {
    assert.deepEqual(await bindModelToStore(await loadModelFile(modelPath), copy), []);
  } finally {
    await copy.close();
  }
});

test('recommend and similar with --db of another store fail with one line instead of mislabelling items', async () => {
  for (const cmd of [recommendCommand, similarCommand]) {
    const args = cmd === recommendCommand ? ['--user', 'u1'] : ['--item', '1'];
    await assert.rejects(cmd.run([...args, '--model', modelPath, '--db', dbB, '--json']), (e: unknown) => e instanceof ArtifactError && /not .*b\.db .*retrain on this store/.test(e.message) && !e.message.includes('\n'));
  }
  const lines: string[] = [];
  const log = console.log;
  console.log = (s: string) => { lines.push(s); };
  try {
    assert.equal(await recommendCommand.run(['--user', 'u1', '-k', '3', '--model', modelPath, '--db', dbA, '--json']), 0);
  } finally {
    console.log = log;
  }
  assert.ok((JSON.parse(lines[0]!) as { title: string }[]).every((r) => r.title.startsWith('A item')));
});

// ---- crafted model files ----------------------------------------------------------------------------------

interface Entry { name: string; dtype: string; offset: number; length: number }
interface Header { kind: unknown; config: Record<string, unknown>; meta: Record<string, unknown>; extra: Record<string, unknown>; arrays: Entry[] }

// the trained file, read once test.before has written it
let original: Buffer, hlen: number, baseHeader: Header, basePayload: Buffer;

/** Re-encodes a model file from a (mutated) header and payload; `raw` post-processes the final bytes. */
function craft(mutate: (h: Header, payload: Buffer) => void, raw?: (b: Buffer) => Buffer): Buffer {
  const h = structuredClone(baseHeader);
  const payload = Buffer.from(basePayload);
  mutate(h, payload);
  const json = Buffer.from(JSON.stringify(h));
  const pad = (8 - ((16 + json.length) % 8)) % 8;
  const fixed = Buffer.from(original.subarray(0, 16));
  fixed.writeUInt32LE(json.length + pad, 12);
  const b = Buffer.concat([fixed, json, Buffer.alloc(pad, 0x20), payload]);
  return raw ? raw(b) : b;
}
const entry = (h: Header, name: string) => h.arrays.find((e) => e.name === name)!;
const putF32 = (h: Header, p: Buffer, name: string, index: number, v: number) => p.writeFloatLE(v, entry(h, name).offset + 4 * index);
const putI32 = (h: Header, p: Buffer, name: string, index: number, v: number) => p.writeInt32LE(v, entry(h, name).offset + 4 * index);

const cases = (): [string, Buffer, RegExp][] => [
  ['empty file', Buffer.alloc(0), /is not a Curio model file \(only 0 bytes\)/],
  ['wrong magic', craft(() => {}, (b) => { b.write('NOTCURIO', 0, 'latin1'); return b; }), /is not a Curio model file \(no CURIOMDL signature\)/],
  ['other format version', craft(() => {}, (b) => { b.writeUInt32LE(7, 8); return b; }), /model format version 7; this Curio reads version 1: retrain/],
  ['header length past the end', craft(() => {}, (b) => { b.writeUInt32LE(b.length, 12); return b; }), /header length \d+ runs past the end of the \d+-byte file/],
  ['absurd header length', craft(() => {}, (b) => { b.writeUInt32LE(0xffffffff, 12); return b; }), /header length 4294967295 is larger than any model header/],
  ['truncated in the header', original.subarray(0, 16 + Math.floor(hlen / 2)), /header length .* runs past the end/],
  ['truncated in the payload', original.subarray(0, original.length - 64), /array "[\w.]+" length .* runs past the end of the \d+-byte payload \(truncated\?\)/],
  ['header not JSON', craft(() => {}, (b) => { b.write('{{{{', 16, 'latin1'); return b; }), /header is not valid JSON/],
  ['header a list', craft(() => {}, (b) => { const j = Buffer.from('[]'); const f = Buffer.from(b.subarray(0, 16)); f.writeUInt32LE(8, 12); return Buffer.concat([f, j, Buffer.alloc(6, 0x20)]); }), /header is not a JSON object/],
  ['kind missing', craft((h) => { delete (h as Partial<Header>).kind; }), /header field "kind" must be a model name, got undefined/],
  ['kind unknown', craft((h) => { h.kind = 'ials2'; }), /header field "config" or "kind" is invalid: model: unknown model "ials2"/],
  ['config not an object', craft((h) => { (h as { config: unknown }).config = 3; }), /header field "config" must be an object/],
  ['config with an unknown key', craft((h) => { h.config.factorz = 8; }), /header field "config" or "kind" is invalid: ials\.factorz: unknown key/],
  ['config factors disagree with the arrays', craft((h) => { h.config.factors = 8; }), /factor arrays do not match 50 users × 40 items × 8 factors/],
  ['arrays not a list', craft((h) => { (h as { arrays: unknown }).arrays = {}; }), /header field "arrays" must be a list/],
  ['array entry not an object', craft((h) => { (h.arrays as unknown[]).push(5); }), /arrays\[\d+\] is not an object/],
  ['array without a name', craft((h) => { entry(h, 'userFactors').name = ''; }), /arrays\[\d+\]\.name must be a non-empty string/],
  ['negative length', craft((h) => { entry(h, 'userFactors').length = -1; }), /array "userFactors" length must be a non-negative integer, got -1/],
  ['fractional length', craft((h) => { entry(h, 'userFactors').length = 2.5; }), /array "userFactors" length must be a non-negative integer, got 2\.5/],
  ['string length', craft((h) => { (entry(h, 'userFactors') as { length: unknown }).length = '200'; }), /array "userFactors" length must be a non-negative integer, got "200"/],
  ['absurd length', craft((h) => { entry(h, 'userFactors').length = 1e15; }), /array "userFactors" length 1000000000000000 × 4 bytes .* runs past the end/],
  ['length beyond 2^53', craft((h) => { entry(h, 'userFactors').length = 1e300; }), /array "userFactors" length must be a non-negative integer, got 1e\+300/],
  ['negative offset', craft((h) => { entry(h, 'itemFactors').offset = -8; }), /array "itemFactors" offset must be a non-negative integer, got -8/],
  ['fractional offset', craft((h) => { entry(h, 'itemFactors').offset = 4.5; }), /array "itemFactors" offset must be a non-negative integer, got 4\.5/],
  ['misaligned offset', craft((h) => { entry(h, 'itemFactors').offset += 2; }), /array "itemFactors" offset \d+ is not a multiple of the 4-byte f32 element/],
  ['offset past the end', craft((h) => { entry(h, 'itemFactors').offset = basePayload.length + 8; }), /array "itemFactors" length .* runs past the end/],
  ['overlapping sections', craft((h) => { entry(h, 'itemFactors').offset = entry(h, 'userFactors').offset + 8; }), /offset \d+ overlaps array "(userFactors|itemFactors)"/],
  ['unknown dtype', craft((h) => { entry(h, 'userFactors').dtype = 'f16'; }), /array "userFactors" dtype "f16" is unknown \(known: f32, f64, i32, u8\)/],
  ['wrong dtype', craft((h) => { entry(h, 'userFactors').dtype = 'i32'; }), /ials model file has no Float32Array named "userFactors"/],
  ['array named twice', craft((h) => { h.arrays.push({ ...entry(h, 'userFactors'), length: 0 }); }), /array "userFactors" appears twice/],
  ['array missing', craft((h) => { h.arrays = h.arrays.filter((e) => e.name !== 'train.indptr'); }), /no Int32Array named "train\.indptr"/],
  ['meta.rows negative', craft((h) => { h.meta.rows = -1; }), /meta\.rows must be an integer in 0\.\.\d+, got -1/],
  ['meta.rows fractional', craft((h) => { h.meta.rows = 49.5; }), /meta\.rows must be an integer in 0\.\.\d+, got 49\.5/],
  ['meta.rows off by one', craft((h) => { h.meta.rows = 51; }), /array "train\.indptr" has 51 entries; 51 rows need 52/],
  ['meta.weighting invalid', craft((h) => { h.meta.weighting = { kind: 'magic' }; }), /meta\.weighting is not a valid weighting/],
  ['NaN in the factors', craft((h, p) => putF32(h, p, 'userFactors', 3, NaN)), /array "userFactors" holds NaN at index 3/],
  ['Infinity in the factors', craft((h, p) => putF32(h, p, 'itemFactors', 0, Infinity)), /array "itemFactors" holds Infinity at index 0/],
  ['column index out of range', craft((h, p) => putI32(h, p, 'train.indices', 5, 1_000_000)), /array "train\.indices" holds column 1000000 outside 0\.\.39/],
  ['negative column index', craft((h, p) => putI32(h, p, 'train.indices', 0, -1)), /array "train\.indices" holds column -1 outside/],
  ['indptr decreasing', craft((h, p) => putI32(h, p, 'train.indptr', 2, 1)), /array "train\.indptr" decreases at row 1/],
  ['indptr not ending at nnz', craft((h, p) => putI32(h, p, 'train.indptr', 50, 7)), /array "train\.indptr" must run from 0 to 300/],
  ['item id map shorter than the factor rows', craft((h) => { (h.extra.items as string[]).pop(); }), /header field "extra\.items" has 39 ids but the model has 40 items/],
  ['user id map longer than the factor rows', craft((h) => { (h.extra.users as string[]).push('x'); }), /header field "extra\.users" has 51 ids but the model has 50 users/],
  ['id map missing', craft((h) => { delete h.extra.users; }), /header field "extra\.users" \(the user id map\) is missing/],
  ['id map with a number', craft((h) => { (h.extra.items as unknown[])[4] = 5; }), /header field "extra\.items"\[4\] is 5, not a string id/],
  ['id map with a repeated id', craft((h) => { const it = h.extra.items as string[]; it[1] = it[0]!; }), /header field "extra\.items" repeats an id/],
  ['store record malformed', craft((h) => { h.extra.store = { id: 7 }; }), /header field "extra\.store" must be \{id, url, schemaVersion\}/],
  ['extra not an object', craft((h) => { (h as { extra: unknown }).extra = 'x'; }), /header field "extra" must be an object/],
];

test('crafted model files are ArtifactErrors naming the field, never RangeErrors or garbage', async () => {
  original = readFileSync(modelPath);
  hlen = original.readUInt32LE(12);
  baseHeader = JSON.parse(original.toString('utf8', 16, 16 + hlen)) as Header;
  basePayload = original.subarray(16 + hlen);
  assert.equal((await loadModelFile(modelPath)).model.kind, 'ials', 'the untouched file loads');
  const control = join(dir, 'control.bin');
  writeFileSync(control, craft(() => {}));
  assert.equal((await loadModelFile(control)).model.nItems, 40, 'the crafting itself keeps a valid file valid');
  const outcomes: string[] = [];
  for (const [name, bytes, expected] of cases()) {
    const path = join(dir, `crafted-${name.replace(/\W+/g, '-')}.bin`);
    writeFileSync(path, bytes);
    try {
      await loadModelFile(path);
      outcomes.push(`${name}: LOADED`);
    } catch (e) {
      if (!(e instanceof ArtifactError)) outcomes.push(`${name}: ${(e as Error).name}: ${(e as Error).message}`);
      else if (!expected.test(e.message)) outcomes.push(`${name}: wrong message: ${e.message}`);
      else if (!e.message.startsWith(path) || e.message.includes('\n')) outcomes.push(`${name}: not one line naming the file: ${e.message}`);
    }
  }
  assert.deepEqual(outcomes, [], outcomes.join('\n'));
});

test('a missing model file or a directory is one line saying what to do', async () => {
  await assert.rejects(loadModelFile(join(dir, 'nope.bin')), (e: unknown) => e instanceof ArtifactError && /^cannot read model file .*nope\.bin: no such file; train one with `curio train`, or pass --model$/.test(e.message));
  await assert.rejects(loadModelFile(dir), /cannot read model file .*: it is a folder; pass the model file's path$/);
});

test('a failed save is one ArtifactError and leaves no temporary file behind', async () => {
  const t = await loadModelFile(modelPath);
  const target = mkdtempSync(join(dir, 'target-'));
  await assert.rejects(saveModelFile(target, t), (e: unknown) => e instanceof ArtifactError && /cannot write model file .*: it is a directory$/.test(e.message));
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp-')), []);
  await assert.rejects(saveModelFile(join(dir, 'missing', 'm.bin'), t), /cannot write model file .*m\.bin: its directory does not exist$/);
});

test('saveModelFile refuses id maps that do not match the model', async () => {
  const t = await loadModelFile(modelPath);
  await assert.rejects(saveModelFile(join(dir, 'short.bin'), { ...t, items: IdMap.from(t.items.toArray().slice(1)) }), /id maps \(50 users, 39 items\) do not match the model \(50 × 40\)/);
});
