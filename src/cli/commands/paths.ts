import { ConfigError } from '../../errors.ts';
import { isMemoryStore, openStore } from '../../store/registry.ts';
import type { DataStore } from '../../store/types.ts';

/** Where the CLI keeps things unless told otherwise. */
export const defaultDb = (): string => process.env.CURIO_DB ?? 'curio.db';
export const defaultModel = (): string => process.env.CURIO_MODEL ?? 'curio-model.bin';

/**
 * Opens the store of `--db` (or the default) for a command. Commands that `use` a store never create one: a
 * mistyped --db says the file does not exist instead of leaving a new empty store behind. Only `import`
 * creates. `:memory:` is refused: a store that lives in one command's memory starts empty and is gone when the
 * command ends, so whatever the command did to it, or learnt from it, would be lost.
 */
export async function openCliStore(db: string | undefined, mode: 'use' | 'create'): Promise<DataStore> {
  const url = db ?? defaultDb();
  if (isMemoryStore(url)) {
    throw new ConfigError('--db', `"${url}" is a store that exists only while this one command runs: the command would ${mode === 'create' ? 'write into it and lose everything when it ends' : 'find it empty'}; give a store file, e.g. --db curio.db`);
  }
  return openStore(url, { create: mode === 'create' });
}
