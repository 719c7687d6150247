import { ImportError } from '../../errors.ts';
import { MAX_TIME_MS, parseDecimal, readId, valueProblem } from '../checks.ts';
import type { DelimitedRecord } from '../csv.ts';

/**
 * Index of each wanted column in the header (names compared without surrounding spaces: "user, item" is common);
 * a missing or repeated one is an error on line 1 naming it.
 */
export function columns<K extends string>(file: string, header: string[], wanted: Record<K, string>, optional: NoInfer<K>[] = []): Record<K, number> {
  const out = {} as Record<K, number>;
  const names = header.map((h) => h.trim());
  for (const key of Object.keys(wanted) as K[]) {
    const name = wanted[key], idx = names.indexOf(name);
    if (idx < 0 && !optional.includes(key)) throw new ImportError(file, 1, name, `no column "${name}" in the header (${header.join(', ')})`);
    if (idx >= 0 && names.lastIndexOf(name) !== idx) throw new ImportError(file, 1, name, `column "${name}" appears more than once in the header`);
    out[key] = idx;
  }
  return out;
}

/**
 * A row must have one field per column: a short row would read its missing fields as empty (a timestamp of 0),
 * a long one has lost its alignment (an unquoted delimiter in a value). `names` names the columns.
 */
export function checkFieldCount(file: string, r: DelimitedRecord, names: readonly string[]): void {
  const n = r.fields.length;
  if (n < names.length) throw new ImportError(file, r.line, names[n], `missing: the row has ${n} of the ${names.length} fields (${names.join(', ')})`);
  if (n > names.length) throw new ImportError(file, r.line, undefined, `the row has ${n} fields, ${n - names.length} more than the ${names.length} columns (${names.join(', ')}); quote values that contain the delimiter`);
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

  /** An id: trimmed; empty, whitespace-only, NUL or undecodable is an invalid row (see readId). */
  id(r: DelimitedRecord, idx: number, field: string): string {
    const s = r.fields[idx];
    if (s === undefined) throw new ImportError(this.file, r.line, field, `missing (row has ${r.fields.length} fields)`);
    try {
      return readId(s);
    } catch (e) {
      throw new ImportError(this.file, r.line, field, (e as Error).message);
    }
  }

  /** A decimal number (not hex, not Infinity; see parseDecimal). */
  num(r: DelimitedRecord, idx: number, field: string): number {
    const s = this.str(r, idx, field);
    const x = parseDecimal(s);
    if (x === undefined) throw new ImportError(this.file, r.line, field, `"${s}" is not a number`);
    return x;
  }

  optNum(r: DelimitedRecord, idx: number, field: string): number | undefined {
    return this.opt(r, idx) === undefined ? undefined : this.num(r, idx, field);
  }

  /** An event value: a number that fits a float32 (what models train on). */
  value(r: DelimitedRecord, idx: number, field: string): number {
    const x = this.num(r, idx, field), why = valueProblem(x);
    if (why) throw new ImportError(this.file, r.line, field, why);
    return x;
  }

  /** A rating on the data set's scale. */
  rating(r: DelimitedRecord, idx: number, field: string, min: number, max: number): number {
    const x = this.num(r, idx, field);
    if (x < min || x > max) throw new ImportError(this.file, r.line, field, `${x} is outside the rating scale ${min}-${max}`);
    return x;
  }

  /** Unix seconds -> ms. */
  seconds(r: DelimitedRecord, idx: number, field: string): number {
    const x = this.num(r, idx, field);
    if (!Number.isInteger(x) || x < 0 || x * 1000 > MAX_TIME_MS) throw new ImportError(this.file, r.line, field, `"${r.fields[idx]}" is not a unix time in seconds`);
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
