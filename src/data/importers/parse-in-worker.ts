import { Worker } from 'node:worker_threads';
import { ConfigError, CurioError, ImportError } from '../../errors.ts';
import { workerBootstrap } from '../../parallel/pool.ts';
import type { InteractionColumns } from '../types.ts';
import type { ParsedChunk } from './generic.ts';
import type { GenericMapping } from './importer.ts';

/** Chunks (of ~1 MiB of CSV each) the parser may run ahead of the store. */
export const MAX_AHEAD = 4;

interface PlainImportError { file: string; line: number; field: string | undefined; reason: string }

/** Messages from the parse worker. */
export type FromParser =
  | { kind: 'chunk'; rows: number; bytes: number; cols: InteractionColumns; errors: PlainImportError[] }
  | { kind: 'done' }
  | { kind: 'failed'; importError?: PlainImportError; error?: { name: string; message: string; code: string | undefined; stack: string | undefined } };

const importError = (e: PlainImportError) => new ImportError(e.file, e.line, e.field, e.reason);

/**
 * parseGenericCsv run in a worker thread: the chunks, errors and failures are those of the inline parser
 * (ImportError and ConfigError come back as themselves; a file-system error keeps its code), so callers
 * cannot tell the two apart except by the time they take. Leaving the loop early stops the worker.
 */
export async function* parseInWorker(file: string, mapping: GenericMapping, onBytes?: (bytesRead: number) => void): AsyncGenerator<ParsedChunk> {
  const worker = new Worker(workerBootstrap(new URL('./parse-worker.ts', import.meta.url)), { eval: true, workerData: { file, mapping } });
  const queue: FromParser[] = [];
  let wake: (() => void) | undefined, crashed: Error | undefined, exited = false;
  worker.on('message', (m: FromParser) => { queue.push(m); wake?.(); });
  worker.on('error', (e) => { crashed = e; wake?.(); });
  worker.on('exit', () => { exited = true; wake?.(); });
  try {
    for (;;) {
      while (!queue.length) {
        if (crashed) throw new CurioError(`${file}: the CSV parse worker failed: ${crashed.message}`, { cause: crashed });
        if (exited) throw new CurioError(`${file}: the CSV parse worker stopped before the end of the file`);
        await new Promise<void>((r) => { wake = r; });
      }
      const m = queue.shift()!;
      if (m.kind === 'done') return;
      if (m.kind === 'failed') {
        if (m.importError) throw importError(m.importError);
        const e = m.error!;
        if (e.name === 'ConfigError') throw new ConfigError('mapping', e.message.replace(/^mapping: /, ''));
        throw Object.assign(new Error(e.message), { code: e.code, name: e.name, stack: e.stack });
      }
      onBytes?.(m.bytes);
      worker.postMessage('credit');
      yield { rows: m.rows, cols: m.cols, errors: m.errors.map(importError) };
    }
  } finally {
    await worker.terminate();
  }
}
