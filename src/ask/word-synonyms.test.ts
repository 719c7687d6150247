import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../catalog/catalog.ts';
import { buildVocabulary } from './vocabulary.ts';
import { parseRequest } from './parse.ts';
import { MARGIN, MIN_COSINE, MIN_EVIDENCE, wordSynonym } from './word-synonyms.ts';

const MOVIES = Catalog.fromRows([
  { id: 'shining', title: 'The Shining', categories: ['Horror'] },
  { id: 'airplane', title: 'Airplane!', categories: ['Comedy'] },
  { id: 'platoon', title: 'Platoon', categories: ['War', 'Drama'] },
  { id: 'grease', title: 'Grease', categories: ['Musical', 'Romance'] },
  { id: 'godfather', title: 'The Godfather', categories: ['Crime', 'Drama'] },
  { id: 'heat', title: 'Heat', categories: ['Action', 'Crime', 'Thriller'] },
]);
const SHOP = Catalog.fromRows([{ id: 'p1', title: 'LUNCH BAG RED RETROSPOT' }, { id: 'p2', title: 'CHRISTMAS LIGHTS' }]);
const vocab = buildVocabulary(MOVIES);
const texts = (r: string, c = MOVIES) => parseRequest(r, buildVocabulary(c), c).constraints.map((x) => x.text);

test('word-vector synonyms: words near a category (or a listed synonym of one) become that category', () => {
  const cases: [string, string, string][] = [['eerie', 'Horror', 'creepy'], ['comical', 'Comedy', 'hilarious'], ['soldiers', 'War', 'military'], ['singing', 'Musical', 'musical'], ['mafia', 'Crime', 'gangster']];
  for (const [word, category, near] of cases) {
    const s = wordSynonym(word, vocab);
    assert.ok(s, `${word} -> nothing`);
    assert.equal(s.values[0]!.value, category, word);
    assert.equal(s.near, near, word);
    assert.ok(s.cosine >= MIN_COSINE);
  }
  assert.deepEqual(texts('something eerie from the eighties'), ['category Horror ("eerie" is close to "creepy": 0.67)', 'year 1980–1989 (1980s)']);
  assert.deepEqual(texts('a comical movie, nothing eerie'), ['category Comedy ("comical" is close to "hilarious": 0.86)', 'not category Horror ("eerie" is close to "creepy": 0.67)']);
});

test('word-vector synonyms: no constraint when unclear, judging, unknown, or absent from the catalogue; exact names first', () => {
  // "weird" is 0.80 from "scary" and 0.76 from "funny": closer than MARGIN, so neither
  assert.equal(wordSynonym('weird', vocab), undefined);
  assert.ok(MARGIN > 0.04);
  assert.equal(wordSynonym('awful', vocab), undefined, 'judges, names no kind (0.75 from "scary")');
  for (const w of ['lunch', 'spaceship', 'qwxzzk', 'the']) assert.equal(wordSynonym(w, vocab), undefined, w);
  assert.deepEqual(texts('an awful weird lunch'), []);
  assert.deepEqual(texts('horror'), ['category Horror'], 'an exact name is used as it is');
  assert.deepEqual(texts('scary'), ['category Horror'], 'the hand list before word vectors');
  assert.deepEqual(texts('something eerie', SHOP), [], 'no horror in a shop: the word stays in the query');
  assert.deepEqual(parseRequest('something eerie', buildVocabulary(SHOP), SHOP).queryWords, ['eery'] /* '-ie' folded to '-y', as its plural '-ies' is */);
});

/** Every genre of ml-latest-small, one film each, titles saying nothing: the vectors alone decide. */
const ML_GENRES = ['Action', 'Adventure', 'Animation', 'Children', 'Comedy', 'Crime', 'Documentary', 'Drama', 'Fantasy', 'Film-Noir',
  'Horror', 'IMAX', 'Musical', 'Mystery', 'Romance', 'Sci-Fi', 'Thriller', 'War', 'Western'];
const ML = Catalog.fromRows(ML_GENRES.map((g, i) => ({ id: `m${i}`, title: `Film ${i} (1999)`, categories: [g], attrs: { year: 1999 } })));
const mlVocab = buildVocabulary(ML);

test('near misses over the ml-latest-small genres: people, judging and unrelated words never become a genre; synonyms do', () => {
  // before: "teen" -> Children (0.69 from "child"), "adults" 0.72, "women" 0.73, "girls" 0.78, "baby" 0.73, "young" 0.72
  const never = ['teen', 'teens', 'teenage', 'teenager', 'adult', 'adults', 'young', 'youth', 'baby', 'babies', 'women', 'woman', 'men',
    'girls', 'girl', 'boys', 'boy', 'family', 'parents', 'mother', 'students', 'weird', 'awful', 'boring', 'classic', 'old',
    'lunch', 'spaceship', 'zombie', 'ninja', 'wedding', 'history', 'parody'];
  for (const w of never) assert.equal(wordSynonym(w, mlVocab)?.values[0]!.value, undefined, w);
  const must: [string, string][] = [['eerie', 'Horror'], ['gory', 'Horror'], ['comical', 'Comedy'], ['jokes', 'Comedy'], ['laughs', 'Comedy'],
    ['soldiers', 'War'], ['battle', 'War'], ['wartime', 'War'], ['singing', 'Musical'], ['songs', 'Musical'], ['mafia', 'Crime'],
    ['gangsters', 'Crime'], ['detectives', 'Mystery']];
  for (const [w, g] of must) assert.equal(wordSynonym(w, mlVocab)?.values[0]!.value, g, w);
  // the people word stays a query word; the listed synonym "kids" still means Children
  const teen = parseRequest('a teen comedy', mlVocab, ML);
  assert.deepEqual(teen.constraints.map((c) => c.text), ['category Comedy']);
  assert.deepEqual(teen.queryWords, ['teen']);
  // (before: "category Children" and "not category Children", which nothing satisfies)
  assert.deepEqual(parseRequest('a film for kids, not for adults', mlVocab, ML).constraints.map((c) => c.text), ['category Children', 'not title has the word "adult"']);
});

test('the catalogue\'s own text overrules the vectors: a word most of whose items lie outside the category is not it', () => {
  // "songs" is 0.72 from "musical": kept when the films with "songs" in their title are musicals, refused when
  // they are documentaries (MIN_EVIDENCE of them, none Musical)
  const films = (cat: string) => Catalog.fromRows([
    ...ML_GENRES.map((g, i) => ({ id: `m${i}`, title: `Film ${i}`, categories: [g] })),
    ...Array.from({ length: MIN_EVIDENCE }, (_, i) => ({ id: `s${i}`, title: `Songs of the Road ${i}`, categories: [cat] })),
  ]);
  assert.equal(wordSynonym('songs', buildVocabulary(films('Musical')))?.values[0]!.value, 'Musical');
  assert.equal(wordSynonym('songs', buildVocabulary(films('Documentary'))), undefined);
  // fewer items than MIN_EVIDENCE say too little: the vectors decide
  const few = Catalog.fromRows([...ML_GENRES.map((g, i) => ({ id: `m${i}`, title: `Film ${i}`, categories: [g] })), { id: 's', title: 'Songs', categories: ['Documentary'] }]);
  assert.equal(wordSynonym('songs', buildVocabulary(few))?.values[0]!.value, 'Musical');
  // the asker's index passes the users' tags too: textItems is what is counted when given
  const tagged = buildVocabulary(films('Musical'), { textItems: (w) => (w === 'song' ? Int32Array.from({ length: MIN_EVIDENCE }, (_, i) => i) : undefined) });
  assert.equal(wordSynonym('songs', tagged), undefined, 'the 5 films tagged "songs" are Action..Comedy, none Musical');
});

/** Online Retail's kind of titles (the real catalogue has no categories) and a shop with departments. */
const RETAIL = Catalog.fromRows(['WHITE HANGING HEART T-LIGHT HOLDER', 'LUNCH BAG RED RETROSPOT', 'PINK BABY BUNTING', 'RABBIT EASTER DECORATION',
  'CHRISTMAS TREE STAR DECORATION', 'ALARM CLOCK BAKELIKE RED', 'TEENAGE BEDROOM SIGN', 'SPACEBOY CHILDRENS CUP'].map((t, i) => ({ id: `r${i}`, title: t, price: 1 + i })));
const DEPARTMENTS = ['Kitchen', 'Garden', 'Toys', 'Christmas', 'Stationery', 'Bags', 'Lighting', 'Clocks', 'Candles', 'Jewellery'];
const SHOP_WITH_DEPARTMENTS = Catalog.fromRows([
  ...DEPARTMENTS.map((c, i) => ({ id: `d${i}`, title: `ITEM ${i}`, categories: [c] })),
  ...['RABBIT', 'CHICK', 'EGG', 'BUNNY', 'BASKET'].map((w, i) => ({ id: `e${i}`, title: `${w} EASTER DECORATION`, categories: [i % 2 ? 'Garden' : 'Toys'] })),
  ...['TOWEL', 'MIRROR', 'SOAP', 'SIGN', 'CABINET'].map((w, i) => ({ id: `b${i}`, title: `BATHROOM ${w}`, categories: ['Garden'] })),
  ...['RAG', 'PAPER', 'VINTAGE', 'SPACEBOY', 'FAIRY'].map((w, i) => ({ id: `o${i}`, title: `${w} DOLL`, categories: ['Toys'] })),
  ...['BIB', 'BUNTING', 'BLANKET', 'RATTLE', 'BOOTIES'].map((w, i) => ({ id: `y${i}`, title: `BABY ${w}`, categories: ['Toys'] })),
]);

test('near misses over shop vocabularies: no categories, no synonyms; departments only from words the shop\'s items back', () => {
  const rv = buildVocabulary(RETAIL);
  for (const w of ['teen', 'baby', 'christmas', 'easter', 'spooky', 'eerie', 'kids', 'vintage']) assert.equal(wordSynonym(w, rv), undefined, w);
  assert.deepEqual(parseRequest('something for a teenage bedroom under £5', rv, RETAIL).constraints.map((c) => c.text), ['price < 5']);
  const sv = buildVocabulary(SHOP_WITH_DEPARTMENTS);
  // occasions and rooms are close to the department next to them (easter 0.79 from christmas, bathroom 0.79 from
  // kitchen) but this shop's easter and bathroom items are elsewhere; baby names people
  for (const w of ['easter', 'bathroom', 'baby', 'teen']) assert.equal(wordSynonym(w, sv), undefined, w);
  assert.equal(wordSynonym('doll', sv)?.values[0]!.value, 'Toys', 'its five DOLL items are Toys');
  assert.equal(wordSynonym('cooking', sv)?.values[0]!.value, 'Kitchen', 'no item says otherwise');
});
