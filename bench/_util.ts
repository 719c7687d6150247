/** Shared helpers for benchmark scripts: data location, timing, memory, table printing. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { typeName } from '../src/data/interactions.ts';
import type { generateSynthetic } from '../src/data/synthetic.ts';
import type { InteractionRow } from '../src/data/types.ts';
import type { DataStore } from '../src/store/types.ts';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Folder of the shared real data sets, or undefined when absent (benchmarks then use synthetic data only). */
export function dataDir(): string | undefined {
  const d = process.env.CURIO_DATA ?? join(repoRoot, '..', 'shared', 'data');
  return existsSync(d) ? d : undefined;
}

/** Peak resident set size of this process so far, MiB (kernel's maxrss: true peak, not a sample). */
export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/**
 * Peak RSS of this process's own image, KiB: Linux's VmHWM, which restarts at exec. A child spawned by a big
 * parent would otherwise report the parent's RSS (the kernel's maxrss is kept across fork + exec).
 */
export function ownPeakRssKiB(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    // not Linux: the kernel's maxrss is the best there is
  }
  return process.resourceUsage().maxRSS;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Prints rows as an aligned Markdown table. */
export function printTable(rows: Record<string, string | number>[]): void {
  if (!rows.length) return;
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: string | number | undefined) => (v === undefined ? '' : typeof v === 'number' ? fmtNum(v) : v);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => `| ${vals.map((v, i) => v.padEnd(width[i]!)).join(' | ')} |`;
  console.log(line(cols));
  console.log(`|${width.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(cols.map((c) => cell(r[c]))));
}

function fmtNum(v: number): string {
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(1) : a >= 1 ? v.toFixed(3) : v.toPrecision(3);
}

/** Writes a synthetic data set's items and events into `store`, in batches of 50,000 events. */
export async function storeSynthetic(store: DataStore, syn: ReturnType<typeof generateSynthetic>): Promise<void> {
  await store.upsertItems(syn.itemRows());
  const x = syn.interactions;
  for (let from = 0; from < x.length; from += 50_000) {
    const rows: InteractionRow[] = [];
    for (let k = from; k < Math.min(x.length, from + 50_000); k++) {
      rows.push({ user: x.users.id(x.user[k]!), item: x.items.id(x.item[k]!), type: typeName(x.type[k]!), value: x.value[k]!, timestamp: x.time[k]! });
    }
    await store.addInteractions(rows);
  }
}
