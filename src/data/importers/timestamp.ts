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
  const fast = isoUtcMillis(x);
  if (fast !== undefined) return fast;
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

const digits = (s: string, from: number, n: number): number => {
  let v = 0;
  for (let k = from; k < from + n; k++) {
    const d = s.charCodeAt(k) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
};

/**
 * The form Date#toISOString writes, `YYYY-MM-DDTHH:MM:SS.sssZ` (or without `.sss`), read without regular
 * expressions: most exported event logs use it, and the general path was a tenth of a CSV import's time.
 * Undefined for anything else (including invalid dates), which the general path then reads or rejects.
 */
function isoUtcMillis(s: string): number | undefined {
  const n = s.length;
  if ((n !== 24 && n !== 20) || s[4] !== '-' || s[7] !== '-' || s[10] !== 'T' || s[13] !== ':' || s[16] !== ':' || s[n - 1] !== 'Z') return undefined;
  if (n === 24 && s[19] !== '.') return undefined;
  const y = digits(s, 0, 4), month = digits(s, 5, 2), day = digits(s, 8, 2), hour = digits(s, 11, 2), minute = digits(s, 14, 2), second = digits(s, 17, 2);
  const frac = n === 24 ? digits(s, 20, 3) : 0;
  if (y < 0 || frac < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) return undefined;
  const ms = Date.UTC(y, month - 1, day, hour, minute, second, frac);
  return new Date(ms).getUTCDate() === day ? ms : undefined;
}
