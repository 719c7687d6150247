import type { z } from 'zod';
import type * as S from '../serve/schemas.ts';
import { CurioError } from '../errors.ts';

/**
 * A small typed client for `curio serve` (import from 'curio/client'), in the style of the Algolia and Recombee JS
 * clients: one object per server, a method per route, requests and answers typed by the server's own zod schemas.
 * It needs only `fetch` (Node 18+, browsers, workers): nothing of the server is loaded at run time.
 *
 * @example
 * const curio = new CurioClient({ url: 'http://127.0.0.1:8080', apiKey: process.env.CURIO_KEY });
 * const { items } = await curio.recommend({ user: 'u42', k: 10, filter: 'price < 50' });
 * await curio.events.send({ user: 'u42', item: items[0].item, type: 'click' });
 */

/** Request bodies: what the server accepts (defaults may be left out). */
export type RecommendRequest = z.input<typeof S.RecommendRequest>;
/** The per-recipe routes' body (`recipe` is fixed by the route); `item` is short for `context: { item }`. */
export type RecipeRequest = z.input<typeof S.RecipeRequest> & { item?: string };
export type EventInput = z.input<typeof S.Event>;
export type ItemInput = z.input<typeof S.Item>;
export type AskRequest = z.input<typeof S.AskRequest>;
export type SearchRequest = z.input<typeof S.SearchRequest>;

/** Answers: what the server sends. */
export type RecommendResponse = z.output<typeof S.RecommendResponse>;
export type RecommendedItem = RecommendResponse['items'][number];
export type Item = z.output<typeof S.Item>;
export type ItemList = z.output<typeof S.ItemList>;
export type WriteReport = z.output<typeof S.WriteReport>;
export type EventsResponse = z.output<typeof S.EventsResponse>;
export type UserExport = z.output<typeof S.UserExport>;
export type Deleted = z.output<typeof S.Deleted>;
export type UserDeleted = z.output<typeof S.UserDeleted>;
export type ModelInfo = z.output<typeof S.ModelInfo>;
export type Ready = z.output<typeof S.Ready>;
export type ErrorBody = z.output<typeof S.ErrorBody>;
export type AskResponse = z.output<typeof S.AskResponse>;
export type SearchResponse = z.output<typeof S.SearchResponse>;

export interface CurioClientOptions {
  /** The server's base URL, e.g. http://127.0.0.1:8080. */
  url: string;
  /** An API key (curio keys create): sent as `Authorization: Bearer <key>`. */
  apiKey?: string;
  /** Abort a request that has not answered after this many ms (default 30 000). */
  timeoutMs?: number;
  /** Another fetch (a test double, undici with a pool...); default the global fetch. */
  fetch?: typeof fetch;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
}

/** Per call: a request id for the server's log (echoed back), a signal to cancel. */
export interface CallOptions {
  requestId?: string;
  signal?: AbortSignal;
}

/** The server answered with an error: its HTTP status and its JSON error (`code`, `message`, `field`, `requestId`). */
export class CurioApiError extends CurioError {
  override readonly code: string;
  readonly field: string | undefined;
  readonly requestId: string | undefined;
  constructor(readonly status: number, readonly body: ErrorBody, readonly method: string, readonly path: string) {
    super(`${method} ${path}: ${status} ${body.error.code}: ${body.error.message}${body.error.field ? ` (${body.error.field})` : ''}`);
    this.code = body.error.code;
    this.field = body.error.field;
    this.requestId = body.error.requestId;
  }
}

/** No answer: the server is unreachable, the connection broke, or the request timed out. */
export class CurioConnectionError extends CurioError {
  override readonly code = 'CONNECTION_ERROR';
}

const id = (s: string) => encodeURIComponent(s);

export class CurioClient {
  private readonly base: string;
  private readonly fetchFn: typeof fetch;
  private readonly timeoutMs: number;

  constructor(private readonly o: CurioClientOptions) {
    let u: URL;
    try {
      u = new URL(o.url);
    } catch {
      throw new CurioError(`CurioClient: url "${o.url}" is not a URL; give e.g. http://127.0.0.1:8080`);
    }
    this.base = u.href.replace(/\/+$/, '');
    this.fetchFn = o.fetch ?? globalThis.fetch;
    this.timeoutMs = o.timeoutMs ?? 30_000;
  }

  /** One request; the parsed JSON answer, or a CurioApiError / CurioConnectionError. */
  async request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, o: CallOptions & { headers?: Record<string, string> } = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', ...this.o.headers, ...o.headers };
    if (this.o.apiKey) headers.authorization = `Bearer ${this.o.apiKey}`;
    if (o.requestId) headers['x-request-id'] = o.requestId;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = o.signal ? AbortSignal.any([o.signal, timeout]) : timeout;
    let res: Response;
    let text: string;
    try {
      res = await this.fetchFn(this.base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
      text = await res.text();
    } catch (e) {
      const why = timeout.aborted ? `no answer within ${this.timeoutMs} ms` : o.signal?.aborted ? 'cancelled' : (e as Error).message;
      throw new CurioConnectionError(`${method} ${path}: ${why} (${this.base})`, { cause: e });
    }
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const isError = typeof parsed === 'object' && parsed !== null && typeof (parsed as ErrorBody).error?.code === 'string';
      const errorBody: ErrorBody = isError ? (parsed as ErrorBody) : { error: { code: `http_${res.status}`, message: text.slice(0, 200) || res.statusText, requestId: res.headers.get('x-request-id') ?? undefined } };
      throw new CurioApiError(res.status, errorBody, method, path);
    }
    if (parsed === undefined) throw new CurioConnectionError(`${method} ${path}: the answer is not JSON (is ${this.base} a Curio server?)`);
    return parsed as T;
  }

  /** Personal recommendations (or any recipe, with `recipe`), with filters, boosts, pins, caps, exclude-shown. */
  recommend(request: RecommendRequest, o?: CallOptions): Promise<RecommendResponse> {
    return this.request('POST', '/v1/recommend', request, o);
  }

  /** A named recipe's route (/v1/related, /v1/trending...). */
  recipe(name: string, request: RecipeRequest = {}, o?: CallOptions): Promise<RecommendResponse> {
    const { item, ...rest } = request;
    const body = item === undefined ? rest : { ...rest, context: { ...rest.context, item } };
    return this.request('POST', `/v1/${id(name)}`, body, o);
  }

  /** Items like `item` (model similarity blended with co-occurrence). */
  related(request: RecipeRequest, o?: CallOptions): Promise<RecommendResponse> {
    return this.recipe('related', request, o);
  }

  /** Frequently bought with an item (`item`) or a basket (`items`). */
  boughtTogether(request: RecipeRequest, o?: CallOptions): Promise<RecommendResponse> {
    return this.recipe('bought-together', request, o);
  }

  trending(request: RecipeRequest = {}, o?: CallOptions): Promise<RecommendResponse> {
    return this.recipe('trending', request, o);
  }

  popular(request: RecipeRequest = {}, o?: CallOptions): Promise<RecommendResponse> {
    return this.recipe('popular', request, o);
  }

  /**
   * A request in plain words: how it was understood (constraints, query; `understood.nothingMatched` names the
   * constraint that emptied the set) and the best items inside the constraints, personalised with `user`.
   */
  ask(request: AskRequest, o?: CallOptions): Promise<AskResponse> {
    return this.request('POST', '/v1/ask', request, o);
  }

  /** Searches item text (BM25 and text vectors, fused), personalised with `user`. */
  search(request: SearchRequest, o?: CallOptions): Promise<SearchResponse> {
    return this.request('POST', '/v1/search', request, o);
  }

  readonly events = {
    /**
     * Sends one event or a batch (up to 1000), acknowledged once durably stored; the user's next request sees it.
     * With `idempotencyKey` a retried send is stored once and answered as the first time.
     */
    send: (events: EventInput | EventInput[], o: CallOptions & { idempotencyKey?: string } = {}): Promise<EventsResponse> => {
      const { idempotencyKey, ...call } = o;
      const body = Array.isArray(events) || idempotencyKey !== undefined
        ? { events: Array.isArray(events) ? events : [events], ...(idempotencyKey !== undefined ? { idempotencyKey } : {}) }
        : events;
      return this.request('POST', '/v1/events', body, call);
    },
  };

  readonly items = {
    /** Adds or updates one item (fields left out keep their value) or a batch of up to 1000; served at once. */
    upsert: (items: ItemInput | ItemInput[], o?: CallOptions): Promise<WriteReport> => {
      if (Array.isArray(items)) return this.request('POST', '/v1/items', { items }, o);
      const { id: itemId, ...fields } = items;
      return this.request('PUT', `/v1/items/${id(itemId)}`, fields, o);
    },
    /** One item; a CurioApiError with code "unknown_item" (404) when there is none. */
    get: (itemId: string, o?: CallOptions): Promise<Item> => this.request('GET', `/v1/items/${id(itemId)}`, undefined, o),
    /** Deletes an item and every event on it. */
    delete: (itemId: string, o?: CallOptions): Promise<Deleted> => this.request('DELETE', `/v1/items/${id(itemId)}`, undefined, o),
    /** One page of items in id order; pass the answer's `next` as `after` for the next page. */
    list: (page: { after?: string; limit?: number } = {}, o?: CallOptions): Promise<ItemList> => {
      const q = new URLSearchParams();
      if (page.after !== undefined) q.set('after', page.after);
      if (page.limit !== undefined) q.set('limit', String(page.limit));
      const qs = q.toString();
      return this.request('GET', `/v1/items${qs ? `?${qs}` : ''}`, undefined, o);
    },
    /** Every item, a page (`limit`) per request. */
    all: (limit = 1000): AsyncGenerator<Item> => this.allItems(limit),
  };

  private async *allItems(limit: number): AsyncGenerator<Item> {
    let after: string | undefined;
    do {
      const page = await this.items.list({ after, limit });
      yield* page.items;
      after = page.next ?? undefined;
    } while (after !== undefined);
  }

  readonly users = {
    upsert: (userId: string, attrs?: Record<string, unknown>, o?: CallOptions): Promise<WriteReport> =>
      this.request('PUT', `/v1/users/${id(userId)}`, attrs ? { attrs } : {}, o),
    /** GDPR erasure (admin key): the user and all their events leave the store. */
    delete: (userId: string, o?: CallOptions): Promise<UserDeleted> => this.request('DELETE', `/v1/users/${id(userId)}`, undefined, o),
    /** GDPR export (admin key): everything the store holds about the user. */
    export: (userId: string, o?: CallOptions): Promise<UserExport> => this.request('GET', `/v1/users/${id(userId)}/export`, undefined, o),
  };

  readonly model = {
    info: (o?: CallOptions): Promise<ModelInfo> => this.request('GET', '/v1/model', undefined, o),
    /** Loads the model file again (or `path`) and swaps it in (admin key). */
    reload: (path?: string, o?: CallOptions): Promise<ModelInfo> => this.request('POST', '/v1/model/reload', path === undefined ? {} : { path }, o),
    rollback: (o?: CallOptions): Promise<ModelInfo> => this.request('POST', '/v1/model/rollback', undefined, o),
  };

  health(o?: CallOptions): Promise<{ status: 'ok' }> {
    return this.request('GET', '/health', undefined, o);
  }

  ready(o?: CallOptions): Promise<Ready> {
    return this.request('GET', '/ready', undefined, o);
  }
}
