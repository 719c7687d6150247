import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { saveModelFile } from '../pipeline/model-file.ts';
import { trainFromStore } from '../pipeline/train.ts';
import { openStore } from '../store/registry.ts';
import { call, makeShop, type Shop } from './testing.ts';
import { familyStem, newestModel } from './model-versions.ts';

const shops: Shop[] = [];
after(async () => { for (const s of shops) await s.store.close(); });

const knn = { model: { kind: 'itemknn' as const, config: { neighbors: 10, shrink: 0 } }, data: { types: ['purchase' as const] } };
const stamp = (iso: string) => iso.replace(/[-:.]/g, '');

test('the family: NAME.bin and NAME.rTIMESTAMP.bin', () => {
  assert.equal(familyStem('/m/curio-model.bin'), 'curio-model');
  assert.equal(familyStem('/m/curio-model.r20260101T000000000Z.bin'), 'curio-model');
  assert.equal(familyStem('/m/a.b.bin'), 'a.b');
});

test('a restart serves the newest valid member: corrupt, other-store and erased-user files are passed over, each with why', async () => {
  const shop = await makeShop();
  shops.push(shop);
  const base = shop.models[0]; // knn.bin
  utimesSync(base, new Date('2025-01-01'), new Date('2025-01-01'));
  // Nothing newer: the file named.
  assert.deepEqual(await newestModel(base, shop.store), { path: base, skipped: [] });

  const v1 = join(shop.dir, `knn.r${stamp('2026-01-01T00:00:00.000Z')}.bin`);
  await saveModelFile(v1, await trainFromStore(shop.store, knn));
  assert.equal((await newestModel(base, shop.store)).path, v1, 'a retrain newer than knn.bin');
  assert.equal((await newestModel(v1, shop.store)).path, v1, 'named by its versioned file: the same family');

  // Newer, but not loadable / another store's.
  const corrupt = join(shop.dir, `knn.r${stamp('2026-02-01T00:00:00.000Z')}.bin`);
  writeFileSync(corrupt, 'not a model');
  const other = await openStore(join(shop.dir, 'other.db'));
  await other.addInteractions([{ user: 'o1', item: 'X', type: 'purchase', value: 1, timestamp: 1 }, { user: 'o2', item: 'X', type: 'purchase', value: 1, timestamp: 2 }, { user: 'o2', item: 'Y', type: 'purchase', value: 1, timestamp: 3 }]);
  const foreign = join(shop.dir, `knn.r${stamp('2026-03-01T00:00:00.000Z')}.bin`);
  await saveModelFile(foreign, await trainFromStore(other, knn));
  await other.close();
  // Newest of all, trained while b0 was in the store; b0 is then erased.
  const withB0 = join(shop.dir, `knn.r${stamp('2026-04-01T00:00:00.000Z')}.bin`);
  await saveModelFile(withB0, await trainFromStore(shop.store, knn));
  await shop.store.deleteUser('b0');
  // Another family in the same folder is not a candidate.
  copyFileSync(withB0, join(shop.dir, `pop.r${stamp('2026-05-01T00:00:00.000Z')}.bin`));

  // Every member holds b0 now (all were trained before the erasure) or is invalid: refused, each named with why.
  await assert.rejects(newestModel(base, shop.store), (e: Error) => {
    assert.match(e.message, /^--model: no model of the knn family can be served here: knn\.r20260401T000000000Z\.bin: trained with user "b0", erased from the store since; knn\.r20260301T000000000Z\.bin: .*store.*; knn\.r20260201T000000000Z\.bin: .*; knn\.r20260101T000000000Z\.bin: trained with user "b0".*; knn\.bin: trained with user "b0".*--exact-model$/s);
    return true;
  });
  // A retrain after the erasure is served.
  const v5 = join(shop.dir, `knn.r${stamp('2026-01-15T00:00:00.000Z')}.bin`);
  await saveModelFile(v5, await trainFromStore(shop.store, knn));
  const c = await newestModel(base, shop.store);
  assert.equal(c.path, v5);
  assert.deepEqual(c.skipped.map((s) => s.path), [withB0, foreign, corrupt]);
  assert.match(c.skipped[0]!.why, /^trained with user "b0", erased from the store since$/);
});

test('curio serve --model NAME.bin restarts on the newest retrain; --exact-model on the file named', async () => {
  const shop = await makeShop();
  shops.push(shop);
  const base = shop.models[0];
  utimesSync(base, new Date('2025-01-01'), new Date('2025-01-01'));
  const v1 = join(shop.dir, `knn.r${stamp('2026-01-01T00:00:00.000Z')}.bin`);
  await saveModelFile(v1, await trainFromStore(shop.store, { ...knn, model: { kind: 'itemknn', config: { neighbors: 3, shrink: 1 } } }));
  for (const [flags, expected] of [[[], v1], [['--exact-model'], base]] as const) {
    const child = spawn(process.execPath, [resolve(import.meta.dirname, '../../bin/curio.js'), 'serve', '--db', shop.db, '--model', base, '--port', '0', ...flags], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((res, rej) => {
        createInterface({ input: child.stdout! }).on('line', (l) => { const m = JSON.parse(l) as { msg: string; url?: string }; if (m.msg === 'curio serving') res(m.url!); });
        child.once('exit', (code) => rej(new Error(`curio serve exited with ${code}`)));
      });
      const info = await call(url, 'GET', '/v1/model', { key: shop.keys.read });
      assert.equal(info.body.path, expected, `flags ${flags.join(' ')}`);
    } finally {
      child.kill('SIGTERM');
    }
  }
});
