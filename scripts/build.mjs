#!/usr/bin/env node
// `npm run build` (run by `prepare`, so `npm ci`, `npm pack` and git installs build too): compiles src/ to
// dist/ as ESM JavaScript with .d.ts types, so nothing compiles TypeScript at run time.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
// A clean build: files of deleted modules must not linger in dist/ (and in the package).
rmSync(dist, { recursive: true, force: true });
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);
// rewriteRelativeImportExtensions rewrites `./x.ts` to `./x.js` in the JavaScript only; the declarations keep
// `.ts`, which TypeScript 5+ resolves but older compilers do not, so they get the `.js` a hand-written
// package would have.
for (const f of readdirSync(dist, { recursive: true, encoding: 'utf8' })) {
  if (!f.endsWith('.d.ts')) continue;
  const p = join(dist, f);
  const src = readFileSync(p, 'utf8');
  const out = src.replace(/((?:from |import\()\s*['"])(\.{1,2}\/[^'"]*)\.ts(['"])/g, '$1$2.js$3');
  if (out !== src) writeFileSync(p, out);
}
// bin/curio.js compares this stamp with src/ in a git checkout and runs the sources when dist/ is older.
writeFileSync(join(dist, '.built'), `${new Date().toISOString()}\n`);
