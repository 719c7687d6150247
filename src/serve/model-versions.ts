/**
 * Which model file a (re)started server serves. Background retraining writes versioned files beside the served one
 * (`NAME.rTIMESTAMP.bin`, see retrain.ts); a restart with `--model NAME.bin` serves the newest valid member of that
 * family, not the file named, so a restart never goes back in time:
 *
 *   - the family of `NAME.bin` (or of `NAME.rTIMESTAMP.bin`) is `NAME.bin` and every `NAME.rTIMESTAMP.bin` in its folder;
 *   - newest first: a versioned file by the time in its name (when its retrain started), `NAME.bin` by its
 *     modification time;
 *   - the first that loads, was trained on this store (the usual store binding) and holds no user the store no
 *     longer has wins; when none does, the server does not start (and says why for each). A user in a model but not in the store was erased after that model was trained (the GDPR
 *     rule of rollbacks): such a model is never served again.
 *
 * `curio serve --exact-model` serves the file named, as before.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { loadModelFile } from '../pipeline/model-file.ts';
import type { DataStore } from '../store/types.ts';
import { ConfigError, CurioError } from '../errors.ts';
import { withTables } from './sqlite-tables.ts';

export const VERSION_STAMP = /\.r(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z$/;

export interface ModelChoice {
  /** The file to serve. */
  path: string;
  /** Newer members of the family passed over, each with why. */
  skipped: { path: string; why: string }[];
}

/** `NAME` of `NAME.bin` or `NAME.rTIMESTAMP.bin`. */
export function familyStem(model: string): string {
  return basename(model).replace(/\.bin$/, '').replace(VERSION_STAMP, '');
}

/** ms since epoch of a versioned file's stamp, or undefined for an unversioned name. */
function stampTime(file: string): number | undefined {
  const m = VERSION_STAMP.exec(basename(file).replace(/\.bin$/, ''));
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, ms] = m.map(Number) as number[];
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!, ms!);
}

/** A user the model holds that the store no longer has (erased since it was trained), if any. */
async function erasedUserIn(users: { toArray(): string[] }, store: DataStore): Promise<string | undefined> {
  const held = new Set(await withTables(store, (db) => db.prepare('SELECT ext FROM users').pluck().all() as string[]));
  return users.toArray().find((u) => !held.has(u));
}

/**
 * The newest valid model of `model`'s family for `store` (see the module comment). A ConfigError (field --model)
 * when no member is valid, naming each and why.
 */
export async function newestModel(model: string, store: DataStore, o: { allowOtherStore?: boolean } = {}): Promise<ModelChoice> {
  const dir = dirname(model), stem = familyStem(model);
  const escaped = stem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const member = new RegExp(`^${escaped}\\.r\\d{8}T\\d{9}Z\\.bin$`);
  const files = new Set([model]);
  for (const f of await readdir(dir).catch(() => [] as string[])) if (member.test(f) || f === `${stem}.bin`) files.add(join(dir, f));
  const dated: { path: string; t: number }[] = [];
  for (const path of files) {
    const t = stampTime(path) ?? (await stat(path).then((s) => s.mtimeMs, () => -Infinity));
    dated.push({ path, t });
  }
  dated.sort((a, b) => b.t - a.t || (a.path < b.path ? 1 : -1));
  const skipped: ModelChoice['skipped'] = [];
  for (const { path } of dated) {
    try {
      const t = await loadModelFile(path, { store, allowOtherStore: o.allowOtherStore });
      const erased = await erasedUserIn(t.users, store);
      if (erased !== undefined) { skipped.push({ path, why: `trained with user "${erased}", erased from the store since` }); continue; }
      return { path, skipped };
    } catch (e) {
      if (!(e instanceof CurioError)) throw e;
      skipped.push({ path, why: e.message.split('\n')[0]! });
    }
  }
  throw new ConfigError('--model', `no model of the ${stem} family can be served here: ${skipped.map((s) => `${basename(s.path)}: ${s.why}`).join('; ')}. Train one on this store (curio train), or serve a file as it is with --exact-model`);
}
