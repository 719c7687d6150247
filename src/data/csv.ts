import { createReadStream } from 'node:fs';
import { ImportError } from '../errors.ts';

export interface DelimitedOptions {
  /** One character; default ','. */
  delimiter?: string;
  /** When true the first record names the columns: it is not yielded, but attached to every record as `header`. */
  header?: boolean;
  /** Quote character (default '"'); false for formats where quotes are ordinary text (e.g. MovieLens 100K). */
  quote?: string | false;
  encoding?: 'utf8' | 'latin1';
  /** Called after each chunk with the bytes read so far. */
  onBytes?: (bytesRead: number) => void;
}

export interface DelimitedRecord {
  /** 1-based line where the record starts, counting the header. */
  line: number;
  fields: string[];
  header?: string[];
}

const LF = 10, CR = 13;
const CHUNK = 1 << 20;

/**
 * Incremental RFC 4180 parser. Text is fed chunk by chunk; a record cut by a chunk boundary is kept and parsed
 * again once the rest arrives. Blank lines are skipped (but counted); a lone CR before LF ends a record; nothing
 * else is trimmed.
 */
export class DelimitedParser {
  private pending = '';
  private line = 1;
  private readonly delim: number;
  private readonly quote: number;
  private readonly quoteChar: string;

  constructor(readonly file: string, o: Pick<DelimitedOptions, 'delimiter' | 'quote'> = {}) {
    const d = o.delimiter ?? ',';
    const q = o.quote === undefined ? '"' : o.quote;
    if (d.length !== 1) throw new ImportError(file, 0, undefined, `delimiter must be one character, got "${d}"`);
    if (q !== false && q.length !== 1) throw new ImportError(file, 0, undefined, `quote must be one character, got "${q}"`);
    this.delim = d.charCodeAt(0);
    this.quote = q === false ? -1 : q.charCodeAt(0);
    this.quoteChar = q === false ? '' : q;
  }

  /** Parses what is complete in `pending + text`; with `final`, the end of text also ends the last record. */
  feed(text: string, final: boolean, out: DelimitedRecord[]): void {
    const buf = this.pending ? this.pending + text : text;
    const n = buf.length, delim = this.delim, quote = this.quote;
    let pos = 0;
    outer: while (pos < n) {
      const start = pos, line = this.line;
      let newlines = 0, quoted = false;
      const fields: string[] = [];
      for (;;) {
        if (quote >= 0 && buf.charCodeAt(pos) === quote) {
          quoted = true;
          let value = '', seg = pos + 1, p = seg;
          for (;;) {
            const q = buf.indexOf(this.quoteChar, p);
            if (q < 0 || (q + 1 >= n && !final)) {
              if (final) throw new ImportError(this.file, line, undefined, 'unterminated quoted field (the quote opened here is never closed)');
              this.pending = buf.slice(start);
              return;
            }
            if (buf.charCodeAt(q + 1) === quote) { value += buf.slice(seg, q + 1); p = seg = q + 2; continue; }
            value += buf.slice(seg, q);
            pos = q + 1;
            break;
          }
          for (let k = value.indexOf('\n'); k >= 0; k = value.indexOf('\n', k + 1)) newlines++;
          fields.push(value);
          const c = buf.charCodeAt(pos);
          if (pos >= n) break; // final: end of text ends the record
          if (c === delim) { pos++; if (pos >= n && final) { fields.push(''); break; } continue; }
          if (c === LF) { pos++; break; }
          if (c === CR && pos + 1 < n && buf.charCodeAt(pos + 1) === LF) { pos += 2; break; }
          if (c === CR && pos + 1 >= n && !final) { this.pending = buf.slice(start); return; }
          throw new ImportError(this.file, line + newlines, undefined, `unexpected "${buf[pos]}" after a closing quote`);
        }
        let p = pos;
        while (p < n) {
          const c = buf.charCodeAt(p);
          if (c === delim || c === LF) break;
          p++;
        }
        if (p >= n && !final) { this.pending = buf.slice(start); return; }
        const endsRecord = p >= n || buf.charCodeAt(p) === LF;
        const end = endsRecord && p > pos && buf.charCodeAt(p - 1) === CR ? p - 1 : p;
        fields.push(buf.slice(pos, end));
        pos = p + 1;
        if (endsRecord) break;
        if (pos >= n && final) { fields.push(''); break; } // trailing delimiter at end of file
      }
      this.line = line + newlines + 1;
      if (!quoted && fields.length === 1 && fields[0] === '') continue outer; // blank line
      out.push({ line, fields });
    }
    this.pending = '';
  }
}

async function* chunks(path: string, encoding: 'utf8' | 'latin1', onBytes?: (n: number) => void): AsyncGenerator<string> {
  const stream = createReadStream(path, { encoding, highWaterMark: CHUNK });
  let first = true;
  for await (const chunk of stream as AsyncIterable<string>) {
    onBytes?.(stream.bytesRead);
    // A UTF-8 byte-order mark is not part of the first column's name.
    yield first && encoding === 'utf8' && chunk.charCodeAt(0) === 0xfeff ? chunk.slice(1) : chunk;
    first = false;
  }
}

/** Streams a delimited text file in batches of records (one batch per chunk read), never holding the whole file. */
export async function* readDelimitedBatches(path: string, o: DelimitedOptions = {}): AsyncGenerator<DelimitedRecord[]> {
  const parser = new DelimitedParser(path, o);
  let header: string[] | undefined;
  const emit = (recs: DelimitedRecord[]): DelimitedRecord[] => {
    if (!o.header) return recs;
    if (!header && recs.length) header = recs.shift()!.fields;
    for (const r of recs) r.header = header;
    return recs;
  };
  for await (const text of chunks(path, o.encoding ?? 'utf8', o.onBytes)) {
    const out: DelimitedRecord[] = [];
    parser.feed(text, false, out);
    if (out.length) yield emit(out);
  }
  const out: DelimitedRecord[] = [];
  parser.feed('', true, out);
  if (out.length) yield emit(out);
}

/** Streams the records of a delimited text file (CSV, TSV, '|'-separated...). */
export async function* readDelimited(path: string, o: DelimitedOptions = {}): AsyncGenerator<DelimitedRecord> {
  for await (const batch of readDelimitedBatches(path, o)) yield* batch;
}

export interface JsonLine {
  line: number;
  value: unknown;
}

/** Streams a JSON Lines file in batches; blank lines are skipped, a line that is not JSON is an ImportError. */
export async function* readJsonLinesBatches(path: string, o: { onBytes?: (n: number) => void } = {}): AsyncGenerator<JsonLine[]> {
  let pending = '', line = 1;
  const parse = (text: string, out: JsonLine[]) => {
    const t = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (t.trim()) {
      try {
        out.push({ line, value: JSON.parse(t) });
      } catch (e) {
        throw new ImportError(path, line, undefined, `invalid JSON: ${(e as Error).message}`);
      }
    }
    line++;
  };
  for await (const text of chunks(path, 'utf8', o.onBytes)) {
    const buf = pending + text, out: JsonLine[] = [];
    let start = 0;
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n', start)) {
      parse(buf.slice(start, nl), out);
      start = nl + 1;
    }
    pending = buf.slice(start);
    if (out.length) yield out;
  }
  const out: JsonLine[] = [];
  if (pending) parse(pending, out);
  if (out.length) yield out;
}

export async function* readJsonLines(path: string, o: { onBytes?: (n: number) => void } = {}): AsyncGenerator<JsonLine> {
  for await (const batch of readJsonLinesBatches(path, o)) yield* batch;
}
