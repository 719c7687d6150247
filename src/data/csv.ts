import { isUtf8 } from 'node:buffer';
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
  /** Index of the first field holding bytes that are not UTF-8 (the record is invalid), when there is one. */
  invalidUtf8?: number;
}

const LF = 10, CR = 13;
const CHUNK = 1 << 20;

/**
 * Stands for each byte sequence that is not UTF-8. A lone surrogate never comes out of decoding valid UTF-8,
 * so a field holding one is known to be undecodable (U+FFFD could not say so: it is also a valid character).
 */
export const INVALID_UTF8 = '\udc80';

// Parser states.
const FIELD_START = 0, UNQUOTED = 1, QUOTED = 2, QUOTE_IN_QUOTED = 3, AFTER_QUOTE = 4;

/**
 * Incremental RFC 4180 parser. Text is fed chunk by chunk and each character is looked at once: the state of a
 * record cut by a chunk boundary (its finished fields, the text of the open one) is kept, never re-parsed, so
 * one huge line costs what many short ones do. Blank lines are skipped (but counted); LF, CRLF and a lone CR
 * each end a record (outside quotes); a quote is special only at the start of a field; nothing is trimmed.
 */
export class DelimitedParser {
  private line = 1;
  private state = FIELD_START;
  /** The open record: its first line, line breaks inside its quoted fields, finished fields, open field. */
  private recordLine = 1;
  private newlines = 0;
  private quoted = false;
  private fields: string[] = [];
  private field = '';
  /** A record ended on CR: an LF right after it (perhaps in the next chunk) belongs to the same line end. */
  private skipLF = false;
  /** Inside a quoted field, the last character was a CR (so a following LF is not a second line break). */
  private quotedCR = false;
  private readonly delim: number;
  private readonly quote: number;
  private readonly quoteChar: string;

  constructor(readonly file: string, o: Pick<DelimitedOptions, 'delimiter' | 'quote'> = {}) {
    const d = o.delimiter ?? ',';
    const q = o.quote === undefined ? '"' : o.quote;
    if (d.length !== 1) throw new ImportError(file, 0, undefined, `delimiter must be one character, got "${d}"`);
    if (q !== false && q.length !== 1) throw new ImportError(file, 0, undefined, `quote must be one character, got "${q}"`);
    if (d === '\n' || d === '\r' || d === q) throw new ImportError(file, 0, undefined, `delimiter cannot be "${d}"`);
    this.delim = d.charCodeAt(0);
    this.quote = q === false ? -1 : q.charCodeAt(0);
    this.quoteChar = q === false ? '' : q;
  }

  /** Parses `text`, continuing the open record; with `final`, the end of text also ends the last record. */
  feed(text: string, final: boolean, out: DelimitedRecord[]): void {
    const n = text.length, delim = this.delim, quote = this.quote;
    let pos = 0;
    if (this.skipLF && n > 0) {
      if (text.charCodeAt(0) === LF) pos = 1;
      this.skipLF = false;
    }
    while (pos < n) {
      const state = this.state;
      if (state === FIELD_START || state === UNQUOTED) {
        if (state === FIELD_START && text.charCodeAt(pos) === quote) {
          this.state = QUOTED;
          this.quoted = true;
          pos++;
          continue;
        }
        let p = pos, c = 0;
        while (p < n) {
          c = text.charCodeAt(p);
          if (c === delim || c === LF || c === CR) break;
          p++;
        }
        if (p > pos) this.field = this.field ? this.field + text.slice(pos, p) : text.slice(pos, p);
        if (p >= n) { this.state = UNQUOTED; pos = n; break; }
        pos = this.endField(text, p, c, out);
      } else if (state === QUOTED) {
        const q = text.indexOf(this.quoteChar, pos);
        const end = q < 0 ? n : q;
        this.countNewlines(text, pos, end);
        if (end > pos) this.field += text.slice(pos, end);
        if (q < 0) { pos = n; break; }
        this.state = QUOTE_IN_QUOTED;
        pos = q + 1;
      } else if (state === QUOTE_IN_QUOTED) {
        if (text.charCodeAt(pos) === quote) { // "" inside quotes is one quote
          this.field += this.quoteChar;
          this.quotedCR = false;
          this.state = QUOTED;
          pos++;
        } else this.state = AFTER_QUOTE;
      } else {
        const c = text.charCodeAt(pos);
        if (c !== delim && c !== LF && c !== CR) {
          throw new ImportError(this.file, this.recordLine + this.newlines, undefined, `unexpected "${text[pos]}" after a closing quote`);
        }
        pos = this.endField(text, pos, c, out);
      }
    }
    if (!final) return;
    this.skipLF = false;
    if (this.state === QUOTED) throw new ImportError(this.file, this.recordLine, undefined, 'unterminated quoted field (the quote opened here is never closed)');
    // End of text: an open field (or one after a trailing delimiter) ends the record; nothing open, nothing to do.
    if (this.state !== FIELD_START || this.fields.length > 0) {
      this.fields.push(this.field);
      this.endRecord(out);
    }
  }

  /** Closes the open field at `p` (a delimiter, LF or CR) and, on a line end, the record; returns the next position. */
  private endField(text: string, p: number, c: number, out: DelimitedRecord[]): number {
    this.fields.push(this.field);
    this.field = '';
    this.state = FIELD_START;
    if (c === this.delim) return p + 1;
    this.endRecord(out);
    if (c === CR) {
      if (p + 1 < text.length) return text.charCodeAt(p + 1) === LF ? p + 2 : p + 1;
      this.skipLF = true;
    }
    return p + 1;
  }

  private endRecord(out: DelimitedRecord[]): void {
    const fields = this.fields;
    if (this.quoted || fields.length > 1 || fields[0] !== '') out.push({ line: this.recordLine, fields });
    this.line = this.recordLine + this.newlines + 1;
    this.recordLine = this.line;
    this.newlines = 0;
    this.quoted = false;
    this.quotedCR = false;
    this.fields = [];
    this.field = '';
    this.state = FIELD_START;
  }

  /** Line breaks inside a quoted field (LF, CRLF or a lone CR), so later records keep their line numbers. */
  private countNewlines(text: string, from: number, to: number): void {
    let cr = this.quotedCR, k = 0;
    for (let p = from; p < to; p++) {
      const c = text.charCodeAt(p);
      if (c === LF) { if (!cr) k++; cr = false; } else if (c === CR) { k++; cr = true; } else cr = false;
    }
    if (to > from) this.quotedCR = cr;
    this.newlines += k;
  }
}

/**
 * Decodes UTF-8 chunk by chunk: a character cut by a chunk boundary is carried to the next chunk, and each
 * invalid byte becomes INVALID_UTF8 (so the record holding it can be reported, not silently merged via U+FFFD).
 */
export class Utf8Decoder {
  private carry: Buffer | undefined;
  /** True once any invalid byte was seen: from then on records are checked for INVALID_UTF8. */
  sawInvalid = false;

  decode(chunk: Buffer, final: boolean): string {
    const b = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    const end = final ? b.length : completeEnd(b);
    this.carry = end < b.length ? Buffer.from(b.subarray(end)) : undefined;
    const part = b.subarray(0, end);
    if (isUtf8(part)) return part.toString('utf8');
    this.sawInvalid = true;
    return markInvalid(part);
  }
}

/** Length of the prefix of `b` that does not end inside a multi-byte sequence. */
function completeEnd(b: Buffer): number {
  const n = b.length;
  for (let k = 1; k <= Math.min(4, n); k++) {
    const c = b[n - k]!;
    if ((c & 0xc0) === 0x80) continue; // continuation byte: look further back for its lead
    const need = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    return k < need ? n - k : n;
  }
  return n;
}

/** Decodes `b`, replacing each byte that does not belong to a well-formed UTF-8 sequence with INVALID_UTF8. */
function markInvalid(b: Buffer): string {
  let out = '', seg = 0, i = 0;
  const n = b.length;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => k < n && b[k]! >= lo && b[k]! <= hi;
  while (i < n) {
    const c = b[i]!;
    let len = 0;
    if (c < 0x80) len = 1;
    else if (c >= 0xc2 && c <= 0xdf) len = cont(i + 1) ? 2 : 0;
    else if (c >= 0xe0 && c <= 0xef) len = cont(i + 1, c === 0xe0 ? 0xa0 : 0x80, c === 0xed ? 0x9f : 0xbf) && cont(i + 2) ? 3 : 0;
    else if (c >= 0xf0 && c <= 0xf4) len = cont(i + 1, c === 0xf0 ? 0x90 : 0x80, c === 0xf4 ? 0x8f : 0xbf) && cont(i + 2) && cont(i + 3) ? 4 : 0;
    if (len) { i += len; continue; }
    out += b.toString('utf8', seg, i) + INVALID_UTF8;
    seg = ++i;
  }
  return out + b.toString('utf8', seg, n);
}

async function* chunks(path: string, encoding: 'utf8' | 'latin1', onBytes?: (n: number) => void, decoder = new Utf8Decoder()): AsyncGenerator<string> {
  const stream = createReadStream(path, { highWaterMark: CHUNK });
  let first = true;
  for await (const buf of stream as AsyncIterable<Buffer>) {
    onBytes?.(stream.bytesRead);
    if (first && encoding === 'utf8' && buf.length >= 2 && ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff))) {
      stream.destroy();
      throw new ImportError(path, 1, undefined, 'the file is UTF-16 (it starts with a UTF-16 byte-order mark); save it as UTF-8');
    }
    const text = encoding === 'latin1' ? buf.toString('latin1') : decoder.decode(buf, false);
    // A UTF-8 byte-order mark is not part of the first column's name.
    yield first && encoding === 'utf8' && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    if (text.length) first = false;
  }
  if (encoding === 'utf8') {
    const rest = decoder.decode(Buffer.alloc(0), true);
    if (rest) yield rest;
  }
}

/** Streams a delimited text file in batches of records (one batch per chunk read), never holding the whole file. */
export async function* readDelimitedBatches(path: string, o: DelimitedOptions = {}): AsyncGenerator<DelimitedRecord[]> {
  const parser = new DelimitedParser(path, o);
  const decoder = new Utf8Decoder();
  let header: string[] | undefined;
  const emit = (recs: DelimitedRecord[]): DelimitedRecord[] => {
    if (decoder.sawInvalid) {
      for (const r of recs) {
        const k = r.fields.findIndex((f) => f.includes(INVALID_UTF8));
        if (k >= 0) r.invalidUtf8 = k;
      }
    }
    if (!o.header) return recs;
    if (!header && recs.length) header = recs.shift()!.fields;
    for (const r of recs) r.header = header;
    return recs;
  };
  for await (const text of chunks(path, o.encoding ?? 'utf8', o.onBytes, decoder)) {
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
  /** Set when the line is not JSON (or not UTF-8): the line is an invalid row, `value` is undefined. */
  error?: ImportError;
}

/**
 * Streams a JSON Lines file in batches; blank lines are skipped; lines end as in CSV (LF, CRLF or a lone CR). A line that is not JSON (or not UTF-8) comes
 * with an `error` naming it, so the caller decides whether it fails the import or is skipped.
 */
export async function* readJsonLinesBatches(path: string, o: { onBytes?: (n: number) => void } = {}): AsyncGenerator<JsonLine[]> {
  const decoder = new Utf8Decoder();
  let pending: string[] = [], line = 1, skipLF = false;
  const parse = (text: string, out: JsonLine[]) => {
    const t = text;
    if (t.trim()) {
      if (decoder.sawInvalid && t.includes(INVALID_UTF8)) {
        out.push({ line, value: undefined, error: new ImportError(path, line, undefined, 'not valid UTF-8') });
      } else {
        try {
          out.push({ line, value: JSON.parse(t) });
        } catch (e) {
          out.push({ line, value: undefined, error: new ImportError(path, line, undefined, `invalid JSON: ${(e as Error).message}`) });
        }
      }
    }
    line++;
  };
  for await (const text of chunks(path, 'utf8', o.onBytes, decoder)) {
    const out: JsonLine[] = [];
    // Only the new text is searched for line ends (LF, CRLF or a lone CR, as in CSV; JSON text holds no raw CR
    // or LF inside strings): a long line is never rescanned.
    let start = 0;
    if (skipLF && text.charCodeAt(0) === 10) start = 1;
    skipLF = false;
    for (let p = start; p < text.length; p++) {
      const c = text.charCodeAt(p);
      if (c !== 10 && c !== 13) continue;
      pending.push(text.slice(start, p));
      parse(pending.length === 1 ? pending[0]! : pending.join(''), out);
      pending = [];
      if (c === 13) {
        if (p + 1 < text.length) { if (text.charCodeAt(p + 1) === 10) p++; } else skipLF = true;
      }
      start = p + 1;
    }
    if (start < text.length) pending.push(text.slice(start));
    if (out.length) yield out;
  }
  const out: JsonLine[] = [];
  if (pending.length) parse(pending.join(''), out);
  if (out.length) yield out;
}

/** Streams the values of a JSON Lines file; a bad line throws its ImportError. */
export async function* readJsonLines(path: string, o: { onBytes?: (n: number) => void } = {}): AsyncGenerator<JsonLine> {
  for await (const batch of readJsonLinesBatches(path, o)) {
    for (const l of batch) {
      if (l.error) throw l.error;
      yield l;
    }
  }
}
