import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { CurioError } from '../errors.ts';
import { UsageError } from './args.ts';

/**
 * The one place where a failure becomes what the user reads: a single line
 * `curio: <command>: <what failed and why>; <what to do>` and an exit code (2 for a command line that
 * cannot be parsed, 1 otherwise). Errors Curio raises on purpose carry their own message; errors from
 * SQLite, the file system and the runtime are translated here, so no raw stack trace reaches the user
 * (`--debug` adds it below the line). This module imports nothing heavy: it runs when anything failed.
 */
export interface Failure {
  line: string;
  exitCode: number;
}

export interface FailureContext {
  /** The command that failed (`import`, `recommend`, ...), if one was named. */
  command?: string;
  /** The store the command was working on, for SQLite errors (which do not name their file). */
  db: string;
  /** The `--config` file, if given: the JSON a SyntaxError most likely comes from. */
  config?: string;
}

const DEBUG_HINT = 'run with --debug for the stack';

/** Collapses a message to one line. */
function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

function sqliteReason(code: string, message: string, db: string): string {
  const why = oneLine(message);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return `store ${db} is busy: another process holds it (${why}); wait for that process to finish, then retry`;
  }
  if (code === 'SQLITE_FULL') {
    return `store ${db}: the disk is full (${why}); the failed transaction was rolled back — free some space, then retry`;
  }
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return `store ${db} is damaged or not a SQLite database (${why}); restore it from a backup, or pass --db with the right file`;
  }
  if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_PERM' || code === 'SQLITE_AUTH') {
    return `store ${db} cannot be written (${why}); check the permissions of the file and its folder, or pass --db with a writable file`;
  }
  if (code.startsWith('SQLITE_CANTOPEN')) {
    return `store ${db} cannot be opened (${why}); check that its folder exists and is writable`;
  }
  if (code.startsWith('SQLITE_IOERR')) {
    return `store ${db}: the disk reported an I/O error (${why}); check the disk and free space, then retry`;
  }
  return `store ${db}: SQLite error ${code} (${why}); ${DEBUG_HINT}`;
}

function fileReason(code: string, e: NodeJS.ErrnoException): string {
  // Stream errors (a failed write to an open file) carry no path, only the system call.
  const path = e.path;
  const at = path ? `${path}: ` : `${e.syscall ?? 'file access'}: `;
  switch (code) {
    case 'ENOENT':
      if (!path) return `${at}no such file or folder; check the paths given`;
      return existsSync(dirname(path))
        ? `${path}: no such file; check the path`
        : `${path}: the folder ${dirname(path)} does not exist; create it or choose another path`;
    case 'EACCES':
    case 'EPERM':
      return `${at}permission denied; check the permissions of the file and its folder, or choose another path`;
    case 'ENOSPC':
    case 'EDQUOT':
      return `${at}no space left on the device; free some space, then retry`;
    case 'EROFS':
      return `${at}the file system is read-only; choose another path`;
    case 'EISDIR':
      return `${at}this is a folder; give the path of a file`;
    case 'ENOTDIR':
      return `${at}a part of the path is a file, not a folder; check the path`;
    case 'EEXIST':
      return `${at}already exists; remove it or choose another path`;
    case 'EMFILE':
    case 'ENFILE':
      return `${at}too many open files; raise the limit (ulimit -n) or close other programs, then retry`;
    case 'EFBIG':
      return `${at}the file would exceed the maximum file size; raise the limit (ulimit -f) or write elsewhere`;
    default:
      return `${at}${oneLine(e.message)}; ${DEBUG_HINT}`;
  }
}

/** What to do about a Curio error whose message says only what went wrong. */
function adviceFor(e: CurioError, command: string | undefined): string {
  switch (e.code) {
    case 'ARTIFACT_ERROR': return 'the model file is damaged or was not written by this Curio: train it again (curio train) or pass the right --model';
    case 'IMPORT_ERROR': return 'fix that row, or pass --skip-invalid to skip and count such rows';
    case 'STORE_ERROR': return 'check the --db path, or run with --debug for the details';
    case 'MODEL_FIT_ERROR': return 'check the training data (curio stats) and the model settings';
    default: return `see curio ${command ? `${command} ` : ''}--help`;
  }
}

/** Translates any thrown value into the line the user reads and the exit code. */
export function describeFailure(e: unknown, ctx: FailureContext): Failure {
  const what = ctx.command ? `curio: ${ctx.command}: ` : 'curio: ';
  if (e instanceof CurioError) {
    // a message that already starts with the command's name ("explain: ...") is not prefixed twice
    const own = ctx.command && e.message.startsWith(`${ctx.command}: `) ? e.message.slice(ctx.command.length + 2) : e.message;
    let line = what + oneLine(own);
    // A store error wrapping SQLite's says what failed; add what to do about it when it does not.
    const cause = e.cause as (Error & { code?: unknown }) | undefined;
    if (cause instanceof Error && cause.name === 'SqliteError' && typeof cause.code === 'string' && !e.message.includes(';')) {
      const full = sqliteReason(cause.code, cause.message, ctx.db);
      line += full.slice(full.indexOf('; '));
    }
    else if (!e.message.includes(';')) line += `; ${adviceFor(e, ctx.command)}`;
    return { line, exitCode: e instanceof UsageError ? 2 : 1 };
  }
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code;
    if (e.name === 'SqliteError' && typeof code === 'string') return { line: what + sqliteReason(code, e.message, ctx.db), exitCode: 1 };
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code) && 'syscall' in e) return { line: what + fileReason(code, e as NodeJS.ErrnoException), exitCode: 1 };
    if (e instanceof SyntaxError && /JSON/.test(e.message)) {
      const file = ctx.config ? `${ctx.config} is not valid JSON` : 'an input is not valid JSON';
      return { line: `${what}${file} (${oneLine(e.message)}); fix the file, or ${DEBUG_HINT}`, exitCode: 1 };
    }
    // Settings checked by a schema outside a ConfigError: name each field.
    const issues = (e as { issues?: unknown }).issues;
    if (e.name === 'ZodError' && Array.isArray(issues)) {
      const fields = issues.map((i: { path?: unknown[]; message?: string }) => `${(i.path ?? []).join('.') || '(value)'}: ${i.message ?? 'invalid'}`);
      const help = ctx.command ? `curio ${ctx.command} --help` : 'curio --help';
      return { line: `${what}invalid settings: ${oneLine(fields.join(', '))}; fix them (${help})`, exitCode: 1 };
    }
    // Typed-array and DataView reads of a crafted or truncated file; other RangeErrors are bugs.
    if (e instanceof RangeError && /offset|bounds|length|buffer|dataview|byte/i.test(e.message)) {
      return { line: `${what}an input file is malformed (${oneLine(e.message)}); the file may be damaged, truncated or not made by Curio — recreate it, or ${DEBUG_HINT}`, exitCode: 1 };
    }
    return { line: `${what}unexpected ${e.name}: ${oneLine(e.message)}; ${DEBUG_HINT} and please report it`, exitCode: 1 };
  }
  return { line: `${what}unexpected failure: ${oneLine(String(e))}; ${DEBUG_HINT} and please report it`, exitCode: 1 };
}

/** The stack of `e` and of its causes, for `--debug`. */
export function debugDetails(e: unknown): string {
  const parts: string[] = [];
  for (let c: unknown = e, depth = 0; c !== undefined && depth < 5; c = (c as { cause?: unknown }).cause, depth++) {
    parts.push(depth ? `caused by: ${c instanceof Error ? c.stack ?? c.message : String(c)}` : c instanceof Error ? c.stack ?? c.message : String(c));
    if (!(c instanceof Error)) break;
  }
  return parts.join('\n');
}
