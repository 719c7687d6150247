/**
 * A stub OpenAI-compatible server on 127.0.0.1 for tests and the offline harnesses: it answers
 * POST /v1/chat/completions and /v1/embeddings from a script of steps (consumed one per request, in order),
 * then from per-endpoint handlers. A step can answer well, send garbage, fail with a status (with Retry-After),
 * be slow, or hang until the server is closed: the behaviours a real endpoint shows on a bad day.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubStep {
  /** HTTP status (default 200). */
  status?: number;
  headers?: Record<string, string>;
  /** Chat: the assistant message's content, wrapped in a chat.completion object. */
  content?: string;
  /** A JSON body sent as is (overrides `content`). */
  json?: unknown;
  /** A raw body sent as is (overrides both). */
  raw?: string;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Never answer (the connection is cut when the server closes). */
  hang?: boolean;
}

export interface StubRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: { model?: string; messages?: { role: string; content: string }[]; input?: string | string[]; response_format?: unknown; [k: string]: unknown };
}

export type StubHandler = (req: StubRequest) => StubStep | Promise<StubStep>;

export interface StubLlmOptions {
  /** Steps for the next requests, whatever their endpoint; then the handlers answer. */
  script?: StubStep[];
  chat?: StubHandler;
  embeddings?: StubHandler;
}

export interface StubLlm {
  /** http://127.0.0.1:<port>/v1 */
  url: string;
  /** Every request received, in order. */
  requests: StubRequest[];
  /** Steps still to be played (push more at any time). */
  script: StubStep[];
  close(): Promise<void>;
}

/** A deterministic unit vector for a text (hashed character trigrams), so equal texts embed equally. */
export function hashEmbedding(text: string, dimension = 16): number[] {
  const v = new Array<number>(dimension).fill(0);
  const t = ` ${text.toLowerCase()} `;
  for (let i = 0; i + 3 <= t.length; i++) {
    const h = createHash('md5').update(t.slice(i, i + 3)).digest();
    v[h[0]! % dimension]! += h[1]! & 1 ? 1 : -1;
  }
  const n = Math.hypot(...v) || 1;
  return v.map((x) => x / n);
}

/** A chat answer whose content is `value` as JSON. */
export const answerJson = (value: unknown): StubStep => ({ content: JSON.stringify(value) });

const defaultEmbeddings: StubHandler = (req) => {
  const input = Array.isArray(req.body.input) ? req.body.input : [String(req.body.input ?? '')];
  return { json: { object: 'list', model: req.body.model, data: input.map((t, index) => ({ object: 'embedding', index, embedding: hashEmbedding(t) })), usage: { prompt_tokens: input.length, total_tokens: input.length } } };
};

const defaultChat: StubHandler = () => ({ status: 500, json: { error: { message: 'the stub has no chat handler for this test' } } });

export async function startStubLlm(o: StubLlmOptions = {}): Promise<StubLlm> {
  const requests: StubRequest[] = [];
  const script = [...(o.script ?? [])];
  const server = createServer(async (req, res) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    const path = (req.url ?? '').replace(/^\/v1/, '');
    let body: StubRequest['body'] = {};
    try {
      body = JSON.parse(text || '{}') as StubRequest['body'];
    } catch {
      res.writeHead(400).end('{"error":{"message":"body is not JSON"}}');
      return;
    }
    const r: StubRequest = { path, headers: req.headers, body };
    requests.push(r);
    const handler = path === '/chat/completions' ? (o.chat ?? defaultChat) : path === '/embeddings' ? (o.embeddings ?? defaultEmbeddings) : undefined;
    if (req.method !== 'POST' || !handler) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(`{"error":{"message":"no route ${req.method} ${req.url}"}}`);
      return;
    }
    const step = script.length ? script.shift()! : await handler(r);
    if (step.hang) return;
    if (step.delayMs) await new Promise((w) => setTimeout(w, step.delayMs));
    if (res.destroyed) return;
    const out = step.raw ?? JSON.stringify(step.json ?? {
      id: 'chatcmpl-stub', object: 'chat.completion', created: 0, model: body.model,
      choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: step.content ?? '' } }],
      usage: { prompt_tokens: Math.ceil(text.length / 4), completion_tokens: Math.ceil((step.content ?? '').length / 4), total_tokens: 0 },
    });
    res.writeHead(step.status ?? 200, { 'content-type': 'application/json', ...step.headers }).end(out);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    script,
    close: () => new Promise<void>((ok) => { server.closeAllConnections(); server.close(() => ok()); }),
  };
}

/**
 * A chat handler for re-ranking prompts (src/llm/rerank.ts): it reads the candidate ids from the prompt's JSON
 * lines and answers them in the same order ('echo'), reversed ('reverse'). Not a judge of anything: it checks
 * the plumbing (echo must reproduce the model's numbers exactly).
 */
export function rerankStub(order: 'echo' | 'reverse'): StubHandler {
  return (req) => {
    const text = req.body.messages?.at(-1)?.content ?? '';
    const ids = text.split('\n').filter((l) => l.startsWith('{"id":')).map((l) => (JSON.parse(l) as { id: string }).id);
    return answerJson({ ranking: order === 'echo' ? ids : ids.reverse() });
  };
}
