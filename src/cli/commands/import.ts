import type { Command } from '../main.ts';
import { parse } from '../args.ts';
import { importData, IMPORT_FORMATS, type GenericMapping, type ImportReport } from '../../data/importers/index.ts';
import { ConfigError } from '../../errors.ts';
import { progress } from '../progress.ts';
import { openCliStore } from './paths.ts';

const MAPPING_KEYS = ['user', 'item', 'value', 'type', 'timestamp', 'session', 'text'] as const;

export const importCommand: Command = {
  summary: 'import a data set or file into the store (one transaction; re-importing changes nothing)',
  usage: `curio import <format> <path> [--skip-invalid] [--db curio.db]
curio import csv|jsonl <file> --map user=COL,item=COL[,value=COL,type=COL,timestamp=COL,session=COL,text=COL] [--type purchase] [--value 1]

Formats: ${IMPORT_FORMATS.join(', ')}.
A malformed row stops the import with its file, line and field, and nothing is written.
--skip-invalid skips such rows instead, counting them by reason.`,
  async run(argv) {
    const { values: v, positionals } = parse(argv, {
      map: { type: 'string' }, type: { type: 'string' }, value: { type: 'string' }, 'skip-invalid': { type: 'boolean' },
      db: { type: 'string' }, quiet: { type: 'boolean' }, json: { type: 'boolean' },
    }, 'import');
    const [format, path] = positionals;
    if (!format || !path) throw new ConfigError('import', `give a format and a path: curio import <format> <path> (formats: ${IMPORT_FORMATS.join(', ')})`);
    const mapping = v.map ? parseMapping(v.map, v.type, v.value) : undefined;
    const store = await openCliStore(v.db, 'create');
    let imported = false;
    try {
      const bar = progress(`import ${format}`, 0, { quiet: v.quiet });
      const rep = await importData(store, { format, path, mapping, skipInvalid: v['skip-invalid'], onProgress: (d, n) => bar.update(d, n) });
      imported = true;
      bar.finish();
      if (v.json) console.log(JSON.stringify(rep));
      else printReport(rep, store.url);
    } finally {
      // A failed first import must not leave a new, empty store behind (the import is one transaction: empty).
      await store.close({ removeIfNewAndEmpty: !imported });
    }
    return 0;
  },
};

function parseMapping(map: string, type: string | undefined, value: string | undefined): GenericMapping {
  const m: Record<string, string> = {};
  for (const pair of map.split(',')) {
    const [k, col] = pair.split('=');
    if (!k || !col || !(MAPPING_KEYS as readonly string[]).includes(k)) throw new ConfigError('--map', `"${pair}" is not one of ${MAPPING_KEYS.join('|')}=COLUMN`);
    m[k] = col;
  }
  if (!m.user || !m.item) throw new ConfigError('--map', 'needs at least user=COLUMN and item=COLUMN');
  const v = value !== undefined ? Number(value) : undefined;
  if (v !== undefined && !Number.isFinite(v)) throw new ConfigError('--value', `"${value}" is not a number`);
  return { ...(m as unknown as GenericMapping), defaults: { ...(type ? { type } : {}), ...(v !== undefined ? { value: v } : {}) } };
}

export function printReport(r: ImportReport, where: string): void {
  console.log(`${r.format} ${r.file} -> ${where}`);
  console.log(`  rows read     ${r.rows}\n  records       ${r.imported} (${r.inserted} new, ${r.updated} updated, ${r.unchanged} unchanged)`);
  if (r.merged) console.log(`  merged        ${r.merged} (rows folded into another row's record)`);
  console.log(`  skipped       ${r.skipped}`);
  for (const [reason, n] of Object.entries(r.skippedByReason)) console.log(`    ${String(n).padStart(7)}  ${reason}`);
  for (const e of r.firstErrors) console.log(`    e.g. ${e.message}`);
}
