/**
 * Encoding a whole catalogue with `use` (USE-lite on WebAssembly), as `curio ask` does on first use (batches of
 * 64 through the vector cache, no cache file), on one thread and on worker threads each holding its own model:
 * seconds, items per second, and the lowest cosine between a row and the same row on one thread.
 * Texts: each ml-latest-small item's title, genres and users' tags (the asker's documents). The model load / the
 * workers' start is timed apart (a first call of 64 texts).
 *   npm run bench -- encode [--threads=1,2] [--items=N]
 */
import { join } from 'node:path';
import { importData } from '../src/data/importers/index.ts';
import { SqliteStore } from '../src/store/sqlite/index.ts';
import { Engine } from '../src/engine/engine.ts';
import { Asker } from '../src/ask/index.ts';
import { encodeCached, VectorCache } from '../src/text/cache.ts';
import { UseEncoder } from '../src/text/use.ts';
import { progress } from '../src/cli/progress.ts';
import { dataDir, printTable } from './_util.ts';

const data = dataDir();
if (!data) {
  console.log('(skipped: no ../shared/data; set CURIO_DATA)');
  process.exit(0);
}
const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const threadList = (arg('threads') ?? '1,2').split(',').map(Number);
const store = SqliteStore.open(':memory:');
await importData(store, { format: 'movielens-latest', path: join(data, 'ml-latest-small') });
const engine = await Engine.open({ store });
const asker = await Asker.open(engine, { encoder: false });
let docs = Array.from({ length: engine.catalog.size }, (_, i) => Asker.itemDocument(engine, asker.tags, i));
const limit = Number(arg('items') ?? docs.length);
docs = docs.slice(0, limit);
console.log(`ml-latest-small: ${docs.length} item texts (title, genres, users' tags), median ${[...docs].map((t) => t.length).sort((a, b) => a - b)[docs.length >> 1]} characters; use, batches of 64 as curio ask encodes. Machine shared with other jobs: wall times include waiting for a core.\n`);

const rows: Record<string, string | number>[] = [];
let reference: Float32Array | undefined;
for (const threads of threadList) {
  const enc = new UseEncoder({ threads });
  let t = performance.now();
  await enc.encode(docs.slice(0, 64)); // loads the model (threads = 1) or starts the workers
  const startS = (performance.now() - t) / 1000;
  const bar = progress(`use on ${threads} thread${threads > 1 ? 's' : ''}`, docs.length);
  const cpu = process.cpuUsage();
  t = performance.now();
  const v = await encodeCached(enc, docs, new VectorCache(enc.key, enc.dimension), { batch: 64, onProgress: (done) => bar.update(done, docs.length) });
  const s = (performance.now() - t) / 1000;
  bar.finish();
  const c = process.cpuUsage(cpu);
  let worst = 1;
  if (reference) {
    for (let r = 0; r < docs.length; r++) {
      let ab = 0, aa = 0, bb = 0;
      for (let x = 0; x < 512; x++) { const p = reference[r * 512 + x]!, q = v[r * 512 + x]!; ab += p * q; aa += p * p; bb += q * q; }
      if (aa > 0 || bb > 0) worst = Math.min(worst, ab / Math.sqrt(aa * bb));
    }
  } else reference = v;
  rows.push({ threads, items: docs.length, 'model load / workers start s': startS, 'encode s': s, 'items/s': docs.length / s, 'process cpu s': (c.user + c.system) / 1e6, 'speed-up': rows.length ? (rows[0]!['encode s'] as number) / s : 1, 'lowest cosine to 1 thread': rows.length ? worst.toFixed(6) : '-' });
}
printTable(rows);
await store.close();
