/**
 * The word-list baseline: wink-nlp's sentiment (wink-eng-lite-web-model, MIT; an AFINN-style lexicon with
 * emoji, two-word phrases and negation handling). It also feeds the trained classifier a few features, because
 * a lexicon knows words ("delicious", "boring") that the clothing reviews the classifier learns from never use.
 * The model is loaded once, lazily (~0.25 s, ~40 MB).
 */
import { createRequire } from 'node:module';
import { MAX_CHARS } from './features.ts';

interface WinkDoc { out(f: unknown): unknown }
interface WinkNlp { readDoc(text: string): WinkDoc; its: { sentiment: unknown } }

let nlp: WinkNlp | undefined;

function load(): WinkNlp {
  if (!nlp) {
    // wink's packages are CommonJS that read their model JSON through require(): loaded as they ship.
    const require = createRequire(import.meta.url);
    const winkNLP = require('wink-nlp') as (model: unknown, pipe?: string[]) => WinkNlp;
    const model = require('wink-eng-lite-web-model') as unknown;
    nlp = winkNLP(model, ['sbd', 'negation', 'sentiment']);
  }
  return nlp;
}

/** wink-nlp's sentiment of a text: the mean over its sentences of each sentence's lexicon score, in [-1, 1]. */
export function lexiconScore(text: string): number {
  if (!text.trim()) return 0;
  const n = load();
  const s = n.readDoc(text.length > MAX_CHARS ? text.slice(0, MAX_CHARS) : text).out(n.its.sentiment);
  const v = typeof s === 'number' && Number.isFinite(s) ? s : 0;
  return Math.max(-1, Math.min(1, v));
}
