/**
 * `curio ask` on real data (ml-latest-small and Online Retail; needs ../shared/data or $CURIO_DATA):
 * 1. the request set test-data/ask-requests.json, once per soft-query encoder (none = BM25 alone, tfidf, use):
 *    constraint satisfaction of the top 10, checked on the catalogue (and of the places a satisfying item could
 *    fill: a request for 7 alarm clocks under £4 cannot fill 10), and the latency of a request (parse + filter
 *    masks + BM25 + query encoding + cosine + ranking; the store, catalogue, text index and item vectors are
 *    loaded once, as in a server), and the time to encode the whole catalogue with each encoder (no vector cache,
 *    progress bar on stderr);
 * 2. personalised ranking inside the constraints: per ml-latest-small user, the latest rating >= 4 is held out; a
 *    request made from that movie ("comedy from the 1990s": its first genre and its decade) is answered with the
 *    user's iALS model (trained without the held-out ratings) and without (popularity); NDCG@10 of the held-out
 *    movie, which satisfies the request by construction.
 *   npm run bench -- ask [--encoders=none,tfidf,use]
 */
import { join } from 'node:path';
import { importData } from '../src/data/importers/index.ts';
import type { InteractionRow, ItemRow } from '../src/data/types.ts';
import { SqliteStore } from '../src/store/sqlite/index.ts';
import { Engine } from '../src/engine/engine.ts';
import { trainFromStore } from '../src/pipeline/train.ts';
import { Asker } from '../src/ask/index.ts';
import { loadRequestSet, runRequestSet } from '../src/ask/request-set.ts';
import { progress } from '../src/cli/progress.ts';
import { dataDir, median, printTable, repoRoot } from './_util.ts';

const data = dataDir();
if (!data) {
  console.log('(skipped: no ../shared/data; set CURIO_DATA)');
  process.exit(0);
}
/** CPU milliseconds (user + system, all threads of this process) since `from`. */
function cpuMs(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
}
const requests = loadRequestSet(join(repoRoot, 'test-data/ask-requests.json'));
const REPS = 20;
console.log(`Requests answered on one thread, ${REPS} passes over the set after a warm-up pass; open = vocabulary + BM25 index + the whole catalogue encoded (no vector cache). Machine shared with other jobs: the cpu columns (this process's user + system time) are what the work costs without the wait for a core.\n`);
const encoders = (process.argv.find((a) => a.startsWith('--encoders='))?.slice(11) ?? 'none,tfidf,use').split(',');

for (const s of [
  { data: 'ml-latest-small', format: 'movielens-latest', path: 'ml-latest-small' },
  { data: 'online-retail', format: 'online-retail', path: 'online-retail/online_retail.csv' },
]) {
  const store = SqliteStore.open(':memory:');
  await importData(store, { format: s.format, path: join(data, s.path) });
  const engine = await Engine.open({ store });
  const rows: Record<string, string | number>[] = [];
  for (const encoder of encoders) {
    let t = performance.now();
    let cpu = process.cpuUsage();
    const bar = progress(`${s.data}: indexing item text (${encoder})`, engine.catalog.size);
    const asker = await Asker.open(engine, { encoder: encoder === 'none' ? false : encoder, vectorCache: false, onProgress: (done, total, note) => bar.update(done, total, note) });
    bar.finish();
    const openMs = performance.now() - t;
    const openCpu = cpuMs(cpu);
    const set = requests.filter((r) => r.data === s.data);
    const results = await runRequestSet(asker, set); // also warms masks and the popularity prior
    let ret = 0, sat = 0, empty = 0, emptyOk = 0, reachable = 0;
    for (const r of results) {
      if (r.emptyOk !== undefined) { empty++; if (r.emptyOk) emptyOk++; continue; }
      ret += r.returned; sat += r.satisfied; reachable += Math.min(r.returned, r.attainable);
    }
    const times: number[] = [], worded: number[] = [], wordedCpu: number[] = [];
    for (let rep = 0; rep < REPS; rep++) {
      for (const r of set) {
        t = performance.now();
        cpu = process.cpuUsage();
        const a = await asker.ask(r.request, { k: 10 });
        const ms = performance.now() - t;
        times.push(ms);
        if (a.understood.queryWords.length) { worded.push(ms); wordedCpu.push(cpuMs(cpu)); }
      }
    }
    times.sort((a, b) => a - b);
    worded.sort((a, b) => a - b);
    rows.push({
      data: s.data, encoder, requests: set.length, 'top-10 items checked': ret, 'constraint satisfaction': sat / ret,
      'of attainable': sat / reachable,
      'empty answers named': `${emptyOk}/${empty}`, 'open s (index + encode catalogue)': openMs / 1000, 'open cpu s': openCpu / 1000,
      'items encoded': asker.itemVectors?.computed ?? 0, 'request median ms': median(times), 'request p95 ms': times[Math.floor(times.length * 0.95)]!,
      'with query words: n': worded.length / REPS, 'median ms': median(worded), 'p95 ms': worded[Math.floor(worded.length * 0.95)] ?? 0, 'median cpu ms': median(wordedCpu),
    });
  }
  printTable(rows); // one table per data set, printed as soon as it is measured
  await store.close();
}


// Personalised NDCG@10 inside the constraints.
const full = SqliteStore.open(':memory:');
await importData(full, { format: 'movielens-latest', path: join(data, 'ml-latest-small') });
const items: ItemRow[] = [];
for await (const b of full.scanItems({ batch: 5000 })) items.push(...b);
const byUser = new Map<string, InteractionRow[]>();
for await (const b of full.scan({ batch: 20_000 })) {
  for (const r of b) {
    let l = byUser.get(r.user);
    if (!l) byUser.set(r.user, (l = []));
    l.push(r);
  }
}
await full.close();
const train: InteractionRow[] = [];
const held: { user: string; item: string }[] = [];
for (const [user, l] of byUser) {
  const ratings = l.filter((r) => r.type === 'rating').sort((a, b) => a.timestamp - b.timestamp);
  const last = [...ratings].reverse().find((r) => (r.value ?? 0) >= 4);
  if (ratings.length < 20 || !last) { train.push(...l); continue; }
  held.push({ user, item: last.item });
  // every event of that movie by that user (rating and tags) leaves the training data
  train.push(...l.filter((r) => r.item !== last.item));
}
const store = SqliteStore.open(':memory:');
await store.upsertItems(items);
await store.addInteractions(train);
const model = await trainFromStore(store, { model: { kind: 'ials', config: {} } });
const plain = await Asker.open(await Engine.open({ store }), { encoder: false }); // the requests below are all constraints: no query words
const personal = await Asker.open(await Engine.open({ store, model }), { encoder: false });
const itemById = new Map(items.map((r) => [r.id, r]));
const ndcg = { personal: 0, plain: 0 };
let cases = 0;
const pTimes: number[] = [];
const cands: number[] = [];
for (const h of held) {
  const it = itemById.get(h.item)!;
  const genre = it.categories?.[0];
  const year = (it.attrs as { year?: number } | undefined)?.year;
  if (!genre || genre.startsWith('(') || !year) continue;
  const request = `${genre.toLowerCase()} from the ${Math.floor(year / 10) * 10}s`;
  const gain = (list: { item: string }[]) => { const r = list.findIndex((x) => x.item === h.item); return r < 0 ? 0 : 1 / Math.log2(r + 2); };
  let t = performance.now();
  const a = await personal.ask(request, { user: h.user, k: 10 });
  pTimes.push(performance.now() - t);
  t = performance.now();
  const b = await plain.ask(request, { k: 10 });
  if (!a.understood.personalised) continue;
  cands.push(a.understood.candidates);
  ndcg.personal += gain(a.items);
  ndcg.plain += gain(b.items);
  cases++;
}
printTable([
  { ranking: 'iALS scores inside the constraints (--user)', 'NDCG@10': ndcg.personal / cases, requests: cases, 'median candidates': median(cands), 'median ms': median(pTimes) },
  { ranking: 'popularity inside the constraints (no user)', 'NDCG@10': ndcg.plain / cases, requests: cases, 'median candidates': median(cands), 'median ms': '' },
]);
await store.close();
