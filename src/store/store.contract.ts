import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { StoreError } from '../errors.ts';
import { interactionColumns, type InteractionRow } from '../data/types.ts';
import type { DataStore } from './types.ts';

const ev = (user: string, item: string, value: number, timestamp: number, extra: Partial<InteractionRow> = {}): InteractionRow => ({
  user, item, type: 'rating', value, timestamp, ...extra,
});

async function collect<T>(it: AsyncIterable<T[]>): Promise<T[][]> {
  const out: T[][] = [];
  for await (const b of it) out.push(b);
  return out;
}

/**
 * The behaviour every DataStore backend must have. Each test opens a fresh, empty store with `open`
 * (and closes it), so backends are checked on real storage, not mocks.
 */
export function runStoreContract(name: string, open: () => Promise<DataStore>): void {
  describe(`DataStore contract: ${name}`, () => {
    let s: DataStore;
    before(async () => { s = await open(); });
    after(async () => { await s.close(); });
    const fresh = async (fn: (s: DataStore) => Promise<void>) => {
      const store = await open();
      try { await fn(store); } finally { await store.close(); }
    };

    test('re-writing the same events stores them once and reports them unchanged', () => fresh(async (s) => {
      const rows = [ev('u1', 'a', 4, 1000), ev('u1', 'b', 3, 2000), ev('u2', 'a', 5, 1000, { session: 's1' })];
      assert.deepEqual(await s.addInteractions(rows), { rows: 3, inserted: 3, updated: 0, unchanged: 0 });
      assert.deepEqual(await s.addInteractions(rows), { rows: 3, inserted: 0, updated: 0, unchanged: 3 });
      // Same key, new value: an update. Same pair with another session or time: a new event.
      const more = [ev('u1', 'a', 2, 1000), ev('u2', 'a', 5, 1000, { session: 's2' }), ev('u2', 'a', 5, 1000)];
      assert.deepEqual(await s.addInteractions(more), { rows: 3, inserted: 2, updated: 1, unchanged: 0 });
      const st = await s.stats();
      assert.deepEqual(st, { users: 2, items: 2, interactions: 5, byType: { rating: 5 } });
    }));

    test('unknown users and items are created; item fields merge, a bare id erases nothing', () => fresh(async (s) => {
      await s.addInteractions([ev('u1', 'new-item', 1, 5)]);
      assert.deepEqual(await s.getItem('new-item'), { id: 'new-item' });
      const r1 = await s.upsertItems([{ id: 'new-item', title: 'T', categories: ['x', 'y'], price: 2.5, attrs: { year: 1999 }, timestamp: 7 }]);
      assert.deepEqual(r1, { rows: 1, inserted: 0, updated: 1, unchanged: 0 });
      const r2 = await s.upsertItems([{ id: 'new-item' }, { id: 'other', text: 'hello' }, { id: 'new-item', title: 'T' }]);
      assert.deepEqual(r2, { rows: 3, inserted: 1, updated: 0, unchanged: 2 });
      assert.deepEqual(await s.getItems(['new-item', 'missing', 'other']), [
        { id: 'new-item', title: 'T', categories: ['x', 'y'], price: 2.5, attrs: { year: 1999 }, timestamp: 7 },
        undefined,
        { id: 'other', text: 'hello' },
      ]);
      assert.deepEqual(await s.upsertUsers([{ id: 'u1', attrs: { age: 30 } }, { id: 'u9' }]), { rows: 2, inserted: 1, updated: 1, unchanged: 0 });
      assert.deepEqual(await s.upsertUsers([{ id: 'u1', attrs: { age: 30 } }]), { rows: 1, inserted: 0, updated: 0, unchanged: 1 });
    }));

    test('a batch that fails part-way leaves the store unchanged', () => fresh(async (s) => {
      await s.upsertItems([{ id: 'keep', title: 'before' }]);
      // A BigInt cannot be serialised: the third row fails after two rows were written inside the batch.
      const bad = [{ id: 'keep', title: 'after' }, { id: 'n1' }, { id: 'n2', attrs: { big: 1n } }];
      await assert.rejects(s.upsertItems(bad), StoreError);
      assert.deepEqual(await s.getItems(['keep', 'n1']), [{ id: 'keep', title: 'before' }, undefined]);
      assert.equal((await s.stats()).items, 1);
    }));

    test('bad rows are rejected with the field and the row index, before anything is written', () => fresh(async (s) => {
      const cases: [InteractionRow, RegExp][] = [
        [ev('', 'a', 1, 0), /\[1\]\.user: empty id/],
        [ev('u', '', 1, 0), /\[1\]\.item: empty id/],
        [ev('u', 'a', NaN, 0), /\[1\]\.value: must be a finite number/],
        [ev('u', 'a', 1, Infinity), /\[1\]\.timestamp/],
        [{ ...ev('u', 'a', 1, 0), type: 'poke' as InteractionRow['type'] }, /\[1\]\.type: unknown interaction type "poke"/],
      ];
      for (const [row, msg] of cases) {
        await assert.rejects(s.addInteractions([ev('ok', 'ok', 1, 0), row]), (e: unknown) => e instanceof StoreError && msg.test(e.message));
      }
      await assert.rejects(s.upsertItems([{ id: 'x', price: Infinity }]), /upsertItems\[0\]\.price/);
      await assert.rejects(s.upsertUsers([{ id: '' }]), /upsertUsers\[0\]\.id: empty id/);
      assert.deepEqual(await s.stats(), { users: 0, items: 0, interactions: 0, byType: {} });
    }));

    test('a batch written as columns does what the same rows do, and a bad column value rejects it whole', () => fresh(async (s) => {
      const rows = [ev('u1', 'a', 4, 1000), ev('u1', 'b', 3, 2000, { text: 'nice' }), ev('u2', 'a', 5, 1000, { session: 's1' }), ev('u1', 'a', 2, 1000)];
      assert.deepEqual(await s.addInteractionColumns(interactionColumns(rows)), { rows: 4, inserted: 3, updated: 1, unchanged: 0 });
      assert.deepEqual(await s.addInteractions(rows.slice(0, 3)), { rows: 3, inserted: 0, updated: 1, unchanged: 2 });
      assert.deepEqual(await s.history('u2'), [{ user: 'u2', item: 'a', type: 'rating', value: 5, timestamp: 1000, session: 's1' }]);
      const before = await s.stats();
      const bad = interactionColumns([ev('u3', 'c', 1, 0), ev('u3', 'd', 1, 0)]);
      bad.value[1] = 1e39;
      await assert.rejects(s.addInteractionColumns(bad), (e: unknown) => e instanceof StoreError && /addInteractionColumns\[1\]\.value: must be a finite number within float32/.test(e.message));
      const outside = interactionColumns([ev('u3', 'c', 1, 0)]);
      outside.user[0] = 5;
      await assert.rejects(s.addInteractionColumns(outside), /\[0\]\.user: index 5 is outside userIds/);
      await assert.rejects(s.addInteractionColumns({ ...interactionColumns([ev('u3', 'c', 1, 0)]), userIds: [' u3'] }), /userIds.*whitespace/);
      assert.deepEqual(await s.stats(), before);
    }));

    test('transaction: all writes land, or none do when the body throws', () => fresh(async (s) => {
      await s.addInteractions([ev('u0', 'i0', 1, 1)]);
      await assert.rejects(s.transaction(async (tx) => {
        await tx.addInteractions([ev('u1', 'i1', 1, 1), ev('u0', 'i0', 9, 1)]);
        await tx.upsertItems([{ id: 'i2', title: 'x' }]);
        assert.equal((await tx.stats()).interactions, 2);
        throw new Error('boom');
      }), /boom/);
      assert.deepEqual(await s.stats(), { users: 1, items: 1, interactions: 1, byType: { rating: 1 } });
      assert.equal((await s.history('u0'))[0]!.value, 1);
      // Ids created inside the rolled-back transaction must not be reused from any cache.
      assert.deepEqual(await s.addInteractions([ev('u1', 'i1', 2, 2)]), { rows: 1, inserted: 1, updated: 0, unchanged: 0 });
      const n = await s.transaction(async (tx) => {
        await tx.addInteractions([ev('u2', 'i2', 1, 3)]);
        // A failing nested transaction rolls back only itself.
        await assert.rejects(tx.transaction(async (inner) => {
          await inner.addInteractions([ev('u3', 'i3', 1, 4)]);
          throw new Error('inner');
        }));
        return (await tx.stats()).interactions;
      });
      assert.equal(n, 3);
      assert.deepEqual((await s.snapshot()).users.toArray(), ['u0', 'u1', 'u2']);
    }));

    test('calls from outside wait for a running transaction', () => fresh(async (s) => {
      let outsideSaw = -1;
      const tx = s.transaction(async (t) => {
        await t.addInteractions([ev('u', 'a', 1, 1)]);
        await new Promise((r) => setTimeout(r, 20));
        await t.addInteractions([ev('u', 'b', 1, 2)]);
      });
      const outside = s.stats().then((st) => { outsideSaw = st.interactions; });
      await Promise.all([tx, outside]);
      assert.equal(outsideSaw, 2);
    }));

    test('the outer store used inside its own transaction() is a StoreError naming the tx argument, never a hang', () => fresh(async (s) => {
      const useTx = (e: unknown) => e instanceof StoreError && /inside its own transaction\(\).*call the tx argument/.test(e.message);
      const outcome = await Promise.race([
        s.transaction(async (tx) => {
          await tx.addInteractions([ev('u', 'a', 1, 1)]);
          await assert.rejects(s.addInteractions([ev('u', 'b', 1, 2)]), useTx);
          await assert.rejects(s.stats(), useTx);
          await assert.rejects(s.transaction(async () => undefined), useTx);
          await assert.rejects(s.close(), useTx);
          // Also from a callback started inside the body.
          await new Promise<void>((resolve, reject) => setTimeout(() => s.history('u').then(() => reject(new Error('no error')), (e) => (useTx(e) ? resolve() : reject(e))), 1));
          return 'done';
        }),
        new Promise((resolve) => setTimeout(() => resolve('hung'), 5000)),
      ]);
      assert.equal(outcome, 'done');
      // The transaction committed; the store works normally afterwards.
      assert.equal((await s.stats()).interactions, 1);
    }));

    test('a tx handle used after its transaction ended is a StoreError, not a write outside any transaction', () => fresh(async (s) => {
      let leaked: DataStore | undefined;
      await s.transaction(async (tx) => { leaked = tx; });
      await assert.rejects(leaked!.addInteractions([ev('u', 'a', 1, 1)]), (e: unknown) => e instanceof StoreError && /used after its transaction\(\) ended/.test(e.message));
      await assert.rejects(leaked!.stats(), StoreError);
      assert.equal((await s.stats()).interactions, 0);
    }));

    test('calls after close() are StoreErrors; closing twice is harmless; close waits for a running transaction', () => fresh(async (s) => {
      const tx = s.transaction(async (t) => {
        await t.addInteractions([ev('u', 'a', 1, 1)]);
        await new Promise((r) => setTimeout(r, 20));
        await t.addInteractions([ev('u', 'b', 1, 2)]);
      });
      const closing = s.close();
      await tx;
      await closing;
      await s.close();
      const closed = (e: unknown) => e instanceof StoreError && /store is closed/.test(e.message);
      await assert.rejects(s.addInteractions([ev('u', 'c', 1, 3)]), closed);
      await assert.rejects(s.snapshot(), closed);
      await assert.rejects(s.transaction(async () => undefined), closed);
      await assert.rejects(s.info(), closed);
    }));

    test('read options that would silently select nothing are StoreErrors: NaN times, unknown types, bad limits', () => fresh(async (s) => {
      await s.addInteractions([ev('u', 'a', 1, 1)]);
      for (const o of [{ since: NaN }, { until: NaN }, { types: ['poke' as InteractionRow['type']] }]) {
        await assert.rejects(s.snapshot(o), StoreError, JSON.stringify(o));
      }
      for (const limit of [NaN, 2.5, -1]) await assert.rejects(s.history('u', { limit }), /history limit must be a non-negative integer/);
      await assert.rejects(collect(s.scan({ batch: 10, since: NaN })), /scan since must be a time/);
      // Infinite bounds are fine: everything, or nothing, on purpose.
      assert.equal((await s.snapshot({ since: -Infinity, until: Infinity })).length, 1);
      assert.deepEqual(await s.history('u', { limit: 0 }), []);
    }));

    test('two nested transactions started at once on one tx: the second is a StoreError, the first unharmed', () => fresh(async (s) => {
      await s.transaction(async (tx) => {
        const first = tx.transaction(async (t1) => {
          await t1.addInteractions([ev('a', 'i', 1, 1)]);
          await new Promise((r) => setTimeout(r, 10));
          throw new Error('first fails');
        });
        await assert.rejects(tx.transaction(async (t2) => { await t2.addInteractions([ev('b', 'i', 1, 1)]); }), (e: unknown) => e instanceof StoreError && /already running on this tx; await it/.test(e.message));
        await assert.rejects(first, /first fails/);
        // Sequential nested transactions are fine.
        await tx.transaction(async (t3) => { await t3.addInteractions([ev('c', 'i', 1, 1)]); });
      });
      assert.deepEqual((await s.snapshot()).users.toArray(), ['c']);
    }));

    test('history is newest first and honours limit', () => fresh(async (s) => {
      await s.addInteractions([ev('u', 'a', 1, 300), ev('u', 'b', 2, 100), ev('u', 'c', 3, 200, { text: 'nice', session: 'x' }), ev('v', 'a', 1, 999)]);
      const h = await s.history('u');
      assert.deepEqual(h.map((r) => r.item), ['a', 'c', 'b']);
      assert.deepEqual(h[1], { user: 'u', item: 'c', type: 'rating', value: 3, timestamp: 200, session: 'x', text: 'nice' });
      assert.deepEqual((await s.history('u', { limit: 2 })).map((r) => r.item), ['a', 'c']);
      assert.deepEqual(await s.history('nobody'), []);
    }));

    test('snapshot holds every event, ids interned in write order, with type and time filters', () => fresh(async (s) => {
      await s.upsertItems([{ id: 'z' }]); // stored first, but first used later: must not shift item indices
      await s.addInteractions([ev('u2', 'b', 4, 10), ev('u1', 'a', 3.5, 20), { ...ev('u2', 'z', 1, 30), type: 'view' }, ev('u1', 'b', 5, 40)]);
      const d = await s.snapshot();
      assert.equal(d.length, 4);
      assert.deepEqual(d.users.toArray(), ['u2', 'u1']);
      assert.deepEqual(d.items.toArray(), ['b', 'a', 'z']);
      assert.deepEqual([...d.user], [0, 1, 0, 1]);
      assert.deepEqual([...d.item], [0, 1, 2, 0]);
      assert.deepEqual([...d.value], [4, 3.5, 1, 5]);
      assert.deepEqual([...d.time], [10, 20, 30, 40]);
      assert.deepEqual([...d.type], [4, 4, 0, 4]);
      const ratings = await s.snapshot({ types: ['rating'], since: 20, until: 40 });
      assert.deepEqual(ratings.users.toArray(), ['u1']);
      assert.deepEqual([...ratings.value], [3.5]);
      const seen: number[] = [];
      await s.snapshot({ onProgress: (done, total) => seen.push(done, total) });
      assert.deepEqual(seen.slice(-2), [4, 4]);
    }));

    test('scan streams every event oldest first in batches; scanItems in id order', () => fresh(async (s) => {
      const rows = Array.from({ length: 25 }, (_, k) => ev(`u${k % 3}`, `i${k}`, k, (k * 7) % 25));
      await s.addInteractions(rows);
      const batches = await collect(s.scan({ batch: 10 }));
      assert.deepEqual(batches.map((b) => b.length), [10, 10, 5]);
      assert.deepEqual(batches.flat().map((r) => r.timestamp), Array.from({ length: 25 }, (_, k) => k));
      const later = (await collect(s.scan({ batch: 100, since: 20 }))).flat();
      assert.deepEqual(later.map((r) => r.timestamp), [20, 21, 22, 23, 24]);
      const items = (await collect(s.scanItems({ batch: 7 }))).flat().map((r) => r.id);
      assert.deepEqual(items, rows.map((r) => r.item).sort());
    }));

    test('deleteUser removes the user and their events', () => fresh(async (s) => {
      await s.addInteractions([ev('u1', 'a', 1, 1), ev('u1', 'b', 1, 2), ev('u2', 'a', 1, 3)]);
      assert.equal(await s.deleteUser('u1'), 2);
      assert.equal(await s.deleteUser('u1'), 0);
      assert.deepEqual(await s.history('u1'), []);
      const d = await s.snapshot();
      assert.deepEqual(d.users.toArray(), ['u2']);
      // The same id can come back as a new user.
      assert.equal((await s.addInteractions([ev('u1', 'a', 1, 1)])).inserted, 1);
      assert.equal((await s.stats()).users, 2);
    }));

    test('info: a store id that is a UUID, stable for the store, distinct between stores', async () => {
      const a = await s.info();
      assert.match(a.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(a.url, s.url);
      assert.ok(Number.isInteger(a.schemaVersion) && a.schemaVersion >= 1);
      await s.addInteractions([ev('u', 'i', 1, 1)]);
      assert.deepEqual(await s.info(), a);
      assert.deepEqual(await s.transaction((tx) => tx.info()), a);
      await fresh(async (other) => assert.notEqual((await other.info()).id, a.id));
    });

    test('imports are recorded in order', async () => {
      const a = { source: 'a.csv', format: 'csv', rows: 10, inserted: 8, skipped: 2, at: 1000 };
      const b = { source: 'b.csv', format: 'csv', rows: 1, inserted: 1, skipped: 0, at: 2000 };
      await s.recordImport(a);
      await s.recordImport(b);
      assert.deepEqual(await s.imports(), [a, b]);
    });
  });
}
