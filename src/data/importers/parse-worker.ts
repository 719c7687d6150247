/**
 * Worker entry: parses one generic CSV file (parseGenericCsv) and posts its chunks to the importing thread,
 * column buffers transferred, not copied. At most MAX_AHEAD chunks are in flight: the importer answers each
 * with a credit, so a store slower than the parser holds the file back instead of filling memory.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ImportError } from '../../errors.ts';
import { parseGenericCsv } from './generic.ts';
import type { GenericMapping } from './importer.ts';
import { MAX_AHEAD, type FromParser } from './parse-in-worker.ts';

const port = parentPort!;
const { file, mapping } = workerData as { file: string; mapping: GenericMapping };
let credits = MAX_AHEAD, wake: (() => void) | undefined;
port.on('message', () => {
  credits++;
  wake?.();
});

const send = (m: FromParser, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
try {
  let bytes = 0;
  for await (const c of parseGenericCsv(file, mapping, (b) => { bytes = b; })) {
    while (credits === 0) await new Promise<void>((r) => { wake = r; });
    credits--;
    const { cols } = c;
    const buffers = [cols.user, cols.item, cols.type, cols.value, cols.timestamp].map((a) => a.buffer as ArrayBuffer);
    send({ kind: 'chunk', rows: c.rows, bytes, cols, errors: c.errors.map((e) => ({ file: e.file, line: e.line, field: e.field, reason: e.reason })) }, buffers);
  }
  send({ kind: 'done' });
} catch (e) {
  const err = e as Error & { code?: unknown };
  send(e instanceof ImportError
    ? { kind: 'failed', importError: { file: e.file, line: e.line, field: e.field, reason: e.reason } }
    : { kind: 'failed', error: { name: err?.name ?? 'Error', message: String(err?.message ?? e), code: typeof err?.code === 'string' ? err.code : undefined, stack: err?.stack } });
}
