import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../catalog/catalog.ts';
import { buildVocabulary } from './vocabulary.ts';
import { parseRequest } from './parse.ts';
import { MARGIN, MIN_COSINE, wordSynonym } from './word-synonyms.ts';

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
  assert.deepEqual(parseRequest('something eerie', buildVocabulary(SHOP), SHOP).queryWords, ['eerie']);
});
