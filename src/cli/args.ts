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
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
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

/** `--set a=1 --set b.c=true` -> { a: 1, b: { c: true } }; values are JSON when they parse as JSON. */
export function parseSets(sets: string[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of sets ?? []) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new ConfigError('--set', `"${s}" is not key=value`);
    const path = s.slice(0, eq).split('.');
    const raw = s.slice(eq + 1);
    let value: unknown = raw;
    try { value = JSON.parse(raw); } catch { /* a plain string */ }
    let o = out;
    for (const p of path.slice(0, -1)) o = (o[p] ??= {}) as Record<string, unknown>;
    o[path.at(-1)!] = value;
  }
  return out;
}

export function intOption(v: string | undefined, name: string, dflt: number, min = 1): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`--${name}`, `expected an integer >= ${min}, got "${v}"`);
  return n;
}
