import { ImportError } from '../../errors.ts';
import type { DelimitedRecord } from '../csv.ts';

/** Index of each wanted column in the header; a missing one is an error on line 1 naming it. */
export function columns<K extends string>(file: string, header: string[] | undefined, wanted: Record<K, string>, optional: NoInfer<K>[] = []): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const key of Object.keys(wanted) as K[]) {
    const idx = header ? header.indexOf(wanted[key]) : -1;
    if (idx < 0 && !optional.includes(key)) {
      throw new ImportError(file, 1, wanted[key], `no column "${wanted[key]}" in the header (${header ? header.join(', ') : 'empty file'})`);
    }
    out[key] = idx;
  }
  return out;
}

/** Reads typed fields of one record; every failure names file, line and field. */
export class Fields {
  constructor(readonly file: string) {}

  str(r: DelimitedRecord, idx: number, field: string): string {
    const s = r.fields[idx];
    if (s === undefined || s === '') throw new ImportError(this.file, r.line, field, s === undefined ? `missing (row has ${r.fields.length} fields)` : 'empty');
    return s;
  }

  opt(r: DelimitedRecord, idx: number): string | undefined {
    const s = idx < 0 ? undefined : r.fields[idx];
    return s === '' ? undefined : s;
  }

  num(r: DelimitedRecord, idx: number, field: string): number {
    const s = this.str(r, idx, field);
    const x = Number(s);
    if (!Number.isFinite(x) || s.trim() === '') throw new ImportError(this.file, r.line, field, `"${s}" is not a number`);
    return x;
  }

  optNum(r: DelimitedRecord, idx: number, field: string): number | undefined {
    return this.opt(r, idx) === undefined ? undefined : this.num(r, idx, field);
  }

  /** Unix seconds -> ms. */
  seconds(r: DelimitedRecord, idx: number, field: string): number {
    const x = this.num(r, idx, field);
    if (!Number.isInteger(x) || x < 0) throw new ImportError(this.file, r.line, field, `"${r.fields[idx]}" is not a unix time in seconds`);
    return x * 1000;
  }
}

/** Runs `fn` on a row, routing its ImportError to `onInvalid` (which rethrows unless skipping). */
export function guarded(fn: () => void, onInvalid: (e: ImportError) => void): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof ImportError) onInvalid(e);
    else throw e;
  }
}
