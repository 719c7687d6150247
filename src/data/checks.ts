/**
 * What a valid id, value and time are: the one rule shared by every importer (which names file, line and field)
 * and by the store's write boundary (which names the batch row), so no path lets a bad one through.
 */

/** Largest finite float32: event values are trained on as float32, where anything larger becomes Infinity. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/** The range of a JavaScript Date (±100,000,000 days around 1970), in ms. */
export const MAX_TIME_MS = 8.64e15;

// Lone UTF-16 surrogates: what bytes that are not UTF-8 decode to here (see INVALID_UTF8), or a JSON "\udc80".
const LONE_SURROGATE = /\p{Cs}/u;

/** Longest id, in UTF-16 code units: a longer one is nearly always a column gone wrong (an unclosed quote). */
export const MAX_ID_LENGTH = 1024;

/** Why `id` is not a usable id, or undefined when it is. Ids are stored exactly as given, so they must be trimmed. */
export function idProblem(id: string): string | undefined {
  if (id.length === 0) return 'empty';
  if (id.length > MAX_ID_LENGTH) return `${id.length} characters long, more than ${MAX_ID_LENGTH} (is a quote left open?)`;
  if (id.trim() !== id) return id.trim() === '' ? 'only whitespace' : `"${id}" has leading or trailing whitespace (trim it)`;
  if (id.includes('\0')) return 'contains a NUL character';
  if (LONE_SURROGATE.test(id)) return 'not valid UTF-8 / Unicode text';
  return undefined;
}

/**
 * An id as read from a file: text is trimmed (" 1", "1 " and "1" are one user); a JSON number must be an integer
 * JavaScript holds exactly (2^53 + 1 reads as 2^53, 1e400 as Infinity: two users would become one).
 * Returns the id, or throws an Error whose message is the reason.
 */
export function readId(raw: string | number): string {
  if (typeof raw === 'number') {
    if (!Number.isSafeInteger(raw)) throw new Error(`numeric id ${raw} cannot be held exactly (only integers up to 2^53 can); write ids as strings`);
    return String(raw);
  }
  const id = raw.trim(), why = idProblem(id);
  if (why) throw new Error(why === 'empty' && raw.length ? 'only whitespace' : why);
  return id;
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * A decimal number ("4", "-0.5", "1e3", surrounding spaces allowed), or undefined. Unlike Number(), hex ("0x10"),
 * binary, "Infinity", "NaN" and "" are not numbers, and neither is a value beyond float64 ("1e400").
 */
export function parseDecimal(s: string): number | undefined {
  const t = s.trim();
  if (!DECIMAL.test(t)) return undefined;
  const x = Number(t);
  return Number.isFinite(x) ? x : undefined;
}

/** Why `x` cannot be an event value, or undefined when it can. */
export function valueProblem(x: number): string | undefined {
  if (!Number.isFinite(x)) return `${x} is not a finite number`;
  if (Math.abs(x) > FLOAT32_MAX) return `${x} overflows a 32-bit float (largest is ±3.4e38)`;
  return undefined;
}
