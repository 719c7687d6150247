/**
 * Optional LLM re-ranking of a recommendation list's top candidates. The LLM sees the user's recent items and the
 * candidates' titles (with ids) and answers a ranked id list; ids that are not candidates are dropped, repeats
 * ignored, and candidates it left out are appended in the model's order, so the answer is always a permutation of
 * the candidates. Any failure (timeout, garbage, budget) keeps the model's order and says why.
 *
 * As a pipeline stage (`recommendWithLlmRerank`) it runs after the engine, on the engine's own list: filters,
 * caps and exclusions already hold for every candidate, and pinned items keep their positions.
 */
import { z } from 'zod';
import type { Engine, EngineResponse, ResultItem } from '../engine/engine.ts';
import type { EngineRequest } from '../engine/schema.ts';
import type { LlmClient } from './client.ts';
import { LlmError } from './errors.ts';
import { ConfigError } from '../errors.ts';

export interface RerankCandidate {
  id: string;
  title: string;
}

export interface MergedRanking {
  /** Every candidate id once: the LLM's order, then the ones it left out in the model's order. */
  order: string[];
  /** Ids in the answer that are not candidates. */
  dropped: string[];
  /** Candidates the answer left out (appended). */
  appended: number;
}

export interface LlmRerankResult extends MergedRanking {
  by: 'llm' | 'model';
  /** Why the model's order was kept. */
  fallback?: string;
}

/** The LLM's answer as a permutation of `candidates` (model order). */
export function mergeRanking(candidates: readonly string[], answer: readonly string[]): MergedRanking {
  const isCandidate = new Set(candidates);
  const placed = new Set<string>();
  const order: string[] = [], dropped: string[] = [];
  for (const id of answer) {
    if (!isCandidate.has(id)) dropped.push(id);
    else if (!placed.has(id)) { placed.add(id); order.push(id); }
  }
  let appended = 0;
  for (const id of candidates) if (!placed.has(id)) { order.push(id); appended++; }
  return { order, dropped, appended };
}

const RankingSchema = z.strictObject({ ranking: z.array(z.string()).max(500) });

const SYSTEM = `You re-rank a recommender's candidate items for one user, judging from the items the user chose recently.
Answer with {"ranking": [...]}: the candidates' ids, best first, each id exactly as given. Use only the given ids.`;

/** The user message: recent items newest first, then one JSON object per candidate line (ids are data, not prose). */
export function rerankPrompt(recent: readonly string[], candidates: readonly RerankCandidate[]): string {
  return [
    'The user\'s recent items, newest first:',
    ...(recent.length ? recent.map((t) => `- ${t}`) : ['(none known)']),
    '',
    'Candidates in the recommender\'s order, one JSON object a line:',
    ...candidates.map((c) => JSON.stringify({ id: c.id, title: c.title })),
  ].join('\n');
}

export interface LlmRerankOptions {
  /** How many of the model's best items the LLM re-orders (default: the client config's llm.rerank.candidates). */
  candidates?: number;
  /** How many of the user's newest items the prompt shows (default llm.rerank.recent). */
  recent?: number;
}

export class LlmReranker {
  readonly candidates: number;
  readonly recent: number;

  constructor(readonly client: LlmClient, o: LlmRerankOptions = {}) {
    this.candidates = o.candidates ?? client.config.rerank.candidates;
    this.recent = o.recent ?? client.config.rerank.recent;
  }

  /** The candidates' new order; the model's order (with the reason) on any failure. */
  async rerank(recent: readonly string[], candidates: readonly RerankCandidate[], signal?: AbortSignal): Promise<LlmRerankResult> {
    const ids = candidates.map((c) => c.id);
    if (candidates.length < 2) return { order: ids, dropped: [], appended: 0, by: 'model' }; // nothing to re-rank
    try {
      const { value } = await this.client.chatJson({
        system: SYSTEM, user: rerankPrompt(recent.slice(0, this.recent), candidates), schema: RankingSchema, name: 'ranking', maxTokens: 20 * candidates.length + 50,
      }, signal);
      const m = mergeRanking(ids, value.ranking);
      if (m.appended === candidates.length) return { order: ids, dropped: m.dropped, appended: 0, by: 'model', fallback: `${this.client.describe()} ranked none of the candidates (${m.dropped.length} unknown ids): keeping the model's order` };
      return { ...m, by: 'llm' };
    } catch (e) {
      if (!(e instanceof LlmError)) throw e;
      return { order: ids, dropped: [], appended: 0, by: 'model', fallback: `${e.message}: keeping the model's order` };
    }
  }
}

export interface LlmRerankedResponse extends EngineResponse {
  llmRerank: { by: 'llm' | 'model'; fallback?: string; candidates: number; dropped: number; appended: number };
}

/**
 * The engine's answer to `request`, its top `reranker.candidates` items re-ordered by the LLM (pinned items stay
 * put), cut to k. Each moved item gets an 'llm-rerank' reason saying where it came from.
 */
export async function recommendWithLlmRerank(engine: Engine, request: EngineRequest, reranker: LlmReranker): Promise<LlmRerankedResponse> {
  const k = request.k ?? 10;
  for (const [q, p] of (request.pin ?? []).entries()) {
    if (p.position > k) throw new ConfigError(`pin[${q}].position`, `position ${p.position} is outside the list (1..${k}); raise k or move the pin`);
  }
  const res = await engine.recommend({ ...request, k: Math.max(k, reranker.candidates) });
  const pinned = res.items.filter((it) => it.reasons.some((r) => r.kind === 'pin'));
  const free = res.items.filter((it) => !pinned.includes(it)).slice(0, reranker.candidates);
  const recent: string[] = [];
  if (request.user) {
    const seen = new Set<string>();
    for (const e of await engine.store.history(request.user, { limit: 10 * reranker.recent })) {
      if (e.type === 'impression' || seen.has(e.item)) continue;
      seen.add(e.item);
      const c = engine.catalog.ids.get(e.item);
      recent.push((c >= 0 ? engine.catalog.title(c) : undefined) || e.item);
      if (recent.length >= reranker.recent) break;
    }
  }
  const r = await reranker.rerank(recent, free.map((it) => ({ id: it.item, title: it.title || it.item })));
  const byId = new Map(free.map((it, q) => [it.item, { it, from: q }]));
  const reordered: ResultItem[] = r.order.map((id) => byId.get(id)!.it);
  // pins back at their positions (all within k: checked above), the re-ordered items in the free slots
  const slots = new Array<ResultItem | undefined>(k);
  for (const p of pinned) slots[p.rank - 1] = p;
  let f = 0;
  for (let s = 0; s < k && f < reordered.length; s++) if (!slots[s]) slots[s] = reordered[f++];
  const items = slots.filter((x): x is ResultItem => x !== undefined);
  const freeRank = new Map(free.map((it, q) => [it.item, q]));
  let q = 0;
  const out = items.map((it, p) => {
    const isPinned = it.reasons.some((x) => x.kind === 'pin');
    const from = freeRank.get(it.item);
    const reasons = [...it.reasons];
    if (!isPinned && r.by === 'llm' && from !== undefined && from !== q) reasons.push({ kind: 'llm-rerank', text: `moved by the LLM re-ranker from candidate ${from + 1} to ${q + 1}`, evidence: { from: from + 1, to: q + 1 } });
    if (!isPinned) q++;
    return { ...it, rank: p + 1, reasons };
  });
  return { ...res, k, items: out, llmRerank: { by: r.by, ...(r.fallback ? { fallback: r.fallback } : {}), candidates: free.length, dropped: r.dropped.length, appended: r.appended } };
}
