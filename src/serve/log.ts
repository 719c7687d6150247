/** One JSON object per line (pino's shape: level, time, msg, plus fields), to stdout or a test's sink. */
export type LogSink = (line: string) => void;

export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

const LEVELS = { info: 30, warn: 40, error: 50 } as const;

export function jsonLogger(sink: LogSink = (l) => process.stdout.write(l + '\n')): Logger {
  const write = (level: keyof typeof LEVELS, msg: string, fields?: Record<string, unknown>) => {
    let line: string;
    try {
      line = JSON.stringify({ level: LEVELS[level], time: Date.now(), msg, ...fields });
    } catch {
      line = JSON.stringify({ level: LEVELS[level], time: Date.now(), msg, unserializable: true });
    }
    sink(line);
  };
  return {
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
