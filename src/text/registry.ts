/**
 * Encoders by name. `tfidf`, `glove` (word vectors shipped in data/glove) and `mix` (several of them side by side) are built in (no dependency). The others need an optional package or a service; their
 * entries say which, so a config naming one fails with the exact install line instead of a module-not-found trace.
 * An adapter for one of them is added by `registerEncoder` (its module imports the package lazily).
 */
import { createRequire } from 'node:module';
import { ConfigError } from '../errors.ts';
import { EncoderUnavailableError, type TextEncoder } from './encoder.ts';
import { GloveEncoder } from './glove.ts';
import { MixEncoder } from './mix.ts';
import { MAX_SPARSE_VOCABULARY, TfidfEncoder } from './tfidf.ts';
import { OpenAiEncoder } from '../llm/embedding-encoder.ts';
import { OnnxEncoder } from '../llm/onnx-encoder.ts';
import { USE_PACKAGES, UseEncoder } from './use.ts';

export interface EncoderSpec {
  name: string;
  [option: string]: unknown;
}

type EncoderMaker = (options: Record<string, unknown>) => TextEncoder;

/** What each named-but-optional encoder needs; shown when it is asked for and unavailable. */
export const OPTIONAL_ENCODERS: Record<string, { packages: string[]; what: string }> = {
  use: { packages: [...USE_PACKAGES], what: 'Universal Sentence Encoder lite (512-d)' },
  onnx: { packages: ['@huggingface/transformers'], what: 'a local sentence-transformer folder run by Transformers.js' },
  openai: { packages: [], what: 'an OpenAI-compatible /v1/embeddings endpoint (set baseUrl and model)' },
};

const makers = new Map<string, EncoderMaker>([
  ['tfidf', (o) => new TfidfEncoder(o)], ['glove', (o) => new GloveEncoder(o)],
  // several encoders side by side, each part built by this registry; without parts, the mix cb2cf reads best
  ['mix', (o) => new MixEncoder(o.parts === undefined ? { ...o, parts: defaultMixParts() } : o, createEncoder)],
]);
/** Adapters of optional encoders, used once their packages are found (their modules import the packages lazily). */
const adapters = new Map<string, EncoderMaker>([['use', (o) => new UseEncoder(o)]]);

export function registerEncoder(name: string, make: EncoderMaker): void {
  makers.set(name, make);
}

// needs no package (node's fetch), so always available; src/llm/embedding-encoder.ts
registerEncoder('openai', (o) => new OpenAiEncoder(o));
// an add-on package (src/llm/onnx-encoder.ts): its constructor names the install line when it is missing
registerEncoder('onnx', (o) => new OnnxEncoder(o));
/** Whether the optional encoder `name` has its packages installed (tfidf and registered encoders always do). */
export function encoderAvailable(name: string): boolean {
  if (makers.has(name)) return true;
  const opt = OPTIONAL_ENCODERS[name];
  return !!opt && adapters.has(name) && opt.packages.every(installed);
}

/**
 * The encoder to use when none is named: an explicit spec wins; otherwise `use` when its packages are installed,
 * else the built-in `tfidf`. `CURIO_ENCODER` (an encoder name) overrides the default for a whole process.
 */
export function defaultEncoderSpec(explicit?: EncoderSpec | string): EncoderSpec {
  if (explicit !== undefined) return typeof explicit === 'string' ? { name: explicit } : explicit;
  const env = process.env.CURIO_ENCODER;
  if (env) return { name: env };
  return { name: encoderAvailable('use') ? 'use' : 'tfidf' };
}

/**
 * `{ name: 'mix' }` without parts: the catalogue's words and word pairs (sparse BM25, one dimension each) and, when
 * installed, USE's sentence vectors, weighted 0.4 / 0.4 / 0.2 (bench/text.ts: the best text map of cold items).
 */
export function defaultMixParts(): { encoder: EncoderSpec; weight: number }[] {
  const words = { name: 'tfidf', projection: 'none', minDf: 1, maxFeatures: MAX_SPARSE_VOCABULARY };
  return [{ encoder: words, weight: 0.4 }, { encoder: { ...words, ngrams: 2 }, weight: 0.4 }, ...(encoderAvailable('use') ? [{ encoder: { name: 'use' }, weight: 0.2 }] : [])];
}

export function encoderNames(): string[] {
  return [...new Set([...makers.keys(), ...Object.keys(OPTIONAL_ENCODERS)])];
}

function installed(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
}

/** A new (for tfidf: unfitted) encoder from `{ name, ...options }`. */
export function createEncoder(spec: EncoderSpec | string): TextEncoder {
  const { name, ...options } = typeof spec === 'string' ? { name: spec } : spec;
  const make = makers.get(name);
  if (make) return make(options);
  const opt = OPTIONAL_ENCODERS[name];
  if (!opt) throw new ConfigError('encoder', `unknown text encoder "${name}"; available: ${encoderNames().join(', ')}`);
  const missing = opt.packages.filter((p) => !installed(p));
  if (missing.length) {
    throw new EncoderUnavailableError(`text encoder "${name}" (${opt.what}) needs ${missing.join(', ')}: run \`npm install ${missing.join(' ')}\`, or use encoder "tfidf" (built in)`);
  }
  const adapter = adapters.get(name);
  if (adapter) return adapter(options);
  throw new EncoderUnavailableError(`text encoder "${name}" (${opt.what}) has no adapter in this build of Curio; use encoder "tfidf" (built in)`);
}
