#!/usr/bin/env node
// Entry point for `npx curio`: runs the compiled CLI bundle in dist/ (see scripts/build.mjs). In a git checkout (src/ beside dist/) whose
// dist/ is missing or older than a source file, it runs the sources through tsx instead, so an edit is
// never silently ignored; `npm run build` (or `npm test`) makes it fast again.
import { existsSync, readdirSync, statSync } from 'node:fs';

const root = new URL('../', import.meta.url);

function distIsCurrent() {
  const src = new URL('src/', root);
  if (!existsSync(src)) return true; // an installed package: dist/ is all there is
  let built;
  try {
    built = statSync(new URL('dist/.built', root)).mtimeMs;
  } catch {
    return false;
  }
  for (const f of readdirSync(src, { recursive: true, encoding: 'utf8' })) {
    if (f.endsWith('.ts') && !f.endsWith('.test.ts') && statSync(new URL(f, src)).mtimeMs > built) return false;
  }
  return true;
}

let main;
if (distIsCurrent()) {
  ({ main } = await import('../dist/cli-bundle/main.js'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
