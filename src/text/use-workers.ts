/**
 * USE-lite on several threads. The model is single-threaded (tfjs on WASM), so a large batch (a review file,
 * a training set) is split into blocks handed to whichever worker is free; each worker loads its own copy of
 * the model (~0.4 s, ~30 MB). The rows come back in input order, identical to `UseEncoder.encode`'s.
 */
import { Worker } from 'node:worker_threads';
import { WorkerError, workerBootstrap } from '../parallel/pool.ts';
import { normalizeRows } from './encoder.ts';
import type { UseConfig } from './use.ts';

type Reply = { id: number; ok: true; vectors?: Float32Array } | { id: number; ok: false; error: string };

export interface UseWorkersOptions {
  threads: number;
  config?: Partial<UseConfig>;
  /** Texts per block sent to a worker (default 64): small enough to balance, large enough to batch. */
  block?: number;
}

export class UseWorkers {
  readonly dimension = 512;
  private closed = false;

  private constructor(private readonly workers: Worker[], private readonly block: number) {}

  static async start(o: UseWorkersOptions): Promise<UseWorkers> {
    const workers: Worker[] = [];
    const ready: Promise<void>[] = [];
    for (let w = 0; w < Math.max(1, o.threads); w++) {
      const worker = new Worker(workerBootstrap(new URL('./use-worker.ts', import.meta.url)), { eval: true, execArgv: [], workerData: { config: o.config ?? {} } });
      workers.push(worker);
      ready.push(new Promise((resolve, reject) => {
        const onMsg = (m: Reply) => { if (m.id !== -1) return; cleanup(); if (m.ok) resolve(); else reject(new WorkerError(`USE worker failed to load the model: ${m.error}`)); };
        const onErr = (e: Error) => { cleanup(); reject(new WorkerError(`USE worker failed to start: ${e.message}`, { cause: e })); };
        const onExit = (code: number) => { cleanup(); reject(new WorkerError(`USE worker exited during start with code ${code}`)); };
        const cleanup = () => { worker.off('message', onMsg); worker.off('error', onErr); worker.off('exit', onExit); };
        worker.on('message', onMsg); worker.on('error', onErr); worker.on('exit', onExit);
      }));
    }
    try {
      await Promise.all(ready);
    } catch (e) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw e;
    }
    return new UseWorkers(workers, o.block ?? 64);
  }

  get threads(): number {
    return this.workers.length;
  }

  /** texts.length × 512 unit rows (zero rows for texts without a word); `onProgress` after each block. */
  async encode(texts: readonly string[], onProgress?: (done: number, total: number) => void): Promise<Float32Array> {
    if (this.closed) throw new WorkerError('USE workers are closed');
    const d = this.dimension, out = new Float32Array(texts.length * d);
    let next = 0, done = 0;
    const runOn = (worker: Worker): Promise<void> => new Promise((resolve, reject) => {
      const send = () => {
        if (next >= texts.length) { cleanup(); resolve(); return; }
        const start = next;
        next = Math.min(texts.length, next + this.block);
        pending = start;
        worker.postMessage({ id: start, texts: texts.slice(start, next) });
      };
      let pending = -1;
      const onMsg = (m: Reply) => {
        if (m.id !== pending) return;
        if (!m.ok) { cleanup(); reject(new WorkerError(`USE worker failed: ${m.error}`)); return; }
        out.set(m.vectors!, m.id * d);
        done += m.vectors!.length / d;
        onProgress?.(done, texts.length);
        send();
      };
      const onErr = (e: Error) => { cleanup(); reject(new WorkerError(`USE worker crashed: ${e.message}`, { cause: e })); };
      const onExit = (code: number) => { cleanup(); reject(new WorkerError(`USE worker exited with code ${code}`)); };
      const cleanup = () => { worker.off('message', onMsg); worker.off('error', onErr); worker.off('exit', onExit); };
      worker.on('message', onMsg); worker.on('error', onErr); worker.on('exit', onExit);
      send();
    });
    await Promise.all(this.workers.map(runOn));
    return normalizeRows(out, texts.length, d);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
