import { createHash } from 'node:crypto';
import type { InteractionRow } from '../data/types.ts';
import type { DataStore, WriteReport } from '../store/types.ts';
import { HttpError } from './http-error.ts';
import { withTables } from './sqlite-tables.ts';
import type Database from 'better-sqlite3';

/** The idempotency statements of each connection, prepared once (preparing costs more than running them). */
const statements = new WeakMap<Database.Database, { get: Database.Statement; put: Database.Statement }>();
function idempotency(db: Database.Database): { get: Database.Statement; put: Database.Statement } {
  let s = statements.get(db);
  if (!s) {
    s = {
      get: db.prepare('SELECT request_hash, response FROM curio_idempotency WHERE key = ?'),
      put: db.prepare('INSERT INTO curio_idempotency (key, request_hash, response, at) VALUES (?, ?, ?, ?)'),
    };
    statements.set(db, s);
  }
  return s;
}

export interface IngestResult extends WriteReport {
  /** Answered from an earlier request with the same idempotency key; nothing was written. */
  replayed: boolean;
}

interface Pending {
  rows: InteractionRow[];
  key: string | undefined;
  hash: string;
  resolve: (r: IngestResult) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit: the event batches of concurrent requests are written in one SQLite transaction, and each request is
 * acknowledged only after that transaction committed (durable). One fsync serves many requests, so throughput
 * stays high under load while a lone request waits no longer than its own commit.
 *
 * Inside the transaction each request is its own savepoint (the store nests them): a request whose rows the store
 * refuses fails alone. An idempotency key is recorded with the answer in the same transaction as the events, so a
 * retry after a lost answer (or a crash) is answered from the record and writes nothing.
 */
export class EventIngest {
  private queue: Pending[] = [];
  private flushing = false;
  /** Transactions committed and the requests they carried, for metrics and the group-commit test. */
  readonly stats = { commits: 0, requests: 0, events: 0 };

  /**
   * `windowMs`: how long the first request of a group waits for others. SQLite commits block the event loop, so
   * without a window every request would commit alone; 2 ms is small next to an fsync and gathers a group under load.
   */
  constructor(private readonly store: DataStore, private readonly windowMs = 2, private readonly maxRowsPerCommit = 50_000) {}

  /** `request` is what the client sent (before defaults such as the server's timestamp): a retry must match it. */
  submit(rows: InteractionRow[], key?: string, request: unknown = rows): Promise<IngestResult> {
    const hash = createHash('sha256').update(JSON.stringify(request)).digest('hex');
    return new Promise((resolve, reject) => {
      this.queue.push({ rows, key, hash, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        setTimeout(() => void this.flush(), this.windowMs);
      }
    });
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length) {
        let n = 0, take = 0;
        while (take < this.queue.length && (take === 0 || n + this.queue[take]!.rows.length <= this.maxRowsPerCommit)) n += this.queue[take++]!.rows.length;
        const group = this.queue.splice(0, take);
        await this.commit(group);
      }
    } finally {
      this.flushing = false;
    }
  }

  private async commit(group: Pending[]): Promise<void> {
    const outcomes: ({ ok: IngestResult } | { err: unknown })[] = [];
    try {
      await this.store.transaction(async (tx) => {
        for (const p of group) outcomes.push(await this.one(tx, p));
      });
    } catch (e) {
      // The commit itself failed (disk full, I/O): nothing of the group was written.
      for (const p of group) p.reject(e);
      return;
    }
    this.stats.commits++;
    group.forEach((p, q) => {
      const o = outcomes[q]!;
      if ('ok' in o) {
        this.stats.requests++;
        if (!o.ok.replayed) this.stats.events += p.rows.length;
        p.resolve(o.ok);
      } else p.reject(o.err);
    });
  }

  private async one(tx: DataStore, p: Pending): Promise<{ ok: IngestResult } | { err: unknown }> {
    try {
      if (p.key !== undefined) {
        const prior = await withTables(tx, (db) => idempotency(db).get.get(p.key) as
          { request_hash: string; response: string } | undefined);
        if (prior) {
          if (prior.request_hash !== p.hash) {
            return { err: new HttpError(409, 'idempotency_conflict', 'this idempotency key was used for a different batch; use a new key for new events', 'idempotencyKey') };
          }
          return { ok: { ...(JSON.parse(prior.response) as WriteReport), replayed: true } };
        }
      }
      // A nested transaction: the store makes it a savepoint, so refused rows roll back alone.
      const report = await tx.transaction(async (sp) => {
        const r = await sp.addInteractions(p.rows);
        if (p.key !== undefined) {
          await withTables(sp, (db) => idempotency(db).put.run(p.key, p.hash, JSON.stringify(r), Date.now()));
        }
        return r;
      });
      return { ok: { ...report, replayed: false } };
    } catch (e) {
      return { err: e };
    }
  }
}
