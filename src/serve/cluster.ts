import cluster, { type Worker } from 'node:cluster';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ItemRow } from '../data/types.ts';
import type { Logger } from './log.ts';
import { CurioError } from '../errors.ts';

/**
 * `curio serve --workers N`: N processes answer on one port (node:cluster hands each new connection to the next
 * worker). Each worker holds its own engine over the shared SQLite file; what one of them changes in memory is
 * replayed in the others through the primary before the request that changed it is answered, so the next request
 * sees it whichever worker takes it. Events need no replay: each worker reads histories from the store, whose cache
 * drops what another process committed.
 */
export type PeerOp =
  | { op: 'items'; rows: ItemRow[] }
  | { op: 'catalog' }
  | { op: 'erase'; user: string }
  | { op: 'reload'; path: string }
  | { op: 'rollback' }
  | { op: 'events'; inserted: number }
  | { op: 'session'; token: string; session: { key: string; keyId: string; expires: number } | null }
  | { op: 'retrain' }
  | { op: 'retrainStatus' }
  | { op: 'metrics' };

/** The other workers of this server, reached through the primary. */
export interface Peers {
  /** This worker's number, 0 to count - 1; worker 0 leads (it runs the retraining schedule). */
  readonly index: number;
  readonly count: number;
  /** The token-bucket file every worker maps (the shared rate limit). */
  readonly bucketsFile: string;
  /** Runs `op` in every other worker; resolves with their answers once all have applied it. */
  others(op: PeerOp): Promise<unknown[]>;
  /** Runs `op` in the leader (here when this is the leader) and resolves with its answer. */
  leader(op: PeerOp): Promise<unknown>;
  /** Sends `op` to every other worker without waiting. */
  tell(op: PeerOp): void;
  /** What this worker does with the others' ops (set once, by the server). */
  handle(fn: (op: PeerOp) => Promise<unknown> | unknown): void;
}

type ToPrimary =
  | { curio: 'call'; id: number; to: 'others' | 'leader'; op: PeerOp; wait: boolean }
  | { curio: 'reply'; id: number; result?: unknown; error?: string }
  | { curio: 'ready'; url: string };
type ToWorker =
  | { curio: 'op'; id: number; op: PeerOp; wait: boolean }
  | { curio: 'done'; id: number; results: unknown[]; error?: string };

/** `curio serve --workers N` could not start its workers. */
export class ClusterError extends CurioError {
  override readonly code = 'CLUSTER_ERROR';
}

const ENV_INDEX = 'CURIO_SERVE_WORKER', ENV_COUNT = 'CURIO_SERVE_WORKERS', ENV_BUCKETS = 'CURIO_SERVE_BUCKETS';
/** A peer that does not answer in this time is taken as failed (its op logged), so no request hangs on it. */
const CALL_TIMEOUT_MS = 30_000;

/** This process's Peers when it is a worker of `curio serve --workers N`, else undefined. */
export function workerPeers(): Peers | undefined {
  if (!cluster.isWorker || process.env[ENV_INDEX] === undefined) return undefined;
  const index = Number(process.env[ENV_INDEX]), count = Number(process.env[ENV_COUNT]);
  let next = 1;
  const pending = new Map<number, { resolve: (r: unknown[]) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  let handler: ((op: PeerOp) => Promise<unknown> | unknown) | undefined;
  const send = (m: ToPrimary) => process.send!(m);
  process.on('message', (m: ToWorker) => {
    if (m?.curio === 'done') {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.error) p.reject(new Error(m.error)); else p.resolve(m.results);
    } else if (m?.curio === 'op') {
      void (async () => {
        try {
          const result = await handler?.(m.op);
          if (m.wait) send({ curio: 'reply', id: m.id, result });
        } catch (e) {
          if (m.wait) send({ curio: 'reply', id: m.id, error: e instanceof Error ? e.message : String(e) });
        }
      })();
    }
  });
  const call = (to: 'others' | 'leader', op: PeerOp) => new Promise<unknown[]>((resolve, reject) => {
    const id = next++;
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(new Error(`the other workers did not apply "${op.op}" within ${CALL_TIMEOUT_MS / 1000} s`));
    }, CALL_TIMEOUT_MS);
    timer.unref();
    pending.set(id, { resolve, reject, timer });
    send({ curio: 'call', id, to, op, wait: true });
  });
  return {
    index, count, bucketsFile: process.env[ENV_BUCKETS]!,
    others: (op) => (count > 1 ? call('others', op) : Promise.resolve([])),
    leader: async (op) => (index === 0 ? handler?.(op) : (await call('leader', op))[0]),
    tell: (op) => { if (count > 1) send({ curio: 'call', id: 0, to: 'others', op, wait: false }); },
    handle: (fn) => { handler = fn; },
  };
}

/** Tells the primary this worker listens (it announces the server once all do). */
export function workerReady(url: string): void {
  if (cluster.isWorker && process.send) process.send({ curio: 'ready', url } satisfies ToPrimary);
}

/**
 * The primary of `curio serve --workers N`: starts N workers running the same command line, relays their ops,
 * restarts one that dies, and stops them all on SIGINT/SIGTERM. Resolves when they have stopped.
 */
export async function runPrimary(count: number, log: Logger): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'curio-serve-'));
  const bucketsFile = join(dir, 'rate-buckets');
  const byIndex = new Map<number, Worker>();
  let stopping = false;
  const calls = new Map<number, { origin: Worker; id: number; results: unknown[]; waiting: Set<number>; error?: string }>();
  let serving = false;
  let failed: string | undefined;
  let stopAll: ((signal: NodeJS.Signals) => void) | undefined;
  const ready = new Set<number>();

  const finish = (key: number) => {
    const c = calls.get(key)!;
    if (c.waiting.size) return;
    calls.delete(key);
    if (c.origin.isConnected()) c.origin.send({ curio: 'done', id: c.id, results: c.results, ...(c.error ? { error: c.error } : {}) } satisfies ToWorker);
  };
  let relayed = 0;

  const start = (index: number) => {
    const w = cluster.fork({ [ENV_INDEX]: String(index), [ENV_COUNT]: String(count), [ENV_BUCKETS]: bucketsFile });
    byIndex.set(index, w);
    w.on('message', (m: ToPrimary) => {
      if (m?.curio === 'ready') {
        ready.add(index);
        if (!serving && ready.size === count) {
          serving = true;
          log.info('curio serving', { url: m.url, workers: count, pids: [...byIndex.values()].map((x) => x.process.pid) });
        }
      } else if (m?.curio === 'call') {
        const targets = m.to === 'leader' ? [0] : [...byIndex.keys()].filter((i) => i !== index);
        const live = targets.filter((i) => byIndex.get(i)?.isConnected());
        if (!m.wait) {
          for (const i of live) byIndex.get(i)!.send({ curio: 'op', id: 0, op: m.op, wait: false } satisfies ToWorker);
          return;
        }
        const rid = ++relayed;
        calls.set(rid, { origin: w, id: m.id, results: [], waiting: new Set(live), ...(m.to === 'leader' && !live.length ? { error: 'the leading worker is restarting; try again' } : {}) });
        for (const i of live) byIndex.get(i)!.send({ curio: 'op', id: rid, op: m.op, wait: true } satisfies ToWorker);
        finish(rid);
      } else if (m?.curio === 'reply') {
        const c = calls.get(m.id);
        if (!c || !c.waiting.delete(index)) return;
        if (m.error) c.error ??= `worker ${index}: ${m.error}`; else c.results.push(m.result);
        finish(m.id);
      }
    });
    w.on('exit', (code, signal) => {
      if (byIndex.get(index) === w) byIndex.delete(index);
      const wasReady = ready.delete(index);
      if (!wasReady && !serving && !stopping) {
        // It never listened (a port in use, a bad store...): its error is on stderr; restarting would repeat it.
        failed = `worker ${index} stopped before it could serve (its error is above)`;
        stopAll?.('SIGTERM');
        return;
      }
      // Calls waiting on it are answered without it: its replacement starts from the store and the newest model.
      for (const [key, c] of calls) if (c.waiting.delete(index)) finish(key);
      if (stopping) return;
      log.error('worker died; starting another', { worker: index, workerPid: w.process.pid, code, signal });
      setTimeout(() => { if (!stopping) start(index); }, 500).unref();
    });
  };

  cluster.setupPrimary({ exec: process.argv[1], args: process.argv.slice(2) });
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      if (!failed) log.info('shutting down', { signal, workers: byIndex.size });
      const left = [...byIndex.values()];
      if (!left.length) return resolve();
      let n = left.length;
      for (const w of left) {
        w.once('exit', () => { if (--n === 0) resolve(); });
        // Each finishes its in-flight requests and closes the store, as a single server does.
        w.process.kill('SIGTERM');
      }
    };
    stopAll = stop;
    for (let i = 0; i < count; i++) start(i);
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  rmSync(dir, { recursive: true, force: true });
  if (failed) throw new ClusterError(failed);
}
