import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../errors.ts';
import { openStore, registerStore, registeredSchemes } from './registry.ts';
import type { DataStore } from './types.ts';

const dir = mkdtempSync(join(tmpdir(), 'curio-registry-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

test('sqlite: URLs, bare .db/.sqlite paths and :memory: open SQLite stores', async () => {
  for (const [spec, file] of [[`sqlite:${join(dir, 'a.db')}`, 'a.db'], [join(dir, 'b.sqlite'), 'b.sqlite'], [join(dir, 'c.db'), 'c.db']] as const) {
    const s = await openStore(spec);
    assert.equal(s.url, spec.startsWith('sqlite:') ? spec : `sqlite:${spec}`);
    await s.close();
    assert.ok(existsSync(join(dir, file)), file);
  }
  const m = await openStore(':memory:');
  assert.equal(m.url, 'sqlite::memory:');
  assert.equal((await m.stats()).interactions, 0);
  await m.close();
});

test('unknown schemes and plain paths give a ConfigError listing the registered schemes', async () => {
  await assert.rejects(openStore('mongo://x'), (e: unknown) => e instanceof ConfigError && /unknown store scheme "mongo"/.test(e.message) && /sqlite:/.test(e.message));
  await assert.rejects(openStore('data/file.txt'), (e: unknown) => e instanceof ConfigError && /not a store URL/.test(e.message));
});

test('a registered backend is opened by its scheme', async () => {
  const seen: string[] = [];
  registerStore('fake', async (location, url) => {
    seen.push(location, url);
    return { url } as DataStore;
  });
  assert.ok(registeredSchemes().includes('fake'));
  const s = await openStore('fake://host/db');
  assert.equal(s.url, 'fake://host/db');
  assert.deepEqual(seen, ['//host/db', 'fake://host/db']);
});
