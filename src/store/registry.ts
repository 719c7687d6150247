import { ConfigError } from '../errors.ts';
import type { DataStore, OpenOptions } from './types.ts';
import { SqliteStore } from './sqlite/index.ts';

/** Opens a store from the part of its URL after `scheme:`; `url` is the whole URL, for messages. */
export type StoreOpener = (location: string, url: string, o: OpenOptions) => Promise<DataStore>;

const openers = new Map<string, StoreOpener>();

/** Makes `scheme:...` URLs open with `open`. Backends (e.g. postgres) call this when imported. */
export function registerStore(scheme: string, open: StoreOpener): void {
  if (!/^[a-z][a-z0-9+.-]*$/.test(scheme)) throw new ConfigError('store', `invalid store scheme "${scheme}"`);
  openers.set(scheme, open);
}

export function registeredSchemes(): string[] {
  return [...openers.keys()].sort();
}

/**
 * Opens a store from `sqlite:path/to/file.db`, a bare path ending in .db / .sqlite / .sqlite3, ':memory:',
 * or `<scheme>:...` for any registered scheme (postgres://... registers as 'postgres' and 'postgresql').
 * By default a missing store is created; `{ create: false }` makes that an error, `{ readonly: true }` also
 * refuses every write (read-only tools use these, so a typo never leaves a new empty store behind).
 */
export async function openStore(urlOrPath: string, o: OpenOptions = {}): Promise<DataStore> {
  if (urlOrPath === ':memory:' || /\.(db|sqlite3?)$/i.test(urlOrPath) && !/^[a-z][a-z0-9+.-]*:/i.test(urlOrPath.replace(/^[a-z]:[\\/]/i, ''))) {
    return openers.get('sqlite')!(urlOrPath, urlOrPath === ':memory:' ? 'sqlite::memory:' : `sqlite:${urlOrPath}`, o);
  }
  const m = /^([a-z][a-z0-9+.-]*):(.*)$/i.exec(urlOrPath);
  const scheme = m?.[1]!.toLowerCase();
  const open = scheme === undefined ? undefined : openers.get(scheme);
  if (!m || !open) {
    throw new ConfigError(
      'store',
      `cannot open "${urlOrPath}": ${m ? `unknown store scheme "${scheme}"` : 'not a store URL'}; ` +
        `use a path ending in .db or .sqlite, ':memory:', or one of the registered schemes: ${registeredSchemes().map((s) => `${s}:`).join(', ')}`,
    );
  }
  return open(m[2]!, urlOrPath, o);
}

/** Whether `urlOrPath` names a store that lives only in this process's memory (gone when it exits). */
export function isMemoryStore(urlOrPath: string): boolean {
  return urlOrPath === ':memory:' || /^sqlite::memory:$/i.test(urlOrPath);
}

registerStore('sqlite', async (location, url, o) => {
  if (!location) throw new ConfigError('store', `"${url}": sqlite: needs a file path or :memory:`);
  return SqliteStore.open(location, url, o);
});
