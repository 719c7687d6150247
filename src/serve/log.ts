import { pino, type DestinationStream, type Level } from 'pino';

/** Receives each log line (one JSON object, no newline): stdout by default, or a test's sink. */
export type LogSink = (line: string) => void;

export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /**
   * The line of one answered request (msg "request", level info). A logger may batch these (the hot path's one
   * write per request); every other line is written at once, after the batched ones, in order.
   */
  request?(fields: Record<string, unknown>): void;
}

export interface LoggerOptions {
  /** Lowest level written (default "info"). */
  level?: Level;
  /**
   * Request lines on stdout are written in batches: at most this many ms after the first one (default 100), at
   * 16 KiB, before any other line, and at process exit. 0 writes each at once.
   */
  requestFlushMs?: number;
  /** Fields on every line (`curio serve --workers N` adds `worker`). */
  base?: Record<string, unknown>;
  /**
   * Largest batched write in bytes (default 16 KiB). Processes sharing one stdout pipe (workers) keep it under the
   * pipe's atomic write size, 4096, so their lines never interleave.
   */
  batchBytes?: number;
}

/** Request lines held before one write: a few hundred requests. */
const BATCH_BYTES = 16_384;

/**
 * Structured JSON logs through pino: one object per line with `level` (30 info, 40 warn, 50 error), `time` (ms
 * since epoch), `pid`, `msg` and the given fields. Written synchronously to stdout, so a line is out before the
 * process exits (a crash still leaves its last lines logged, the 'exit' handler writes the batch); only request
 * lines are batched, one write per batch instead of one per request: a kill -9 loses at most the last
 * `requestFlushMs` of them. A sink gets every line at once.
 */
export function jsonLogger(sink?: LogSink, o: LoggerOptions = {}): Logger {
  const flushMs = sink ? 0 : o.requestFlushMs ?? 100;
  let pending = '';
  let timer: NodeJS.Timeout | undefined;
  let batching = false;
  const batchBytes = o.batchBytes ?? BATCH_BYTES;
  const out: DestinationStream = sink
    ? { write: (chunk: string) => sink(chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk) }
    : pino.destination({ dest: 1, sync: true });
  const flush = () => {
    if (timer) { clearTimeout(timer); timer = undefined; }
    if (!pending) return;
    const text = pending;
    pending = '';
    out.write(text);
  };
  const destination: DestinationStream = flushMs > 0
    ? {
        write: (chunk: string) => {
          if (!batching) { flush(); out.write(chunk); return; }
          if (pending.length + chunk.length > batchBytes) flush();
          pending += chunk;
          if (pending.length >= batchBytes) flush();
          else timer ??= setTimeout(flush, flushMs).unref();
        },
      }
    : out;
  if (flushMs > 0) process.once('exit', flush);
  const p = pino({ level: o.level ?? 'info', base: { pid: process.pid, ...o.base } }, destination);
  // pino's call order is (fields, msg); the Logger interface keeps the message first so callers read naturally.
  return {
    info: (msg, fields) => (fields ? p.info(fields, msg) : p.info(msg)),
    warn: (msg, fields) => (fields ? p.warn(fields, msg) : p.warn(msg)),
    error: (msg, fields) => (fields ? p.error(fields, msg) : p.error(msg)),
    request: (fields) => {
      batching = true;
      try {
        p.info(fields, 'request');
      } finally {
        batching = false;
      }
    },
  };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
