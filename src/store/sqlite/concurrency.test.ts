import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SqliteStore } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'curio-concurrency-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const fixture = fileURLToPath(new URL('./concurrent-writer.fixture.ts', import.meta.url));

function startWriter(file: string, mode: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, file, mode], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return { child, nextLine: async () => (await lines.next()).value as string | undefined };
}

test('snapshots taken while another process commits new users and items are each one consistent view', async () => {
  const file = join(dir, 'snap.db');
  const s = SqliteStore.open(file);
  // Enough existing data that a snapshot takes a few ms: long enough for the writer to commit during it.
  const seed = [];
  for (let k = 0; k < 2_000; k++) seed.push({ user: `s${k % 997}`, item: `i${k % 1009}`, type: 'view' as const, value: 0, timestamp: k });
  await s.addInteractions(seed);
  const writer = startWriter(file, 'users');
  assert.equal(await writer.nextLine(), 'ready');
  try {
    let previous = 0, grew = 0;
    for (let round = 0; round < 100; round++) {
      let total = -1;
      const t0 = performance.now();
      const d = await s.snapshot({ onProgress: (_, n) => { total = n; } });
      assert.equal(total, d.length, `round ${round}: the count and the rows come from one view`);
      for (let r = 0; r < d.length; r++) {
        const v = d.value[r]!;
        if (v === 0) continue;
        // Writer rows: user w<v>, item n<v>-j. Anything else is a row credited to the wrong user or item.
        const user = d.users.id(d.user[r]!), item = d.items.id(d.item[r]!);
        if (user !== `w${v}` || item.slice(0, item.length - 1) !== `n${v}-`) {
          assert.fail(`round ${round}, row ${r}: a writer row of batch ${v} reads as user ${user}, item ${item}`);
        }
      }
      assert.equal((d.length - 2_000) % 3, 0, `round ${round}: the writer's batches are seen whole`);
      if (d.length > previous) grew++;
      if (process.env.CURIO_TRACE) process.stderr.write(`${round} ${d.length} ${Math.round(performance.now())} ${(performance.now() - t0).toFixed(1)}\n`);
      previous = d.length;
    }
    assert.ok(grew > 10, `the writer committed during the snapshots (${grew} rounds saw new rows)`);
  } finally {
    writer.child.stdin!.end();
    await once(writer.child, 'exit');
    await s.close();
  }
});

test('several processes creating the same new store at once all succeed (12 files, 6 processes each)', async () => {
  const creators = Array.from({ length: 6 }, () => startWriter('-', 'create'));
  try {
    for (let k = 0; k < 12; k++) {
      const file = join(dir, `create-${k}.db`);
      for (const c of creators) c.child.stdin!.write(`${file}\n`);
      const answers = await Promise.all(creators.map((c) => c.nextLine()));
      assert.deepEqual(answers, creators.map(() => 'ok'), `file ${k}`);
      const s = SqliteStore.open(file, undefined, { create: false });
      assert.deepEqual((await s.stats()).interactions, 6);
      await s.close();
    }
  } finally {
    for (const c of creators) c.child.stdin!.end();
    await Promise.all(creators.map((c) => once(c.child, 'exit')));
  }
});
