/**
 * A small client for the two OpenAI-compatible endpoints Curio uses, on node's fetch:
 * - `chatJson`: /v1/chat/completions asking for JSON (response_format json_schema or json_object), the answer
 *   parsed and validated with a zod schema;
 * - `embed`: /v1/embeddings in batches.
 * Every call has a timeout per attempt and a deadline as a whole; timeouts, network errors, 5xx, 429 (waiting
 * Retry-After when given) and answers that are not the requested JSON are retried with exponential back-off while
 * the deadline allows, then thrown as one LlmError.
 * A budget (calls and tokens per client, i.e. per run) stops a runaway loop, and answers are cached by a hash of
 * the request (in memory, and on disk when `cacheDir` is set), so a repeated run costs nothing.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { LlmConfig } from './config.ts';
import { LlmError } from './errors.ts';

export interface LlmUsage {
  /** HTTP calls made (each retry counts). */
  calls: number;
  /** Answers served from the cache. */
  cacheHits: number;
  retries: number;
  promptTokens: number;
  completionTokens: number;
}

export interface ChatJsonRequest<T> {
  system: string;
  user: string;
  /** The answer's shape: sent to the model as JSON Schema and used to validate its answer. */
  schema: z.ZodType<T>;
  /** A name for the schema (json_schema mode), e.g. "request_constraints". */
  name: string;
  maxTokens?: number;
}

export interface ChatJsonResult<T> {
  value: T;
  cached: boolean;
}

interface ClientHooks {
  /** For tests: how to wait between attempts. */
  sleep?: (ms: number) => Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One attempt's failure, retriable or not. */
class AttemptError extends Error {
  constructor(readonly failure: LlmError['failure'], message: string, readonly retriable: boolean, readonly status?: number, readonly retryAfterMs?: number) {
    super(message);
  }
}

export class LlmClient {
  readonly usage: LlmUsage = { calls: 0, cacheHits: 0, retries: 0, promptTokens: 0, completionTokens: 0 };
  private readonly memory = new Map<string, unknown>();
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(readonly config: LlmConfig, hooks: ClientHooks = {}) {
    this.sleep = hooks.sleep ?? sleep;
  }

  /** "the LLM at <url> (model m)", for warnings. */
  describe(): string {
    return `the LLM at ${this.config.baseUrl} (model ${this.config.model})`;
  }

  /** Asks for a JSON answer of the given shape; LlmError after the retries. */
  async chatJson<T>(req: ChatJsonRequest<T>, signal?: AbortSignal): Promise<ChatJsonResult<T>> {
    const jsonSchema = z.toJSONSchema(req.schema, { target: 'draft-7', unrepresentable: 'any' }) as Record<string, unknown>;
    delete jsonSchema.$schema;
    const c = this.config;
    const system = c.responseFormat === 'json_object'
      ? `${req.system}\nAnswer with one JSON object only, matching this JSON Schema:\n${JSON.stringify(jsonSchema)}`
      : req.system;
    const body = {
      model: c.model,
      temperature: c.temperature,
      ...(req.maxTokens ? { max_tokens: req.maxTokens } : {}),
      messages: [{ role: 'system', content: system }, { role: 'user', content: req.user }],
      response_format: c.responseFormat === 'json_object'
        ? { type: 'json_object' }
        : { type: 'json_schema', json_schema: { name: req.name, strict: true, schema: jsonSchema } },
    };
    const key = this.cacheKey('chat', body);
    const hit = this.cacheGet(key);
    if (hit !== undefined) {
      const v = req.schema.safeParse(hit);
      if (v.success) { this.usage.cacheHits++; return { value: v.data, cached: true }; }
    }
    const value = await this.withRetries('chat/completions', signal, async (s) => {
      const json = await this.post('chat/completions', body, s);
      const content = (json as { choices?: { message?: { content?: unknown } }[] }).choices?.[0]?.message?.content;
      if (typeof content !== 'string') throw new AttemptError('bad-json', 'the answer has no choices[0].message.content', true);
      let parsed: unknown;
      try {
        parsed = JSON.parse(stripFence(content));
      } catch {
        throw new AttemptError('bad-json', `the answer is not JSON: ${JSON.stringify(content.slice(0, 60))}${content.length > 60 ? '…' : ''}`, true);
      }
      const v = req.schema.safeParse(parsed);
      if (!v.success) {
        const i = v.error.issues[0]!;
        throw new AttemptError('schema', `the answer does not match the schema at ${i.path.join('.') || '(root)'}: ${i.message}`, true);
      }
      return v.data;
    });
    this.cachePut(key, value);
    return { value, cached: false };
  }

  /**
   * One vector per text, from /v1/embeddings in batches of `embeddingBatch`; vectors already fetched (same model
   * and text) come from the cache. Every vector must have the same length.
   */
  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const model = this.config.embeddingModel ?? this.config.model;
    const out = new Array<Float32Array | undefined>(texts.length);
    const missing: number[] = [];
    const keys = texts.map((t) => this.cacheKey('embedding', { model, t }));
    keys.forEach((k, r) => {
      const v = this.cacheGet(k);
      if (Array.isArray(v)) { out[r] = Float32Array.from(v as number[]); this.usage.cacheHits++; } else missing.push(r);
    });
    const batch = this.config.embeddingBatch;
    for (let s = 0; s < missing.length; s += batch) {
      const rows = missing.slice(s, s + batch);
      const input = rows.map((r) => texts[r]!);
      const vectors = await this.withRetries('embeddings', signal, async (sig) => {
        const json = await this.post('embeddings', { model, input }, sig);
        const data = EmbeddingsSchema.safeParse(json);
        if (!data.success) throw new AttemptError('schema', `the embeddings answer is malformed at ${data.error.issues[0]!.path.join('.')}: ${data.error.issues[0]!.message}`, true);
        if (data.data.data.length !== input.length) throw new AttemptError('schema', `asked for ${input.length} embeddings, got ${data.data.data.length}`, true);
        const byIndex = new Array<number[]>(input.length);
        data.data.data.forEach((d, q) => { byIndex[d.index ?? q] = d.embedding; });
        if (byIndex.some((v) => !v)) throw new AttemptError('schema', 'the embeddings answer skips an index', true);
        return byIndex;
      });
      rows.forEach((r, q) => { out[r] = Float32Array.from(vectors[q]!); this.cachePut(keys[r]!, vectors[q]!); });
    }
    const d = out[0]?.length;
    for (const v of out) if (v!.length !== d) throw new LlmError('schema', `${this.describe()} returned embeddings of ${d} and ${v!.length} dimensions`, 1);
    return out as Float32Array[];
  }

  private async withRetries<T>(what: string, signal: AbortSignal | undefined, attempt: (s: AbortSignal) => Promise<T>): Promise<T> {
    const c = this.config;
    let last: AttemptError | undefined;
    let tries = 0, pastDeadline = false;
    const start = performance.now(), left = () => c.deadlineMs - (performance.now() - start);
    for (let n = 0; n <= c.retries; n++) {
      if (n > 0) {
        const wait = last?.retryAfterMs ?? c.backoffMs * 2 ** (n - 1) * (0.75 + 0.5 * Math.random());
        if (wait >= left()) { pastDeadline = true; break; }
        this.usage.retries++;
        await this.sleep(wait);
      }
      if (signal?.aborted) throw new LlmError('aborted', `${this.describe()}: ${what} was cancelled`, n);
      this.spend();
      tries++;
      const timeout = AbortSignal.timeout(Math.max(1, Math.min(c.timeoutMs, Math.ceil(left()))));
      try {
        return await attempt(signal ? AbortSignal.any([signal, timeout]) : timeout);
      } catch (e) {
        if (signal?.aborted) throw new LlmError('aborted', `${this.describe()}: ${what} was cancelled`, n + 1);
        last = e instanceof AttemptError ? e
          : timeout.aborted ? new AttemptError('timeout', left() <= 0 ? `no answer within the ${c.deadlineMs} ms deadline (llm.deadlineMs)` : `no answer within ${c.timeoutMs} ms`, true)
          : new AttemptError('network', `cannot reach it (${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message})`, true);
        if (!last.retriable) break;
        if (last.retryAfterMs !== undefined && last.retryAfterMs > c.maxRetryAfterMs) break;
      }
    }
    const attempts = last!.retriable ? ` after ${tries === 1 ? '1 attempt' : `${tries} attempts`}${pastDeadline && last!.failure !== 'timeout' ? ` (no time left for another within llm.deadlineMs ${c.deadlineMs} ms)` : ''}` : '';
    throw new LlmError(last!.failure, `${this.describe()}: ${what} failed${attempts}: ${last!.message}`, tries, last!.status);
  }

  private spend(): void {
    const c = this.config, u = this.usage;
    if (u.calls >= c.maxCalls) throw new LlmError('budget', `${this.describe()}: budget spent (${u.calls} of llm.maxCalls ${c.maxCalls} calls)`, 0);
    if (u.promptTokens + u.completionTokens >= c.maxTokens) throw new LlmError('budget', `${this.describe()}: budget spent (${u.promptTokens + u.completionTokens} of llm.maxTokens ${c.maxTokens} tokens)`, 0);
    u.calls++;
  }

  private async post(path: string, body: unknown, signal: AbortSignal): Promise<unknown> {
    const text = JSON.stringify(body);
    const res = await fetch(`${this.config.baseUrl}/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(this.config.apiKey ? { authorization: `Bearer ${this.config.apiKey}` } : {}) },
      body: text,
      signal,
    });
    const raw = await res.text();
    if (!res.ok) {
      const detail = raw.slice(0, 120).replace(/\s+/g, ' ').trim();
      if (res.status === 429) throw new AttemptError('rate-limited', `HTTP 429 (rate limited)${detail ? `: ${detail}` : ''}`, true, 429, retryAfter(res.headers.get('retry-after')));
      // 408 and 5xx may pass; other 4xx (bad key, unknown model, bad request) will not.
      const retriable = res.status >= 500 || res.status === 408;
      throw new AttemptError('http', `HTTP ${res.status}${detail ? `: ${detail}` : ''}`, retriable, res.status);
    }
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new AttemptError('bad-json', `the response body is not JSON: ${JSON.stringify(raw.slice(0, 60))}`, true, res.status);
    }
    const usage = (json as { usage?: { prompt_tokens?: number; completion_tokens?: number } }).usage;
    this.usage.promptTokens += usage?.prompt_tokens ?? Math.ceil(text.length / 4);
    this.usage.completionTokens += usage?.completion_tokens ?? (usage ? 0 : Math.ceil(raw.length / 4));
    return json;
  }

  private cacheKey(kind: string, body: unknown): string {
    return createHash('sha256').update(`${kind}\n${this.config.baseUrl}\n${JSON.stringify(body)}`).digest('hex');
  }

  private cacheGet(key: string): unknown {
    if (this.memory.has(key)) return this.memory.get(key);
    if (!this.config.cacheDir) return undefined;
    try {
      const v = JSON.parse(readFileSync(join(this.config.cacheDir, `${key}.json`), 'utf8')) as unknown;
      this.memory.set(key, v);
      return v;
    } catch {
      return undefined; // absent or unreadable: ask again
    }
  }

  private cachePut(key: string, value: unknown): void {
    this.memory.set(key, value);
    const dir = this.config.cacheDir;
    if (!dir) return;
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${key}.json`), tmp = `${file}.tmp-${process.pid}`;
    writeFileSync(tmp, JSON.stringify(value));
    renameSync(tmp, file);
  }
}

const EmbeddingsSchema = z.object({
  data: z.array(z.object({ embedding: z.array(z.number()).min(1), index: z.number().int().min(0).optional() })),
});

/** Retry-After in ms: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfter(h: string | null): number | undefined {
  if (!h) return undefined;
  if (/^\d+(\.\d+)?$/.test(h.trim())) return Number(h) * 1000;
  const t = Date.parse(h);
  return Number.isFinite(t) ? Math.max(0, t - Date.now()) : undefined;
}

/** Models often wrap JSON in a ```json fence even when asked not to. */
function stripFence(s: string): string {
  const m = /^\s*```(?:json)?\s*\n([\s\S]*?)\n?```\s*$/.exec(s);
  return m ? m[1]! : s;
}
