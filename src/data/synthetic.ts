import { z } from 'zod';
import { parseConfig } from '../config.ts';
import { IdMap } from './ids.ts';
import type { Interactions } from './interactions.ts';
import { Rng } from './random.ts';
import { TYPE_CODE, type ItemRow } from './types.ts';

/**
 * Synthetic interaction data with the structure real catalogues have: Zipf item popularity, users whose
 * tastes concentrate on a few categories, ratings that are higher inside a user's tastes, increasing
 * timestamps per user, and item titles/descriptions built from per-category vocabularies.
 * Every (user, item) pair occurs at most once, so `interactions` is exactly the number of nonzeros.
 */
export const SyntheticSchema = z.object({
  users: z.number().int().positive(),
  items: z.number().int().positive(),
  interactions: z.number().int().positive(),
  categories: z.number().int().positive().default(20),
  /** Zipf exponent of item popularity (1 = classic long tail). */
  popularityExponent: z.number().min(0).default(1),
  /** Share of a user's events drawn from their favourite categories (the rest follow global popularity). */
  tasteStrength: z.number().min(0).max(1).default(0.7),
  /** Log-normal sigma of user activity (0 = every user equally active). */
  activitySkew: z.number().min(0).default(0.5),
  seed: z.number().int().default(42),
  /** Start of the event time range, ms since epoch. */
  start: z.number().default(Date.UTC(2020, 0, 1)),
  days: z.number().positive().default(365),
});
export type SyntheticConfig = z.input<typeof SyntheticSchema>;

export interface SyntheticData {
  interactions: Interactions;
  /** Category index of each item. */
  itemCategory: Int32Array;
  categoryNames: string[];
  /** Item metadata rows (titles, text, categories, prices), generated on demand. */
  itemRows(): ItemRow[];
}

const CATEGORY_NAMES = [
  'mystery', 'romance', 'science', 'history', 'travel', 'cooking', 'fantasy', 'business', 'poetry', 'sports',
  'music', 'garden', 'design', 'health', 'comics', 'thriller', 'children', 'nature', 'philosophy', 'technology',
];
const WORDS: Record<string, string[]> = {
  mystery: ['detective', 'clue', 'murder', 'secret', 'alibi'], romance: ['love', 'heart', 'wedding', 'letters', 'summer'],
  science: ['quantum', 'cells', 'stars', 'energy', 'evolution'], history: ['empire', 'war', 'kings', 'revolution', 'ancient'],
  travel: ['journey', 'island', 'road', 'mountains', 'maps'], cooking: ['kitchen', 'bread', 'spices', 'recipes', 'soup'],
  fantasy: ['dragon', 'wizard', 'quest', 'kingdom', 'sword'], business: ['market', 'leader', 'startup', 'money', 'strategy'],
  poetry: ['verses', 'moon', 'silence', 'rain', 'songs'], sports: ['team', 'season', 'goal', 'race', 'coach'],
  music: ['guitar', 'jazz', 'rhythm', 'band', 'melody'], garden: ['roses', 'soil', 'seeds', 'orchard', 'herbs'],
  design: ['chair', 'colour', 'form', 'studio', 'craft'], health: ['sleep', 'running', 'diet', 'mind', 'yoga'],
  comics: ['hero', 'panels', 'villain', 'city', 'mask'], thriller: ['spy', 'chase', 'conspiracy', 'agent', 'night'],
  children: ['bear', 'school', 'friends', 'rabbit', 'adventure'], nature: ['forest', 'birds', 'ocean', 'wolves', 'river'],
  philosophy: ['ethics', 'truth', 'reason', 'freedom', 'being'], technology: ['robots', 'code', 'network', 'machines', 'data'],
};

export function generateSynthetic(config: SyntheticConfig): SyntheticData {
  const c = parseConfig(SyntheticSchema, config, 'synthetic');
  const rng = new Rng(c.seed);
  const nU = c.users, nI = c.items, nC = c.categories;
  if (c.interactions > nU * nI * 0.5) throw new RangeError(`synthetic: ${c.interactions} interactions is too dense for ${nU} x ${nI}`);

  // Items: a random popularity rank (Zipf weight) and a category; categories themselves are Zipf-sized.
  const rank = rng.shuffle(Int32Array.from({ length: nI }, (_, i) => i));
  const itemWeight = new Float64Array(nI);
  const itemCategory = new Int32Array(nI);
  const catCum = cumulative(Float64Array.from({ length: nC }, (_, k) => 1 / Math.pow(k + 1, 0.6)));
  for (let i = 0; i < nI; i++) {
    itemWeight[i] = 1 / Math.pow(rank[i]! + 1, c.popularityExponent);
    itemCategory[i] = search(catCum, rng.next() * catCum[nC - 1]!);
  }
  const globalCum = cumulative(itemWeight);
  // Per-category item lists with cumulative popularity, for sampling inside a taste.
  const catStart = new Int32Array(nC + 1);
  for (let i = 0; i < nI; i++) catStart[itemCategory[i]! + 1]!++;
  for (let k = 0; k < nC; k++) catStart[k + 1]! += catStart[k]!;
  const catItems = new Int32Array(nI);
  const fill = catStart.slice(0, nC);
  for (let i = 0; i < nI; i++) catItems[fill[itemCategory[i]!]!++] = i;
  const catItemCum = new Float64Array(nI);
  for (let k = 0; k < nC; k++) {
    let s = 0;
    for (let p = catStart[k]!; p < catStart[k + 1]!; p++) catItemCum[p] = s += itemWeight[catItems[p]!]!;
  }

  // User activity: log-normal, scaled to the requested total, each at least 1 and at most half the catalogue.
  const act = new Float64Array(nU);
  let sum = 0;
  for (let u = 0; u < nU; u++) sum += act[u] = Math.exp(c.activitySkew * rng.normal());
  const counts = new Int32Array(nU);
  let total = 0;
  const cap = Math.floor(nI / 2);
  for (let u = 0; u < nU; u++) total += counts[u] = Math.min(cap, Math.max(1, Math.round((act[u]! / sum) * c.interactions)));
  for (let u = 0; total !== c.interactions; u = (u + 1) % nU) {
    if (total < c.interactions && counts[u]! < cap) { counts[u]!++; total++; }
    else if (total > c.interactions && counts[u]! > 1) { counts[u]!--; total--; }
  }

  const n = c.interactions;
  const user = new Int32Array(n), item = new Int32Array(n), value = new Float32Array(n), time = new Float64Array(n), type = new Uint8Array(n);
  const seenBy = new Int32Array(nI).fill(-1); // stamp: last user who took the item, for O(1) de-duplication
  const span = c.days * 86_400_000;
  const tastes = new Int32Array(3);
  let k = 0;
  for (let u = 0; u < nU; u++) {
    const nTastes = 1 + rng.int(3);
    for (let t = 0; t < nTastes; t++) tastes[t] = search(catCum, rng.next() * catCum[nC - 1]!);
    let clock = c.start + rng.next() * span * 0.5;
    const step = (span * 0.5) / Math.max(1, counts[u]!);
    for (let e = 0; e < counts[u]!; e++) {
      let it = -1;
      let inTaste = false;
      for (let attempt = 0; attempt < 32 && it < 0; attempt++) {
        let cand: number;
        inTaste = rng.next() < c.tasteStrength;
        if (inTaste) {
          const cat = tastes[rng.int(nTastes)]!;
          const s = catStart[cat]!, eEnd = catStart[cat + 1]!;
          if (eEnd === s) continue;
          // catItemCum restarts per category, so search inside [s, eEnd).
          cand = catItems[searchRange(catItemCum, rng.next() * catItemCum[eEnd - 1]!, s, eEnd)]!;
        } else cand = search(globalCum, rng.next() * globalCum[nI - 1]!);
        if (seenBy[cand] !== u) it = cand;
      }
      if (it < 0) { // popular items exhausted: take the first free one in a random sweep
        for (let j = rng.int(nI), q = 0; q < nI; q++, j = (j + 1) % nI) if (seenBy[j] !== u) { it = j; break; }
      }
      seenBy[it] = u;
      const liked = inTaste && itemCategory[it] === tastes[0];
      const r = Math.round(Math.min(5, Math.max(1, (liked ? 4 : 3) + rng.normal())));
      user[k] = u; item[k] = it; value[k] = r; time[k] = Math.round((clock += step * (0.5 + rng.next()))); type[k] = TYPE_CODE.rating;
      k++;
    }
  }

  const users = IdMap.from(Array.from({ length: nU }, (_, u) => `u${u}`));
  const items = IdMap.from(Array.from({ length: nI }, (_, i) => `i${i}`));
  const categoryNames = Array.from({ length: nC }, (_, i) => CATEGORY_NAMES[i % CATEGORY_NAMES.length]! + (i >= CATEGORY_NAMES.length ? `-${Math.floor(i / CATEGORY_NAMES.length)}` : ''));
  return {
    interactions: { users, items, length: n, user, item, value, time, type },
    itemCategory,
    categoryNames,
    itemRows() {
      const r = new Rng(c.seed + 1);
      return Array.from({ length: nI }, (_, i) => {
        const cat = categoryNames[itemCategory[i]!]!;
        const words = WORDS[cat.split('-')[0]!]!;
        const w = () => words[r.int(words.length)]!;
        return {
          id: `i${i}`,
          title: `The ${w()} of the ${w()}`,
          text: `A ${cat} title about ${w()}, ${w()} and ${w()}.`,
          categories: [cat],
          price: Math.round((5 + r.next() * 45) * 100) / 100,
        };
      });
    },
  };
}

function cumulative(w: Float64Array): Float64Array {
  const c = new Float64Array(w.length);
  let s = 0;
  for (let i = 0; i < w.length; i++) c[i] = s += w[i]!;
  return c;
}

/** First index i with cum[i] > x. */
function search(cum: Float64Array, x: number): number {
  return searchRange(cum, x, 0, cum.length);
}

function searchRange(cum: Float64Array, x: number, lo: number, hi: number): number {
  hi -= 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid]! > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
