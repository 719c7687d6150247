/**
 * Checks on where a command will write, run before the work starts: a typo in `--out` must not cost a
 * two-minute fit.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../errors.ts';

function writableDir(dir: string, flag: string, what: string): void {
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new ConfigError(flag, `${what}: directory ${dir} does not exist; create it first`);
  }
  if (!st.isDirectory()) throw new ConfigError(flag, `${what}: ${dir} is not a directory`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new ConfigError(flag, `${what}: directory ${dir} is not writable`);
  }
}

/** A file the command will create or replace: its directory must exist and be writable, and it must not be a directory. */
export function checkOutputFile(path: string, flag: string): void {
  let st;
  try { st = statSync(path); } catch { /* a new file */ }
  if (st?.isDirectory()) throw new ConfigError(flag, `${path} is a directory; give a file name`);
  writableDir(dirname(resolve(path)), flag, path);
}

/** A directory the command will write into: it exists, or its parent does (then the command creates it). */
export function checkOutputDir(path: string, flag: string): void {
  let st;
  try { st = statSync(path); } catch { /* created later */ }
  if (st) {
    if (!st.isDirectory()) throw new ConfigError(flag, `${path} exists and is not a directory`);
    writableDir(path, flag, path);
  } else writableDir(dirname(resolve(path)), flag, path);
}
