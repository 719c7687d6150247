/**
 * The `llm` section of a pipeline config (and the CLI's `--llm-url`, `--llm-model`): where an OpenAI-compatible
 * endpoint is (Ollama, vLLM, llama.cpp server, OpenAI) and how much one run may spend on it. The API key is read
 * from the config or from the environment variable CURIO_LLM_API_KEY, so it need not sit in a file.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { parseConfig, strictObject } from '../config.ts';

export const LLM_API_KEY_ENV = 'CURIO_LLM_API_KEY';

export const LlmConfigSchema = strictObject({
  /** The endpoint up to `/v1`, e.g. http://127.0.0.1:11434/v1 (a bare host gets `/v1` added). */
  baseUrl: z.string().url('expected a URL such as http://127.0.0.1:11434/v1'),
  /** Chat model name, e.g. "llama3.1:8b" or "gpt-4o-mini". */
  model: z.string().min(1).default('default'),
  /** Embedding model for the `openai` text encoder (default: `model`). */
  embeddingModel: z.string().min(1).optional(),
  /** Bearer token; default: the CURIO_LLM_API_KEY environment variable. */
  apiKey: z.string().min(1).optional(),
  /** Per attempt, ms. */
  timeoutMs: z.number().int().positive().default(20_000),
  /**
   * Whole call, retries and back-off included, ms: no attempt starts after it and none runs past it, so a hung
   * endpoint costs at most this long before the caller falls back (3 × timeoutMs would be a minute).
   */
  deadlineMs: z.number().int().positive().default(30_000),
  /** Extra attempts after a timeout, 5xx, 429, network error or an answer that is not the requested JSON. */
  retries: z.number().int().min(0).max(10).default(2),
  /** First back-off, ms (doubled each retry, with jitter); a 429's Retry-After wins when given. */
  backoffMs: z.number().int().min(0).default(500),
  /** The longest Retry-After honoured, ms; a longer one ends the retries. */
  maxRetryAfterMs: z.number().int().min(0).default(30_000),
  /** Budget of one run: at most this many HTTP calls... */
  maxCalls: z.number().int().positive().default(500),
  /** ...and this many tokens (as the endpoint reports them, else characters / 4). */
  maxTokens: z.number().int().positive().default(500_000),
  /** Folder for the on-disk answer cache (default: in memory only). */
  cacheDir: z.string().min(1).optional(),
  temperature: z.number().min(0).max(2).default(0),
  /**
   * How to ask for JSON: 'json_schema' (OpenAI structured outputs, vLLM, recent Ollama and llama.cpp) or
   * 'json_object' (older servers; the schema is then only in the prompt). Either way the answer is validated.
   */
  responseFormat: z.enum(['json_schema', 'json_object']).default('json_schema'),
  /** Texts per /v1/embeddings call. */
  embeddingBatch: z.number().int().min(1).max(2048).default(64),
  /** Which features use the LLM (each falls back without it). */
  use: strictObject({
    ask: z.boolean().default(true),
    explain: z.boolean().default(true),
    rerank: z.boolean().default(false),
  }).default({ ask: true, explain: true, rerank: false }),
  /** LLM re-ranking: how many of the model's best candidates it sees, and how many recent items of the user. */
  rerank: strictObject({
    candidates: z.number().int().min(2).max(100).default(20),
    recent: z.number().int().min(1).max(50).default(10),
  }).default({ candidates: 20, recent: 10 }),
});
export type LlmConfigInput = z.input<typeof LlmConfigSchema>;
export type LlmConfig = z.infer<typeof LlmConfigSchema> & { apiKey?: string };

/** The base URL with `/v1` added to a bare host and no trailing slash. */
export function normalizeBaseUrl(url: string, field = 'llm.baseUrl'): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ConfigError(field, `"${url}" is not a URL (expected e.g. http://127.0.0.1:11434/v1)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ConfigError(field, `"${url}": only http and https endpoints are supported`);
  let s = u.toString().replace(/\/+$/, '');
  if (u.pathname === '/' || u.pathname === '') s += '/v1';
  return s;
}

/**
 * The effective config: the file's `llm` section (may be absent), overridden by CLI flags, the API key from the
 * environment when the config has none. Undefined when no endpoint is configured anywhere.
 */
export function resolveLlmConfig(section: unknown, flags: { url?: string; model?: string } = {}, env: NodeJS.ProcessEnv = process.env): LlmConfig | undefined {
  if (section === undefined && flags.url === undefined) return undefined;
  const raw = { ...((section as Record<string, unknown> | undefined) ?? {}) };
  if (flags.url !== undefined) raw.baseUrl = flags.url;
  if (flags.model !== undefined) raw.model = flags.model;
  const c: LlmConfig = parseConfig(LlmConfigSchema, raw, flags.url !== undefined && section === undefined ? '--llm-url' : 'llm');
  c.baseUrl = normalizeBaseUrl(c.baseUrl, flags.url !== undefined ? '--llm-url' : 'llm.baseUrl');
  if (!c.apiKey && env[LLM_API_KEY_ENV]) c.apiKey = env[LLM_API_KEY_ENV];
  return c;
}
