import { pino, type DestinationStream, type Level } from 'pino';

/** Receives each log line (one JSON object, no newline): stdout by default, or a test's sink. */
export type LogSink = (line: string) => void;

export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface LoggerOptions {
  /** Lowest level written (default "info"). */
  level?: Level;
}

/**
 * Structured JSON logs through pino: one object per line with `level` (30 info, 40 warn, 50 error), `time` (ms
 * since epoch), `pid`, `msg` and the given fields. Written synchronously to stdout, so a line is out before the
 * process exits (a crash still leaves its last request logged).
 */
export function jsonLogger(sink?: LogSink, o: LoggerOptions = {}): Logger {
  const destination: DestinationStream = sink
    ? { write: (chunk: string) => sink(chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk) }
    : pino.destination({ dest: 1, sync: true });
  const p = pino({ level: o.level ?? 'info', base: { pid: process.pid } }, destination);
  // pino's call order is (fields, msg); the Logger interface keeps the message first so callers read naturally.
  return {
    info: (msg, fields) => (fields ? p.info(fields, msg) : p.info(msg)),
    warn: (msg, fields) => (fields ? p.warn(fields, msg) : p.warn(msg)),
    error: (msg, fields) => (fields ? p.error(fields, msg) : p.error(msg)),
  };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
