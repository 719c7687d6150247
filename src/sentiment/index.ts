/**
 * Sentiment of review text: `sentiment(text) → { score ∈ [-1, 1], label, confidence }` from the shipped
 * classifier (hashed word uni/bigrams with negation marking + wink-nlp lexicon features, logistic regression
 * trained on CC0 clothing reviews' star ratings), the wink-nlp word-list baseline, and the interaction signal.
 * `sentimentAsync` scores with any model by name, the sentence-vector one (`use`) by default when it loads.
 */
import { defaultSentimentModel, type SentimentResult } from './model.ts';

export { SentimentModel, defaultSentimentModel, SENTIMENT_KIND, type SentimentResult, type SentimentLabel } from './model.ts';
export { lexiconScore } from './lexicon.ts';
export { trainSentimentModel, readClothingReviews } from './train.ts';
export { UseSentimentModel, trainUseSentimentModel, SENTIMENT_USE_KIND } from './use-model.ts';
export { sentimentAsync, openSentimentScorer, SENTIMENT_MODEL_NAMES, type SentimentScorer, type SentimentModelName } from './scorer.ts';
export { sentimentWeight, impliedRating, adjustRating, applyReviewSentiment, snapshotWithReviewSentiment, type ReviewSignalOptions, type RatingScale } from './signal.ts';

/** The sentiment of one text with the shipped model. */
export function sentiment(text: string): SentimentResult {
  return defaultSentimentModel().score(text);
}

/** The sentiment of many texts (one model load, no per-call set-up). */
export function sentimentMany(texts: Iterable<string>): SentimentResult[] {
  const m = defaultSentimentModel();
  const out: SentimentResult[] = [];
  for (const t of texts) out.push(m.score(t));
  return out;
}
