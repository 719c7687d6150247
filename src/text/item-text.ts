/**
 * The text an item is known by, for the text encoders: title, categories, free text, then attribute values that
 * are words (tags, author, brand...; numbers and flags are left out), and optionally the texts of reviews/tags
 * users wrote about it.
 */
import type { ItemRow } from '../data/types.ts';
import type { DataStore } from '../store/types.ts';

/** External item id -> its text; what text-aware models receive in FitData.itemText. */
export type ItemTexts = ReadonlyMap<string, string>;

export function itemDocument(row: ItemRow): string {
  const parts: string[] = [];
  if (row.title) parts.push(row.title);
  if (row.categories?.length) parts.push(row.categories.join(', '));
  if (row.text) parts.push(row.text);
  for (const v of Object.values(row.attrs ?? {})) {
    if (typeof v === 'string') parts.push(v);
    else if (Array.isArray(v)) parts.push(v.filter((x) => typeof x === 'string').join(', '));
  }
  return parts.join('. ');
}

export interface LoadItemTextsOptions {
  /** Append the text of 'review' events (MovieLens tags are imported as reviews). Default true. */
  reviews?: boolean;
  /** At most this many characters of review text per item (default 2000). */
  maxReviewChars?: number;
}

/** Every item's text from the store (items without any text are left out). */
export async function loadItemTexts(store: DataStore, o: LoadItemTextsOptions = {}): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const rows of store.scanItems({ batch: 5000 })) {
    for (const r of rows) { const t = itemDocument(r); if (t) out.set(r.id, t); }
  }
  if (o.reviews ?? true) {
    const max = o.maxReviewChars ?? 2000;
    const extra = new Map<string, string[]>();
    const len = new Map<string, number>();
    for await (const rows of store.scan({ batch: 10_000 })) {
      for (const r of rows) {
        if (r.type !== 'review' || !r.text) continue;
        const l = len.get(r.item) ?? 0;
        if (l >= max) continue;
        let list = extra.get(r.item);
        if (!list) extra.set(r.item, (list = []));
        list.push(r.text);
        len.set(r.item, l + r.text.length + 2);
      }
    }
    for (const [id, list] of extra) { const base = out.get(id); out.set(id, (base ? `${base}. ` : '') + list.join('; ')); }
  }
  return out;
}
