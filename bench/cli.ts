/**
 * CLI start-up and a recommend call as whole processes, the way a user or a shell script pays for them:
 * median wall time of N runs of `curio --version`, `--help`, `stats` and `recommend` on the demo model
 * (built by `curio demo` in a temp folder), from the compiled package (bin/curio.js -> dist/) and, for
 * comparison, from the TypeScript sources through tsx (what every call cost before dist/ existed).
 * `node -e 0` is Node's own start-up on this machine, the floor under every figure.
 *
 *   npm run bench -- cli [--runs=15]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median, printTable, repoRoot } from './_util.ts';

// `--runs=N` (bench/run.ts forwards only dash arguments).
const runsArg = process.argv.find((a) => a.startsWith('--runs='));
const runs = runsArg ? Number(runsArg.slice(7)) : 15;
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${runsArg}`);

// Measure what ships: a fresh build of dist/.
execFileSync(process.execPath, [join(repoRoot, 'scripts', 'build.mjs')], { stdio: 'inherit' });
const bin = join(repoRoot, 'bin', 'curio.js');
const dir = mkdtempSync(join(tmpdir(), 'curio-bench-cli-'));

/** CPU seconds of this process's waited-for children (Linux /proc; undefined elsewhere). */
const ticks = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();
function childCpuSeconds(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[13]) + Number(f[14])) / ticks; // cutime + cstime (fields 16 and 17)
  } catch {
    return undefined;
  }
}

function once(args: string[]): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return ms;
}

function measure(args: string[]): { median: number; min: number; cpu?: number } {
  once(args); // warm the file cache
  const cpu0 = childCpuSeconds();
  const times = Array.from({ length: runs }, () => once(args));
  const cpu1 = childCpuSeconds();
  return { median: median(times), min: Math.min(...times), cpu: cpu0 === undefined || cpu1 === undefined ? undefined : ((cpu1 - cpu0) / runs) * 1000 };
}

try {
  const demo = spawnSync(process.execPath, [bin, 'demo', '--dir', dir, '--quiet'], { encoding: 'utf8' });
  if (demo.status !== 0) throw new Error(`curio demo failed: ${demo.stderr}`);
  const user = /--user (\S+)/.exec(demo.stdout)?.[1] ?? '15311';
  const fromSource = ['--import', import.meta.resolve('tsx'), '--input-type=module', '-e',
    `const { main } = await import(${JSON.stringify(pathToFileURL(join(repoRoot, 'src', 'cli', 'main.ts')).href)}); process.exitCode = await main(process.argv.slice(1));`, '--'];
  const cases: { name: string; args: string[]; target?: number }[] = [
    { name: '--version', args: ['--version'], target: 150 },
    { name: '--help', args: ['--help'] },
    { name: 'stats', args: ['stats', '--db', 'demo.db'] },
    { name: `recommend (demo model, user ${user})`, args: ['recommend', '--db', 'demo.db', '--model', 'model.bin', '--user', user, '-k', '10'], target: 300 },
  ];
  const rows: Record<string, string | number>[] = [];
  const node = measure(['-e', '0']);
  rows.push({ command: 'node -e 0 (Node start-up alone)', 'dist ms (median)': node.median, 'dist min': node.min, 'dist CPU ms': node.cpu ?? '', 'tsx source ms (median)': '', target: '', met: '' });
  for (const c of cases) {
    const dist = measure([bin, ...c.args]);
    const src = measure([...fromSource, ...c.args]);
    rows.push({
      command: `curio ${c.name}`, 'dist ms (median)': dist.median, 'dist min': dist.min, 'dist CPU ms': dist.cpu ?? '',
      'tsx source ms (median)': src.median, target: c.target ? `< ${c.target}` : '', met: c.target ? (dist.median < c.target ? 'yes' : 'no') : '',
    });
  }
  const [l1] = loadavg();
  console.log(`${runs} runs each after one warm-up; wall time of the whole process (spawn to exit); CPU = user + system of the child. Load average at the end: ${l1!.toFixed(1)} (a shared machine inflates wall times, not CPU).`);
  printTable(rows);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
