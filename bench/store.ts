/**
 * Store throughput: a synthetic CSV of N events (written by `curio generate`) imported into a fresh SQLite
 * file through the streaming importer (one transaction), the same file re-imported (nothing new is written),
 * and a columnar snapshot read back for training. The anchor is the sqlite3 shell's `.import` of the same CSV
 * into a table keyed by (user, timestamp, item, type), same journal settings; Curio and the shell run
 * alternately, round after round, so a machine loaded by other work slows both sides alike. Seconds and ratios
 * are medians over the rounds; CPU seconds (user + system) are printed too, as they depend less on the load.
 * Peak RSS is this process's (the shell runs as a child).
 *   npm run bench -- store [--events=N] [--rounds=R]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../src/store/registry.ts';
import { importData } from '../src/data/importers/index.ts';
import { median, peakRssMiB, printTable, repoRoot } from './_util.ts';

const num = (name: string, dflt: number) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.split('=')[1]) : dflt;
};
const events = num('events', 1_000_000), rounds = num('rounds', 2);

/** The sqlite3 shell, installed from Debian when missing (as root); undefined, with the reason printed, if not. */
function sqliteShell(): string | undefined {
  const has = () => spawnSync('sqlite3', ['--version'], { encoding: 'utf8' }).status === 0;
  if (has()) return 'sqlite3';
  console.log('sqlite3 shell not found: installing Debian\'s sqlite3 (apt-get install -y sqlite3)...');
  const r = spawnSync('sh', ['-c', 'apt-get install -y sqlite3 || (apt-get update && apt-get install -y sqlite3)'], { encoding: 'utf8', stdio: 'inherit' });
  if (r.status === 0 && has()) return 'sqlite3';
  console.log('the sqlite3 shell could not be installed (needs root and apt-get); the anchor rows are left out');
  return undefined;
}

/** Wall and CPU seconds of a shell command (bash's `time` reports the child's user and system time). */
function timedShell(cmd: string): { wall: number; cpu: number } {
  const t0 = performance.now();
  const r = spawnSync('bash', ['-c', `TIMEFORMAT='%3U %3S'; time (${cmd})`], { encoding: 'utf8' });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  const [u, s] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return { wall, cpu: u! + s! };
}

async function timed<T>(fn: () => Promise<T>): Promise<{ wall: number; cpu: number; result: T }> {
  const c0 = process.cpuUsage(), t0 = performance.now();
  const result = await fn();
  const wall = (performance.now() - t0) / 1000, c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1e6, result };
}

const dir = mkdtempSync(join(tmpdir(), 'curio-bench-store-'));
try {
  const csv = join(dir, 'events.csv');
  const gen = spawnSync(process.execPath, [join(repoRoot, 'bin/curio.js'), 'generate', '--users', String(Math.round(events / 160)), '--items', String(Math.round(events / 250)), '--interactions', String(events), '--out', csv, '--quiet'], { encoding: 'utf8' });
  if (gen.status !== 0) throw new Error(`curio generate failed: ${gen.stderr}`);
  const mib = statSync(csv).size / 2 ** 20;
  const shell = sqliteShell();
  const sql = join(dir, 'shell.sql');
  writeFileSync(sql, [
    'PRAGMA journal_mode = WAL;', 'PRAGMA synchronous = NORMAL;', 'PRAGMA cache_size = -65536;',
    'CREATE TABLE events (user TEXT NOT NULL, item TEXT NOT NULL, type TEXT NOT NULL, value REAL NOT NULL, timestamp TEXT NOT NULL, PRIMARY KEY (user, timestamp, item, type));',
    `.import --csv --skip 1 ${csv} events`, '',
  ].join('\n'));
  const mapping = { user: 'user', item: 'item', type: 'type', value: 'value', timestamp: 'timestamp' };
  const runs: Record<string, { wall: number; cpu: number }[]> = { shell: [], import: [], reimport: [], snapshot: [] };
  let note = '', dbMiB = 0;
  const rm = (f: string) => { for (const x of [f, `${f}-wal`, `${f}-shm`]) rmSync(x, { force: true }); };
  for (let round = 0; round < rounds; round++) {
    if (shell) {
      const f = join(dir, 'shell.db');
      rm(f);
      runs.shell!.push(timedShell(`${shell} ${f} < ${sql} > /dev/null`));
      rm(f);
    }
    const dbFile = join(dir, 'bench.db');
    rm(dbFile);
    const store = await openStore(dbFile);
    const a = await timed(() => importData(store, { format: 'csv', path: csv, mapping }));
    if (a.result.inserted !== events) throw new Error(`import inserted ${a.result.inserted}, expected ${events}`);
    const b = await timed(() => importData(store, { format: 'csv', path: csv, mapping }));
    if (b.result.unchanged !== events || b.result.inserted !== 0) throw new Error(`re-import: ${JSON.stringify(b.result)}`);
    const c = await timed(() => store.snapshot());
    if (c.result.length !== events) throw new Error(`snapshot has ${c.result.length} events, expected ${events}`);
    note = `${c.result.users.size} users, ${c.result.items.size} items`;
    await store.close();
    dbMiB = statSync(dbFile).size / 2 ** 20;
    runs.import!.push(a); runs.reimport!.push(b); runs.snapshot!.push(c);
  }
  const shellWall = runs.shell!.length ? median(runs.shell!.map((r) => r.wall)) : NaN;
  const shellCpu = runs.shell!.length ? median(runs.shell!.map((r) => r.cpu)) : NaN;
  const steps: [string, string, string][] = [
    ['shell', 'sqlite3 shell .import (anchor, PK table)', `${mib.toFixed(0)} MiB CSV`],
    ['import', 'Curio import CSV (new store, one transaction)', `${events} inserted`],
    ['reimport', 'Curio re-import the same CSV', `${events} unchanged`],
    ['snapshot', 'snapshot (columnar, for training)', note],
  ];
  const rows: Record<string, string | number>[] = [];
  for (const [key, step, what] of steps) {
    const r = runs[key]!;
    if (!r.length) continue;
    const wall = median(r.map((x) => x.wall)), cpu = median(r.map((x) => x.cpu));
    rows.push({
      step, events, seconds: wall, 'events/s': Math.round(events / wall), 'CPU s': cpu,
      'x shell (wall)': key === 'snapshot' || !shell ? '' : (wall / shellWall).toFixed(2),
      'x shell (CPU)': key === 'snapshot' || !shell ? '' : (cpu / shellCpu).toFixed(2),
      note: what,
    });
  }
  printTable(rows);
  console.log(`\nmedians of ${rounds} alternating rounds; SQLite file ${dbMiB.toFixed(0)} MiB; peak RSS ${peakRssMiB().toFixed(0)} MiB (this process)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
