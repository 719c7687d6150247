import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { makeShop } from './testing.ts';

const bin = resolve(import.meta.dirname, '../../bin/curio.js');

/** Starts `curio serve` on a free port; resolves with its URL once it logs that it serves. */
async function startCurio(db: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [bin, 'serve', '--db', db, '--port', '0', '--rate', '100000', '--burst', '100000'], { stdio: ['ignore', 'pipe', 'inherit'] });
  for await (const line of createInterface({ input: child.stdout! })) {
    const entry = JSON.parse(line) as { msg: string; url?: string };
    if (entry.msg === 'curio serving') {
      child.stdout!.resume();
      return { child, url: entry.url! };
    }
  }
  throw new Error('curio serve exited before serving');
}

test('kill -9 while a client streams acknowledged batches: after a restart every acknowledged event is stored, once', async () => {
  const shop = await makeShop();
  const { write } = shop.keys;
  await shop.store.close();
  const batches = Array.from({ length: 100 }, (_, b) => ({
    idempotencyKey: `stream-${b}`,
    // No timestamps: the server stamps them, so only the idempotency key can tell a retry from new events.
    events: Array.from({ length: 25 }, (_, e) => ({ user: `k${b}`, item: 'ABCDEFGH'[e % 8]!, type: 'view', session: `e${e}` })),
  }));
  const post = (url: string, b: (typeof batches)[number]) => fetch(`${url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${write}`, 'content-type': 'application/json' }, body: JSON.stringify(b) });

  let { child, url } = await startCurio(shop.db);
  const acked = new Set<number>();
  let next = 0, killed = false;
  const client = async () => {
    while (next < batches.length) {
      const b = next++;
      try {
        const r = await post(url, batches[b]!);
        if (r.status === 200) acked.add(b);
      } catch { /* the server died under this request: not acknowledged */ }
      if (acked.size >= 20 && !killed) {
        killed = true;
        child.kill('SIGKILL');
      }
      if (killed) return;
    }
  };
  await Promise.all(Array.from({ length: 6 }, client));
  await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));
  assert.equal(child.signalCode, 'SIGKILL');
  assert.ok(acked.size >= 20 && acked.size < batches.length, `${acked.size} acknowledged before the kill`);

  // Every acknowledged batch survived the kill.
  const count = () => {
    const db = new Database(shop.db, { readonly: true });
    try {
      return db.prepare("SELECT u.ext AS user, count(*) AS n FROM interactions x JOIN users u ON u.id = x.user_id WHERE u.ext LIKE 'k%' GROUP BY u.ext").all() as { user: string; n: number }[];
    } finally {
      db.close();
    }
  };
  const afterKill = new Map(count().map((r) => [r.user, r.n]));
  for (const b of acked) assert.equal(afterKill.get(`k${b}`), 25, `acknowledged batch ${b}`);

  // The client retries everything (it cannot know which unacknowledged batches landed): each stored once.
  ({ child, url } = await startCurio(shop.db));
  try {
    for (let b = 0; b < batches.length; b += 50) {
      const answers = await Promise.all(batches.slice(b, b + 50).map((x) => post(url, x)));
      assert.ok(answers.every((r) => r.status === 200));
      const bodies = await Promise.all(answers.map((r) => r.json() as Promise<{ replayed: boolean }>));
      bodies.forEach((x, q) => { if (acked.has(b + q)) assert.equal(x.replayed, true, `batch ${b + q} was acknowledged: its retry is a replay`); });
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
  const final = count();
  assert.equal(final.length, batches.length);
  assert.ok(final.every((r) => r.n === 25), 'no batch stored twice or in part');
});
