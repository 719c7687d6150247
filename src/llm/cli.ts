/** The CLI's LLM flags, shared by the commands that can use an LLM (ask, explain, recommend). */
import { ConfigError } from '../errors.ts';
import { LlmClient } from './client.ts';
import { resolveLlmConfig, type LlmConfig } from './config.ts';

export const LLM_FLAGS = { 'llm-url': { type: 'string' }, 'llm-model': { type: 'string' } } as const;

export const LLM_USAGE = `--llm-url URL (an OpenAI-compatible endpoint, e.g. http://127.0.0.1:11434/v1; or the pipeline config's "llm"
section via --config; key from CURIO_LLM_API_KEY) and --llm-model NAME`;

/**
 * A client when an endpoint is configured (flags over the config's `llm` section) and `feature` is on: by the
 * config's `llm.use` switches (ask and explain on, rerank off by default) or by `force` (a flag such as
 * --llm-rerank, which then needs an endpoint).
 */
export function llmClientFor(section: unknown, v: Record<string, unknown>, feature: keyof LlmConfig['use'], force?: string): LlmClient | undefined {
  const c = resolveLlmConfig(section, { ...(typeof v['llm-url'] === 'string' ? { url: v['llm-url'] } : {}), ...(typeof v['llm-model'] === 'string' ? { model: v['llm-model'] } : {}) });
  if (!c) {
    if (force) throw new ConfigError(force, 'needs an LLM endpoint: pass --llm-url URL or an "llm" section in the --config pipeline file');
    return undefined;
  }
  return force || c.use[feature] ? new LlmClient(c) : undefined;
}

/** The one warning line for a fallback. */
export function warnFallback(line: string): void {
  console.error(`curio: warning: ${line}`);
}
