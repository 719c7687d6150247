/**
 * `npm run bench [-- name ...]`: runs each benchmark script in its own process (so peak memory is per
 * benchmark) and lets each print its own table. Names: the files in bench/ without `.ts`.
 */
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const all = readdirSync(here).filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_')).map((f) => f.slice(0, -3)).sort();
// Flags go to every benchmark; a word after a flag is its value ("--llm-url URL") unless it names a benchmark.
const flags: string[] = [], wanted: string[] = [];
const args = process.argv.slice(2);
args.forEach((a, q) => {
  const prev = args[q - 1];
  if (a.startsWith('-') || (prev?.startsWith('-') && !prev.includes('=') && !all.includes(a))) flags.push(a);
  else wanted.push(a);
});
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length) {
  console.error(`unknown benchmark ${unknown.join(', ')}; available: ${all.join(', ')}`);
  process.exit(2);
}
const names = wanted.length ? wanted : all;
console.log(`# Curio benchmarks — node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB`);
console.log(`# data: ${process.env.CURIO_DATA ?? join(here, '..', '..', 'shared', 'data')}\n`);
let failed = 0;
for (const name of names) {
  console.log(`## ${name}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, `${name}.ts`), ...flags], { stdio: 'inherit' });
  if (r.status !== 0) { failed++; console.log(`(${name} failed with exit code ${r.status})`); }
  console.log('');
}
process.exit(failed ? 1 : 0);
