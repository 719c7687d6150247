import { existsSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ConfigError } from '../../errors.ts';
import { readDelimitedBatches, type DelimitedOptions, type DelimitedRecord } from '../csv.ts';
import { ImportError } from '../../errors.ts';
import { checkFieldCount, guarded } from './fields.ts';
import type { ImportSink } from './sink.ts';

export interface GenericMapping {
  user: string;
  item: string;
  value?: string;
  type?: string;
  timestamp?: string;
  session?: string;
  text?: string;
  /** Used when the mapping has no type / value column. */
  defaults?: { type?: string; value?: number };
}

export interface FileContext {
  sink: ImportSink;
  onBytes: (bytesRead: number) => void;
  mapping?: GenericMapping;
  /** Shared by the files of one import (e.g. the user ids read from u.user, to check u.data against). */
  state: Map<string, unknown>;
  /** Parse in a worker thread (see ImportOptions.parseInWorker); undefined: decided by file size. */
  parseInWorker?: boolean;
}

/** One input format: which files a path stands for (in import order), and how to read each. */
export interface Importer {
  files(path: string): string[];
  importFile(file: string, ctx: FileContext): Promise<void>;
}

/**
 * Files of a data-set folder, in the order given (items before events, so items arrive with their metadata);
 * a path to one file stands for itself if it is one of the known names.
 */
export function dataSetFiles(path: string, format: string, required: string[], optional: string[]): string[] {
  if (!existsSync(path)) throw new ConfigError('path', `${path}: no such file or folder`);
  const names = [...required, ...optional];
  if (statSync(path).isDirectory()) {
    const missing = required.filter((n) => !existsSync(join(path, n)));
    if (missing.length) throw new ConfigError('path', `${path}: not a ${format} folder, missing ${missing.join(', ')}`);
    return names.map((n) => join(path, n)).filter((p) => existsSync(p));
  }
  if (!names.includes(basename(path))) throw new ConfigError('path', `${path}: a ${format} import takes a folder or one of ${names.join(', ')}`);
  return [path];
}

export interface RecordOptions extends Omit<DelimitedOptions, 'header' | 'onBytes'> {
  /**
   * The first record is a header: it is passed here before any row (to find and check the columns; an error
   * thrown here fails the import even with skipInvalid), and every row must have as many fields as it has.
   */
  onHeader?: (header: string[]) => void;
}

/**
 * The records of a delimited file, checked (field count against the header, UTF-8) and passed to `fn`, chunk by
 * chunk; a bad record, or whatever ImportError `fn` throws, goes to `onInvalid`. Yields, after each chunk, how
 * many records it held. An empty file (or one with a header and nothing else when no header is expected) is an
 * error.
 */
export async function* recordChunks(
  file: string, o: RecordOptions, onBytes: ((bytesRead: number) => void) | undefined,
  fn: (r: DelimitedRecord) => void, onInvalid: (e: ImportError) => void,
): AsyncGenerator<number> {
  let header: string[] | undefined, records = 0;
  for await (const batch of readDelimitedBatches(file, { ...o, onBytes })) {
    let n = 0;
    for (const r of batch) {
      if (o.onHeader && !header) {
        header = r.fields;
        o.onHeader(header);
        continue;
      }
      n++;
      guarded(() => {
        if (header) { checkFieldCount(file, r, header); r.header = header; }
        if (r.invalidUtf8 !== undefined) throw new ImportError(file, r.line, header?.[r.invalidUtf8] ?? `field ${r.invalidUtf8 + 1}`, 'not valid UTF-8 (is the file in another encoding?)');
        fn(r);
      }, onInvalid);
    }
    records += n;
    yield n;
  }
  if (o.onHeader ? !header : records === 0) throw new ImportError(file, 1, undefined, `empty file${o.onHeader ? ' (no header line)' : ''}`);
}

/** Reads each record of a delimited file into the sink (see recordChunks), counting rows, flushing after each chunk. */
export async function eachRecord(file: string, o: RecordOptions, ctx: FileContext, fn: (r: DelimitedRecord) => void): Promise<void> {
  const { sink } = ctx;
  for await (const n of recordChunks(file, o, ctx.onBytes, fn, (e) => sink.invalid(e))) {
    sink.report.rows += n;
    await sink.flush();
  }
}
