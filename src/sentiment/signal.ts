/**
 * Review sentiment as an interaction signal. Two uses:
 *  - a rating that its own review contradicts counts less: 4★ with "disappointing, returned it" is blended
 *    toward the rating the text implies (`impliedRating`), in proportion to the classifier's confidence;
 *  - a `review` interaction that carries no rating gets the rating its text implies.
 * An implicit-feedback weight can instead be scaled by `sentimentWeight` (1 ± strength at the extremes).
 * The text's score already shrinks toward 0 when the model knows few of its words, so foreign or empty texts
 * leave the value as it was.
 */
import { InteractionsBuilder, type Interactions } from '../data/interactions.ts';
import type { InteractionRow, InteractionType } from '../data/types.ts';
import type { DataStore } from '../store/types.ts';
import type { SentimentModel, SentimentResult } from './model.ts';

export interface RatingScale {
  min: number;
  max: number;
}

export interface ReviewSignalOptions {
  /** How far a rated interaction moves toward its text's implied rating at full confidence, in [0, 1] (default 0.5). */
  strength?: number;
  scale?: RatingScale;
  /** Whether a row carries a real rating; default: every type but `review` does. */
  hasRating?: (row: InteractionRow) => boolean;
}

const FIVE_STARS: RatingScale = { min: 1, max: 5 };

/** The rating a text implies on `scale`: the scale's middle plus score × half its range. */
export function impliedRating(s: SentimentResult, scale: RatingScale = FIVE_STARS): number {
  const mid = (scale.min + scale.max) / 2, half = (scale.max - scale.min) / 2;
  return mid + s.score * half;
}

/** A multiplier for an implicit interaction's weight: 1 + strength × score, so in [1 − strength, 1 + strength]. */
export function sentimentWeight(s: SentimentResult, strength = 0.5): number {
  return 1 + strength * s.score;
}

/** `rating` blended toward the text's implied rating by strength × confidence. */
export function adjustRating(rating: number, s: SentimentResult, strength = 0.5, scale: RatingScale = FIVE_STARS): number {
  const a = Math.min(1, Math.max(0, strength)) * s.confidence;
  const r = (1 - a) * rating + a * impliedRating(s, scale);
  return Math.min(scale.max, Math.max(scale.min, r));
}

/**
 * Rows with their values adjusted by their review texts' sentiment (rows without text are returned as they are):
 * rated rows are blended toward the implied rating, `review` rows without a rating get the implied rating.
 * Returns new row objects; `changed` counts the rows whose value moved, `implied` the ratings supplied.
 */
export function applyReviewSentiment(
  rows: readonly InteractionRow[],
  model: SentimentModel,
  o: ReviewSignalOptions = {},
): { rows: InteractionRow[]; changed: number; implied: number } {
  const strength = o.strength ?? 0.5, scale = o.scale ?? FIVE_STARS;
  const hasRating = o.hasRating ?? ((r: InteractionRow) => r.type !== 'review');
  let changed = 0, implied = 0;
  const out = rows.map((row) => {
    if (!row.text || !row.text.trim()) return row;
    const s = model.score(row.text);
    if (!hasRating(row)) {
      implied++;
      return { ...row, value: impliedRating(s, scale) };
    }
    const value = adjustRating(row.value, s, strength, scale);
    if (value !== row.value) changed++;
    return { ...row, value };
  });
  return { rows: out, changed, implied };
}

/**
 * A training snapshot of the store with review sentiment applied (see applyReviewSentiment): every interaction
 * of the given types (default all), values adjusted where a review text is stored with it.
 */
export async function snapshotWithReviewSentiment(
  store: DataStore,
  model: SentimentModel,
  o: ReviewSignalOptions & { types?: readonly InteractionType[] } = {},
): Promise<{ interactions: Interactions; changed: number; implied: number }> {
  const b = new InteractionsBuilder();
  let changed = 0, implied = 0;
  for await (const batch of store.scan({ batch: 5000 })) {
    const rows = o.types ? batch.filter((r) => o.types!.includes(r.type)) : batch;
    const r = applyReviewSentiment(rows, model, o);
    changed += r.changed;
    implied += r.implied;
    for (const row of r.rows) b.addRow(row);
  }
  return { interactions: b.build(), changed, implied };
}
