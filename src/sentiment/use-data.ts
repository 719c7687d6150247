/**
 * Training examples for the sentence-vector classifier, from star-rated reviews (no hand labels): 4–5 stars
 * positive, 1–2 negative, 3 left out. Each review gives up to three kinds of text, because what Curio is asked to
 * score ranges from a one-line title to a whole review: its title, the whole review ("title. body") and each
 * sentence of its body (labelled with the review's stars: noisier, but the length of what the bench reads).
 * Reviews, not texts, are split into training and held-out parts, so no review is on both sides.
 */
import { readDelimited } from '../data/csv.ts';
import { mulberry32, shuffleRange } from '../data/random.ts';
import { ImportError } from '../errors.ts';

export interface StarReview { title: string; body: string; stars: number }

export type UnitKind = 'title' | 'review' | 'sentence';

export interface TrainingUnit {
  text: string;
  /** 1 = positive (4–5 stars), 0 = negative (1–2). */
  label: number;
  kind: UnitKind;
  /** Index of its review in the selection. */
  review: number;
  heldOut: boolean;
}

/** The few HTML entities the clothing CSV carries ("wasn&#39;t"). */
export function decodeEntities(s: string): string {
  return s.replace(/&#39;|&apos;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Title, text and stars of each review in the Women's E-Commerce Clothing Reviews CSV (CC0). */
export async function readClothingStarReviews(csv: string): Promise<StarReview[]> {
  const out: StarReview[] = [];
  let cols: number[] | undefined;
  for await (const r of readDelimited(csv, { header: true })) {
    if (!cols) {
      const header = r.header ?? [];
      cols = ['Rating', 'Title', 'Review Text'].map((n) => header.indexOf(n));
      if (cols.some((c) => c < 0)) throw new ImportError(csv, 1, undefined, "not the Women's E-Commerce Clothing Reviews CSV: needs the columns Rating, Title and Review Text");
    }
    const stars = Number(r.fields[cols[0]!]);
    if (!(stars >= 1 && stars <= 5)) continue;
    out.push({ stars, title: decodeEntities((r.fields[cols[1]!] ?? '').trim()), body: decodeEntities((r.fields[cols[2]!] ?? '').trim()) });
  }
  return out;
}

/** Sentences of a text: split after . ! ? followed by space; those with fewer than `minWords` words are dropped. */
export function splitSentences(text: string, minWords = 3): string[] {
  return text.split(/(?<=[.!?])\s+/).map((s) => s.trim()).filter((s) => (s.match(/[\p{L}\p{N}]+/gu)?.length ?? 0) >= minWords);
}

export interface UnitOptions {
  seed?: number;
  /** Positive reviews kept per negative one (default 2): the rest are left out to save encoding time. */
  positivesPerNegative?: number;
  /** Share of the kept reviews held out for choosing the model (default 0.2). */
  heldOut?: number;
}

/**
 * The kept reviews (all negative ones, a seeded sample of positive ones) in a seeded order, and their texts.
 * Units come out as all titles (the cheapest, most telling texts), then review by review its whole text and its
 * sentences, so an encoder that stops early has a sample of every kind.
 */
export function trainingUnits(reviews: readonly StarReview[], o: UnitOptions = {}): TrainingUnit[] {
  const rng = mulberry32(o.seed ?? 11);
  const polar = reviews.filter((r) => r.stars !== 3 && (r.title || r.body));
  const neg = polar.filter((r) => r.stars <= 2), pos = polar.filter((r) => r.stars >= 4);
  const order = Int32Array.from(pos.keys());
  shuffleRange(order, 0, order.length, rng);
  const keptPos = Array.from(order.subarray(0, Math.min(pos.length, Math.round(neg.length * (o.positivesPerNegative ?? 2)))), (i) => pos[i]!);
  const kept = [...neg, ...keptPos];
  const perm = Int32Array.from(kept.keys());
  shuffleRange(perm, 0, perm.length, rng);
  const h = o.heldOut ?? 0.2;
  // spread evenly through the order, so any prefix of the units (an encoding stopped early) has both parts
  const isHeldOut = (i: number) => Math.floor((i + 1) * h) > Math.floor(i * h);
  const units: TrainingUnit[] = [];
  perm.forEach((k, i) => {
    const r = kept[k]!;
    if (r.title) units.push({ text: r.title, label: r.stars >= 4 ? 1 : 0, kind: 'title', review: i, heldOut: isHeldOut(i) });
  });
  // a review's whole text, then its sentences: an encoding stopped early still covers both kinds evenly
  perm.forEach((k, i) => {
    const r = kept[k]!, label = r.stars >= 4 ? 1 : 0, heldOut = isHeldOut(i);
    units.push({ text: r.title && r.body ? `${r.title}. ${r.body}` : r.title || r.body, label, kind: 'review', review: i, heldOut });
    for (const text of splitSentences(r.body)) units.push({ text, label, kind: 'sentence', review: i, heldOut });
  });
  return units;
}
