import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import { makeShop } from '../../serve/testing.ts';

const bin = resolve(import.meta.dirname, '../../../bin/curio.js');

test('curio keys create/list/revoke and curio serve, on the real binary, a real store and a real socket', async () => {
  const shop = await makeShop();
  await shop.store.close();
  const curio = (...args: string[]) => spawnSync(process.execPath, [bin, ...args, '--db', shop.db], { encoding: 'utf8' });

  const created = curio('keys', 'create', '--scope', 'read', '--name', 'shop frontend', '--json');
  assert.equal(created.status, 0, created.stderr);
  const key = JSON.parse(created.stdout) as { id: string; key: string; scope: string };
  assert.equal(key.scope, 'read');
  assert.match(curio('keys', 'list').stdout, new RegExp(`${key.id}  read .* shop frontend`));
  const badScope = curio('keys', 'create', '--scope', 'root');
  assert.equal(badScope.status, 1);
  assert.match(badScope.stderr, /^curio: keys: --scope: "root" is not a scope; use one of read, write, admin/);
  const badPeriod = curio('serve', '--retrain-every', '0s');
  assert.equal(badPeriod.status, 1);
  assert.match(badPeriod.stderr, /^curio: serve: --retrain-every: "0s" is too short to train in/);

  const server = spawn(process.execPath, [bin, 'serve', '--db', shop.db, '--model', shop.models[0], '--port', '0', '--retrain-after', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const lines = createInterface({ input: server.stdout! })[Symbol.asyncIterator]();
    const logged = async (msg: string) => {
      for (let l = await lines.next(); !l.done; l = await lines.next()) {
        const entry = JSON.parse(l.value) as Record<string, any>;
        if (entry.msg === msg) return entry;
      }
      throw new Error(`the server exited before logging "${msg}"`);
    };
    const serving = await logged('curio serving');
    const url = serving.url as string;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(serving.model, /^[0-9a-f]{12}$/, 'the startup line names the model version');
    assert.ok(Date.parse(serving.trainedAt) > 0);
    assert.deepEqual(serving.retrain, { every: null, after: 2 });
    const ask = () => fetch(`${url}/v1/recommend`, { method: 'POST', headers: { authorization: `Bearer ${key.key}` }, body: JSON.stringify({ user: 'b0', k: 2 }) });
    const r = await ask();
    assert.equal(r.status, 200);
    assert.equal(((await r.json()) as { items: unknown[] }).items.length, 2);
    assert.equal(curio('keys', 'revoke', key.id).status, 0, 'the CLI writes while the server runs (WAL)');
    assert.equal((await ask()).status, 401);
    assert.equal(curio('keys', 'revoke', 'nope').status, 1);

    // --retrain-after 2: two new events retrain in the background (a child process of the installed build) and swap.
    const events = await fetch(`${url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${shop.keys.write}` }, body: JSON.stringify({ events: [{ user: 'new', item: 'A', type: 'purchase' }, { user: 'new', item: 'B', type: 'purchase' }] }) });
    assert.equal(events.status, 200);
    const swapped = await logged('model retrained and swapped');
    assert.equal(swapped.trigger, 'events');
    assert.equal(swapped.previous, serving.model);
    assert.match(swapped.path, /knn\.r\d{8}T\d{9}Z\.bin$/);
    const info = await (await fetch(`${url}/v1/model`, { headers: { authorization: `Bearer ${shop.keys.read}` } })).json() as Record<string, unknown>;
    assert.equal(info.version, swapped.version);
    assert.equal(info.source, 'retrain');
  } finally {
    server.kill('SIGTERM');
  }
  const code = await new Promise((res) => server.once('exit', res));
  assert.equal(code, 0);
});
