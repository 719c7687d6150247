/**
 * Synonyms from word vectors: a request word that names nothing in the catalogue ("eerie", "comical", "soldiers")
 * is mapped to a category when its GloVe vector is close to one of the catalogue's category names or to one of the
 * general synonyms that lead to a category it has ("eerie" is 0.67 from "creepy", which means Horror). Only clear
 * cases count: the best anchor at cosine >= MIN_COSINE and the best anchor of any other category at least MARGIN
 * below it (word vectors put "weird" near both "scary" and "funny": no constraint). Exact names and the hand-made
 * list are tried first (parse.ts), so a vector synonym never replaces an exact match.
 *
 * Word vectors measure relatedness, not sameness: words of the same kind sit close together ("adults" is 0.72 from
 * "children", "women" 0.73, "teen" 0.69). Two checks keep such neighbours from becoming a category:
 * - words naming a group of people (age, sex, family role: AUDIENCE) say who something is for or about, which the
 *   catalogue's categories do not encode; they never become a category by vectors (the hand-made list may still
 *   map one: "kids" -> Children);
 * - the catalogue's own evidence: when at least MIN_EVIDENCE items have the word in their text (titles, users'
 *   tags), those items must lean to the category (its share among them at least MIN_LIFT times its share of the
 *   catalogue). In ml-latest-small "teens" is a tag of 6 films, none of them Children; "soldiers" is in the text
 *   of 17, 7 of them War (10× its share): the first is refused, the second kept.
 */
import { gloveVectors, type WordVectors } from '../text/glove.ts';
import { STOP_WORDS } from '../text/tokenize.ts';
import { SYNONYMS, nameKey, type NamedValue, type Vocabulary } from './vocabulary.ts';

export const MIN_COSINE = 0.65;
export const MARGIN = 0.1;
/** Items having the word from which the catalogue's evidence decides (fewer: too few to say, vectors alone). */
export const MIN_EVIDENCE = 5;
/** How much more common the category must be among the items having the word than in the whole catalogue. */
export const MIN_LIFT = 2;

/**
 * Words naming a group of people by age, sex or family role. Vectors put them all next to "child" and "kids" (and to
 * each other), so by vectors alone "teen", "adults", "women" and "girls" would all read as Children.
 */
export const AUDIENCE = new Set(('teen teens teenage teenager teenagers adolescent adolescents youth youths young youngster ' +
  'youngsters juvenile adult adults grownup grownups grown elderly senior seniors older aged mature ' +
  'baby babies infant infants newborn newborns ' +
  'woman women man men girl girls boy boys lady ladies gentleman gentlemen guy guys female females male males ' +
  'family families parent parents mother mothers mum mums mom moms dad dads father fathers daughter daughters son sons ' +
  'grandparent grandparents grandma grandmother grandpa grandfather granny grandchildren grandkids sister sisters ' +
  'brother brothers sibling siblings husband wife couple couples student students pupil pupils people person everyone').split(' '));

/**
 * Words that judge rather than describe a kind of item: word vectors place them near genre adjectives ("awful" is
 * 0.75 from "scary"), but "an awful movie" asks for no genre.
 */
const EVALUATIVE = new Set(('awful terrible horrible bad worse worst boring dull sad happy weird strange odd silly cute lovely ' +
  'beautiful amazing awesome excellent brilliant fantastic wonderful interesting classic favourite favorite popular famous ' +
  'old new fun cool decent fine okay perfect real true serious light heavy long short big small little high low').split(' '));

export interface WordSynonym {
  /** The category value(s) the word means. */
  values: NamedValue[];
  /** The anchor word it is close to (a category name or a general synonym). */
  near: string;
  cosine: number;
}

interface Anchor {
  row: number;
  word: string;
  /** Normalised category name keys it leads to (one category). */
  target: string;
}

const anchorsOf = new WeakMap<Vocabulary, Anchor[]>();
const memo = new WeakMap<Vocabulary, Map<string, WordSynonym | undefined>>();

function anchors(vocab: Vocabulary, v: WordVectors): Anchor[] {
  let a = anchorsOf.get(vocab);
  if (a) return a;
  a = [];
  const seen = new Set<string>();
  const add = (word: string, target: string) => {
    const row = v.row(word);
    if (row < 0 || seen.has(word)) return;
    seen.add(word);
    a!.push({ row, word, target });
  };
  for (const [key, values] of vocab.names) {
    if (key.includes(' ') || !values.some((x) => x.field === 'category')) continue;
    add(key, key);
    // the catalogue's own spelling too ("comedies" is stemmed to "comedie" in keys)
    for (const x of values) if (x.field === 'category' && /^[\p{L}]+$/u.test(x.value)) add(x.value.toLowerCase(), key);
  }
  for (const [word, target] of Object.entries(SYNONYMS)) {
    if (word.includes(' ') || target.includes('|')) continue;
    const key = nameKey(target);
    if (vocab.names.get(key)?.some((x) => x.field === 'category')) add(word, key);
  }
  anchorsOf.set(vocab, a);
  return a;
}

/** The category `word` (lower case, as written) means by word vectors, or undefined when none is clear. */
export function wordSynonym(word: string, vocab: Vocabulary): WordSynonym | undefined {
  let m = memo.get(vocab);
  if (!m) memo.set(vocab, (m = new Map()));
  if (m.has(word)) return m.get(word);
  const found = find(word, vocab);
  m.set(word, found);
  return found;
}

function find(word: string, vocab: Vocabulary): WordSynonym | undefined {
  if (word.length < 4 || STOP_WORDS.has(word) || EVALUATIVE.has(word) || AUDIENCE.has(word) || !/^\p{L}+$/u.test(word)) return undefined;
  const v = gloveVectors();
  const row = v.row(word);
  if (row < 0) return undefined;
  const list = anchors(vocab, v);
  if (!list.length) return undefined;
  // the best cosine per category
  const best = new Map<string, { cosine: number; word: string }>();
  for (const a of list) {
    const c = v.cosineRows(row, a.row);
    const b = best.get(a.target);
    if (!b || c > b.cosine) best.set(a.target, { cosine: c, word: a.word });
  }
  const ranked = [...best].sort((x, y) => y[1].cosine - x[1].cosine);
  const [target, top] = ranked[0]!;
  const second = ranked[1]?.[1].cosine ?? -1;
  if (top.cosine < MIN_COSINE || top.cosine - second < MARGIN) return undefined;
  const value = vocab.names.get(target)!.filter((x) => x.field === 'category').sort((a, b) => b.count - a.count)[0]!;
  if (!backedByItems(word, value.value, vocab)) return undefined;
  return { values: [value], near: top.word, cosine: top.cosine };
}

/**
 * False when at least MIN_EVIDENCE items have `word` in their text and `category` is less than MIN_LIFT times as
 * common among them as in the catalogue: the word has a meaning of its own there.
 */
export function backedByItems(word: string, category: string, vocab: Vocabulary): boolean {
  const catItems = vocab.categoryItems?.get(category);
  const key = nameKey(word);
  const has = vocab.textItems ? vocab.textItems(key) : vocab.titleWords.get(key);
  if (!catItems || !vocab.size || !has || has.length < MIN_EVIDENCE) return true;
  let both = 0;
  for (let a = 0, b = 0; a < has.length && b < catItems.length;) {
    if (has[a]! < catItems[b]!) a++;
    else if (has[a]! > catItems[b]!) b++;
    else { both++; a++; b++; }
  }
  return both / has.length >= (MIN_LIFT * catItems.length) / vocab.size;
}
