/**
 * BM25 over item text (title words counted twice, then categories, string attributes and user tags), kept as an
 * inverted index so a query costs only the postings of its words.
 */
import type { Catalog } from '../catalog/catalog.ts';
import { titleTokens } from './vocabulary.ts';

export interface TextIndexOptions {
  k1?: number;
  b?: number;
  /** Extra text per catalogue item (user tags, descriptions), indexed with weight 1. */
  extra?: ReadonlyMap<number, string>;
}

export class TextIndex {
  private readonly postings = new Map<string, { items: Int32Array; tf: Float32Array }>();
  private readonly docLength: Float32Array;
  /** Adjacent title word pairs ("alarm clock") -> the items whose title has them, for phrase bonuses. */
  private readonly pairs = new Map<string, Int32Array>();
  private readonly avgLength: number;
  private readonly k1: number;
  private readonly b: number;

  constructor(readonly catalog: Catalog, o: TextIndexOptions = {}) {
    this.k1 = o.k1 ?? 1.2;
    this.b = o.b ?? 0.75;
    const n = catalog.size;
    this.docLength = new Float32Array(n);
    const lists = new Map<string, { items: number[]; tf: number[] }>();
    let total = 0;
    const counts = new Map<string, number>();
    const pairLists = new Map<string, number[]>();
    for (let i = 0; i < n; i++) {
      counts.clear();
      const tt = titleTokens(catalog.title(i) ?? '');
      for (const p of new Set(tt.slice(1).map((w, q) => `${tt[q]} ${w}`))) {
        let l = pairLists.get(p);
        if (!l) pairLists.set(p, (l = []));
        l.push(i);
      }
      const add = (text: string | undefined, w: number) => {
        if (!text) return;
        for (const t of titleTokens(text)) counts.set(t, (counts.get(t) ?? 0) + w);
      };
      add(catalog.title(i), 2);
      add(catalog.categories(i).join(' '), 1);
      add(o.extra?.get(i), 1);
      let len = 0;
      for (const [t, c] of counts) {
        len += c;
        let l = lists.get(t);
        if (!l) lists.set(t, (l = { items: [], tf: [] }));
        l.items.push(i);
        l.tf.push(c);
      }
      this.docLength[i] = len;
      total += len;
    }
    this.avgLength = n ? total / n || 1 : 1;
    for (const [t, l] of lists) this.postings.set(t, { items: Int32Array.from(l.items), tf: Float32Array.from(l.tf) });
    for (const [p, l] of pairLists) this.pairs.set(p, Int32Array.from(l));
  }

  /** Adds 1 to `out[i]` for each adjacent pair of `words` found adjacent in item i's title (allowed items only). */
  phrases(words: readonly string[], allowed: Uint8Array, out: Uint8Array): number {
    let pairs = 0;
    for (let q = 1; q < words.length; q++) {
      pairs++;
      const p = this.pairs.get(`${words[q - 1]} ${words[q]}`);
      if (p) for (const i of p) if (allowed[i]) out[i]!++;
    }
    return pairs;
  }

  /** Whether some item's text has `word` (a normalised token). */
  has(word: string): boolean {
    return this.postings.has(word);
  }

  /** The items whose text has `word` (a normalised token), ascending; undefined when none has it. */
  items(word: string): Int32Array | undefined {
    return this.postings.get(word)?.items;
  }

  /** Whether item i's text has `word`. */
  itemHas(word: string, i: number): boolean {
    const p = this.postings.get(word);
    if (!p) return false;
    let lo = 0, hi = p.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (p.items[mid]! < i) lo = mid + 1;
      else hi = mid;
    }
    return p.items[lo] === i;
  }

  /**
   * Adds each item's BM25 score for `words` (normalised tokens) into `scores` and counts in `hits` how many of the
   * words it has; only items with `allowed[i]` are touched.
   */
  score(words: readonly string[], allowed: Uint8Array, scores: Float32Array, hits: Uint8Array): void {
    const n = this.catalog.size;
    for (const w of new Set(words)) {
      const p = this.postings.get(w);
      if (!p) continue;
      const idf = Math.log(1 + (n - p.items.length + 0.5) / (p.items.length + 0.5));
      for (let j = 0; j < p.items.length; j++) {
        const i = p.items[j]!;
        if (!allowed[i]) continue;
        const tf = p.tf[j]!;
        scores[i]! += (idf * tf * (this.k1 + 1)) / (tf + this.k1 * (1 - this.b + (this.b * this.docLength[i]!) / this.avgLength));
        hits[i]!++;
      }
    }
  }
}
