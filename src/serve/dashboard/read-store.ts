import { openStore } from '../../store/registry.ts';
import type { DataStore } from '../../store/types.ts';
import { withTables } from '../sqlite-tables.ts';

/**
 * A second, read-only connection to the store's file for the dashboard's statistics and logins. The store's own
 * connection runs its calls one at a time, so a statistics query would wait behind the event ingestion's group
 * commits (and they behind it); in WAL mode a reader on its own connection sees the last commit and waits for no
 * writer. Opened on first use; an in-memory store (no file) is read through the store itself.
 */
export class ReadStore {
  private opened: Promise<DataStore> | undefined;

  constructor(private readonly store: DataStore) {}

  get(): Promise<DataStore> {
    return (this.opened ??= (async () => {
      const file = /^sqlite:(.+)$/.exec(this.store.url)?.[1];
      if (!file || file === ':memory:') return this.store;
      await withTables(this.store, () => undefined); // the server's tables exist before a read-only connection looks
      return openStore(file, { readonly: true, create: false });
    })());
  }

  async close(): Promise<void> {
    const s = await this.opened?.catch(() => undefined);
    this.opened = undefined;
    if (s && s !== this.store) await s.close();
  }
}
