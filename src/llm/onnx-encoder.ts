/**
 * The `onnx` text encoder: a local sentence-transformer folder (config.json, tokenizer.json, onnx/model.onnx, as
 * exported for Transformers.js) run on the CPU by `@huggingface/transformers`, mean-pooled and L2-normalised.
 * Nothing is downloaded: remote models are switched off, the folder is the model.
 *
 * The package is a documented add-on, not a dependency: with onnxruntime it adds ~475 MB to node_modules (measured:
 * 30-40 s to install here), for an encoder no pretrained model ships with. Install it with
 * `ONNXRUNTIME_NODE_INSTALL=skip npm install @huggingface/transformers`: onnxruntime-node's npm package carries the
 * CPU binary, and the variable skips its install script's optional CUDA download (npm 11 blocks that script anyway).
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { parseConfig, strictObject } from '../config.ts';
import { EncoderUnavailableError, normalizeRows, type TextEncoder } from '../text/encoder.ts';

export const TRANSFORMERS_PACKAGE = '@huggingface/transformers';

const OnnxEncoderSchema = strictObject({
  /** The model folder (config.json, tokenizer.json, onnx/model.onnx). */
  path: z.string().min(1),
  pooling: z.enum(['mean', 'cls']).default('mean'),
  /** Texts per forward pass. */
  batch: z.number().int().min(1).max(1024).default(32),
  /** The ONNX file's precision suffix: fp32 reads onnx/model.onnx, q8 onnx/model_quantized.onnx... */
  dtype: z.enum(['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'bnb4', 'q4f16']).default('fp32'),
});

/** Whether the add-on resolves from here (its exports hide package.json, so resolve the entry point). */
export function transformersInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve(TRANSFORMERS_PACKAGE);
    return true;
  } catch {
    return false;
  }
}

export function missingTransformers(): EncoderUnavailableError {
  return new EncoderUnavailableError(`text encoder "onnx" (a local sentence-transformer folder run by Transformers.js) needs ${TRANSFORMERS_PACKAGE}: run \`npm install ${TRANSFORMERS_PACKAGE}\`, or use encoder "tfidf" (built in)`);
}

type FeatureExtractor = (texts: string[], o: { pooling: 'mean' | 'cls'; normalize: boolean }) => Promise<{ data: Float32Array; dims: number[] }>;

export class OnnxEncoder implements TextEncoder {
  readonly name = 'onnx';
  readonly key: string;
  readonly dimension: number;
  private readonly config: z.infer<typeof OnnxEncoderSchema>;
  private extractor: Promise<FeatureExtractor> | undefined;

  constructor(options: Record<string, unknown>) {
    if (!transformersInstalled()) throw missingTransformers();
    this.config = parseConfig(OnnxEncoderSchema, options, 'encoder.onnx');
    const dir = resolve(this.config.path);
    const cfg = join(dir, 'config.json');
    if (!existsSync(cfg)) throw new ConfigError('encoder.onnx.path', `${dir} is not a model folder: it has no config.json (expected config.json, tokenizer.json and onnx/model.onnx)`);
    let hidden: unknown;
    try {
      hidden = (JSON.parse(readFileSync(cfg, 'utf8')) as { hidden_size?: unknown; dim?: unknown; d_model?: unknown }).hidden_size;
    } catch (e) {
      throw new ConfigError('encoder.onnx.path', `${cfg}: not valid JSON (${(e as Error).message})`);
    }
    if (typeof hidden !== 'number' || !(hidden > 0)) throw new ConfigError('encoder.onnx.path', `${cfg}: no hidden_size (the vector length)`);
    this.dimension = hidden;
    const file = join(dir, 'onnx', this.config.dtype === 'fp32' ? 'model.onnx' : `model_${this.config.dtype === 'q8' ? 'quantized' : this.config.dtype}.onnx`);
    if (!existsSync(file)) throw new ConfigError('encoder.onnx.path', `${dir} has no ${file.slice(dir.length + 1)}`);
    // The vector space is the model file's: its size and time stand for its content (hashing 100s of MB is slow).
    const st = statSync(file);
    this.key = `onnx:${createHash('sha1').update(`${dir}\n${st.size}\n${st.mtimeMs}\n${this.config.pooling}`).digest('hex').slice(0, 16)}`;
  }

  private load(): Promise<FeatureExtractor> {
    this.extractor ??= (async () => {
      const t = (await import(TRANSFORMERS_PACKAGE)) as unknown as {
        env: { allowRemoteModels: boolean; allowLocalModels: boolean; localModelPath: string };
        pipeline(task: string, model: string, o: object): Promise<FeatureExtractor>;
      };
      t.env.allowRemoteModels = false;
      t.env.allowLocalModels = true;
      const dir = resolve(this.config.path);
      t.env.localModelPath = `${dirname(dir)}/`;
      return t.pipeline('feature-extraction', basename(dir), { dtype: this.config.dtype, device: 'cpu' });
    })();
    return this.extractor;
  }

  async encode(texts: readonly string[]): Promise<Float32Array> {
    const d = this.dimension, out = new Float32Array(texts.length * d);
    const rows: number[] = [];
    texts.forEach((t, r) => { if (t.trim()) rows.push(r); });
    if (!rows.length) return out;
    const extract = await this.load();
    for (let s = 0; s < rows.length; s += this.config.batch) {
      const part = rows.slice(s, s + this.config.batch);
      const t = await extract(part.map((r) => texts[r]!), { pooling: this.config.pooling, normalize: false });
      if (t.dims[1] !== d) throw new EncoderUnavailableError(`text encoder "onnx": the model gives ${t.dims[1]}-d vectors, its config.json says ${d}`);
      part.forEach((r, q) => out.set(t.data.subarray(q * d, (q + 1) * d), r * d));
    }
    return normalizeRows(out, texts.length, d);
  }
}
