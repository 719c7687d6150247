/**
 * The `openai` text encoder: vectors from an OpenAI-compatible /v1/embeddings endpoint (batched, retried, timed
 * out, budgeted and cached by LlmClient). Options are the `llm` config's keys plus `dimension`; the vector length
 * is the model's, learned from the first answer when `dimension` is not given. A failing endpoint is an
 * EncoderUnavailableError carrying the LLM's reason (callers that can fall back to `tfidf` catch that).
 */
import { ConfigError } from '../errors.ts';
import { parseConfig, strictObject } from '../config.ts';
import { EncoderUnavailableError, normalizeRows, type TextEncoder } from '../text/encoder.ts';
import { z } from 'zod';
import { LlmClient } from './client.ts';
import { LLM_API_KEY_ENV, LlmConfigSchema, normalizeBaseUrl, type LlmConfig } from './config.ts';
import { LlmError } from './errors.ts';

const OpenAiEncoderSchema = strictObject({ ...LlmConfigSchema.shape, dimension: z.number().int().positive().optional() });

export class OpenAiEncoder implements TextEncoder {
  readonly name = 'openai';
  readonly key: string;
  readonly client: LlmClient;
  private dim: number | undefined;

  constructor(options: Record<string, unknown>) {
    const { dimension, ...c } = parseConfig(OpenAiEncoderSchema, options, 'encoder.openai');
    const config: LlmConfig = { ...c, baseUrl: normalizeBaseUrl(c.baseUrl, 'encoder.openai.baseUrl') };
    if (!config.apiKey && process.env[LLM_API_KEY_ENV]) config.apiKey = process.env[LLM_API_KEY_ENV];
    this.client = new LlmClient(config);
    this.dim = dimension;
    this.key = `openai:${config.baseUrl}:${config.embeddingModel ?? config.model}`;
  }

  get dimension(): number {
    if (this.dim === undefined) throw new ConfigError('encoder.openai.dimension', 'unknown until the first texts are encoded: set it (the embedding model\'s vector length, e.g. 768)');
    return this.dim;
  }

  async encode(texts: readonly string[]): Promise<Float32Array> {
    // Empty texts are not sent: their rows stay zero, as with every encoder.
    const rows: number[] = [];
    texts.forEach((t, r) => { if (t.trim()) rows.push(r); });
    let vectors: Float32Array[] = [];
    try {
      if (rows.length) vectors = await this.client.embed(rows.map((r) => texts[r]!));
    } catch (e) {
      if (e instanceof LlmError) throw new EncoderUnavailableError(`text encoder "openai": ${e.message}; use encoder "tfidf" (built in)`, { cause: e });
      throw e;
    }
    if (vectors.length) {
      const d = vectors[0]!.length;
      if (this.dim === undefined) this.dim = d;
      else if (d !== this.dim) throw new EncoderUnavailableError(`text encoder "openai": ${this.client.describe()} returned ${d}-d vectors, but encoder.openai.dimension is ${this.dim}`);
    }
    const d = this.dimension;
    const out = new Float32Array(texts.length * d);
    rows.forEach((r, q) => out.set(vectors[q]!, r * d));
    return normalizeRows(out, texts.length, d);
  }
}
