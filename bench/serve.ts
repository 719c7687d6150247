/**
 * `curio serve` under load, measured with autocannon over a real socket on 127.0.0.1: a 30,000-item catalogue and a
 * 64-factor iALS model (synthetic data in a real SQLite store); the server runs as its own process (the CLI), the
 * load generator in this one — both on the same machine, sharing its cores.
 *   recommend: POST /v1/recommend, k = 10, known users drawn at random;
 *   events: POST /v1/events, batches of 100 and single events (durable: each acknowledged after its group commit,
 *           synchronous = FULL);
 *   hot swap: the recommend load while the model is reloaded every second; failures and p99 during the swaps;
 *   background retrain: the recommend load while POST /v1/model/retrain trains a new model in a child process and
 *           swaps it in (runs of --seconds until it is done); failures, the worst run's p99 and the swap run's p99;
 *   server memory: resident set (VmRSS) and its peak (VmHWM) after the runs.
 * The runs start when the server has cached users' histories (it does so after it listens; the time is printed).
 *   popular, trending, related, bought-together: the aggregate recipes (fitted on the store's events), k = 10, the
 *           last two for an item drawn at random (their first request waits for the snapshot and fit: the max column);
 *   ceiling: a bare node:http server returning one real recommend answer under the same load (HTTP alone, no work).
 * Options: --seconds=N per run (default 10), --connections=N (default 16), --runs=recommend,recommend-at,popular,trending,related,bought-together,ceiling,events,single,swap,retrain (default
 * all), --events=N stored before the runs (default 1,000,000: the store the issue's memory figure asks for),
 * --workers=N (default 1: curio serve --workers N; CPU and memory are then summed over the primary and its workers),
 * --at=N (default 2000): recommend-at offers N requests a second (autocannon's overallRate) and reports the latency
 * at that throughput; the recommend row is at saturation (every connection sends its next request at once).
 * Server CPU ms per request (user + system time of the server process over the run, from /proc, divided by the
 * requests answered) hardly depends on what else the machine runs, unlike req/s and latencies: compare that column
 * across machines and loads; read req/s and p99 with the load average printed beside them.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { generateSynthetic } from '../src/data/synthetic.ts';
import { openStore } from '../src/store/registry.ts';
import { trainFromStore } from '../src/pipeline/train.ts';
import { saveModelFile } from '../src/pipeline/model-file.ts';
import { ApiKeys } from '../src/serve/keys.ts';
import { Rng } from '../src/data/random.ts';
import { printTable, repoRoot, storeSynthetic } from './_util.ts';

const arg = (name: string, dflt: number) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : dflt;
};
const seconds = arg('seconds', 10), connections = arg('connections', 16), workers = arg('workers', 1), offered = arg('at', 2000);
const runs = new Set((process.argv.find((x) => x.startsWith('--runs='))?.slice(7) ?? 'recommend,recommend-at,popular,trending,related,bought-together,ceiling,events,single,swap,retrain').split(','));
const load = () => loadavg().map((x) => x.toFixed(1)).join(', ');
const loadAtStart = load();
const items = 30_000, users = 20_000, interactions = arg('events', 1_000_000);
const dir = mkdtempSync(join(tmpdir(), 'curio-bench-serve-'));
let server: ReturnType<typeof spawn> | undefined;
try {
  const syn = generateSynthetic({ users, items, interactions, seed: 5 });
  const db = join(dir, 'bench.db');
  const store = await openStore(db);
  await storeSynthetic(store, syn);
  const trained = await trainFromStore(store, { model: { kind: 'ials', config: { factors: 64, iterations: 3 } } });
  const model = join(dir, 'model.bin');
  await saveModelFile(model, trained);
  const keys = new ApiKeys(store);
  const read = (await keys.create('read')).key, write = (await keys.create('write')).key, admin = (await keys.create('admin')).key;
  const known = trained.users.toArray(), knownItems = trained.items.toArray();
  await store.close();

  server = spawn(process.execPath, [join(repoRoot, 'bin', 'curio.js'), 'serve', '--db', db, '--model', model, '--port', '0', '--rate', '1000000', '--burst', '1000000', '--workers', String(workers)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let url = '';
  let pids = [server.pid!];
  let warmed = 0;
  const lines = createInterface({ input: server.stdout! });
  // The runs start once the server has read users' histories into memory (it answers meanwhile, from the store).
  let cachedIn = '';
  for await (const line of lines) {
    const l = JSON.parse(line) as { msg: string; url?: string; users?: number; seconds?: number; pids?: number[] };
    if (l.msg === 'curio serving') { url = l.url!; pids = [server.pid!, ...(l.pids ?? [])]; }
    if (l.msg === 'histories cached' && ++warmed === workers) { cachedIn = `${l.users!.toLocaleString('en')} users' histories cached ${l.seconds} s after start${workers > 1 ? ' (the last worker)' : ''}`; break; }
    if (l.msg.startsWith('histories not cached')) { cachedIn = l.msg; break; }
  }
  server.stdout!.resume(); // request logs: read and dropped
  const rng = new Rng(11);
  const auth = (key: string) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });

  /** The server's CPU seconds so far (user + system of its processes, from /proc): per request, a figure the machine's load barely moves. */
  const cpu = (of = pids) => of.reduce((sum, pid) => {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return sum + (Number(f[11]) + Number(f[12])) / 100;
  }, 0);
  let cpuPerRequest = 0;
  const run = async (path: string, key: string, body: () => string, overallRate?: number) => {
    const c0 = cpu();
    const r = await autocannon({
      url, connections, duration: seconds, ...(overallRate ? { overallRate } : {}),
      requests: [{ method: 'POST', path, headers: auth(key), setupRequest: (req) => ({ ...req, body: body() }) }],
    });
    cpuPerRequest = ((cpu() - c0) * 1000) / Math.max(1, r['2xx'] + r.non2xx);
    return r;
  };
  // Warm-up: fits nothing for recommend, but pages the model and store in.
  await autocannon({ url, connections: 4, duration: 2, requests: [{ method: 'POST', path: '/v1/recommend', headers: auth(read), setupRequest: (r) => ({ ...r, body: JSON.stringify({ user: known[rng.int(known.length)], k: 10 }) }) }] });

  const rows: Record<string, string | number>[] = [];
  const row = (name: string, r: Awaited<ReturnType<typeof autocannon>>, perRequest = 1) => rows.push({
    run: name, 'req/s': Math.round(r.requests.mean), 'events/s': perRequest > 0 ? Math.round(r.requests.mean * perRequest) : '', 'p50 ms': r.latency.p50, 'p99 ms': r.latency.p99,
    'max ms': r.latency.max, '2xx': r['2xx'], 'non-2xx': r.non2xx, errors: r.errors + r.timeouts, 'server CPU ms/req': cpuPerRequest,
  });

  if (runs.has('recommend')) row('recommend k=10', await run('/v1/recommend', read, () => JSON.stringify({ user: known[rng.int(known.length)], k: 10 })), 0);
  // The latency at a given throughput, not at saturation: autocannon offers `--at` requests a second and no more.
  if (runs.has('recommend-at')) row(`recommend k=10, offered at ${offered.toLocaleString('en')} req/s`, await run('/v1/recommend', read, () => JSON.stringify({ user: known[rng.int(known.length)], k: 10 }), offered), 0);
  for (const recipe of ['popular', 'trending']) {
    if (runs.has(recipe)) row(`${recipe} k=10`, await run(`/v1/${recipe}`, read, () => JSON.stringify({ k: 10 })), 0);
  }
  const anItem = () => knownItems[rng.int(knownItems.length)]!;
  if (runs.has('related')) row('related k=10 (a random item)', await run('/v1/related', read, () => JSON.stringify({ context: { item: anItem() }, k: 10 })), 0);
  if (runs.has('bought-together')) row('bought-together k=10 (a random item)', await run('/v1/bought-together', read, () => JSON.stringify({ items: [anItem()], k: 10 })), 0);
  if (runs.has('ceiling')) {
    // The reference: a bare node:http server that reads each body and returns one real recommend answer (its bytes
    // and headers), no work at all, under the same load: what HTTP alone costs on this machine.
    const answer = await fetch(`${url}/v1/recommend`, { method: 'POST', headers: auth(read), body: JSON.stringify({ user: known[0], k: 10 }) });
    const body = await answer.text();
    const bare = spawn(process.execPath, ['-e', `
      const body = ${JSON.stringify(body)};
      const s = require('node:http').createServer((req, res) => {
        req.on('data', () => {});
        req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'x-request-id': require('node:crypto').randomUUID() }); res.end(body); });
      });
      s.listen(0, '127.0.0.1', () => console.log(s.address().port));`], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const port = await new Promise<string>((resolve) => bare.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())));
      const c0 = cpu([bare.pid!]);
      const r = await autocannon({ url: `http://127.0.0.1:${port}`, connections, duration: seconds, requests: [{ method: 'POST', path: '/v1/recommend', headers: auth(read), setupRequest: (req) => ({ ...req, body: JSON.stringify({ user: known[rng.int(known.length)], k: 10 }) }) }] });
      cpuPerRequest = ((cpu([bare.pid!]) - c0) * 1000) / Math.max(1, r['2xx'] + r.non2xx);
      row(`reference: bare node:http, the same ${(Buffer.byteLength(body) / 1024).toFixed(1)} KB answer`, r, 0);
    } finally {
      bare.kill();
    }
  }
  let seq = 0;
  const batch = (n: number) => () => JSON.stringify({ events: Array.from({ length: n }, () => ({ user: `bench-${seq % 5000}`, item: `i${rng.int(items)}`, type: 'view', timestamp: 1_700_000_000_000 + seq++ })) });
  if (runs.has('events')) row('events, batches of 100', await run('/v1/events', write, batch(100)), 100);
  if (runs.has('single')) row('events, single', await run('/v1/events', write, batch(1)), 1);

  // Hot swap: reload the model over and over (one at a time, a second apart) under the recommend load.
  if (runs.has('swap')) await swapRun();
  async function swapRun() {
    let swaps = 0, swapFailures = 0, loading = true;
    const swapper = (async () => {
      while (loading) {
        await new Promise((r) => setTimeout(r, 1000));
        if (!loading) break;
        const r = await fetch(`${url}/v1/model/reload`, { method: 'POST', headers: auth(admin), body: '{}' }).catch(() => undefined);
        if (r?.status === 200) swaps++; else swapFailures++;
      }
    })();
    const during = await run('/v1/recommend', read, () => JSON.stringify({ user: known[rng.int(known.length)], k: 10 }));
    loading = false;
    await swapper;
    row(`recommend during ${swaps} model swaps`, during, 0);
    if (swapFailures) console.log(`(${swapFailures} reloads failed)`);
  }
  const retrain = runs.has('retrain') ? await duringRetrain(url, auth(admin), async () => {
    const r = await run('/v1/recommend', read, () => JSON.stringify({ user: known[rng.int(known.length)], k: 10 }));
    return { ...r, cpuPerRequest };
  }) : undefined;
  for (const [name, r] of retrain?.rows ?? []) {
    cpuPerRequest = r.cpuPerRequest;
    row(name, r, 0);
  }

  const statuses = pids.map((pid) => readFileSync(`/proc/${pid}/status`, 'utf8'));
  const kb = (k: string) => statuses.reduce((sum, status) => sum + Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN) / 1024, 0);
  console.log(`30,000 items, iALS 64 factors, ${interactions.toLocaleString('en')} stored events (+ those written above); ${connections} connections, ${seconds} s per run;`);
  console.log(`server (curio serve, ${workers > 1 ? `--workers ${workers}: ${workers} processes and their primary` : 'one process'}) and load generator (autocannon, this process) share this machine's cores;`);
  console.log(`load average (1, 5, 15 min) at the start: ${loadAtStart}; at the end: ${load()} (other work on the machine counts: 2 cores);`);
  console.log(`${cachedIn}, before the runs.\n`);
  printTable(rows);
  console.log(`\nserver memory${pids.length > 1 ? `, summed over its ${pids.length} processes` : ''}: RSS ${kb('VmRSS').toFixed(0)} MiB, peak ${kb('VmHWM').toFixed(0)} MiB`);
  if (retrain) console.log(retrain.note);
} finally {
  server?.kill('SIGTERM');
  if (server) await new Promise((r) => server!.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}

type Run = Awaited<ReturnType<typeof autocannon>> & { cpuPerRequest: number };

/**
 * The recommend load while a background retrain (POST /v1/model/retrain: a child process fits iALS on a snapshot,
 * then the server swaps the new model in) runs: load runs follow each other until the retrain is over.
 */
async function duringRetrain(url: string, headers: Record<string, string>, load: () => Promise<Run>): Promise<{ rows: [string, Run][]; note: string }> {
  const status = async () => (await (await fetch(`${url}/v1/model/retrain`, { headers })).json()) as { running: boolean; last: { outcome: string; seconds: number; error: string | null } | null; runs: number };
  const started = await fetch(`${url}/v1/model/retrain`, { method: 'POST', headers, body: '{}' });
  if (started.status !== 202) return { rows: [], note: `retrain could not start: ${started.status} ${await started.text()}` };
  const runs: Run[] = [];
  let swapRun = -1;
  for (let round = 0; round < 30; round++) {
    runs.push(await load());
    const s = await status();
    if (!s.running) {
      swapRun = runs.length - 1;
      break;
    }
  }
  const s = await status();
  const failed = runs.reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0);
  const worst = runs.reduce((a, b) => (b.latency.p99 > a.latency.p99 ? b : a));
  const rows: [string, Run][] = [[`recommend during retrain (worst of ${runs.length} runs)`, worst]];
  if (swapRun >= 0) rows.push([`recommend, the run with the retrain's swap`, runs[swapRun]!]);
  return {
    rows,
    note: `background retrain: ${s.last ? `${s.last.outcome} after ${s.last.seconds} s${s.last.error ? ` (${s.last.error})` : ''}` : 'not finished'}; ` +
      `${runs.length} load runs, ${runs.reduce((n, r) => n + r['2xx'], 0)} answered, ${failed} failed requests during it`,
  };
}
