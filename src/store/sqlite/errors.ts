import { CurioError, StoreError } from '../../errors.ts';

/**
 * Turns what better-sqlite3 throws into a StoreError that says what happened and what to do, by SQLite's
 * extended result code (`e.code`, e.g. SQLITE_BUSY, SQLITE_IOERR_WRITE). Curio's own errors pass through.
 * Every write runs in a transaction that is rolled back when it fails, so a failed write changed nothing.
 */
export function toStoreError(e: unknown, url: string, o: { busyTimeoutMs: number; readonly: boolean }): CurioError {
  if (e instanceof CurioError) return e;
  const message = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: unknown } | null)?.code;
  // The primary result code: SQLITE_IOERR for SQLITE_IOERR_WRITE, SQLITE_BUSY for SQLITE_BUSY_SNAPSHOT...
  const family = /^SQLITE_[A-Z]+/.exec(typeof code === 'string' ? code : '')?.[0];
  let text: string;
  switch (family) {
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      text = `another process holds the store (${code === 'SQLITE_BUSY' ? `waited ${o.busyTimeoutMs / 1000} s for it to finish writing` : String(code)}); ` +
        'nothing was written; run this again when the other process (another curio import?) is done';
      break;
    case 'SQLITE_FULL':
      text = 'the disk is full (SQLITE_FULL); the write was rolled back and the store is as it was; ' +
        'free some disk space (or use a store on another disk) and run it again';
      break;
    case 'SQLITE_IOERR':
      text = `disk I/O error (${String(code)}: ${message}); the write was rolled back and the store is as it was; ` +
        'check the disk and that the store file and its -wal and -shm files are writable, then run it again';
      break;
    case 'SQLITE_READONLY':
      text = o.readonly
        ? 'the store was opened read-only; open it without { readonly: true } to write to it'
        : `the store cannot be written (${String(code)}: ${message}); check that the file, its -wal and -shm files and their directory are writable`;
      break;
    case 'SQLITE_NOTADB':
    case 'SQLITE_CORRUPT':
      text = `not a SQLite database, or a damaged one (${String(code)}: ${message})`;
      break;
    case 'SQLITE_CANTOPEN':
      text = `cannot open the file (${message}); check that the path and its directory exist and are accessible`;
      break;
    default:
      text = message;
  }
  return new StoreError(`${url}: ${text}`, { cause: e });
}
