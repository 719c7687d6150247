/**
 * Background refits of the aggregate recipes (popular, trending, co-occurrence, bought-together): the events
 * snapshot is read and the components fitted in a worker thread (refit-worker.ts) with its own read-only
 * connection, so the server keeps answering while a big store is read and counted; only the hand-over (id maps
 * rebuilt from the transferred arrays, the snapshot mapped onto the catalogue) runs on the event loop.
 */
import { Worker } from 'node:worker_threads';
import { IdMap } from '../data/ids.ts';
import type { Interactions } from '../data/interactions.ts';
import { BoughtTogether, CoOccurrence } from '../recipes/index.ts';
import type { FittedParts } from '../engine/engine.ts';
import { workerBootstrap } from '../parallel/pool.ts';
import { CurioError } from '../errors.ts';

export interface RefitRequest {
  id: number;
  /** The components to fit (Engine.fittedKeys); the snapshot is always taken. */
  keys: string[];
  /** Test hook: the worker holds its thread this long after fitting, as a fit on a big store would. */
  slowMs?: number;
}

type Columns = Omit<Interactions, 'users' | 'items'>;
export type RefitReply =
  | { id: number; ok: true; x: Columns & { users: string[]; items: string[] }; fitted: [string, unknown][] }
  | { id: number; ok: false; error: string };

export class RefitError extends CurioError {
  override readonly code = 'REFIT_FAILED';
}

/**
 * One long-lived worker thread (started on the first refit, not keeping the process alive) answering refit jobs
 * one at a time.
 */
export class Refitter {
  private worker: Worker | undefined;
  private closed = false;
  private ready: Promise<Worker> | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (p: FittedParts) => void; reject: (e: Error) => void }>();
  /** Refits done (for the metrics and tests). */
  done = 0;

  /** `db`: the store's SQLite file; `slowMs`: the test hook (see RefitRequest). */
  constructor(private readonly db: string, private readonly o: { slowMs?: number } = {}) {}

  private start(): Promise<Worker> {
    return (this.ready ??= new Promise<Worker>((resolve, reject) => {
      const w = new Worker(workerBootstrap(new URL('./refit-worker.ts', import.meta.url)), { eval: true, execArgv: [], workerData: { db: this.db } });
      w.unref();
      this.worker = w;
      const fail = (e: Error) => {
        for (const p of this.pending.values()) p.reject(new RefitError(`the refit worker failed: ${e.message}`));
        this.pending.clear();
        this.ready = undefined; // the next refit starts a new worker
        this.worker = undefined;
        reject(e);
      };
      w.on('error', fail);
      w.on('exit', (code) => fail(new Error(this.closed ? 'the server is shutting down' : `exited with code ${code}`)));
      w.on('message', (m: RefitReply) => {
        if (m.id === -1) { resolve(w); return; }
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.ok) { this.done++; p.resolve(revive(m)); } else p.reject(new RefitError(m.error));
      });
    }));
  }

  /** A fresh snapshot of the store and the components `keys` fitted on it, off the event loop. */
  async fit(keys: string[]): Promise<FittedParts> {
    if (this.closed) throw new RefitError('the server is shutting down');
    const w = await this.start();
    const id = this.nextId++;
    return new Promise<FittedParts>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.postMessage({ id, keys, ...(this.o.slowMs ? { slowMs: this.o.slowMs } : {}) } satisfies RefitRequest);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const w = this.worker;
    this.worker = undefined;
    this.ready = undefined;
    await w?.terminate();
  }
}

/** The parts as the engine keeps them: id maps rebuilt, the components' prototypes restored (their fields are plain data). */
function revive(m: Extract<RefitReply, { ok: true }>): FittedParts {
  const { users, items, ...columns } = m.x;
  const x: Interactions = { ...columns, users: IdMap.from(users), items: IdMap.from(items) };
  const fitted = new Map<string, CoOccurrence | BoughtTogether>();
  for (const [key, fields] of m.fitted) {
    const proto = key.startsWith('cooc:') ? CoOccurrence.prototype : key.startsWith('bt:') ? BoughtTogether.prototype : undefined;
    if (!proto) throw new RefitError(`unknown component "${key}"`);
    fitted.set(key, Object.setPrototypeOf(fields as object, proto) as CoOccurrence | BoughtTogether);
  }
  return { x, fitted };
}
