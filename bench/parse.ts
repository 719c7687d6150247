/**
 * Delimited-text parsing speed (no store): the UCI Online Retail CSV when present, a synthetic 50 MB file of
 * short lines, and one 50 MB line of 25M fields (the case that was quadratic: 176 s before issue 9).
 * Reports wall and CPU time, MB/s and peak RSS.
 *   npm run bench -- parse [--mb=N]
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDelimitedBatches } from '../src/data/csv.ts';
import { dataDir, peakRssMiB, printTable } from './_util.ts';

const arg = process.argv.find((a) => a.startsWith('--mb='));
const mb = arg ? Number(arg.split('=')[1]) : 50;
const dir = mkdtempSync(join(tmpdir(), 'curio-bench-parse-'));
try {
  const files: [string, string][] = [];
  const data = dataDir();
  if (data) files.push(['online-retail (541,909 lines)', join(data, 'online-retail', 'online_retail.csv')]);
  const lines = join(dir, 'lines.csv');
  const line = '12345,item42,4.5,1300000000\n';
  writeFileSync(lines, line.repeat(Math.round((mb * 1e6) / line.length)));
  files.push([`${mb} MB of short lines`, lines]);
  const huge = join(dir, 'huge.csv');
  writeFileSync(huge, 'a,'.repeat(Math.round((mb * 1e6) / 2)) + '\n');
  files.push([`one ${mb} MB line (${Math.round(mb / 2)}M fields)`, huge]);
  const rows: Record<string, string | number>[] = [];
  for (const [what, path] of files) {
    const t0 = performance.now(), c0 = process.cpuUsage();
    let records = 0;
    for await (const batch of readDelimitedBatches(path)) records += batch.length;
    const s = (performance.now() - t0) / 1000, c = process.cpuUsage(c0), cpu = (c.user + c.system) / 1e6;
    const size = statSync(path).size / 1e6;
    rows.push({ input: what, MB: Math.round(size), records, 'wall s': s, 'CPU s': cpu, 'MB/s (CPU)': size / cpu, 'peak RSS MiB': Math.round(peakRssMiB()) });
  }
  printTable(rows);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
