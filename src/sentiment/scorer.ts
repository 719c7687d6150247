/**
 * Sentiment models behind one asynchronous interface, for callers that score many texts (the CLI, the API):
 *   lexicon   wink-nlp's word list (the baseline; no training)
 *   features  logistic regression on hashed word uni/bigrams + lexicon features (data/sentiment/sentiment-model.bin;
 *             a model file may add the GloVe mean of the words)
 *   use       logistic regression on Universal Sentence Encoder (lite) vectors, joined by the lexicon features and
 *             hashed uni/bigrams (data/sentiment/sentiment-use.bin); needs the @energetic-ai packages
 * A model file (either kind of trained model) may be named instead of a model name.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.ts';
import { UseEncoder } from '../text/use.ts';
import { lexiconScore } from './lexicon.ts';
import { defaultSentimentModel, SentimentModel, type SentimentResult } from './model.ts';
import { DEFAULT_USE_MODEL_PATH, SENTIMENT_USE_KIND, UseSentimentModel, USE_DIMENSION } from './use-model.ts';

export const SENTIMENT_MODEL_NAMES = ['lexicon', 'features', 'use'] as const;
export type SentimentModelName = (typeof SENTIMENT_MODEL_NAMES)[number];

export interface ScoreOptions {
  /** Called as texts are scored (done of total), for a progress bar. */
  onProgress?: (done: number, total: number) => void;
}

export interface SentimentScorer {
  readonly name: SentimentModelName;
  /** One line saying what scores: the model and its file. */
  readonly description: string;
  score(texts: readonly string[], o?: ScoreOptions): Promise<SentimentResult[]>;
  /** Frees worker threads, if any were started. */
  close(): Promise<void>;
}

export interface OpenScorerOptions {
  /** Threads that encode large batches with USE (default: the encoder's, the machine's cores up to 8). */
  threads?: number;
}

/** wink-nlp's score as is; its sign is the label (0: neutral); confidence is |score|. */
export function lexiconResult(text: string): SentimentResult {
  const s = Math.round(lexiconScore(text) * 1e4) / 1e4;
  return { score: s, label: s > 0 ? 'positive' : s < 0 ? 'negative' : 'neutral', confidence: Math.abs(s) };
}

class LexiconScorer implements SentimentScorer {
  readonly name = 'lexicon';
  readonly description = 'lexicon (wink-nlp word list, no training)';
  async score(texts: readonly string[], o: ScoreOptions = {}): Promise<SentimentResult[]> {
    const out = texts.map(lexiconResult);
    o.onProgress?.(texts.length, texts.length);
    return out;
  }
  async close(): Promise<void> {}
}

class FeaturesScorer implements SentimentScorer {
  readonly name = 'features';
  constructor(private readonly model: SentimentModel, readonly description: string) {}
  async score(texts: readonly string[], o: ScoreOptions = {}): Promise<SentimentResult[]> {
    const out = texts.map((t) => this.model.score(t));
    o.onProgress?.(texts.length, texts.length);
    return out;
  }
  async close(): Promise<void> {}
}

export class UseScorer implements SentimentScorer {
  readonly name = 'use';

  private constructor(readonly model: UseSentimentModel, readonly description: string, private readonly encoder: UseEncoder) {}

  /** Loads the encoder now, so that a missing package fails here with the install line. */
  static async open(model: UseSentimentModel, description: string, o: OpenScorerOptions = {}): Promise<UseScorer> {
    // the encoder spreads a call of more than one model batch over its worker threads (src/text/use.ts)
    const encoder = new UseEncoder(o.threads ? { threads: o.threads } : {});
    await encoder.load();
    return new UseScorer(model, description, encoder);
  }

  async score(texts: readonly string[], o: ScoreOptions = {}): Promise<SentimentResult[]> {
    const vectors = new Float32Array(texts.length * USE_DIMENSION);
    // blocks large enough to keep every thread busy, small enough for a moving progress bar
    const step = 64 * this.encoder.threads;
    for (let s = 0; s < texts.length; s += step) {
      vectors.set(await this.encoder.encode(texts.slice(s, s + step)), s * USE_DIMENSION);
      o.onProgress?.(Math.min(texts.length, s + step), texts.length);
    }
    return this.model.scoreVectors(texts, vectors);
  }

  /** The encoder's worker pool is shared by the process and lets it exit when idle: nothing to stop. */
  async close(): Promise<void> {}
}

/**
 * The model used when none is named: `features`, because it scores better than `use` on the labelled sentences
 * (84.5% against 80.2%, `npm run bench -- sentiment`) and costs ~0.1 ms a text instead of ~20–50 ms; `use` is
 * one flag away. Change it here when a better-trained `use` model ships.
 */
export const DEFAULT_SENTIMENT_MODEL: SentimentModelName = 'features';

/**
 * The scorer for a model name, or for a model file (its kind decides); with no `spec`, the default model. A
 * missing USE package is an EncoderUnavailableError naming it.
 */
export async function openSentimentScorer(spec: string = DEFAULT_SENTIMENT_MODEL, o: OpenScorerOptions = {}): Promise<SentimentScorer> {
  const name = spec;
  if (name === 'lexicon') return new LexiconScorer();
  if (name === 'features') return new FeaturesScorer(defaultSentimentModel(), `features (hashed word uni/bigrams + lexicon${defaultSentimentModel().config.wordVectors ? ' + GloVe mean' : ''}, logistic regression; shipped)`);
  if (name === 'use') {
    const m = UseSentimentModel.load();
    return UseScorer.open(m, `use (USE-lite sentence vectors, logistic regression: ${String(m.meta.variant ?? 'use')}; shipped ${DEFAULT_USE_MODEL_PATH.split(/[\\/]/).slice(-3).join('/')})`, o);
  }
  if (!/[\\/.]/.test(name)) throw new ConfigError('--model', `unknown sentiment model "${name}"; one of ${SENTIMENT_MODEL_NAMES.join(', ')}, or a model file`);
  const kind = fileKind(name);
  if (kind === SENTIMENT_USE_KIND) return UseScorer.open(UseSentimentModel.load(name), `use (sentence-vector model file ${name})`, o);
  return new FeaturesScorer(SentimentModel.load(name), `features (model file ${name})`);
}

/** The kind in a Curio model file's header, or undefined when the file is unreadable or not one (the loader then says why). */
function fileKind(path: string): string | undefined {
  try {
    const head = readFileSync(path).subarray(0, 4096).toString('latin1');
    const m = /"kind":"([^"]+)"/.exec(head);
    return m?.[1];
  } catch {
    return undefined;
  }
}

/**
 * The sentiment of texts with the default model (or `o.model`), scored in batches: for `use`, large batches are
 * encoded on worker threads, which are stopped before it returns.
 */
export async function sentimentAsync(texts: string | readonly string[], o: OpenScorerOptions & ScoreOptions & { model?: string } = {}): Promise<SentimentResult[]> {
  const scorer = await openSentimentScorer(o.model, o);
  try {
    return await scorer.score(typeof texts === 'string' ? [texts] : texts, o);
  } finally {
    await scorer.close();
  }
}
