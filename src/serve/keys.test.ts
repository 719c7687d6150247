import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../store/registry.ts';
import { ApiKeys } from './keys.ts';

test('verify: a key is checked with scrypt once, a wrong secret too, however often either is sent; revocation still applies', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'curio-keys-'));
  const store = await openStore(join(dir, 'k.db'));
  try {
    const keys = new ApiKeys(store);
    const good = await keys.create('write');
    const wrong = `${good.key.slice(0, -2)}${good.key.endsWith('xx') ? 'yy' : 'xx'}`;
    for (let i = 0; i < 3; i++) assert.equal(await keys.verify(wrong), undefined);
    assert.equal(keys.scryptRuns, 1, 'a repeated wrong key is refused from memory');
    for (let i = 0; i < 3; i++) assert.deepEqual(await keys.verify(good.key), { id: good.id, scope: 'write' });
    assert.equal(keys.scryptRuns, 2);
    assert.equal(await keys.verify(`${good.key.slice(0, -1)}${good.key.endsWith("A") ? "B" : "A"}`), undefined);
    assert.equal(keys.scryptRuns, 3, 'another wrong secret is checked');
    await keys.revoke(good.id);
    assert.equal(await keys.verify(good.key), undefined);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
