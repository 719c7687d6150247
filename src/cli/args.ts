import { readFile } from 'node:fs/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from '../errors.ts';

export type Options = NonNullable<ParseArgsConfig['options']>;

/** A command line that cannot be parsed: an unknown flag, or a flag missing its value (exit code 2). */
export class UsageError extends ConfigError {}

type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>;

/** `-k, --k` style names of a command's flags, for error messages. */
export function flagList(options: Options): string {
  return Object.entries(options).map(([name, o]) => (o.short ? `-${o.short}/--${name}` : `--${name}`)).join(', ');
}

/**
 * Parses a command's arguments. An unknown flag is a UsageError naming it and listing the command's
 * flags once; `command` only serves the hint (the CLI prefixes the command name to every error itself).
 */
export function parse<O extends Options>(argv: string[], options: O, command: string): Parsed<O> {
  try {
    return parseArgs({ args: negativeValuesJoined(argv, options), options, allowPositionals: true, strict: true });
  } catch (e) {
    const err = e as Error & { code?: string };
    const flag = /'(-[^' ,]*)/.exec(err.message)?.[1] ?? argv.find((a) => a.startsWith('-')) ?? '?';
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      throw new UsageError(flag, `unknown option; the options of ${command} are ${flagList(options)} (curio ${command} --help)`);
    }
    if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const why = /does not take/.test(err.message) ? 'takes no value' : 'needs a value';
      throw new UsageError(flag, `${why}; see curio ${command} --help`);
    }
    throw new UsageError(flag, `${err.message.replace(/\. To specify.*$/s, '')}; see curio ${command} --help`);
  }
}

/**
 * `--seed -1` as `--seed=-1`: node's parser takes a value that starts with '-' for another flag, and the user
 * then heard "needs a value" for a value they gave. The value is then checked (and refused) by its own rule.
 */
function negativeValuesJoined(argv: string[], options: Options): string[] {
  const byShort = new Map(Object.entries(options).filter(([, o]) => o.short).map(([n, o]) => [o.short!, n]));
  const out: string[] = [];
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k]!, next = argv[k + 1];
    const name = a.startsWith('--') ? a.slice(2) : a.length === 2 && a[0] === '-' ? byShort.get(a[1]!) : undefined;
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && /^-\.?\d/.test(next)) {
      out.push(`--${name}=${next}`);
      k++;
    } else out.push(a);
  }
  return out;
}

/** `--set a=1 --set b.c=true` -> { a: 1, b: { c: true } }; values are JSON when they parse as JSON. */
export function parseSets(sets: string[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of sets ?? []) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new ConfigError('--set', `"${s}" is not key=value`);
    const path = s.slice(0, eq).split('.');
    // "__proto__" would write into Object.prototype; an empty part ("a..b") names nothing
    const bad = path.find((p) => !p.trim() || p === '__proto__' || p === 'constructor' || p === 'prototype');
    if (bad !== undefined) throw new ConfigError('--set', `"${s}": "${bad}" is not a valid key`);
    const raw = s.slice(eq + 1);
    let value: unknown = raw;
    try { value = JSON.parse(raw); } catch { /* a plain string */ }
    let o = out;
    for (const [i, p] of path.slice(0, -1).entries()) {
      const next = (o[p] ??= {});
      if (typeof next !== 'object' || next === null || Array.isArray(next)) {
        throw new ConfigError('--set', `"${s}": ${path.slice(0, i + 1).join('.')} is already set to ${JSON.stringify(next)}, not an object`);
      }
      o = next as Record<string, unknown>;
    }
    const last = path.at(-1)!;
    if (typeof o[last] === 'object' && o[last] !== null) throw new ConfigError('--set', `"${s}" would replace the keys already set under ${path.join('.')}`);
    o[last] = value;
  }
  return out;
}

/**
 * Reads a JSON config file named by `--config`; a missing or malformed file is one ConfigError naming the
 * file (and the line of a JSON syntax error), raised before any work starts.
 */
export async function loadConfigFile(path: string | undefined, flag = '--config'): Promise<Record<string, unknown>> {
  if (path === undefined) return {};
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new ConfigError(flag, `cannot read ${path}: ${why}; check the path`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    const line = pos ? text.slice(0, Number(pos[1])).split('\n').length : undefined;
    throw new ConfigError(flag, `${path}${line ? `:${line}` : ''} is not valid JSON (${msg.replace(/^.*?JSON[^:]*: ?/, '').split('\n')[0]}); fix the file`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError(flag, `${path} must hold a JSON object, not ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`);
  return value as Record<string, unknown>;
}

export function intOption(v: string | undefined, name: string, dflt: number, min = 1): number {
  if (v === undefined) return dflt;
  // Number() would also take "", " 7", "0x10" and "1e3": a flag value is written in plain decimal digits
  const n = /^[+-]?\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new ConfigError(`--${name}`, `expected an integer >= ${min}, got "${v}"`);
  return n;
}

/** A comma-separated flag value; empty entries ("a,,b", "") are an error rather than silently dropped or kept. */
export function splitList(v: string, flag: string): string[] {
  const parts = v.split(',').map((x) => x.trim());
  if (parts.some((x) => !x)) throw new ConfigError(flag, `"${v}" has an empty entry; give a comma-separated list`);
  return parts;
}

/** A decimal number flag (e.g. --min-value); "", "0x10", "Infinity" and "1e400" are refused, not read as 0, 16 or Infinity. */
export function numberOption(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v) ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw new ConfigError(`--${name}`, `"${v}" is not a number`);
  return n;
}

/** A comma-separated list of distinct names (e.g. --models); a repeat is an error rather than run twice. */
export function distinctList(v: string, flag: string): string[] {
  const parts = splitList(v, flag);
  const dup = parts.find((x, i) => parts.indexOf(x) !== i);
  if (dup !== undefined) throw new ConfigError(flag, `"${dup}" is listed twice`);
  return parts;
}
