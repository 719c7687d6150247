import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, StoreError } from '../../errors.ts';
import { openCliStore } from './paths.ts';

const bin = resolve(import.meta.dirname, '../../../bin/curio.js');
const dir = mkdtempSync(join(tmpdir(), 'curio-paths-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function curio(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir, env: { ...process.env, CURIO_DB: join(dir, 'default.db') } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('commands that use a store never create one: a mistyped --db says the file does not exist', async () => {
  const typo = join(dir, 'typo.db');
  for (const mode of ['use'] as const) {
    await assert.rejects(openCliStore(typo, mode), (e: unknown) => e instanceof StoreError && /typo\.db: the file does not exist/.test(e.message));
  }
  const r = curio('stats', '--db', typo);
  assert.equal(r.code, 1, r.err);
  assert.match(r.err, /^curio: stats: sqlite:\S*typo\.db: no store at \S*typo\.db: the file does not exist; check the path/);
  assert.equal(r.err.trim().split('\n').length, 1);
  for (const args of [['stats'], ['train', '--model', 'popularity', '--out', join(dir, 'm.bin')], ['evaluate', '--models', 'popularity', '--report', dir]]) {
    assert.equal(curio(...args, '--db', typo).code, 1, args[0]);
  }
  assert.deepEqual(readdirSync(dir), [], 'no store file (nor -wal, -shm) was created');
});

test('--db :memory: is refused, for commands that write and for commands that read', async () => {
  for (const mode of ['use', 'create'] as const) {
    await assert.rejects(openCliStore(':memory:', mode), (e: unknown) => e instanceof ConfigError && /exists only while this one command runs/.test(e.message));
  }
  await assert.rejects(openCliStore('sqlite::memory:', 'create'), ConfigError);
  const events = join(dir, 'events.csv');
  writeFileSync(events, 'user,item\nu1,i1\n');
  const r = curio('import', 'csv', events, '--map', 'user=user,item=item', '--db', ':memory:', '--quiet');
  assert.equal(r.code, 1);
  assert.match(r.err, /^curio: import: --db: ":memory:" is a store that exists only while this one command runs: the command would write into it and lose everything when it ends; give a store file/);
  rmSync(events);
});

test('a failed import into a new store leaves no file behind; into an existing store it leaves the store as it was', () => {
  const bad = join(dir, 'bad.csv'), good = join(dir, 'good.csv');
  writeFileSync(bad, 'user,item,value\nu1,i1,1\nu2,i2,not-a-number\n');
  writeFileSync(good, 'user,item,value\nu1,i1,1\n');
  const store = join(dir, 'new.db');
  const map = ['--map', 'user=user,item=item,value=value', '--db', store, '--quiet'];
  const failed = curio('import', 'csv', bad, ...map);
  assert.equal(failed.code, 1, failed.err);
  assert.ok(!existsSync(store) && !existsSync(`${store}-wal`) && !existsSync(`${store}-shm`), readdirSync(dir).join(', '));
  assert.equal(curio('import', 'csv', join(dir, 'missing.csv'), ...map).code, 1);
  assert.ok(!existsSync(store), 'a missing input file leaves no store either');
  assert.equal(curio('import', 'csv', good, ...map).code, 0);
  assert.equal(curio('import', 'csv', bad, ...map).code, 1);
  assert.ok(existsSync(store), 'an existing store is kept');
  const stats = curio('stats', '--db', store, '--json');
  assert.equal(JSON.parse(stats.out).interactions, 1, stats.err);
});
