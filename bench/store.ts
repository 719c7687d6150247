/**
 * Store throughput: a synthetic CSV of N events (written by `curio generate`) imported into a fresh SQLite
 * file through the streaming importer (one transaction), the same file re-imported (nothing new is written),
 * and a columnar snapshot read back for training. Peak RSS is this process's.
 *   npm run bench -- store [--events=N]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../src/store/registry.ts';
import { importData } from '../src/data/importers/index.ts';
import { peakRssMiB, printTable, repoRoot } from './_util.ts';

const arg = process.argv.find((a) => a.startsWith('--events='));
const events = arg ? Number(arg.split('=')[1]) : 1_000_000;
const dir = mkdtempSync(join(tmpdir(), 'curio-bench-store-'));
try {
  const csv = join(dir, 'events.csv');
  const gen = spawnSync(process.execPath, [join(repoRoot, 'bin/curio.js'), 'generate', '--users', String(Math.round(events / 160)), '--items', String(Math.round(events / 250)), '--interactions', String(events), '--out', csv, '--quiet'], { encoding: 'utf8' });
  if (gen.status !== 0) throw new Error(`curio generate failed: ${gen.stderr}`);
  const mib = statSync(csv).size / 2 ** 20;
  const dbFile = join(dir, 'bench.db');
  const store = await openStore(dbFile);
  const mapping = { user: 'user', item: 'item', type: 'type', value: 'value', timestamp: 'timestamp' };
  const rows: Record<string, string | number>[] = [];
  const timed = async <T>(what: string, fn: () => Promise<T>, note: (r: T) => string) => {
    const t0 = performance.now();
    const r = await fn();
    const s = (performance.now() - t0) / 1000;
    rows.push({ step: what, events, seconds: s, 'events/s': Math.round(events / s), note: note(r) });
    return r;
  };
  await timed('import CSV (new file, one transaction)', () => importData(store, { format: 'csv', path: csv, mapping }), (r) => `${r.inserted} inserted, ${mib.toFixed(0)} MiB CSV`);
  await timed('re-import the same CSV', () => importData(store, { format: 'csv', path: csv, mapping }), (r) => `${r.inserted} inserted, ${r.unchanged} unchanged`);
  const snap = await timed('snapshot (columnar, for training)', () => store.snapshot(), (d) => `${d.users.size} users, ${d.items.size} items`);
  if (snap.length !== events) throw new Error(`snapshot has ${snap.length} events, expected ${events}`);
  await store.close();
  printTable(rows);
  console.log(`\nSQLite file ${(statSync(dbFile).size / 2 ** 20).toFixed(0)} MiB; peak RSS ${peakRssMiB().toFixed(0)} MiB`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
