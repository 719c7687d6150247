/** What a user did to an item. Stored as text; kept small so models can map it to a weight. */
export const INTERACTION_TYPES = ['view', 'click', 'cart', 'purchase', 'rating', 'review', 'like', 'dislike', 'share', 'impression'] as const;
export type InteractionType = (typeof INTERACTION_TYPES)[number];

/**
 * Types that record what the system did, not what the user did (an `impression` = an item was shown).
 * They are kept out of training data and histories unless asked for by name.
 */
export const NON_SIGNAL_TYPES: readonly InteractionType[] = ['impression'];

export function isInteractionType(s: string): s is InteractionType {
  return (INTERACTION_TYPES as readonly string[]).includes(s);
}

/** Code of each type in columnar arrays (Uint8Array). */
export const TYPE_CODE: Record<InteractionType, number> = Object.fromEntries(
  INTERACTION_TYPES.map((t, i) => [t, i]),
) as Record<InteractionType, number>;

export interface ItemRow {
  id: string;
  title?: string;
  /** Free text: description, synopsis, product text. */
  text?: string;
  categories?: string[];
  /** Any other attributes (author, brand, year, language...). JSON-serialisable. */
  attrs?: Record<string, unknown>;
  price?: number;
  /** Publication / creation time, ms since epoch. */
  timestamp?: number;
}

export interface UserRow {
  id: string;
  attrs?: Record<string, unknown>;
}

export interface InteractionRow {
  user: string;
  item: string;
  type: InteractionType;
  /** Rating, quantity, dwell seconds... 1 when the event carries no value. */
  value: number;
  /** ms since epoch; 0 when unknown. */
  timestamp: number;
  /** Session or basket id (e.g. an invoice number). */
  session?: string;
  /** Review text. */
  text?: string;
}
