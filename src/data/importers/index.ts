import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../../errors.ts';
import type { DataStore } from '../../store/types.ts';
import { goodbooks } from './goodbooks.ts';
import { genericCsv, genericJsonl } from './generic.ts';
import type { GenericMapping, Importer } from './importer.ts';
import { movielens100k } from './movielens100k.ts';
import { movielensLatest } from './movielensLatest.ts';
import { onlineRetail } from './onlineRetail.ts';
import { combineReports, ImportSink, type ImportReport } from './sink.ts';

export type { ImportReport } from './sink.ts';
export type { GenericMapping } from './importer.ts';
export { parseTimestamp } from './timestamp.ts';

const IMPORTERS: Record<string, Importer> = {
  'movielens-100k': movielens100k,
  'movielens-latest': movielensLatest,
  'goodbooks-10k': goodbooks,
  'online-retail': onlineRetail,
  csv: genericCsv,
  jsonl: genericJsonl,
};

export const IMPORT_FORMATS = Object.keys(IMPORTERS);

export interface ImportOptions {
  format: string;
  /** A data-set folder, or one file. */
  path: string;
  /** Column mapping for the csv / jsonl formats. */
  mapping?: GenericMapping;
  /** Skip malformed rows (counted per reason in the report) instead of failing the import. */
  skipInvalid?: boolean;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Rows per write (default 5000). */
  batchSize?: number;
  /**
   * Parse generic CSV files in a worker thread while this thread writes (true), in this thread (false), or by
   * file size (undefined: files of 4 MiB and more). The result is the same either way.
   */
  parseInWorker?: boolean;
}

/**
 * Imports a file or data-set folder into `store` as ONE transaction: a malformed row (without skipInvalid)
 * throws an ImportError naming file, line and field, and nothing is written. Re-importing the same data
 * writes nothing new (the report shows inserted 0). The import is recorded in the store's imports table.
 */
export async function importData(store: DataStore, o: ImportOptions): Promise<ImportReport> {
  const importer = IMPORTERS[o.format];
  if (!importer) throw new ConfigError('format', `unknown import format "${o.format}"; expected one of: ${IMPORT_FORMATS.join(', ')}`);
  const batchSize = o.batchSize ?? 5000;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ConfigError('batchSize', `must be a positive integer, got ${batchSize}`);
  const files = importer.files(o.path);
  const sizes = files.map((f) => statSync(f).size);
  const total = sizes.reduce((a, b) => a + b, 0);
  return store.transaction(async (tx) => {
    const parts: ImportReport[] = [];
    const state = new Map<string, unknown>();
    let before = 0;
    for (let k = 0; k < files.length; k++) {
      const sink = new ImportSink(tx, files[k]!, o.format, { skipInvalid: o.skipInvalid ?? false, batchSize });
      await importer.importFile(files[k]!, { sink, mapping: o.mapping, state, parseInWorker: o.parseInWorker, onBytes: (b) => o.onProgress?.(before + b, total) });
      await sink.flush(true);
      parts.push(sink.report);
      before += sizes[k]!;
    }
    const report = combineReports(o.path, o.format, parts);
    await tx.recordImport({ source: resolve(o.path), format: o.format, rows: report.rows, inserted: report.inserted, skipped: report.skipped, at: Date.now() });
    return report;
  });
}
