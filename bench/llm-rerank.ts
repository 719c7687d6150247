/**
 * LLM re-ranking (issue 11) measured offline: on ml-latest-small's VALIDATION split (RecBole preset, seed 2020),
 * EASE (l2 = 300) ranks every item for a sample of users; the LLM re-orders each user's top candidates given the
 * user's 10 newest training items; NDCG@10 and HR@10 of the LLM's order against the model's own order, on the
 * same users, with the calls, fallbacks and latency it cost.
 *   npm run bench -- llm-rerank --llm-url http://127.0.0.1:11434/v1 [--llm-model llama3.1:8b] [--users 200] [--candidates 20]
 *   npm run bench -- llm-rerank --llm-url stub:echo      (in-process stub answering the model's order: must tie)
 *   npm run bench -- llm-rerank --llm-url stub:reverse   (stub answering it reversed: must lose)
 * The stubs check the harness only; they say nothing about what a real LLM would do.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { toMatrix } from '../src/data/interactions.ts';
import { importData } from '../src/data/importers/index.ts';
import { mulberry32 } from '../src/data/random.ts';
import { hitFromHits, hitsOf, ndcgFromHits } from '../src/eval/metrics.ts';
import { applyPreset } from '../src/eval/presets.ts';
import { LlmClient } from '../src/llm/client.ts';
import { resolveLlmConfig } from '../src/llm/config.ts';
import { LlmReranker } from '../src/llm/rerank.ts';
import { rerankStub, startStubLlm, type StubLlm } from '../src/llm/testing.ts';
import { ease } from '../src/models/ease.ts';
import { openStore } from '../src/store/registry.ts';
import { dataDir, median, printTable } from './_util.ts';

const { values: v } = parseArgs({
  options: { 'llm-url': { type: 'string' }, 'llm-model': { type: 'string' }, users: { type: 'string' }, candidates: { type: 'string' }, quick: { type: 'boolean' }, 'timeout-ms': { type: 'string' } },
  strict: false,
});
const url = v['llm-url'] as string | undefined;
if (!url) {
  console.log('llm-rerank: no endpoint given (--llm-url URL, or stub:echo / stub:reverse to check the harness): skipped');
  process.exit(0);
}
const data = dataDir();
if (!data) {
  console.log('llm-rerank: ../shared/data not found, skipped');
  process.exit(0);
}
const nUsers = Number(v.users ?? (v.quick ? 50 : 200));
const nCand = Number(v.candidates ?? 20);
const k = 10;

let stub: StubLlm | undefined;
let endpoint = url;
if (url.startsWith('stub:')) {
  const mode = url.slice(5);
  if (mode !== 'echo' && mode !== 'reverse') throw new Error(`--llm-url ${url}: the stubs are stub:echo and stub:reverse`);
  stub = await startStubLlm({ chat: rerankStub(mode) });
  endpoint = stub.url;
}

const store = await openStore(':memory:');
await importData(store, { format: 'movielens-latest', path: join(data, 'ml-latest-small') });
const snap = await store.snapshot({ types: ['rating'] });
const titles = new Map<string, string>();
for await (const batch of store.scanItems({ batch: 5000 })) for (const r of batch) titles.set(r.id, r.title ?? r.id);
await store.close();
const { split } = applyPreset(snap, 'recbole', 2020);
const train = split.train, valid = split.valid!;
const model = ease.create({ l2: 300 });
await model.fit({ matrix: toMatrix(train, 'max'), interactions: train }, { seed: 1 });

// Users with validation items, sampled with a fixed seed; each one's relevant items and newest training items.
const relevant = new Map<number, Set<number>>();
for (let e = 0; e < valid.length; e++) {
  const u = valid.user[e]!;
  let s = relevant.get(u);
  if (!s) relevant.set(u, (s = new Set()));
  s.add(valid.item[e]!);
}
const rng = mulberry32(2020);
const pool = [...relevant.keys()].sort((a, b) => a - b);
for (let i = pool.length - 1; i > 0; i--) { const j = Math.floor(rng() * (i + 1)); [pool[i], pool[j]] = [pool[j]!, pool[i]!]; }
const users = pool.slice(0, nUsers);
const history = new Map<number, { item: number; time: number }[]>();
const wanted = new Set(users);
for (let e = 0; e < train.length; e++) {
  const u = train.user[e]!;
  if (!wanted.has(u)) continue;
  let h = history.get(u);
  if (!h) history.set(u, (h = []));
  h.push({ item: train.item[e]!, time: train.time[e]! });
}
const title = (i: number) => titles.get(train.items.id(i)) ?? train.items.id(i);

const config = resolveLlmConfig({ baseUrl: endpoint, ...(v['llm-model'] ? { model: v['llm-model'] as string } : {}), ...(v['timeout-ms'] ? { timeoutMs: Number(v['timeout-ms']) } : {}), maxCalls: 10 * nUsers + 10, maxTokens: 50_000_000 })!;
const client = new LlmClient(config);
const reranker = new LlmReranker(client, { candidates: nCand, recent: 10 });
let ndcgModel = 0, ndcgLlm = 0, hitModel = 0, hitLlm = 0, fallbacks = 0, dropped = 0, appended = 0;
const latency: number[] = [];
const reasons = new Map<string, number>();
for (const u of users) {
  const top = model.recommend(u, { k: nCand });
  const ids = Array.from(top.items, (i) => train.items.id(i));
  const recent = (history.get(u) ?? []).sort((a, b) => b.time - a.time).slice(0, 10).map((x) => title(x.item));
  const t0 = performance.now();
  const r = await reranker.rerank(recent, ids.map((id, q) => ({ id, title: title(top.items[q]!) })));
  latency.push(performance.now() - t0);
  if (r.by === 'model') { fallbacks++; const why = r.fallback!.replace(/.*?: /, '').slice(0, 80); reasons.set(why, (reasons.get(why) ?? 0) + 1); }
  dropped += r.dropped.length;
  appended += r.appended;
  const reordered = Int32Array.from(r.order, (id) => train.items.get(id));
  const rel = relevant.get(u)!;
  const hm = hitsOf(top.items, rel, k), hl = hitsOf(reordered, rel, k);
  ndcgModel += ndcgFromHits(hm, rel.size, k); ndcgLlm += ndcgFromHits(hl, rel.size, k);
  hitModel += hitFromHits(hm, rel.size, k); hitLlm += hitFromHits(hl, rel.size, k);
}
await stub?.close();

const n = users.length;
console.log(`### LLM re-ranking on ml-latest-small, validation split (RecBole preset, seed 2020): EASE l2 = 300, top ${nCand} candidates re-ranked, ${n} sampled users, endpoint ${url}${stub ? ' (in-process stub: a harness check, not an LLM)' : ` model ${config.model}`}\n`);
printTable([
  { order: `EASE (model's own order)`, 'NDCG@10': ndcgModel / n, 'HR@10': hitModel / n },
  { order: `LLM re-ranked top ${nCand}`, 'NDCG@10': ndcgLlm / n, 'HR@10': hitLlm / n, 'fell back (users)': fallbacks, 'unknown ids dropped': dropped, 'candidates appended': appended, 'calls': client.usage.calls, 'median ms/user': median(latency) },
]);
if (reasons.size) console.log(`\nfallbacks: ${[...reasons].map(([w, c]) => `${c}× ${w}`).join('; ')}`);
console.log(`\nchange in NDCG@10: ${(100 * (ndcgLlm - ndcgModel) / (ndcgModel || 1)).toFixed(1)}% relative (tokens: ${client.usage.promptTokens} prompt, ${client.usage.completionTokens} completion)`);
