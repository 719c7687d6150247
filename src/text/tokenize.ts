/**
 * Words of a text for the sparse encoders: NFKC, lower case, runs of Unicode letters/digits (an apostrophe
 * inside a word is dropped: "don't" -> "dont"), a small English stop list, and optionally Harman's S-stemmer
 * (plural endings only: light enough never to merge unrelated words, unlike Porter).
 */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  ('a an and are as at be been but by for from had has have he her his i if in into is it its me my no nor not of on ' +
    'or our she so than that the their them then there these they this those to too us was we were what when where which ' +
    'who whom why will with you your').split(' '),
);

export interface TokenizeOptions {
  /** Apply the S-stemmer (default true). */
  stem?: boolean;
  /** Drop stop words (default true). */
  stopWords?: boolean;
  /** Drop tokens shorter than this many characters (default 1: keep all). */
  minLength?: number;
}

const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*/gu;

export function tokenize(text: string, o: TokenizeOptions = {}): string[] {
  const stem = o.stem ?? true, stop = o.stopWords ?? true, minLength = o.minLength ?? 1;
  const out: string[] = [];
  for (const m of text.normalize('NFKC').toLowerCase().matchAll(WORD)) {
    // possessive 's goes; other apostrophes join the word ("don't" -> "dont")
    let w = m[0].replace(/['’]s$/, '').replace(/['’]/g, '');
    if (stop && STOP_WORDS.has(w)) continue;
    if (stem) w = sStem(w);
    if (w.length >= minLength) out.push(w);
  }
  return out;
}

/** Harman (1991) S-stemmer: -ies -> -y, -es -> -e, -s -> '' with its exceptions; words of 3 letters or fewer kept. */
export function sStem(w: string): string {
  if (w.length <= 3) return w;
  if (w.endsWith('ies') && !w.endsWith('eies') && !w.endsWith('aies')) return w.slice(0, -3) + 'y';
  if (w.endsWith('es') && !w.endsWith('aes') && !w.endsWith('ees') && !w.endsWith('oes')) return w.slice(0, -1);
  if (w.endsWith('s') && !w.endsWith('us') && !w.endsWith('ss')) return w.slice(0, -1);
  return w;
}
