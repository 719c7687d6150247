/**
 * The recipe commands (recommend, related, bought-together, trending, popular, new-arrivals, also-viewed,
 * continue): each only turns its flags into one engine request and prints the answer; the engine does the work.
 */
import { existsSync } from 'node:fs';
import type { Command } from '../main.ts';
import { intOption, parse, type Options } from '../args.ts';
import { ConfigError } from '../../errors.ts';
import { Engine, type EngineResponse } from '../../engine/engine.ts';
import type { EngineRequest } from '../../engine/schema.ts';
import { parseBoostArg, parseCapArg, parsePinArg } from '../../rules/index.ts';
import { defaultDb, defaultModel, openCliStore } from './paths.ts';
import { LLM_FLAGS, llmClientFor, warnFallback } from '../../llm/cli.ts';
import { LlmReranker, recommendWithLlmRerank } from '../../llm/rerank.ts';

const common = {
  model: { type: 'string' }, db: { type: 'string' }, k: { type: 'string', short: 'k' }, json: { type: 'boolean' }, config: { type: 'string' },
  user: { type: 'string' }, filter: { type: 'string' }, boost: { type: 'string', multiple: true }, pin: { type: 'string', multiple: true },
  cap: { type: 'string', multiple: true }, exclude: { type: 'string' }, 'exclude-shown': { type: 'string' },
  'include-non-products': { type: 'boolean' }, 'allow-other-store': { type: 'boolean' }, record: { type: 'boolean' }, now: { type: 'string' },
  diversity: { type: 'string' }, novelty: { type: 'string' }, rerank: { type: 'string' },
  ...LLM_FLAGS, 'llm-rerank': { type: 'boolean' },
} as const satisfies Options;

const item = { item: { type: 'string' } } as const satisfies Options;
const window = { window: { type: 'string' }, category: { type: 'string' } } as const satisfies Options;

const RULES_USAGE = `  [--filter EXPR] [--boost EXPR=2] [--pin ITEM@1] [--cap category=2] [--exclude ITEM,ITEM] [--exclude-shown 7d]
  [--diversity 0.3] [--novelty 0.2] [--rerank dpp|mmr|calibrated|xquad]
  [--record] [--include-non-products] [--allow-other-store] [--config pipeline.json] [--model curio-model.bin] [--db curio.db] [--json]
  [--llm-rerank] [--llm-url URL] [--llm-model NAME]

Rules: --filter 'category:"Home & Garden" AND price < 20 AND NOT brand:"Nike"'; --boost EXPR=F multiplies the
score of matching items by F (F < 1 buries), EXPR=+A / EXPR=-A adds A; --pin puts an item at a position; --cap
allows at most N items per value of a field; --exclude-shown leaves out items recorded as shown (--record writes
the answer as impressions of --user). --diversity and --novelty (0 = off .. 1) re-rank the best 200 candidates
for a more varied list (--rerank dpp, the default, mmr or calibrated) and for long-tail items (xquad).
--llm-rerank lets an OpenAI-compatible LLM (--llm-url, or "llm" in the --config file; key from CURIO_LLM_API_KEY)
re-order the best llm.rerank.candidates (20) items given the user's recent items; on any failure the model's
order is kept and one warning says why.
--json prints [{rank, item, score, title, reasons}].`;

interface RecipeCommand {
  recipe: string;
  summary: string;
  usage: string;
  options: Options;
  /** Adds the command's own flags to the request. */
  request(v: Record<string, string | boolean | string[] | undefined>): Partial<EngineRequest>;
}

function recipeCommand(c: RecipeCommand): Command {
  return {
    summary: c.summary,
    usage: `${c.usage}\n${RULES_USAGE}`,
    async run(argv) {
      const { values } = parse(argv, { ...common, ...c.options }, c.recipe);
      const v = values as Record<string, string | boolean | string[] | undefined>;
      const req: EngineRequest = { recipe: c.recipe, ...rulesRequest(v), ...c.request(v) };
      const engine = await openEngine(v);
      try {
        const llm = llmClientFor(engine.config.llm, v, 'rerank', v['llm-rerank'] ? '--llm-rerank' : undefined);
        if (!llm) print(await engine.recommend(req), v.json === true);
        else {
          const r = await recommendWithLlmRerank(engine, req, new LlmReranker(llm));
          if (r.llmRerank.fallback) warnFallback(r.llmRerank.fallback);
          print(r, v.json === true);
        }
      } finally {
        await engine.store.close();
      }
      return 0;
    },
  };
}

export async function openEngine(v: Record<string, unknown>): Promise<Engine> {
  const db = (v.db as string | undefined) ?? defaultDb();
  if (!/^[a-z][a-z0-9+.-]*:/i.test(db) && !existsSync(db)) throw new ConfigError('--db', `no store at ${db}: import data first (curio import) or pass --db`);
  const modelPath = (v.model as string | undefined) ?? (existsSync(defaultModel()) ? defaultModel() : undefined);
  const store = await openCliStore(db, 'use');
  try {
    return await Engine.open({ store, model: modelPath, config: v.config as string | undefined, allowOtherStore: v['allow-other-store'] === true, onWarning: (w) => console.error(`curio: warning: ${w}`) });
  } catch (e) {
    await store.close();
    throw e;
  }
}

const list = (s: unknown) => (typeof s === 'string' ? s.split(',').map((x) => x.trim()).filter(Boolean) : undefined);

function rulesRequest(v: Record<string, string | boolean | string[] | undefined>): Partial<EngineRequest> {
  const r: Partial<EngineRequest> = {};
  if (v.k !== undefined) r.k = intOption(v.k as string, 'k', 10);
  if (v.user) r.user = v.user as string;
  if (v.filter) r.filter = v.filter as string;
  if (v.boost) r.boost = (v.boost as string[]).map((b) => parseBoostArg(b));
  if (v.pin) r.pin = (v.pin as string[]).map((p) => parsePinArg(p));
  if (v.cap) r.cap = (v.cap as string[]).map((c) => parseCapArg(c));
  if (v.exclude) r.exclude = list(v.exclude);
  if (v['exclude-shown']) r.excludeShown = v['exclude-shown'] as string;
  if (v['include-non-products']) r.includeNonProducts = true;
  if (v.record) r.recordImpressions = true;
  for (const knob of ['diversity', 'novelty'] as const) {
    if (v[knob] === undefined) continue;
    const x = Number(v[knob]);
    if ((v[knob] as string).trim() === '' || !Number.isFinite(x)) throw new ConfigError(`--${knob}`, `expected a number from 0 to 1, got '${v[knob]}'`);
    r[knob] = x;
  }
  if (v.rerank) r.rerank = v.rerank as EngineRequest['rerank'];
  if (v.now) {
    const t = /^\d+$/.test(v.now as string) ? Number(v.now) : Date.parse(v.now as string);
    if (!Number.isFinite(t)) throw new ConfigError('--now', `"${v.now}" is not a date (2011-12-01) or ms since epoch`);
    r.now = t;
  }
  return r;
}

function print(r: EngineResponse, json: boolean): void {
  if (json) {
    console.log(JSON.stringify(r.items.map(({ rank, item, score, title, reasons }) => ({ rank, item, score, title, reasons }))));
    return;
  }
  for (const f of r.fallbacks ?? []) console.log(`(filled from "${f.recipe}": ${f.why})`);
  if (!r.items.length) {
    console.log('(no items to recommend)');
    return;
  }
  printItems(r.items);
}

/** The ranked-items table every recipe, `ask` and `search` print: rank, item, score, title (cut to fit), why. */
export function printItems(items: readonly { rank: number; item: string; score: number; title: string; reasons: readonly { text: string }[] }[]): void {
  const w = Math.max(4, ...items.map((o) => o.item.length));
  const tw = Math.min(40, Math.max(5, ...items.map((o) => o.title.length)));
  console.log(`${'rank'.padStart(4)}  ${'item'.padEnd(w)}  ${'score'.padStart(9)}  ${'title'.padEnd(tw)}  why`);
  for (const o of items) {
    const title = o.title.length > tw ? `${o.title.slice(0, tw - 1)}…` : o.title;
    console.log(`${String(o.rank).padStart(4)}  ${o.item.padEnd(w)}  ${fmtScore(o.score).padStart(9)}  ${title.padEnd(tw)}  ${o.reasons.map((x) => x.text).join('; ')}`);
  }
}

const fmtScore = (s: number) => (Math.abs(s) >= 1e5 ? s.toExponential(3) : s.toFixed(4));

export const recommendCommand = recipeCommand({
  recipe: 'recommend',
  summary: 'top-k items for a user (a user unseen in training is folded in from the store or --history)',
  usage: 'curio recommend --user U [--history ITEM,ITEM] [--recipe NAME] [-k 10]\n  (--recipe runs another recipe, e.g. one defined in the --config pipeline file)',
  options: { history: { type: 'string' }, recipe: { type: 'string' } },
  request: (v) => ({ ...(v.history ? { history: list(v.history) } : {}), ...(v.recipe ? { recipe: v.recipe as string } : {}) }),
});

const relatedSpec = (recipe: string): RecipeCommand => ({
  recipe,
  summary: recipe === 'similar' ? 'items related to an item (the same as related)' : 'items related to an item: model similarity blended with co-occurrence',
  usage: `curio ${recipe} --item I [-k 10] [--user U]`,
  options: item,
  request: (v) => ({ recipe: 'related', ...(v.item ? { context: { item: v.item as string } } : {}) }),
});
export const relatedCommand = recipeCommand(relatedSpec('related'));
export const similarCommand = recipeCommand(relatedSpec('similar'));

export const boughtTogetherCommand = recipeCommand({
  recipe: 'bought-together',
  summary: 'frequently bought together with an item or a basket (falls back to related, then popular)',
  usage: 'curio bought-together --item I | --items A,B [-k 10]',
  options: { ...item, items: { type: 'string' } },
  request: (v) => ({ ...(v.item ? { context: { item: v.item as string } } : {}), ...(v.items ? { items: list(v.items) } : {}) }),
});

const windowed = (recipe: string, summary: string, dflt: string): RecipeCommand => ({
  recipe, summary,
  usage: `curio ${recipe} [--window ${dflt}] [--category C] [--now DATE] [-k 10]`,
  options: window,
  request: (v) => ({ ...(v.window ? { window: v.window as string } : {}), ...(v.category ? { category: v.category as string } : {}) }),
});
export const trendingCommand = recipeCommand(windowed('trending', 'items whose event rate rose most in the window (default 7d) against their baseline', '7d'));
export const popularCommand = recipeCommand(windowed('popular', 'most interacted-with items, over a window or all time', '30d'));
export const newArrivalsCommand = recipeCommand(windowed('new-arrivals', 'newest items by their timestamp', '30d'));

export const alsoViewedCommand = recipeCommand({
  recipe: 'also-viewed',
  summary: 'items viewed in the same sessions as an item',
  usage: 'curio also-viewed --item I [-k 10]',
  options: item,
  request: (v) => (v.item ? { context: { item: v.item as string } } : {}),
});

export const continueCommand = recipeCommand({
  recipe: 'continue',
  summary: "a user's recently interacted items, to pick up again",
  usage: 'curio continue --user U [-k 10]',
  options: {},
  request: () => ({}),
});
