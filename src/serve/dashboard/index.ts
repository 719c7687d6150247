import { randomBytes } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { getCookie, setCookie, deleteCookie } from 'hono/cookie';
import { z } from 'zod';
import type { DataStore } from '../../store/types.ts';
import type { Engines } from '../engines.ts';
import { ApiKeys } from '../keys.ts';
import { HttpError, errorAnswer } from '../http-error.ts';
import type { Logger } from '../log.ts';
import * as S from '../schemas.ts';
import { asset } from './assets.ts';
import { overview } from './data.ts';
import { loginPage, overviewPage } from './pages.ts';
import { ReadStore } from './read-store.ts';
import { RateLimiter, type Limiter } from '../rate-limit.ts';
import type { HttpBindings } from '@hono/node-server';

// `body`: the server reads every request body once, before any route (see server.ts); read it from there.
type Vars = { Variables: { requestId: string; keyId: string | undefined; body: string | undefined } };

export interface DashboardOptions {
  store: DataStore;
  engines: Engines;
  /** false: no login (the server runs without keys). */
  auth: boolean;
  log: Logger;
  /** The API's recommend (same engine, same generation rule), so a preview is what a client would get. */
  recommend: (body: z.output<typeof S.RecommendRequest>) => Promise<z.infer<typeof S.RecommendResponse>>;
  /** How long a login lasts (default 8 hours). */
  sessionMs?: number;
  /**
   * Failed logins allowed per client address: `burst` at once, then one per `everyMs` (default 10, then one a
   * minute); past that, a 429 before the key is even checked.
   */
  loginLimit?: { burst: number; everyMs: number };
  /** Where failed logins are counted (default: this process; the workers of `--workers N` share one table). */
  failedLogins?: (rate: number, burst: number) => Limiter;
  /** The read-only connection the statistics and logins use (default: one opened on first use, see ReadStore). */
  reader?: ReadStore;
  /** Logins, by cookie token (default: a map of its own); the server shares it with its other workers' replays. */
  sessions?: Map<string, DashboardSession>;
  /** Replays a login (a session) or a logout (null) in the other workers of `--workers N` before answering. */
  replaySession?: (token: string, session: DashboardSession | null) => Promise<unknown>;
}

const COOKIE = 'curio_dashboard';
const MAX_SESSIONS = 1000;

/**
 * Only the page's own scripts and styles, from this server: no inline script, no other origin, not framable.
 * Chart data rides in a `<script type="application/json">` block, which is data, not script.
 */
export const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const PreviewBody = z.object({
  mode: z.enum(['user', 'item']),
  id: S.IdSchema,
  recipe: z.string().min(1).max(64).optional(),
  k: z.number().int().min(1).max(50).default(10),
}).strict();

export interface DashboardSession { key: string; keyId: string; expires: number }

/**
 * The dashboard at /dashboard: a login page that trades an admin API key for an HttpOnly, SameSite=Strict session
 * cookie (the key never travels in a URL and is not kept by the browser), the overview page rendered on the
 * server, its static assets, and a preview endpoint that runs the API's own recommend.
 */
export function dashboardApp(o: DashboardOptions): Hono<Vars> {
  const { store, engines, log } = o;
  const reader = o.reader ?? new ReadStore(store);
  // Keys are checked on the read connection too: a login or page view does not wait behind event ingestion.
  let readKeys: Promise<ApiKeys> | undefined;
  const keys = { verify: async (key: string) => (await (readKeys ??= reader.get().then((s) => new ApiKeys(s)))).verify(key) };
  const limit = o.loginLimit ?? { burst: 10, everyMs: 60_000 };
  const failedLogins = o.failedLogins?.(1000 / limit.everyMs, limit.burst) ?? new RateLimiter(1000 / limit.everyMs, limit.burst);
  const sessionMs = o.sessionMs ?? 8 * 3_600_000;
  const sessions = o.sessions ?? new Map<string, DashboardSession>();
  const app = new Hono<Vars>();

  app.use('*', async (c, next) => {
    await next();
    c.header('content-security-policy', CSP);
    c.header('x-frame-options', 'DENY');
    c.header('referrer-policy', 'no-referrer');
  });
  app.onError((e, c) => {
    const a = errorAnswer(e, c.get('requestId') ?? '');
    if (a.internal) log.error('dashboard request failed', { reqId: c.get('requestId'), route: c.req.routePath, error: (e as Error)?.stack ?? String(e) });
    return c.json(a.body, a.status as 400);
  });

  /** A POST from another site (a forged form or fetch) is refused before it can use the session cookie. */
  function sameOrigin(c: Context<Vars>): void {
    const site = c.req.header('sec-fetch-site');
    if (site !== undefined && site !== 'same-origin' && site !== 'none') throw new HttpError(403, 'forbidden', 'cross-site request refused');
    const origin = c.req.header('origin');
    if (origin !== undefined && origin !== 'null') {
      let host: string;
      try { host = new URL(origin).host; } catch { throw new HttpError(403, 'forbidden', 'cross-site request refused'); }
      if (host !== c.req.header('host')) throw new HttpError(403, 'forbidden', 'cross-site request refused');
    }
  }

  /** The session's key id when the cookie names a live session whose key is still a valid admin key. */
  async function session(c: Context<Vars>): Promise<string | undefined> {
    if (!o.auth) return 'no-auth';
    const token = getCookie(c, COOKIE);
    if (!token) return undefined;
    const s = sessions.get(token);
    if (!s) return undefined;
    if (s.expires < Date.now()) {
      sessions.delete(token);
      return undefined;
    }
    // Revoking the key ends its sessions at their next request.
    const who = await keys.verify(s.key);
    if (!who || who.scope !== 'admin') {
      sessions.delete(token);
      return undefined;
    }
    c.set('keyId', who.id);
    return who.id;
  }

  app.get('/assets/:name', (c) => {
    const a = asset(c.req.param('name'));
    if (!a) throw new HttpError(404, 'not_found', 'no such dashboard asset');
    return c.body(a.body, 200, { 'content-type': a.type });
  });

  app.get('/login', async (c) => {
    if (await session(c)) return c.redirect('/dashboard', 303);
    return c.html(loginPage({ store: store.url }));
  });

  app.post('/login', async (c) => {
    sameOrigin(c);
    // Per client address (the socket's: a forwarded-for header is the client's to invent).
    const ip = (c.env as Partial<HttpBindings> | undefined)?.incoming?.socket.remoteAddress ?? 'unknown';
    const wait = failedLogins.peek(`login:${ip}`);
    if (wait > 0) {
      const s = Math.max(1, Math.ceil(wait));
      c.header('retry-after', String(s));
      log.warn('dashboard login refused: too many failed attempts', { reqId: c.get('requestId'), ip });
      return c.html(loginPage({ store: store.url, error: `Too many failed logins from this address; try again in ${s} s.` }), 429);
    }
    const key = (new URLSearchParams(c.get('body') ?? '').get('key') ?? '').trim();
    const who = key && key.length <= 200 ? await keys.verify(key) : undefined;
    if (!who || who.scope !== 'admin') {
      failedLogins.take(`login:${ip}`);
      const error = !who ? 'That key is not valid or was revoked.' : `That key has scope "${who.scope}"; the dashboard needs an admin key.`;
      if (who) c.set('keyId', who.id);
      return c.html(loginPage({ store: store.url, error }), who ? 403 : 401);
    }
    c.set('keyId', who.id);
    if (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value!); // the oldest login
    const token = randomBytes(32).toString('base64url');
    const session = { key, keyId: who.id, expires: Date.now() + sessionMs };
    sessions.set(token, session);
    await o.replaySession?.(token, session);
    const secure = new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
    setCookie(c, COOKIE, token, { httpOnly: true, sameSite: 'Strict', path: '/dashboard', maxAge: Math.floor(sessionMs / 1000), secure });
    log.info('dashboard login', { reqId: c.get('requestId'), key: who.id });
    return c.redirect('/dashboard', 303);
  });

  app.post('/logout', async (c) => {
    sameOrigin(c);
    const token = getCookie(c, COOKIE);
    if (token) {
      sessions.delete(token);
      await o.replaySession?.(token, null);
    }
    deleteCookie(c, COOKIE, { path: '/dashboard' });
    return c.redirect('/dashboard/login', 303);
  });

  app.get('/', async (c) => {
    if (!(await session(c))) return c.redirect('/dashboard/login', 303);
    return c.html(overviewPage({ ...(await overview(await reader.get(), engines)), store: store.url, auth: o.auth }));
  });

  app.post('/api/preview', async (c) => {
    sameOrigin(c);
    const text = c.get('body') ?? '';
    if (!(await session(c))) throw new HttpError(401, 'unauthorized', 'log in at /dashboard/login');
    let raw: unknown;
    try { raw = JSON.parse(text); } catch { throw new HttpError(400, 'invalid_json', 'the body is not valid JSON'); }
    const r = PreviewBody.safeParse(raw);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      throw new HttpError(400, 'invalid_request', issue.message, issue.path.join('.') || undefined);
    }
    const p = r.data;
    const request = p.mode === 'user'
      ? { recipe: p.recipe ?? 'recommend', user: p.id, k: p.k }
      : { recipe: p.recipe ?? 'related', context: { item: p.id }, k: p.k };
    const answer = await o.recommend(S.RecommendRequest.parse(request));
    let seed: string;
    if (p.mode === 'item') {
      const item = await store.getItem(p.id);
      seed = `like ${p.id}${item?.title ? ` (${item.title})` : ''}`;
    } else {
      const recent = await store.history(p.id, { limit: 3 });
      const titles = await store.getItems(recent.map((e) => e.item));
      seed = recent.length ? `for ${p.id}, who last had ${recent.map((e, q) => `${titles[q]?.title ?? e.item} (${e.type})`).join(', ')}` : `for ${p.id} (no history)`;
    }
    return c.json({ ...answer, seed });
  });

  return app;
}
