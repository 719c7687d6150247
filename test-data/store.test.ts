import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importData } from '../src/data/importers/index.ts';
import { SqliteStore } from '../src/store/sqlite/index.ts';
import type { InteractionRow } from '../src/data/types.ts';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const DATA = resolve(root, process.env.CURIO_DATA ?? '../shared/data');
const dir = mkdtempSync(join(tmpdir(), 'curio-store-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

test('ML-100K through the store: snapshot and scan agree with u.data read independently', async (t) => {
  const folder = join(DATA, 'ml-100k');
  if (!existsSync(folder)) return t.skip(`${folder} not found (set CURIO_DATA)`);
  const store = SqliteStore.open(join(dir, 'ml100k.db'));
  await importData(store, { format: 'movielens-100k', path: folder });
  const users = new Set(readFileSync(join(folder, 'u.user'), 'latin1').trim().split('\n').map((l) => l.split('|')[0]));
  const expected = new Map<string, number>();
  for (const line of readFileSync(join(folder, 'u.data'), 'latin1').trim().split('\n')) {
    const [u, i, r, ts] = line.split('\t');
    if (users.has(u!)) expected.set(`${u} ${i} ${Number(ts) * 1000}`, Number(r));
  }
  const snap = await store.snapshot();
  assert.equal(snap.length, expected.size);
  for (let k = 0; k < snap.length; k++) {
    const key = `${snap.users.id(snap.user[k]!)} ${snap.items.id(snap.item[k]!)} ${snap.time[k]}`;
    assert.equal(snap.value[k], expected.get(key), key);
  }
  let n = 0, prev = -Infinity;
  for await (const batch of store.scan({ batch: 7000 })) {
    for (const r of batch) { assert.ok(r.timestamp >= prev); prev = r.timestamp; n++; }
  }
  assert.equal(n, expected.size);
  const h = await store.history('1', { limit: 5 });
  assert.equal(h.length, 5);
  assert.ok(h.every((r, k) => k === 0 || r.timestamp <= h[k - 1]!.timestamp));
  await store.close();
});

test('a million events: batched writes and a columnar snapshot at scale', async () => {
  const store = SqliteStore.open(join(dir, 'million.db'));
  const N = 1_000_000, batch = 50_000;
  let t0 = performance.now();
  await store.transaction(async (tx) => {
    for (let k = 0; k < N; k += batch) {
      const rows: InteractionRow[] = [];
      for (let j = k; j < k + batch; j++) rows.push({ user: `u${j % 20_000}`, item: `i${(j * 7919) % 30_000}`, type: j % 3 ? 'view' : 'purchase', value: 1 + (j % 5), timestamp: j });
      await tx.addInteractions(rows);
    }
  });
  const writeMs = performance.now() - t0;
  t0 = performance.now();
  const snap = await store.snapshot();
  const snapMs = performance.now() - t0;
  console.log(`1M events: write ${Math.round(N / writeMs)}k rows/s, snapshot ${Math.round(snapMs)} ms`);
  assert.equal(snap.length, N);
  assert.equal(snap.users.size, 20_000);
  assert.equal(snap.items.size, 30_000);
  const k = 765_432;
  assert.equal(snap.users.id(snap.user[k]!), `u${k % 20_000}`);
  assert.equal(snap.items.id(snap.item[k]!), `i${(k * 7919) % 30_000}`);
  assert.equal(snap.value[k], 1 + (k % 5));
  const purchases = await store.snapshot({ types: ['purchase'], since: 500_000 });
  assert.equal(purchases.length, Math.ceil(500_000 / 3));
  assert.ok(snapMs < 10_000, `snapshot took ${snapMs} ms`);
  await store.close();
});
