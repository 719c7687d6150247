/**
 * POST /v1/ask and /v1/search: `curio ask` and `curio search` over HTTP, through the same code (src/ask). The text
 * index they need (vocabulary, BM25 postings, item text vectors) is built once per catalogue and shared by every
 * request and every engine generation (a model swap or a recipe refresh rebinds it, rebuilding nothing).
 */
import type { Engine } from '../engine/engine.ts';
import type { Asker, Searcher } from '../ask/index.ts';
import type { Engines } from './engines.ts';
import type { Logger } from './log.ts';
import type { Route } from './server.ts';
import * as S from './schemas.ts';
import { llmClientFor } from '../llm/cli.ts';
import { LlmRequestInterpreter } from '../llm/ask.ts';

export interface AskRoutesOptions {
  /**
   * The soft query's vector space, as `curio ask --encoder`: a name (`use`, `tfidf`...), or false for BM25 alone;
   * default that of `curio ask` (`use` when installed, else tfidf; CURIO_ENCODER sets it).
   */
  encoder?: string | false;
  /**
   * An OpenAI-compatible endpoint that reads /v1/ask requests into constraints (as `curio ask --llm-url`); the
   * pipeline config's "llm" section is used when this is absent. On any failure the parser's reading answers and
   * `understood.llmFallback` says why.
   */
  llm?: { url?: string; model?: string };
}

interface Built {
  asker: Asker;
  searcher: Searcher;
  /** The catalogue version it indexed: items upserted since are not in it until the rebuild. */
  version: number;
  /** Rebound to each engine generation that asked (weakly: old generations are collected). */
  bound: WeakMap<Engine, { asker: Asker; searcher: Searcher }>;
}

/**
 * The text index of the served catalogue. Built on the first /v1/ask or /v1/search (that request waits for it; the
 * item vectors come from the cache beside the store when their texts are unchanged, so only the very first build
 * of a catalogue encodes every item); every later request reuses it. When items were upserted since, the next
 * request starts a rebuild in the background and is answered from the current index meanwhile; a deleted item
 * (a new catalogue) waits for its rebuild, as its rows are gone.
 */
export class AskIndex {
  private built: { catalog: unknown; p: Promise<Built> } | undefined;
  private rebuilding: Promise<unknown> | undefined;
  /** Builds done (for the log and tests). */
  builds = 0;

  constructor(private readonly engines: Engines, private readonly log: Logger, private readonly o: AskRoutesOptions = {}) {}

  private build(engine: Engine): Promise<Built> {
    const t0 = performance.now();
    const version = engine.catalog.version;
    return (async () => {
      const { Asker, Searcher } = await import('../ask/index.ts');
      const asker = await Asker.open(engine, this.o.encoder !== undefined ? { encoder: this.o.encoder } : {});
      const searcher = Searcher.open(asker);
      this.builds++;
      this.log.info('ask index built', { items: engine.catalog.size, encoder: asker.itemVectors?.encoder.name ?? 'none', computed: asker.itemVectors?.computed ?? 0, ms: Math.round(performance.now() - t0) });
      return { asker, searcher, version, bound: new WeakMap() };
    })();
  }

  /** The asker and searcher for the engine serving now. */
  async current(): Promise<{ asker: Asker; searcher: Searcher }> {
    const engine = this.engines.current.engine;
    if (this.built?.catalog !== engine.catalog) {
      const p = this.build(engine);
      this.built = { catalog: engine.catalog, p };
      p.catch(() => { if (this.built?.p === p) this.built = undefined; }); // a failed build is tried again by the next request
    }
    const b = await this.built!.p;
    if (b.version !== engine.catalog.version && !this.rebuilding) {
      const built = this.built!;
      const next = this.build(engine);
      this.rebuilding = next.then((n) => { if (this.built === built) this.built = { catalog: engine.catalog, p: Promise.resolve(n) }; }, (e: unknown) => {
        this.log.error('ask index rebuild failed; the previous one still answers', { error: e instanceof Error ? e.message : String(e) });
      }).finally(() => { this.rebuilding = undefined; });
    }
    let r = b.bound.get(engine);
    if (!r) {
      const asker = b.asker.engine === engine ? b.asker : b.asker.withEngine(engine);
      r = { asker, searcher: b.searcher.asker === asker ? b.searcher : b.searcher.withAsker(asker) };
      b.bound.set(engine, r);
    }
    return r;
  }

  /** Settles when a background rebuild (if any) is done. */
  async settled(): Promise<void> {
    await this.rebuilding;
  }
}

/** Registers /v1/ask and /v1/search (read scope). */
export function askRoutes(route: Route, engines: Engines, log: Logger, o: AskRoutesOptions = {}): AskIndex {
  const index = new AskIndex(engines, log, o);
  // One interpreter per pipeline config (a config reload may change its "llm" section).
  const interpreters = new WeakMap<object, LlmRequestInterpreter | null>();
  const interpreterFor = (engine: Engine): LlmRequestInterpreter | undefined => {
    let i = interpreters.get(engine.config);
    if (i === undefined) {
      const client = llmClientFor(engine.config.llm, { 'llm-url': o.llm?.url, 'llm-model': o.llm?.model }, 'ask');
      interpreters.set(engine.config, (i = client ? new LlmRequestInterpreter(client) : null));
    }
    return i ?? undefined;
  };
  route('post', '/v1/ask', {
    scope: 'read', tag: 'ask', body: S.AskRequest, response: S.AskResponse,
    summary: 'a request in plain words ("a funny animated movie for kids, not a musical"): the constraints it was read into, then the best items inside them (as curio ask --json); when nothing matches, understood.nothingMatched names the constraint that emptied the set',
  }, async ({ body }) => {
    const { asker } = await index.current();
    const interpreter = interpreterFor(asker.engine);
    const answer = await asker.ask(body.query, { k: body.k, ...(body.user !== undefined ? { user: body.user } : {}), ...(interpreter ? { interpreter } : {}) });
    if (answer.understood.llmFallback) log.warn(`/v1/ask: ${answer.understood.llmFallback}`);
    return answer;
  });
  route('post', '/v1/search', {
    scope: 'read', tag: 'ask', body: S.SearchRequest, response: S.SearchResponse,
    summary: 'search item text: BM25 and text vectors fused by reciprocal rank fusion, with the user\'s model ranking fused in (as curio search --json)',
  }, async ({ body }) => {
    const { searcher } = await index.current();
    return searcher.search(body.query, { k: body.k, ...(body.user !== undefined ? { user: body.user } : {}) });
  });
  return index;
}
