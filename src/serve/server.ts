import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Hono, type Context } from 'hono';
import { routePath } from 'hono/route';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { serve, type HttpBindings } from '@hono/node-server';
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import type { DataStore } from '../store/types.ts';
import type { InteractionRow, ItemRow } from '../data/types.ts';
import { RECIPE_PRESETS } from '../engine/presets.ts';
import type { Engines, Generation } from './engines.ts';
import { ApiKeys, allows, type Scope } from './keys.ts';
import { EventIngest } from './ingest.ts';
import { HttpError, errorAnswer } from './http-error.ts';
import { jsonLogger, type Logger } from './log.ts';
import { RateLimiter, SharedRateLimiter, type Limiter } from './rate-limit.ts';
import type { Peers } from './cluster.ts';
import { ServerMetrics, UNMATCHED_ROUTE, clusterMetrics } from './metrics.ts';
import { sqliteStore, withTables } from './sqlite-tables.ts';
import { SqliteStore } from '../store/sqlite/index.ts';
import * as S from './schemas.ts';
import { openApiDocument, docsPage, type RouteDoc } from './openapi.ts';
import { dashboardApp, type DashboardSession } from './dashboard/index.ts';
import { ReadStore } from './dashboard/read-store.ts';
import { Retrainer, type RetrainOptions } from './retrain.ts';
import { askRoutes, type AskRoutesOptions } from './ask-routes.ts';

export interface ServerOptions {
  store: DataStore;
  engines: Engines;
  /** Verify API keys (default true); false serves every route to anyone (local experiments only). */
  auth?: boolean;
  logger?: Logger;
  /** Read users' histories into the store's cache after listening (SQLite stores; default true). */
  warmHistories?: boolean;
  /** Largest request body in bytes (default 1 MiB). */
  bodyLimit?: number;
  /** Requests per second per API key, sustained, and the burst allowed (default 1000/s, burst 2000); false: no limit. */
  rateLimit?: { rate: number; burst: number } | false;
  /** Origins allowed to call from a browser (CORS); default none (CORS off). */
  corsOrigins?: string[];
  /** Aggregate recipes (popular, trending...) are refitted on new events at most this often (default 2000 ms). */
  refreshMs?: number;
  /** Deepest JSON nesting accepted (default 32). */
  maxDepth?: number;
  /** Serve GET /metrics (Prometheus) without a key; by default it needs an admin key. */
  metricsPublic?: boolean;
  /** Background retraining (schedule, after N events); without it, POST /v1/model/retrain still retrains on demand. */
  retrain?: RetrainOptions;
  /** /v1/ask and /v1/search: the text encoder of their index (see AskRoutesOptions). */
  ask?: AskRoutesOptions;
  /** The other workers of `curio serve --workers N` (see cluster.ts); absent for a single process. */
  peers?: Peers;
}

export interface RunningServer {
  url: string;
  server: Server;
  ingest: EventIngest;
  metrics: ServerMetrics;
  retrainer: Retrainer;
  close(): Promise<void>;
}

type Vars = { Variables: { requestId: string; keyId: string | undefined; body: string | undefined } };

interface RouteSpec<B extends z.ZodType | undefined, Q extends z.ZodType | undefined> {
  scope: Scope | null;
  summary: string;
  tag: string;
  body?: B;
  query?: Q;
  response: z.ZodType;
  status?: number;
}

type Infer<T> = T extends z.ZodType ? z.infer<T> : undefined;

/** Registers a JSON route: validation, scope, OpenAPI entry (for route modules in their own files, e.g. ask-routes.ts). */
export type Route = <B extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined>(
  method: 'get' | 'post' | 'put' | 'delete', path: string, spec: RouteSpec<B, Q>,
  handler: (x: { c: Context<Vars>; body: Infer<B>; query: Infer<Q>; param: (name: string) => string }) => Promise<unknown>,
) => void;

/** Deepest nesting of a JSON value, measured without recursion (a hostile body cannot overflow the stack here). */
function jsonDepth(v: unknown, limit: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[v, 1]];
  while (stack.length) {
    const [x, d] = stack.pop()!;
    if (x === null || typeof x !== 'object') continue;
    if (d > deepest) deepest = d;
    if (deepest > limit) return deepest;
    for (const y of Array.isArray(x) ? x : Object.values(x)) if (y !== null && typeof y === 'object') stack.push([y, d + 1]);
  }
  return deepest;
}

/**
 * The request body as text, or undefined when it is larger than `max` bytes (announced or sent); then the rest is
 * left unread and the connection must close.
 */
function readBody(incoming: IncomingMessage, max: number): Promise<string | undefined> {
  const declared = incoming.headers['content-length'];
  if (declared !== undefined && incoming.headers['transfer-encoding'] === undefined && Number(declared) > max) return Promise.resolve(undefined);
  if (incoming.destroyed) return Promise.reject(new HttpError(400, 'invalid_request', 'the request body was cut off'));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      incoming.off('data', data);
      incoming.off('end', end);
      incoming.off('error', failed);
      incoming.off('close', closed);
    };
    const data = (b: Buffer) => {
      size += b.length;
      if (size > max) { done(); incoming.pause(); resolve(undefined); } else chunks.push(b);
    };
    const end = () => {
      done();
      // As Response.text() decodes: UTF-8, a leading byte order mark dropped.
      const text = (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8');
      resolve(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    };
    // The client went away before the end of its body ('aborted' error, or a close): its fault, not a server error.
    const failed = () => { done(); reject(new HttpError(400, 'invalid_request', 'the request body was cut off')); };
    const closed = failed;
    incoming.on('data', data);
    incoming.on('end', end);
    incoming.on('error', failed);
    incoming.on('close', closed);
  });
}

/** The zod issue as the error body's field and message. */
function invalid(error: z.ZodError, prefix = ''): HttpError {
  let issue = error.issues[0]!;
  // A union (one event or a batch): report the branch that got furthest into the body.
  while (issue.code === 'invalid_union' && issue.errors.length) {
    const branches = issue.errors.filter((b) => b.length);
    if (!branches.length) break;
    const best = branches.reduce((a, b) => (b[0]!.path.length > a[0]!.path.length ? b : a));
    if (best[0]!.path.length === 0 && best[0]!.code !== 'unrecognized_keys') break;
    issue = { ...best[0]!, path: [...issue.path, ...best[0]!.path] } as typeof issue;
  }
  let path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    path = [path, issue.keys[0]].filter(Boolean).join('.');
    message = 'unknown field';
  } else if (issue.code === 'invalid_union') {
    message = 'does not match any accepted shape (see /openapi.json)';
  }
  const field = [prefix, path].filter(Boolean).join('.');
  return new HttpError(400, 'invalid_request', message, field || undefined);
}

/**
 * Builds the HTTP API (Hono) over one store and its engines. Every recommendation goes through the engine; the
 * routes only validate, authorise, and call the store or engine.
 */
export function createApp(o: ServerOptions): { app: Hono<Vars>; ingest: EventIngest; metrics: ServerMetrics; retrainer: Retrainer; routes: RouteDoc[]; reader: ReadStore } {
  const { store, engines } = o;
  sqliteStore(store); // the server's tables need the SQLite backend: fail at start, not on the first request
  const log = o.logger ?? jsonLogger();
  const auth = o.auth ?? true;
  const keys = new ApiKeys(store);
  const peers = o.peers;
  const rate = o.rateLimit === false ? undefined : { rate: o.rateLimit?.rate ?? 1000, burst: o.rateLimit?.burst ?? 2000 };
  let limiter: Limiter | undefined = rate && peers ? SharedRateLimiter.open(peers.bucketsFile, rate.rate, rate.burst) : undefined;
  if (rate && peers && !limiter) log.warn(`the native addon is not built: each of the ${peers.count} workers limits a key to ${rate.rate}/s on its own`);
  limiter ??= rate && new RateLimiter(rate.rate, rate.burst);
  const refreshMs = o.refreshMs ?? 2000;
  const maxDepth = o.maxDepth ?? 32;
  const ingest = new EventIngest(store);
  const metrics = new ServerMetrics(ingest, engines, store instanceof SqliteStore ? () => store.cachedHistoryRows : undefined);
  // With --workers N the leader (worker 0) alone retrains; the others load what it swaps in.
  const retrainer = new Retrainer({
    store, engines, log, ...(peers && peers.index !== 0 ? { ...o.retrain, everyMs: undefined, afterEvents: undefined } : o.retrain),
    ...(peers ? { onSwap: (path: string) => peers.others({ op: 'reload', path }) } : {}),
  });
  const routes: RouteDoc[] = [];
  const app = new Hono<Vars>();

  app.use('*', async (c, next) => {
    const given = c.req.header('x-request-id');
    const requestId = given && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    c.set('requestId', requestId);
    // Set before the response exists: a header added to a finished response makes Hono copy it into a stream.
    c.header('x-request-id', requestId);
    c.header('x-content-type-options', 'nosniff');
    c.header('cache-control', 'no-store');
    const t0 = performance.now();
    await next();
    const ms = performance.now() - t0;
    // The last route matched is the handler's template (even when a middleware answered first, e.g. the body
    // limit); the catch-all '/*' means only the middlewares matched: no route, and the raw path must not be a label.
    const template = routePath(c, -1);
    metrics.observe(c.req.method, template === '/*' || template === '*' ? UNMATCHED_ROUTE : template, c.res.status, ms / 1000);
    const line = {
      reqId: requestId, method: c.req.method, route: c.req.routePath, status: c.res.status,
      ms: Math.round(ms * 100) / 100, key: c.get('keyId'),
    };
    if (log.request) log.request(line);
    else log.info('request', line);
  });
  if (o.corsOrigins?.length) app.use('*', cors({ origin: o.corsOrigins, allowHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-request-id'] }));
  const maxBody = o.bodyLimit ?? 1 << 20;
  // The unread rest of the body makes the connection unusable: say so, or a client would send its next request on it.
  const tooLarge = (c: Context<Vars>) => {
    c.header('connection', 'close');
    return c.json({ error: { code: 'body_too_large', message: `request bodies are at most ${maxBody} bytes; send smaller batches`, requestId: c.get('requestId') } }, 413);
  };
  const webBodyLimit = bodyLimit({ maxSize: maxBody, onError: tooLarge });
  // Every body is read here, whole and bounded, before any route runs: a request answered without reading its body
  // would leave the rest on the keep-alive connection and break the client's next request.
  app.use('*', async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
    if (!incoming) {
      // Not on a Node socket (app.request in a test): Hono's body limit on the Web Request.
      return webBodyLimit(c, async () => {
        c.set('body', await c.req.text());
        await next();
      });
    }
    // From Node's request stream: building the Web Request (and its stream) for the body costs more than the route.
    const text = await readBody(incoming, maxBody);
    if (text === undefined) return tooLarge(c);
    c.set('body', text);
    return next();
  });

  app.onError((e, c) => {
    const a = errorAnswer(e, c.get('requestId') ?? '');
    if (a.internal) log.error('request failed', { reqId: c.get('requestId'), route: c.req.routePath, error: (e as Error)?.stack ?? String(e) });
    return c.json(a.body, a.status as 400);
  });
  app.notFound(async (c) => {
    return c.json({ error: { code: 'not_found', message: `no route ${c.req.method} ${new URL(c.req.url).pathname}; see /openapi.json`, requestId: c.get('requestId') } }, 404);
  });

  async function authorise(c: Context<Vars>, need: Scope): Promise<void> {
    if (!auth) return;
    const header = c.req.header('authorization') ?? '';
    const key = /^Bearer (\S{1,200})$/i.exec(header)?.[1] ?? c.req.header('x-api-key');
    if (!key) throw new HttpError(401, 'unauthorized', 'an API key is required: send "Authorization: Bearer <key>" (create one with curio keys create)');
    const who = await keys.verify(key);
    if (!who) throw new HttpError(401, 'unauthorized', 'the API key is not valid or was revoked');
    c.set('keyId', who.id);
    if (!allows(who.scope, need)) throw new HttpError(403, 'forbidden', `this route needs a key with scope "${need}"; this key has "${who.scope}"`);
    const wait = limiter?.take(who.id) ?? 0;
    if (wait > 0) {
      c.header('retry-after', String(Math.max(1, Math.ceil(wait))));
      throw new HttpError(429, 'rate_limited', `too many requests for this key; retry in ${Math.max(1, Math.ceil(wait))} s`);
    }
  }

  function route<B extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined>(
    method: 'get' | 'post' | 'put' | 'delete', path: string, spec: RouteSpec<B, Q>,
    handler: (x: { c: Context<Vars>; body: Infer<B>; query: Infer<Q>; param: (name: string) => string }) => Promise<unknown>,
  ): void {
    routes.push({ method, path, scope: spec.scope, summary: spec.summary, tag: spec.tag, body: spec.body, query: spec.query, response: spec.response, status: spec.status ?? 200 });
    app[method](path, async (c) => {
      const text = method === 'get' ? '' : c.get('body') ?? '';
      if (spec.scope) await authorise(c, spec.scope);
      let body: unknown;
      if (spec.body) {
        let raw: unknown;
        try {
          raw = JSON.parse(text);
        } catch {
          throw new HttpError(400, 'invalid_json', text.trim() ? 'the body is not valid JSON' : 'a JSON body is required');
        }
        if (jsonDepth(raw, maxDepth) > maxDepth) throw new HttpError(400, 'invalid_request', `JSON nested deeper than ${maxDepth} levels`);
        const r = spec.body.safeParse(raw);
        if (!r.success) throw invalid(r.error);
        body = r.data;
      }
      let query: unknown;
      if (spec.query) {
        const r = spec.query.safeParse(c.req.query());
        if (!r.success) throw invalid(r.error, 'query');
        query = r.data;
      }
      const param = (name: string) => {
        // Decoded here rather than by the router, which keeps an undecodable segment (%ED%A0%80) as its raw text.
        const at = path.split('/').indexOf(`:${name}`);
        let value: string;
        try {
          value = decodeURIComponent(new URL(c.req.url).pathname.split('/')[at] ?? '');
        } catch {
          throw new HttpError(400, 'invalid_request', 'not valid percent-encoded UTF-8', name);
        }
        const r = S.IdSchema.safeParse(value);
        if (!r.success) throw invalid(r.error, name);
        return r.data;
      };
      const out = await handler({ c, body: body as Infer<B>, query: query as Infer<Q>, param });
      return c.json(out as object, (spec.status ?? 200) as 200);
    });
  }

  // ---- health and docs ----
  route('get', '/health', { scope: null, tag: 'health', summary: 'liveness: the process answers', response: S.Health }, async () => ({ status: 'ok' }));
  route('get', '/ready', { scope: null, tag: 'health', summary: 'readiness: the store is open and the model (if any) loaded', response: S.Ready }, async () => {
    await store.info();
    return { ready: true, model: engines.current.version };
  });

  // ---- recommendations ----
  const recommend = async (body: z.infer<typeof S.RecommendRequest>) => {
    engines.refreshIfDue(refreshMs);
    const g: Generation = engines.current; // one generation for the whole request, whatever swaps meanwhile
    const r = await g.engine.answer(body); // validated once, by the route's schema (the engine's, bounded)
    return { ...r, model: g.version };
  };
  route('post', '/v1/recommend', {
    scope: 'read', tag: 'recommend', summary: 'run a recipe (default "recommend") with filters, boosts, pins, caps and exclude-shown', body: S.RecommendRequest, response: S.RecommendResponse,
  }, async ({ body }) => recommend(body));
  for (const recipe of Object.keys(RECIPE_PRESETS).filter((r) => r !== 'recommend')) {
    route('post', `/v1/${recipe}`, {
      scope: 'read', tag: 'recommend', summary: `the "${recipe}" recipe (the body of /v1/recommend; recipe is fixed)`, body: S.RecipeRequest, response: S.RecommendResponse,
    }, async ({ body }) => {
      const given = body.recipe;
      if (given !== undefined && given !== recipe) throw new HttpError(400, 'invalid_request', `this route runs "${recipe}"; use /v1/recommend for "${String(given)}"`, 'recipe');
      return recommend({ ...body, recipe });
    });
  }

  // ---- items ----
  const upsertItems = async (rows: ItemRow[]) => {
    const report = await store.upsertItems(rows);
    const catalog = engines.current.engine.catalog;
    for (const r of rows) catalog.upsert(r); // served at once: the store committed first
    await peers?.others({ op: 'items', rows });
    return report;
  };
  route('put', '/v1/items/:id', { scope: 'write', tag: 'items', summary: 'add or update an item (fields left out keep their value); served at once', body: S.ItemBody, response: S.WriteReport },
    async ({ body, param }) => upsertItems([{ ...body, id: param('id') } as ItemRow]));
  route('post', '/v1/items', { scope: 'write', tag: 'items', summary: 'add or update up to 1000 items in one transaction', body: S.ItemsBody, response: S.WriteReport },
    async ({ body }) => upsertItems(body.items as ItemRow[]));
  route('get', '/v1/items/:id', { scope: 'read', tag: 'items', summary: 'one item', response: S.Item }, async ({ param }) => {
    const id = param('id');
    const item = await store.getItem(id);
    if (!item) throw new HttpError(404, 'unknown_item', `no item "${id}"`, 'id');
    return item;
  });
  route('get', '/v1/items', { scope: 'read', tag: 'items', summary: 'items in id order, a page at a time', query: S.ListQuery, response: S.ItemList }, async ({ query }) => {
    const ids = await withTables(store, (db) => db.prepare('SELECT ext FROM items WHERE ext > ? ORDER BY ext LIMIT ?').pluck().all(query.after ?? '', query.limit) as string[]);
    const items = (await store.getItems(ids)).filter((x): x is ItemRow => x !== undefined);
    return { items, next: ids.length === query.limit ? ids[ids.length - 1]! : null };
  });
  route('delete', '/v1/items/:id', { scope: 'write', tag: 'items', summary: 'delete an item and every event on it', response: S.Deleted }, async ({ param }) => {
    const id = param('id');
    const exists = (await store.getItem(id)) !== undefined;
    if (!exists) return { deleted: false, events: 0 };
    const events = await sqliteStore(store).deleteItem(id);
    await engines.rebuildCatalog();
    await peers?.others({ op: 'catalog' });
    return { deleted: true, events };
  });

  // ---- users ----
  const userExists = (id: string) => withTables(store, (db) => db.prepare('SELECT attrs FROM users WHERE ext = ?').get(id) as { attrs: string | null } | undefined);
  route('put', '/v1/users/:id', { scope: 'write', tag: 'users', summary: 'add or update a user', body: S.UserBody, response: S.WriteReport },
    async ({ body, param }) => store.upsertUsers([{ id: param('id'), ...(body.attrs ? { attrs: body.attrs } : {}) }]));
  route('delete', '/v1/users/:id', {
    scope: 'admin', tag: 'users', summary: 'GDPR erasure: the user, all their events and impressions leave the store, and the fitted recipes are dropped', response: S.UserDeleted,
  }, async ({ param }) => {
    const id = param('id');
    const existed = (await userExists(id)) !== undefined;
    const events = await retrainer.erasing(id, () => store.deleteUser(id));
    engines.erase(id);
    engines.refitNow(); // co-occurrence, popularity... were fitted with their events
    await peers?.others({ op: 'erase', user: id });
    return { deleted: existed, events, inModel: engines.current.trained?.users.has(id) ?? false };
  });
  route('get', '/v1/users/:id/export', { scope: 'admin', tag: 'users', summary: 'GDPR export: everything the store holds about the user', response: S.UserExport }, async ({ param }) => {
    const id = param('id');
    const row = await userExists(id);
    if (!row) throw new HttpError(404, 'unknown_user', `no user "${id}"`, 'id');
    const events = await store.history(id);
    return {
      user: id, attrs: row.attrs === null ? null : (JSON.parse(row.attrs) as Record<string, unknown>),
      events: events.map(({ user: _u, ...e }) => e), exportedAt: new Date().toISOString(),
    };
  });

  // ---- events ----
  route('post', '/v1/events', {
    scope: 'write', tag: 'events',
    summary: 'one event, or {events: [...], idempotencyKey} (or an Idempotency-Key header); acknowledged once committed, visible to the next request',
    body: S.EventsBody, response: S.EventsResponse,
  }, async ({ body, c }) => {
    const events = 'events' in body ? body.events : [body];
    const headerKey = c.req.header('idempotency-key');
    if (headerKey !== undefined && !/^[\x21-\x7e]{1,256}$/.test(headerKey)) throw new HttpError(400, 'invalid_request', 'Idempotency-Key is 1 to 256 printable ASCII characters', 'Idempotency-Key');
    const key = ('events' in body ? body.idempotencyKey : undefined) ?? headerKey;
    const now = Date.now();
    const rows: InteractionRow[] = events.map((e) => ({
      user: e.user, item: e.item, type: e.type, value: e.value, timestamp: e.timestamp ?? now,
      ...(e.session !== undefined ? { session: e.session } : {}), ...(e.text !== undefined ? { text: e.text } : {}),
    }));
    const result = await ingest.submit(rows, key, events);
    if (!result.replayed && result.inserted + result.updated > 0) {
      engines.eventsWritten(refreshMs);
      peers?.tell({ op: 'events', inserted: result.inserted });
    }
    if (!result.replayed) retrainer.eventsWritten(result.inserted);
    return result;
  });

  // ---- model ----
  const modelInfo = () => {
    const g = engines.current, t = g.trained;
    return {
      loaded: t !== undefined, version: g.version, path: g.path, loadedAt: g.loadedAt?.toISOString() ?? null,
      kind: t ? t.model.constructor.name : null, users: t?.users.size ?? 0, items: t?.items.size ?? 0,
      info: t?.info ?? {}, previous: engines.previous?.version ?? null, recipes: g.engine.recipeNames(),
      trainedAt: typeof t?.info.trainedAt === 'string' ? t.info.trainedAt : null,
      eventsAtTraining: typeof t?.info.storeEvents === 'number' ? t.info.storeEvents : null,
      source: t ? (t.info.retrain ? 'retrain' as const : 'file' as const) : null,
    };
  };
  route('get', '/v1/model', { scope: 'read', tag: 'model', summary: 'the model served: version (content hash), file, kind, sizes, training info', response: S.ModelInfo }, async () => modelInfo());
  route('post', '/v1/model/reload', {
    scope: 'admin', tag: 'model', summary: 'load the model file again (or another, `path`) and swap it in atomically; the one replaced is kept for rollback', body: S.ReloadBody, response: S.ModelInfo,
  }, async ({ body }) => {
    await engines.reload(body.path);
    log.info('model swapped', { version: engines.current.version, previous: engines.previous?.version ?? null });
    await peers?.others({ op: 'reload', path: engines.current.path! });
    return modelInfo();
  });
  route('post', '/v1/model/rollback', { scope: 'admin', tag: 'model', summary: 'swap back to the model replaced last', response: S.ModelInfo }, async () => {
    await engines.rollback();
    log.info('model rolled back', { version: engines.current.version });
    await peers?.others({ op: 'rollback' });
    return modelInfo();
  });

  route('post', '/v1/model/retrain', {
    scope: 'admin', tag: 'model', status: 202, response: S.RetrainAnswer,
    summary: 'retrain now, in the background, on a snapshot of the store; the new model is swapped in when it is ready (one retrain at a time)',
  }, async () => {
    if (peers && peers.index !== 0) return peers.leader({ op: 'retrain' }) as Promise<z.infer<typeof S.RetrainAnswer>>;
    const { started } = retrainer.trigger('api');
    return { started, status: retrainer.status() };
  });
  route('get', '/v1/model/retrain', { scope: 'admin', tag: 'model', summary: 'the running retrain (phase) and the last one\'s outcome, new events, schedule', response: S.RetrainStatus },
    async () => (peers && peers.index !== 0 ? peers.leader({ op: 'retrainStatus' }) as Promise<z.infer<typeof S.RetrainStatus>> : retrainer.status()));

  askRoutes(route, engines, log, o.ask);

  // Prometheus text format, not JSON: outside route(), which answers JSON and documents it in /openapi.json.
  app.get('/metrics', async (c) => {
    if (!o.metricsPublic) await authorise(c, 'admin');
    return c.body(peers ? await clusterMetrics(metrics, peers) : await metrics.text(), 200, { 'content-type': metrics.contentType });
  });

  // Server-rendered pages behind an admin login (their own cookie session and CSP): not part of the JSON API.
  const reader = new ReadStore(store);
  const sessions = new Map<string, DashboardSession>();
  app.route('/dashboard', dashboardApp({
    store, engines, auth, log, recommend, reader, sessions,
    // Failed logins counted in the workers' shared table (their own buckets: "login:" keys, their own rate).
    ...(peers && limiter instanceof SharedRateLimiter ? { failedLogins: (r: number, b: number) => SharedRateLimiter.open(peers.bucketsFile, r, b)! } : {}),
    ...(peers ? { replaySession: (token: string, session: DashboardSession | null) => peers.others({ op: 'session', token, session }) } : {}),
  }));

  // What another worker changed in its memory, replayed here (the store itself is shared).
  peers?.handle(async (p) => {
    switch (p.op) {
      case 'items': for (const r of p.rows) engines.current.engine.catalog.upsert(r); return;
      case 'catalog': await engines.rebuildCatalog(); return;
      case 'erase': engines.erase(p.user); engines.refitNow(); retrainer.erasedElsewhere(p.user); return;
      case 'reload': await engines.reload(p.path); log.info('model swapped', { version: engines.current.version, by: 'another worker' }); return;
      case 'rollback': await engines.rollback(); return;
      case 'events': engines.eventsWritten(refreshMs); retrainer.eventsWritten(p.inserted); return;
      case 'session': if (p.session) sessions.set(p.token, p.session); else sessions.delete(p.token); return;
      case 'retrain': { const { started } = retrainer.trigger('api'); return { started, status: retrainer.status() }; }
      case 'retrainStatus': return retrainer.status();
      case 'metrics': return metrics.registry.getMetricsAsJSON();
    }
  });

  const doc = openApiDocument(routes);
  app.get('/openapi.json', (c) => c.json(doc));
  app.get('/docs', (c) => c.html(docsPage(doc)));
  return { app, ingest, metrics, retrainer, routes, reader };
}

/** Starts the API on `host:port` (default 127.0.0.1, port 8080; 0 picks a free port). */
export async function startServer(o: ServerOptions & { host?: string; port?: number }): Promise<RunningServer> {
  if (o.store instanceof Object) {
    // An acknowledged event must survive power loss, not only a crash: fsync each (group) commit.
    await withTables(o.store, (db) => db.pragma('synchronous = FULL'));
  }
  const { app, ingest, metrics, retrainer, reader } = createApp(o);
  await retrainer.start();
  const host = o.host ?? '127.0.0.1';
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: o.port ?? 8080, hostname: host }, () => resolve(s as Server)) as Server;
    s.once('error', reject);
  });
  server.keepAliveTimeout = 5000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  const { port } = server.address() as AddressInfo;
  // Users' histories into memory, a slice at a time between requests: a known user's request then reads no events.
  const warming = new AbortController();
  const warmed = o.warmHistories === false || !(o.store instanceof SqliteStore) ? Promise.resolve() : (async () => {
    const t0 = performance.now();
    const r = await (o.store as SqliteStore).warmHistories({ limit: o.engines.current.engine.historyLimit, signal: warming.signal });
    if (!warming.signal.aborted) (o.logger ?? jsonLogger()).info('histories cached', { users: r.users, cacheFull: r.full, seconds: +((performance.now() - t0) / 1000).toFixed(2) });
  })().catch((e: unknown) => (o.logger ?? jsonLogger()).warn(`histories not cached: ${e instanceof Error ? e.message : String(e)}`));
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    server,
    ingest,
    metrics,
    retrainer,
    close: async () => {
      warming.abort();
      await warmed;
      await retrainer.close();
      await o.engines.close();
      await reader.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
