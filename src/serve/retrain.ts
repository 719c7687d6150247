import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { setPriority } from 'node:os';
import { readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { z } from 'zod';
import type { DataStore } from '../store/types.ts';
import type { TrainConfig } from '../pipeline/train.ts';
import { workerBootstrap } from '../parallel/pool.ts';
import { CurioError } from '../errors.ts';
import type { Engines, Generation } from './engines.ts';
import type { Logger } from './log.ts';
import type { RetrainStatus } from './schemas.ts';

export type RetrainTrigger = 'api' | 'schedule' | 'events';
export type RetrainPhase = 'starting' | 'snapshot' | 'fit' | 'save' | 'swap';

/** What the training process is asked to do. */
export interface RetrainJob {
  /** The store file, opened read-only by the training process. */
  db: string;
  /** The model file to write (a new, versioned name). */
  out: string;
  config: TrainConfig;
  trigger: RetrainTrigger;
  startedAt: string;
  threads: number;
}

/** Messages from the training process. */
export type ChildMessage =
  | { type: 'phase'; phase: 'snapshot' | 'fit' | 'save' }
  | { type: 'done'; users: number; items: number; interactions: number; storeEvents: number }
  | { type: 'error'; message: string };

/** Trains `job` and writes `job.out`, off the server's event loop; rejects with the reason it failed. */
export type Trainer = (job: RetrainJob, onPhase: (p: RetrainPhase) => void, signal: AbortSignal) => Promise<void>;

export class RetrainError extends CurioError {
  override readonly code = 'RETRAIN_FAILED';
}

export interface RetrainOptions {
  /** Retrain this often (ms) after the served model was trained. */
  everyMs?: number;
  /** Retrain once this many new events were written since the served model was trained. */
  afterEvents?: number;
  /** Retrained model files kept beside the served one (default 3; the served and previous ones are always kept). */
  keep?: number;
  /** Where the versioned files go and what they are named after (default: the served model file, else curio-model.bin beside the store). */
  modelPath?: string;
  /** What to train (default: the served model's kind, parameters and data filters; iALS when none is served). */
  config?: TrainConfig;
  /** Worker threads of the training process (default: all cores but one, which the server keeps). */
  threads?: number;
  /** How long after a failed retrain the schedule tries again (default 60 s; `POST /v1/model/retrain` may any time). */
  retryMs?: number;
  /** Runs the training (default: a child process, see `childTrainer`). */
  trainer?: Trainer;
  /** Called once a retrained model is swapped in here (the other workers of `--workers N` load it too). */
  onSwap?: (path: string) => Promise<unknown>;
}

interface Running {
  trigger: RetrainTrigger;
  startedAt: Date;
  phase: RetrainPhase;
  /** Users erased while this retrain ran: the snapshot may predate their erasure, so they must not be in its model. */
  erased: Set<string>;
  /** The event counter when it started: what the new model has seen. */
  eventsAtStart: number;
  done: Promise<void>;
}

type Status = z.infer<typeof RetrainStatus>;

const STAMP = /\.r\d{8}T\d{9}Z$/;

/**
 * Background retraining: on a schedule, after N new events, or on demand, a training process fits a new model on a
 * snapshot of the store and writes it beside the served one under a versioned name; the server then swaps it in
 * through the ordinary reload (each request keeps the generation it started with, so none fails), keeps the one it
 * replaced for rollback, and prunes older files beyond `keep`. One retrain at a time; a failed one logs one line
 * and the served model stays.
 */
/** Where retrained models go when no model file is served: beside the store's file (the working folder for :memory:). */
export function defaultModelPath(storeUrl: string): string {
  const file = /^sqlite:(.+)$/i.exec(storeUrl)?.[1] ?? storeUrl;
  return join(file === ':memory:' ? process.cwd() : dirname(file), 'curio-model.bin');
}

export class Retrainer {
  private running: Running | undefined;
  private last: Status['last'] = null;
  private runs = 0;
  private failures = 0;
  private failedAt = 0;
  /** Events written through this server since it started. */
  private written = 0;
  /** `written` when the served model's snapshot was taken, and the events it had not seen when the server started. */
  private baseline = 0;
  private unseenAtStart = 0;
  private servedSince: number;
  private timer: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();
  private readonly erasingNow = new Map<string, number>();
  readonly keep: number;

  constructor(private readonly o: RetrainOptions & { store: DataStore; engines: Engines; log: Logger }) {
    this.keep = Math.max(2, o.keep ?? 3);
    const trainedAt = Date.parse(String(o.engines.current.trained?.info.trainedAt ?? ''));
    this.servedSince = Number.isFinite(trainedAt) ? trainedAt : Date.now();
  }

  /** Counts the events in the store the served model has not seen, and starts the schedule (if any). */
  async start(): Promise<void> {
    const seen = this.o.engines.current.trained?.info.storeEvents;
    if (typeof seen === 'number') this.unseenAtStart = Math.max(0, (await this.o.store.stats()).interactions - seen);
    if (this.o.everyMs || this.o.afterEvents) {
      this.timer = setInterval(() => this.tick(), Math.min(1000, this.o.everyMs ?? 1000));
      this.timer.unref();
    }
  }

  /** New events were committed (the events route calls this). */
  eventsWritten(n: number): void {
    this.written += n;
    if (this.o.afterEvents && this.newEvents() >= this.o.afterEvents) this.tick();
  }

  /** Runs `erase` (a user's erasure): a retrain running meanwhile must not swap in a model that still holds them. */
  async erasing<T>(user: string, erase: () => Promise<T>): Promise<T> {
    // Held for the whole erasure, so a retrain that starts while it commits is covered too.
    this.erasingNow.set(user, (this.erasingNow.get(user) ?? 0) + 1);
    this.running?.erased.add(user);
    try {
      return await erase();
    } finally {
      const n = this.erasingNow.get(user)! - 1;
      if (n) this.erasingNow.set(user, n); else this.erasingNow.delete(user);
    }
  }

  /** A user erased by another worker of this server: the retrain running now must not swap in a model holding them. */
  erasedElsewhere(user: string): void {
    this.running?.erased.add(user);
  }

  newEvents(): number {
    return this.unseenAtStart + this.written - this.baseline;
  }

  private tick(): void {
    if (this.running || this.abort.signal.aborted) return;
    if (this.failedAt && Date.now() - this.failedAt < (this.o.retryMs ?? 60_000)) return;
    if (this.o.afterEvents && this.newEvents() >= this.o.afterEvents) void this.trigger('events');
    else if (this.o.everyMs && Date.now() - this.servedSince >= this.o.everyMs) void this.trigger('schedule');
  }

  /** Starts a retrain unless one runs; `done` settles when the one running (started now or before) finished. */
  trigger(reason: RetrainTrigger): { started: boolean; done: Promise<void> } {
    if (this.running) return { started: false, done: this.running.done };
    if (this.abort.signal.aborted) return { started: false, done: Promise.resolve() };
    const r: Running = { trigger: reason, startedAt: new Date(), phase: 'starting', erased: new Set(this.erasingNow.keys()), eventsAtStart: this.written, done: Promise.resolve() };
    this.running = r;
    r.done = this.run(r).finally(() => { if (this.running === r) this.running = undefined; });
    return { started: true, done: r.done };
  }

  status(): Status {
    const r = this.running;
    return {
      running: r !== undefined, phase: r?.phase ?? null, trigger: r?.trigger ?? null, startedAt: r?.startedAt.toISOString() ?? null,
      newEvents: this.newEvents(),
      schedule: { everyMs: this.o.everyMs ?? null, afterEvents: this.o.afterEvents ?? null, keep: this.keep },
      last: this.last, runs: this.runs, failures: this.failures,
    };
  }

  /** The base file name versions are named after. */
  private base(): string {
    return this.o.modelPath ?? this.o.engines.current.path ?? defaultModelPath(this.o.store.url);
  }

  private async run(r: Running): Promise<void> {
    const { engines, log } = this.o;
    const served = engines.current.version;
    const base = this.base();
    const stem = basename(base).replace(/\.bin$/, '').replace(STAMP, '');
    const out = join(dirname(base), `${stem}.r${r.startedAt.toISOString().replace(/[-:.]/g, '')}.bin`);
    this.runs++;
    let version: string | null = null;
    let error: string | null = null;
    try {
      const job: RetrainJob = {
        db: this.o.store.url, out, config: this.config(), trigger: r.trigger, startedAt: r.startedAt.toISOString(),
        threads: this.o.threads ?? Math.max(1, availableParallelism() - 1),
      };
      await (this.o.trainer ?? childTrainer)(job, (p) => { r.phase = p; }, this.abort.signal);
      r.phase = 'swap';
      const next = await engines.reload(out, (g) => this.refuseErased(g, r));
      version = next.version;
      await this.o.onSwap?.(out).catch((e: unknown) => log.error(`the other workers could not load the retrained model; they serve their previous one: ${e instanceof Error ? e.message : String(e)}`));
      this.baseline = r.eventsAtStart;
      this.unseenAtStart = 0;
      this.servedSince = r.startedAt.getTime();
      this.failedAt = 0;
      log.info('model retrained and swapped', { version, previous: served, path: out, trigger: r.trigger, seconds: secondsSince(r.startedAt) });
      await this.prune(stem, dirname(base));
    } catch (e) {
      error = (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
      this.failures++;
      this.failedAt = Date.now();
      await rm(out, { force: true }).catch(() => undefined);
      if (!this.abort.signal.aborted) log.error(`retrain failed; still serving model ${served ?? '(none)'}: ${error}`, { trigger: r.trigger });
    }
    this.last = {
      outcome: error === null ? 'swapped' : 'failed', trigger: r.trigger, startedAt: r.startedAt.toISOString(), finishedAt: new Date().toISOString(),
      seconds: secondsSince(r.startedAt), version, path: error === null ? out : null, error,
    };
    // An erasure raced the snapshot: train again at once, on a snapshot that no longer holds them.
    if (error !== null && r.erased.size && !this.abort.signal.aborted) {
      this.running = undefined;
      await this.trigger(r.trigger).done;
    }
  }

  private refuseErased(g: Generation, r: Running): void {
    for (const u of r.erased) {
      if (g.trained?.users.has(u)) throw new RetrainError(`user "${u}" was erased while the model trained and is in its snapshot: the model was discarded and is trained again`);
    }
  }

  /** Trains what is served now: same kind, parameters and data filters. */
  private config(): TrainConfig {
    if (this.o.config) return this.o.config;
    const t = this.o.engines.current.trained;
    if (!t) return { model: { kind: 'ials', config: {} } };
    const data = t.info.data as TrainConfig['data'] | undefined;
    return { model: { kind: t.model.kind, config: { ...t.model.config } }, ...(data ? { data } : {}) };
  }

  /** Removes retrained files beyond `keep`, never the served or the previous one, nor files it did not write. */
  private async prune(stem: string, dir: string): Promise<void> {
    const mine = new RegExp(`^${stem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.r\\d{8}T\\d{9}Z\\.bin$`);
    const files = (await readdir(dir)).filter((f) => mine.test(f)).sort().reverse().map((f) => join(dir, f));
    const inUse = new Set([this.o.engines.current.path, this.o.engines.previous?.path]);
    for (const f of files.slice(this.keep)) if (!inUse.has(f)) await rm(f, { force: true });
  }

  /** Stops the schedule and a running training process. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.abort.abort();
    await this.running?.done;
  }
}

const secondsSince = (t: Date) => Math.round((Date.now() - t.getTime()) / 10) / 100;

/**
 * The default trainer: a child process (see retrain-child.ts) at a lower CPU priority, so the server's requests
 * come first on a busy machine; its heap (the snapshot, the fit) is returned to the system when it exits.
 */
export const childTrainer: Trainer = (job, onPhase, signal) => new Promise<void>((resolve, reject) => {
  if (signal.aborted) return reject(new RetrainError('the server is shutting down'));
  const child = spawn(process.execPath, ['--input-type=module', '-e', workerBootstrap(new URL('./retrain-child.ts', import.meta.url))], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  try { setPriority(child.pid!, 10); } catch { /* not permitted here: it runs at the server's priority */ }
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr = (stderr + d).slice(-4000); });
  let outcome: ChildMessage | undefined;
  child.on('message', (m: ChildMessage) => {
    if (m.type === 'phase') onPhase(m.phase);
    else outcome = m;
  });
  const stop = () => child.kill('SIGKILL');
  signal.addEventListener('abort', stop, { once: true });
  child.once('error', (e) => reject(new RetrainError(`cannot start the training process: ${e.message}`)));
  child.once('exit', (code, sig) => {
    signal.removeEventListener('abort', stop);
    if (outcome?.type === 'done' && code === 0) resolve();
    else if (outcome?.type === 'error') reject(new RetrainError(outcome.message));
    else if (signal.aborted) reject(new RetrainError('stopped: the server is shutting down'));
    else {
      const last = stderr.trim().split('\n').filter(Boolean).pop();
      reject(new RetrainError(`the training process ${sig ? `was killed (${sig})` : `exited with code ${code}`}${last ? `: ${last}` : ''}`));
    }
  });
  child.send(job);
});
