/**
 * Sentence features for the sentiment classifier: lower-cased word tokens, negation marking and hashed
 * uni+bigrams. Hashing keeps the model a fixed-size array (no vocabulary to ship) and makes featurising one
 * pass over the text with no per-token objects.
 *
 * Negation marking (Das & Chen 2001; Pang, Lee & Vaithyanathan 2002): after a negator ("not", "no",
 * "never", any "n't" word, "without"...) every word up to the next clause break (. , ; : ! ? or "but")
 * becomes a different feature, so "not good" is evidence of its own rather than "good" plus noise.
 */

/** Words that open a negation scope. "n't" contractions are recognised by their ending. */
const NEGATORS = new Set([
  'not', 'no', 'never', 'nothing', 'nobody', 'none', 'nowhere', 'neither', 'nor', 'cannot', 'cant', 'without',
  'hardly', 'barely', 'scarcely', 'dont', 'doesnt', 'didnt', 'isnt', 'wasnt', 'arent', 'werent', 'wont', 'wouldnt',
  'shouldnt', 'couldnt', 'havent', 'hasnt', 'hadnt', 'aint',
]);

/** Longest text featurised: sentiment is settled long before 10,000 characters, and work stays bounded. */
export const MAX_CHARS = 20_000;

const TOKEN = /[\p{L}\p{N}]+(?:['’][\p{L}]+)*|[.,;:!?]/gu;

export interface Tokens {
  /** Word tokens as they are featurised: negated ones carry the prefix "NOT_". */
  words: string[];
  /** The plain word under each entry of `words` (no prefix), for the vocabulary-coverage check. */
  plain: string[];
  /** Index into `words` where each clause starts; bigrams do not cross clauses. */
  clauseStarts: number[];
  /** Count of "!" marks (a cheap intensity cue). */
  exclamations: number;
}

export function isNegator(w: string): boolean {
  return NEGATORS.has(w) || w.endsWith("n't");
}

/** Splits a text into marked word tokens and clause boundaries. */
export function tokenize(text: string): Tokens {
  const src = (text.length > MAX_CHARS ? text.slice(0, MAX_CHARS) : text).toLowerCase().replace(/’/g, "'");
  const words: string[] = [], plain: string[] = [], clauseStarts: number[] = [0];
  let negated = false, exclamations = 0;
  for (const m of src.matchAll(TOKEN)) {
    const t = m[0];
    const c = t.charCodeAt(0);
    if (t.length === 1 && (c === 46 || c === 44 || c === 59 || c === 58 || c === 33 || c === 63)) {
      if (c === 33) exclamations++;
      negated = false;
      if (clauseStarts[clauseStarts.length - 1] !== words.length) clauseStarts.push(words.length);
      continue;
    }
    if (t === 'but' || t === 'however' || t === 'although' || t === 'though') {
      negated = false;
      if (clauseStarts[clauseStarts.length - 1] !== words.length) clauseStarts.push(words.length);
    }
    plain.push(t);
    words.push(negated ? `NOT_${t}` : t);
    if (isNegator(t)) negated = true;
  }
  return { words, plain, clauseStarts, exclamations };
}

/** FNV-1a over UTF-16 code units, then a murmur3 finaliser so that low bits (the bucket) are well mixed. */
export function hashString(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix(h);
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const BIGRAM_SEED = 0x9747b28c;

/**
 * The hashed features of one text into `out` (bucket indices, deduplicated, binary presence) and returns how
 * many were written. `buckets` must be a power of two. Unigrams and bigrams share the table.
 */
export function hashedFeatures(tok: Tokens, buckets: number, out: Int32Array | number[]): number {
  const mask = buckets - 1;
  const seen = new Set<number>();
  const { words, clauseStarts } = tok;
  const hashes = new Uint32Array(words.length);
  for (let i = 0; i < words.length; i++) {
    hashes[i] = hashString(words[i]!);
    seen.add(hashes[i]! & mask);
  }
  let clause = 1;
  for (let i = 1; i < words.length; i++) {
    if (clause < clauseStarts.length && clauseStarts[clause] === i) { clause++; continue; }
    seen.add(fmix((Math.imul(hashes[i - 1]!, 31) ^ hashes[i]! ^ BIGRAM_SEED) >>> 0) & mask);
  }
  let n = 0;
  for (const b of seen) out[n++] = b;
  return n;
}

/** The bucket of a plain (unmarked) word, for the vocabulary-coverage bitset. */
export function wordBucket(w: string, buckets: number): number {
  return hashString(w) & (buckets - 1);
}
