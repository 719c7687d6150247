/**
 * What a request can name in this catalogue: its own categories and short string attributes (brands...), keyed by
 * normalised words, the field that holds an item's year, the price distribution and the words of each title.
 * Everything comes from the catalogue; the only fixed knowledge is the general synonym list below.
 */
import type { Catalog } from '../catalog/catalog.ts';
import { sStem } from '../text/tokenize.ts';

/**
 * General request words for common genres/kinds (not tied to one data set): each maps to the words of a category
 * name (`|` separates several). A synonym only ever resolves to a category the catalogue really has ("funny" -> a category named
 * "Comedy" or "Comedies"); on a catalogue without it, the word stays in the soft query.
 */
export const SYNONYMS: Readonly<Record<string, string>> = {
  funny: 'comedy', comedic: 'comedy', hilarious: 'comedy', humorous: 'comedy', humour: 'comedy', humor: 'comedy', laugh: 'comedy',
  scary: 'horror', frightening: 'horror', creepy: 'horror', spooky: 'horror', horrifying: 'horror', terrifying: 'horror',
  kid: 'children', kids: 'children', child: 'children', childrens: 'children', toddler: 'children', toddlers: 'children',
  animated: 'animation', cartoon: 'animation', cartoons: 'animation', anime: 'animation',
  romantic: 'romance', 'love story': 'romance', 'rom com': 'comedy|romance', romcom: 'comedy|romance',
  'science fiction': 'sci fi', scifi: 'sci fi', 'sci fi': 'sci fi',
  thrilling: 'thriller', suspense: 'thriller', suspenseful: 'thriller',
  documentaries: 'documentary', doc: 'documentary', docs: 'documentary', 'true story': 'documentary',
  musicals: 'musical', 'song and dance': 'musical',
  noir: 'film noir', gangster: 'crime', heist: 'crime', detective: 'mystery', whodunit: 'mystery',
  magical: 'fantasy', magic: 'fantasy', fairytale: 'fantasy', 'fairy tale': 'fantasy',
  cowboy: 'western', cowboys: 'western', westerns: 'western',
  military: 'war', dramatic: 'drama', dramas: 'drama', adventurous: 'adventure', adventures: 'adventure',
};

/**
 * One word for a singular and its plural. The S-stemmer reads "-ies" as "-y" ("stories" -> "story"), but many
 * "-ies" plurals are of "-ie" words ("zombies", "cookies", "movies"): their singulars are folded to "-y" too, so
 * "without zombies" excludes a "Zombie" title. Likewise for "-es" after a hiss (below).
 */
function wordKey(w: string): string {
  const s = sStem(w);
  if (s.length >= 3 && s.endsWith('ie')) return `${s.slice(0, -2)}y`;
  // "-es" after a hiss is the plural ("boxes", "dresses", "lunches", "dishes"), which the S-stemmer leaves as
  // "boxe": both it and a singular in "-e" ("cache", "axe") lose the "e"
  return s.length > 3 && /(?:ss|x|ch|sh|zz)e$/.test(s) ? s.slice(0, -1) : s;
}

/** Normalised words of a name: NFKC, lower case, letters/digits only, plurals stemmed. */
export function nameKey(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/['’]/g, '').split(/[^\p{L}\p{N}]+/u).filter(Boolean).map(wordKey).join(' ');
}

export interface NamedValue {
  field: string;
  value: string;
  /** How many items have it. */
  count: number;
}

export interface Vocabulary {
  /** Normalised name -> the category or attribute value it names (a name may be both: all are kept). */
  readonly names: ReadonlyMap<string, NamedValue[]>;
  /** The longest name in words, for n-gram matching. */
  readonly maxNameWords: number;
  /** 'attrs.year' when items carry a year, 'time' when only timestamps, undefined when neither. */
  readonly yearField: 'attrs.year' | 'time' | undefined;
  /** The latest year in the catalogue (for "recent"). */
  readonly latestYear: number | undefined;
  /** Quartiles of the known prices (for "cheap" and "expensive"), undefined without prices. */
  readonly priceQuartiles: [number, number] | undefined;
  /** Title word (stemmed) -> the items whose title has it, ascending. */
  readonly titleWords: ReadonlyMap<string, Int32Array>;
  /** Items in the catalogue it was built from. */
  readonly size?: number;
  /** Category value -> its items, ascending (the catalogue's evidence of what a word means: word-synonyms.ts). */
  readonly categoryItems?: ReadonlyMap<string, Int32Array>;
  /** Last word of an attribute value of several words (a surname: "tolkien") -> those values, for "by Tolkien". */
  readonly surnames?: ReadonlyMap<string, NamedValue[]>;
  /** The items whose whole text (title, categories, users' tags) has a normalised word; titles alone when unset. */
  readonly textItems?: (word: string) => Int32Array | undefined;
}

export interface VocabularyOptions {
  /** The items whose text has a normalised word (the asker's BM25 index: titles and users' tags). */
  textItems?: (word: string) => Int32Array | undefined;
}

/** Attributes with at most this many distinct string values are names a request can use ("by Nike"). */
const MAX_ATTR_VALUES = 2000;
/**
 * A field with more distinct values (the authors of 10,000 books, the brands of a large shop) is still a vocabulary
 * when values held by several items cover at least this share of its items: names repeat, free text (descriptions,
 * original titles, URLs) mostly does not.
 */
const MIN_REPEATED_SHARE = 0.5;

/** Whether the string values of a field held by more than one item cover at least MIN_REPEATED_SHARE of its items. */
function namesRepeat(ix: ReturnType<Catalog['fieldIndex']>): boolean {
  const covered = new Uint8Array(ix.size);
  let count = 0;
  for (const [key, items] of ix.postings) {
    if (!key.startsWith('s') || items.length < 2) continue;
    for (const i of items) if (!covered[i]) { covered[i] = 1; count++; }
  }
  return count >= MIN_REPEATED_SHARE * ix.presentCount;
}

export function titleTokens(title: string): string[] {
  return nameKey(title).split(' ').filter(Boolean);
}

/**
 * The words of `text` as written (lower case) by their key: what a message shows for a key, so the user reads
 * "christmas" and "zombies", not the folded "christma" and "zomby". A key no word of `text` gives shows as itself.
 */
export function asTyped(text: string): (key: string) => string {
  const typed = new Map<string, string>();
  for (const w of text.normalize('NFKC').toLowerCase().split(/[^\p{L}\p{N}'’]+/u)) {
    const keys = titleTokens(w);
    if (keys.length === 1 && !typed.has(keys[0]!)) typed.set(keys[0]!, w.replace(/^['’]+|['’]+$/g, ''));
  }
  return (key) => typed.get(key) || key;
}

export function buildVocabulary(catalog: Catalog, o: VocabularyOptions = {}): Vocabulary {
  const names = new Map<string, NamedValue[]>();
  const surnames = new Map<string, NamedValue[]>();
  const add = (field: string, value: string, count: number) => {
    const key = nameKey(value);
    if (!key || /^\d+$/.test(key)) return;
    const words = key.split(' ');
    if (field !== 'category' && words.length > 1) {
      const last = words[words.length - 1]!;
      let list = surnames.get(last);
      if (!list) surnames.set(last, (list = []));
      if (!list.some((v) => v.field === field && v.value === value)) list.push({ field, value, count });
    }
    for (const k of new Set([key, key.replace(/ /g, '')])) {
      let list = names.get(k);
      if (!list) names.set(k, (list = []));
      if (!list.some((v) => v.field === field && v.value === value)) list.push({ field, value, count });
    }
  };
  const cat = catalog.fieldIndex('category');
  const categoryItems = new Map<string, Int32Array>();
  for (const [key, items] of cat.postings) {
    if (!key.startsWith('s')) continue;
    add('category', key.slice(1), items.length);
    categoryItems.set(key.slice(1), items);
  }
  for (const a of catalog.attrNames()) {
    if (a === 'year' || a === 'nonProduct') continue;
    const ix = catalog.fieldIndex(`attrs.${a}`);
    if (ix.counts.string === 0 || (ix.postings.size > MAX_ATTR_VALUES && !namesRepeat(ix))) continue;
    for (const [key, items] of ix.postings) if (key.startsWith('s') && items.length > 1) add(`attrs.${a}`, key.slice(1), items.length);
  }
  let maxNameWords = 1;
  for (const k of names.keys()) maxNameWords = Math.max(maxNameWords, k.split(' ').length);

  const n = catalog.size;
  let yearField: Vocabulary['yearField'];
  let latestYear: number | undefined;
  if (catalog.attrNames().has('year')) {
    const ix = catalog.fieldIndex('attrs.year');
    if (ix.numbers.values.length) { yearField = 'attrs.year'; latestYear = ix.numbers.values[ix.numbers.values.length - 1]; }
  }
  if (!yearField) {
    let last = -Infinity;
    for (const t of catalog.time) if (t > last) last = t;
    if (Number.isFinite(last)) { yearField = 'time'; latestYear = new Date(last).getUTCFullYear(); }
  }

  const prices = Array.from(catalog.price).filter((p) => !Number.isNaN(p) && p > 0).sort((a, b) => a - b);
  const priceQuartiles: [number, number] | undefined = prices.length
    ? [prices[Math.floor(prices.length * 0.25)]!, prices[Math.floor(prices.length * 0.75)]!]
    : undefined;

  const postings = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const t = catalog.title(i);
    if (!t) continue;
    for (const w of new Set(titleTokens(t))) {
      let p = postings.get(w);
      if (!p) postings.set(w, (p = []));
      p.push(i);
    }
  }
  const titleWords = new Map<string, Int32Array>();
  for (const [w, p] of postings) titleWords.set(w, Int32Array.from(p));
  return { names, maxNameWords, yearField, latestYear, priceQuartiles, titleWords, size: n, categoryItems, surnames, ...(o.textItems ? { textItems: o.textItems } : {}) };
}

/** Items whose title has every one of `words` (stemmed title tokens), ascending. */
export function itemsWithTitleWords(v: Vocabulary, words: readonly string[]): Int32Array {
  let acc: Int32Array | undefined;
  for (const w of words) {
    const p = v.titleWords.get(w);
    if (!p) return new Int32Array(0);
    if (!acc) { acc = p; continue; }
    const out: number[] = [];
    let a = 0, b = 0;
    while (a < acc.length && b < p.length) {
      if (acc[a]! < p[b]!) a++;
      else if (acc[a]! > p[b]!) b++;
      else { out.push(acc[a]!); a++; b++; }
    }
    acc = Int32Array.from(out);
  }
  return acc ?? new Int32Array(0);
}
