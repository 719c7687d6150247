import { extname } from 'node:path';
import { z } from 'zod';
import { parseConfig } from '../../config.ts';
import { ConfigError, ImportError } from '../../errors.ts';
import { parseDecimal, readId, valueProblem } from '../checks.ts';
import { readJsonLinesBatches } from '../csv.ts';
import { INTERACTION_TYPES, InteractionColumnsBuilder, isInteractionType, type InteractionColumns, type InteractionRow, type InteractionType } from '../types.ts';
import { columns, guarded } from './fields.ts';
import { recordChunks, type FileContext, type GenericMapping, type Importer } from './importer.ts';
import { parseInWorker } from './parse-in-worker.ts';
import { parseTimestamp } from './timestamp.ts';
import { existsSync, statSync } from 'node:fs';

const MappingSchema = z.object({
  user: z.string().min(1), item: z.string().min(1),
  value: z.string().min(1).optional(), type: z.string().min(1).optional(), timestamp: z.string().min(1).optional(),
  session: z.string().min(1).optional(), text: z.string().min(1).optional(),
  defaults: z.object({ type: z.enum(INTERACTION_TYPES).optional(), value: z.number().finite().optional() }).strict().optional(),
}).strict();

const FIELDS = ['user', 'item', 'value', 'type', 'timestamp', 'session', 'text'] as const;
type Field = (typeof FIELDS)[number];

function checkMapping(m: GenericMapping | undefined): GenericMapping {
  if (!m) throw new ConfigError('mapping', 'csv and jsonl imports need a column mapping, e.g. {"user": "customer", "item": "sku"}');
  return parseConfig(MappingSchema, m, 'mapping');
}

/** Where a cell came from, to name it in an error. */
interface Cell {
  file: string;
  line: number;
  m: GenericMapping;
}

function bad(c: Cell, field: Field, reason: string): ImportError {
  return new ImportError(c.file, c.line, c.m[field] as string, reason);
}

/** A cell's raw value: undefined when absent or empty. (Module-level helpers, not closures made per row: an
 * import builds a million rows, and per-row closures were a sixth of its time.) */
function rawCell(c: Cell, field: Field, v: unknown): string | number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string' && typeof v !== 'number') throw bad(c, field, `expected text or a number, got ${JSON.stringify(v)}`);
  return v;
}

function textCell(c: Cell, field: Field, v: unknown): string | undefined {
  const x = rawCell(c, field, v);
  return x === undefined ? undefined : String(x);
}

function idCell(c: Cell, field: 'user' | 'item', v: unknown): string {
  const x = rawCell(c, field, v);
  if (x === undefined) throw bad(c, field, 'empty');
  try {
    return readId(x);
  } catch (e) {
    throw bad(c, field, (e as Error).message);
  }
}

/**
 * Builds an interaction from raw cell values (strings from CSV, any JSON value from JSON Lines).
 * Unmapped type / value take mapping.defaults (else 'view' / 1). An empty timestamp means unknown (0);
 * otherwise see parseTimestamp: unix seconds below 1e11, else ms; ISO dates, UTC unless zoned.
 */
function toRow(file: string, line: number, m: GenericMapping, get: (f: Field) => unknown): InteractionRow {
  const c: Cell = { file, line, m };
  const user = idCell(c, 'user', get('user')), item = idCell(c, 'item', get('item'));
  let type: InteractionType = (m.defaults?.type as InteractionType | undefined) ?? 'view';
  if (m.type) {
    const t = textCell(c, 'type', get('type'));
    if (t === undefined || !isInteractionType(t)) throw bad(c, 'type', `"${t ?? ''}" is not one of ${INTERACTION_TYPES.join(', ')}`);
    type = t;
  }
  let value = m.defaults?.value ?? 1;
  if (m.value) {
    const v = rawCell(c, 'value', get('value'));
    const x = typeof v === 'number' ? v : v === undefined ? undefined : parseDecimal(v);
    if (x === undefined) throw bad(c, 'value', `"${v ?? ''}" is not a number`);
    const why = valueProblem(x);
    if (why) throw bad(c, 'value', why);
    value = x;
  }
  let timestamp = 0;
  const ts = m.timestamp ? textCell(c, 'timestamp', get('timestamp')) : undefined;
  if (ts !== undefined) {
    const ms = parseTimestamp(ts);
    if (ms === undefined) {
      throw bad(c, 'timestamp', parseDecimal(ts) === undefined ? `"${ts}" is not unix seconds, ms, or an ISO date` : `${ts} is beyond the dates JavaScript can hold (±8.64e15 ms)`);
    }
    timestamp = ms;
  }
  const row: InteractionRow = { user, item, type, value, timestamp };
  const session = m.session ? textCell(c, 'session', get('session')) : undefined, body = m.text ? textCell(c, 'text', get('text')) : undefined;
  if (session !== undefined) row.session = session;
  if (body !== undefined) row.text = body;
  return row;
}

function singleFile(path: string, exts: string[], format: string): string[] {
  if (!existsSync(path)) throw new ConfigError('path', `${path}: no such file`);
  if (statSync(path).isDirectory()) throw new ConfigError('path', `${path} is a folder: a ${format} import takes one file`);
  if (exts.length && !exts.includes(extname(path).toLowerCase())) {
    throw new ConfigError('path', `${path}: a ${format} import expects a ${exts.join(' / ')} file`);
  }
  return [path];
}

/** One chunk of a generic CSV file: its rows as columns, and the rows that were invalid. */
export interface ParsedChunk {
  rows: number;
  cols: InteractionColumns;
  errors: ImportError[];
}

/**
 * Parses a generic CSV (or TSV: a .tsv file is tab-separated) file into column chunks. The same code runs in
 * the parse worker (big files) and inline (small ones), so both give the same rows, errors and report.
 */
export async function* parseGenericCsv(file: string, mapping: GenericMapping, onBytes?: (bytesRead: number) => void): AsyncGenerator<ParsedChunk> {
  const m = checkMapping(mapping);
  let idx: Record<Field, number> | undefined;
  const wanted = Object.fromEntries(FIELDS.filter((f) => m[f]).map((f) => [f, m[f]!])) as Record<Field, string>;
  const onHeader = (h: string[]) => {
    idx = { value: -1, type: -1, timestamp: -1, session: -1, text: -1, ...(columns(file, h, wanted) as Partial<Record<Field, number>>) } as Record<Field, number>;
  };
  let fields: string[] = [];
  const get = (f: Field) => (idx![f] < 0 ? undefined : fields[idx![f]] ?? '');
  let cols = new InteractionColumnsBuilder(CHUNK_ROWS), errors: ImportError[] = [];
  const delimiter = extname(file).toLowerCase() === '.tsv' ? '\t' : ',';
  const chunks = recordChunks(file, { onHeader, delimiter }, onBytes, (r) => {
    fields = r.fields;
    cols.push(toRow(file, r.line, m, get));
  }, (e) => errors.push(e));
  for await (const rows of chunks) {
    yield { rows, cols: cols.build(), errors };
    cols = new InteractionColumnsBuilder(CHUNK_ROWS);
    errors = [];
  }
}

/** Rows a 1 MiB chunk of a typical event log holds (a chunk of shorter lines grows its builder). */
const CHUNK_ROWS = 32_768;

/** Files at least this big are parsed in a worker thread while the store writes (the two overlap on 2 cores). */
export const PARSE_WORKER_MIN_BYTES = 4 << 20;

/** CSV (or TSV) with a header row and a column mapping. */
export const genericCsv: Importer = {
  files: (path) => singleFile(path, [], 'csv'),
  importFile: async (file, ctx: FileContext) => {
    const m = checkMapping(ctx.mapping);
    const inWorker = ctx.parseInWorker ?? statSync(file).size >= PARSE_WORKER_MIN_BYTES;
    const { sink } = ctx;
    for await (const c of inWorker ? parseInWorker(file, m, ctx.onBytes) : parseGenericCsv(file, m, ctx.onBytes)) {
      sink.report.rows += c.rows;
      for (const e of c.errors) sink.invalid(e);
      sink.eventColumns(c.cols);
      await sink.flush();
    }
  },
};

/** JSON Lines: one object per line; the mapping names its properties. */
export const genericJsonl: Importer = {
  files: (path) => singleFile(path, [], 'jsonl'),
  importFile: async (file, ctx: FileContext) => {
    const m = checkMapping(ctx.mapping);
    const { sink } = ctx;
    let lines = 0;
    for await (const batch of readJsonLinesBatches(file, { onBytes: ctx.onBytes })) {
      for (const { line, value, error } of batch) {
        lines++;
        sink.report.rows++;
        guarded(() => {
          if (error) throw error;
          if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ImportError(file, line, undefined, 'expected a JSON object');
          const o = value as Record<string, unknown>;
          sink.event(toRow(file, line, m, (f) => (m[f] ? o[m[f] as string] : undefined)));
        }, (e) => sink.invalid(e));
      }
      await sink.flush();
    }
    if (lines === 0) throw new ImportError(file, 1, undefined, 'empty file');
  },
};
