#!/usr/bin/env node
// `npm run build` (run by `prepare`, so `npm ci`, `npm pack` and git installs build too): compiles src/ to
// dist/ as ESM JavaScript with .d.ts types, so nothing compiles TypeScript at run time.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
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
// The CLI also ships as one bundle (dist/cli-bundle/, a chunk per lazily loaded command): loading ~140 small
// ES modules (zod alone is ~100) costs more start-up CPU than the work of a `curio recommend`. The bundle is
// made from the tsc output, so both run the same code; the library (`exports`) and the worker entries stay
// the unbundled files. Each module's `import.meta.url` is rewritten to its own file's URL in dist/, so the
// paths it resolves (workers, the native addon, package.json, the demo data) are those of the unbundled build.
const { build } = await import('esbuild');
const bundleDir = join(dist, 'cli-bundle');
const moduleUrls = {
  name: 'module-urls',
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, async (args) => {
      if (!args.path.startsWith(dist + sep)) return undefined;
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const rel = relative(bundleDir, args.path).split(sep).join('/');
      return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: 'js' };
    });
  },
};
await build({
  entryPoints: { main: join(dist, 'cli', 'main.js') },
  outdir: bundleDir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // better-sqlite3: a native addon; prom-client: CommonJS that require()s Node built-ins, which an ESM bundle cannot;
  // @energetic-ai: finds its model and WebAssembly files beside its own modules (__dirname), and is loaded lazily.
  external: ['better-sqlite3', 'prom-client', '@energetic-ai/*'],
  chunkNames: 'chunk-[hash]',
  plugins: [moduleUrls],
  logLevel: 'warning',
});
// bin/curio.js compares this stamp with src/ in a git checkout and runs the sources when dist/ is older.
writeFileSync(join(dist, '.built'), `${new Date().toISOString()}\n`);
