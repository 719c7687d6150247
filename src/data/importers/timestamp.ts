import { MAX_TIME_MS } from '../checks.ts';

/**
 * The timestamp rule of the generic importers, so a column can hold any common form:
 * - a number (or numeric text) below 1e11 is unix seconds, otherwise unix milliseconds
 *   (1e11 s is the year 5138; 1e11 ms is March 1973, so real data is never ambiguous);
 * - ISO 8601 text: `YYYY-MM-DD`, optionally with `T` or a space and `HH:MM[:SS[.fff]]`, optionally `Z` or `±HH:MM`;
 *   without a zone it is read as UTC (never the machine's local time, so imports are reproducible).
 * Returns ms since epoch, or undefined when the text fits none of these or the time is outside what a Date holds.
 */
export function parseTimestamp(x: string | number): number | undefined {
  if (typeof x === 'number') {
    const ms = Math.abs(x) < 1e11 ? x * 1000 : x;
    return Number.isFinite(ms) && Math.abs(ms) <= MAX_TIME_MS ? ms : undefined;
  }
  const s = x.trim();
  if (/^-?\d+(\.\d+)?$/.test(s)) return parseTimestamp(Number(s));
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', sec = '0', frac = '', zone] = m;
  const month = Number(mo), day = Number(d), hour = Number(h), minute = Number(mi), second = Number(sec);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  let ms = Date.UTC(Number(y), month - 1, day, hour, minute, second, frac ? Math.round(Number(frac) * 1000) : 0);
  if (new Date(ms).getUTCDate() !== day) return undefined; // e.g. 2021-02-30
  if (zone && zone.toUpperCase() !== 'Z') {
    const z = /([+-])(\d{2}):?(\d{2})/.exec(zone)!;
    ms -= (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3])) * 60_000;
  }
  return ms;
}
