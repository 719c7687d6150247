import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { CurioError } from '../errors.ts';

/**
 * A kernel module exports `createKernel(init)`, returning a synchronous task handler. The same module
 * runs inside workers (init holds typed arrays over SharedArrayBuffers, so every worker sees the same
 * memory) and in-process when threads = 1, so both paths execute identical code.
 */
export interface KernelModule<Init, Task, Result> {
  createKernel(init: Init): (task: Task) => Result;
}

export interface TaskMessage { id: number; task: unknown }
export type ReplyMessage = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

export class WorkerError extends CurioError {
  override readonly code = 'WORKER_ERROR';
}

/** Number of worker threads to use when the caller does not say. */
export function defaultThreads(): number {
  return Math.max(1, availableParallelism());
}

/** True when this code runs compiled from dist/ (plain JavaScript), false when it runs from src/ under tsx. */
export const compiled = !import.meta.url.endsWith('.ts');

/**
 * A module of this package as the running code sees it: callers name the source file (`new URL('./x.ts',
 * import.meta.url)`), and compiled code in dist/ has the `.js` file beside it instead.
 */
export function runtimeModule(module: URL): URL {
  return compiled && module.pathname.endsWith('.ts') ? new URL(module.href.replace(/\.ts$/, '.js')) : module;
}

/**
 * Bootstrap code for a worker (eval'd): compiled code imports the JavaScript entry directly. From source,
 * it first registers the tsx loader inside the worker thread: Node 20 does not apply `--import tsx` hooks
 * (from execArgv) to a worker's own entry file. The tsx API is resolved from this module, so it works
 * whatever the process's working directory is (CLI bin, tests, `node --import tsx`).
 */
export function workerBootstrap(entry: URL): string {
  const href = JSON.stringify(runtimeModule(entry).href);
  if (compiled) return `import(${href});`;
  const api = import.meta.resolve('tsx/esm/api');
  return `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${href}); });`;
}

/**
 * Fixed-size pool of long-lived workers running one kernel module. `run(tasks)` hands task i to worker i
 * and resolves when all have answered: the caller balances the work (e.g. by nonzeros) when it builds them.
 */
export class WorkerPool<Task = unknown, Result = unknown> {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (r: Result) => void; reject: (e: Error) => void }>();
  private failure: Error | undefined;
  private closed = false;
  private idleUnref = false;

  private constructor(private readonly workers: Worker[]) {
    for (const w of workers) {
      w.on('message', (m: ReplyMessage) => {
        if (m.id < 0) return;
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (this.idleUnref && !this.pending.size) for (const x of this.workers) x.unref();
        if (m.ok) p.resolve(m.result as Result);
        else p.reject(new WorkerError(`worker task failed: ${m.error}`));
      });
      w.on('error', (e) => this.fail(new WorkerError(`worker crashed: ${e.message}`, { cause: e })));
      w.on('exit', (code) => { if (!this.closed) this.fail(new WorkerError(`worker exited unexpectedly with code ${code}`)); });
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /**
   * Starts `size` workers running `module` (a file URL of a KernelModule) and waits until each is ready.
   * `initFor(w)` is worker w's init data (typed arrays over SharedArrayBuffers are shared, not copied).
   */
  static async start<T, R>(size: number, module: URL, initFor: (worker: number) => unknown): Promise<WorkerPool<T, R>> {
    const workers: Worker[] = [];
    const ready: Promise<void>[] = [];
    for (let w = 0; w < size; w++) {
      const worker = new Worker(workerBootstrap(new URL('./worker.ts', import.meta.url)), {
        eval: true,
        execArgv: [],
        workerData: { module: runtimeModule(module).href, init: initFor(w) },
      });
      workers.push(worker);
      ready.push(new Promise((resolve, reject) => {
        const onMsg = (m: ReplyMessage) => { if (m.id === -1) { cleanup(); resolve(); } };
        const onErr = (e: Error) => { cleanup(); reject(new WorkerError(`worker failed to start: ${e.message}`, { cause: e })); };
        const onExit = (code: number) => { cleanup(); reject(new WorkerError(`worker exited during start with code ${code}`)); };
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
    return new WorkerPool<T, R>(workers);
  }

  /**
   * For a pool kept for the life of the process (started on first use, never closed): while no task runs, its
   * workers do not keep the process alive.
   */
  unrefWhenIdle(): this {
    this.idleUnref = true;
    if (!this.pending.size) for (const w of this.workers) w.unref();
    return this;
  }

  /** Runs tasks[i] on worker i (tasks.length <= size). */
  run(tasks: Task[]): Promise<Result[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new WorkerError('worker pool is closed'));
    if (tasks.length > this.workers.length) throw new RangeError(`${tasks.length} tasks for ${this.workers.length} workers`);
    if (this.idleUnref) for (const w of this.workers) w.ref();
    return Promise.all(tasks.map((task, w) => new Promise<Result>((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      this.workers[w]!.postMessage({ id, task } satisfies TaskMessage);
    })));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
    for (const p of this.pending.values()) p.reject(new WorkerError('worker pool closed while a task was running'));
    this.pending.clear();
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}

/** Splits rows [0, n) into `parts` contiguous ranges of about equal total cost(row); returns parts + 1 bounds. */
export function balancedSplit(n: number, parts: number, cost: (row: number) => number): Int32Array {
  let total = 0;
  for (let r = 0; r < n; r++) total += cost(r);
  const bounds = new Int32Array(parts + 1);
  bounds[parts] = n;
  let acc = 0, part = 1;
  for (let r = 0; r < n && part < parts; r++) {
    acc += cost(r);
    while (part < parts && acc >= (total * part) / parts) bounds[part++] = r + 1;
  }
  for (; part < parts; part++) bounds[part] = n;
  return bounds;
}

/** A typed array of `length` elements over a SharedArrayBuffer (copying `from` if given). */
export function sharedArray<T extends Float32Array | Float64Array | Int32Array>(
  type: { new (buf: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number },
  length: number,
  from?: ArrayLike<number>,
): T {
  const a = new type(new SharedArrayBuffer(length * type.BYTES_PER_ELEMENT));
  if (from) (a as unknown as { set(x: ArrayLike<number>): void }).set(from);
  return a;
}
