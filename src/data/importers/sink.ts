import { ImportError } from '../../errors.ts';
import type { DataStore, WriteReport } from '../../store/types.ts';
import { InteractionColumnsBuilder, type InteractionColumns, type InteractionRow, type ItemRow, type UserRow } from '../types.ts';

/** What importing one file (or, summed, one data set) did. Every data row is imported, merged or skipped. */
export interface ImportReport {
  file: string;
  format: string;
  /** Data rows read (header excluded). */
  rows: number;
  /** Records written: interactions + items + users. */
  imported: number;
  /** Of the records written, how many were new / changed / identical to what was stored (re-import: all unchanged). */
  inserted: number;
  updated: number;
  unchanged: number;
  /** Rows folded into another row's record (e.g. the same product twice on one invoice: quantities add up). */
  merged: number;
  skipped: number;
  /** Why rows were skipped: odd-but-valid rows (e.g. cancellations) and, with skipInvalid, malformed ones as `invalid <field>`. */
  skippedByReason: Record<string, number>;
  /** The first few malformed rows skipped under skipInvalid. */
  firstErrors: ImportError[];
  /** Per-file reports when the import read several files. */
  parts?: ImportReport[];
}

export interface SinkOptions {
  skipInvalid: boolean;
  batchSize: number;
}

const MAX_ERRORS = 5;

export function emptyReport(file: string, format: string): ImportReport {
  return { file, format, rows: 0, imported: 0, inserted: 0, updated: 0, unchanged: 0, merged: 0, skipped: 0, skippedByReason: {}, firstErrors: [] };
}

/** Collects one file's records and writes them in batches to the (transactional) store, keeping the report. */
export class ImportSink {
  readonly report: ImportReport;
  private users: UserRow[] = [];
  private items: ItemRow[] = [];
  /** Events go straight into columns: full batches wait in `ready` for the next flush. */
  private events: InteractionColumnsBuilder;
  private ready: InteractionColumns[] = [];

  constructor(private readonly store: DataStore, file: string, format: string, private readonly o: SinkOptions) {
    this.report = emptyReport(file, format);
    this.events = new InteractionColumnsBuilder(o.batchSize);
  }

  get batchSize(): number {
    return this.o.batchSize;
  }

  get file(): string {
    return this.report.file;
  }

  user(r: UserRow): void { this.users.push(r); }
  item(r: ItemRow): void { this.items.push(r); }
  event(r: InteractionRow): void {
    this.events.push(r);
    if (this.events.length === this.o.batchSize) this.cut();
  }

  /** A batch already in columns (a parse worker's output), written in turn with the rows. */
  eventColumns(c: InteractionColumns): void {
    if (this.events.length) this.cut();
    if (c.length) this.ready.push(c);
  }

  private cut(): void {
    this.ready.push(this.events.build());
    this.events = new InteractionColumnsBuilder(this.o.batchSize);
  }

  skip(reason: string): void {
    this.report.skipped++;
    this.report.skippedByReason[reason] = (this.report.skippedByReason[reason] ?? 0) + 1;
  }

  /** A malformed row: fatal unless skipInvalid, then counted under `invalid <field>`. */
  invalid(e: ImportError): void {
    if (!this.o.skipInvalid) throw e;
    this.skip(`invalid ${e.field ?? 'row'}`);
    if (this.report.firstErrors.length < MAX_ERRORS) this.report.firstErrors.push(e);
  }

  /**
   * Writes full batches of events; call once per chunk of rows read. Pending users and items are written
   * first and whole, so events never create them bare (which would turn their real rows into 'updated').
   */
  async flush(all = false): Promise<void> {
    const n = this.o.batchSize;
    await this.drain(this.users, n, true, (b) => this.store.upsertUsers(b));
    await this.drain(this.items, n, true, (b) => this.store.upsertItems(b));
    if (all && this.events.length) this.cut();
    for (const c of this.ready.splice(0)) this.count(await this.store.addInteractionColumns(c));
  }

  private async drain<T>(rows: T[], n: number, all: boolean, write: (b: T[]) => Promise<WriteReport>): Promise<void> {
    let k = 0;
    for (; rows.length - k >= n || (all && k < rows.length); k += n) this.count(await write(rows.slice(k, k + n)));
    rows.splice(0, Math.min(k, rows.length));
  }

  private count(w: WriteReport): void {
    this.report.imported += w.rows;
    this.report.inserted += w.inserted;
    this.report.updated += w.updated;
    this.report.unchanged += w.unchanged;
  }
}

/** Sums per-file reports into one. */
export function combineReports(file: string, format: string, parts: ImportReport[]): ImportReport {
  const r = emptyReport(file, format);
  for (const p of parts) {
    for (const k of ['rows', 'imported', 'inserted', 'updated', 'unchanged', 'merged', 'skipped'] as const) r[k] += p[k];
    for (const [reason, n] of Object.entries(p.skippedByReason)) r.skippedByReason[reason] = (r.skippedByReason[reason] ?? 0) + n;
    for (const e of p.firstErrors) if (r.firstErrors.length < MAX_ERRORS) r.firstErrors.push(e);
  }
  r.parts = parts;
  return r;
}
