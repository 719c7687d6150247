import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../catalog/catalog.ts';
import type { ItemRow } from '../data/types.ts';
import { ConfigError } from '../errors.ts';
import { FilterCompiler } from '../rules/index.ts';
import { buildVocabulary } from './vocabulary.ts';
import { parseRequest, type Understood } from './parse.ts';

const MOVIES = Catalog.fromRows([
  { id: 'toy', title: 'Toy Story (1995)', categories: ['Adventure', 'Animation', 'Children', 'Comedy', 'Fantasy'], attrs: { year: 1995 } },
  { id: 'aladdin', title: 'Aladdin (1992)', categories: ['Adventure', 'Animation', 'Children', 'Comedy', 'Musical'], attrs: { year: 1992 } },
  { id: 'shining', title: 'The Shining (1980)', categories: ['Horror'], attrs: { year: 1980 } },
  { id: 'scary', title: 'Scary Movie (2000)', categories: ['Comedy', 'Horror'], attrs: { year: 2000 } },
  { id: 'blade', title: 'Blade Runner (1982)', categories: ['Action', 'Sci-Fi', 'Thriller'], attrs: { year: 1982 } },
  { id: 'shrek', title: 'Shrek (2001)', categories: ['Adventure', 'Animation', 'Children', 'Comedy', 'Romance'], attrs: { year: 2001 } },
  { id: 'china', title: 'Chinatown (1974)', categories: ['Crime', 'Film-Noir', 'Mystery'], attrs: { year: 1974 } },
  { id: 'up', title: 'Up (2009)', categories: ['Adventure', 'Animation', 'Children', 'Drama'], attrs: { year: 2009 } },
  { id: 'iron', title: 'Iron Man (2008)', categories: ['Action', 'Sci-Fi'], attrs: { year: 2008 } },
]);
const SHOP = Catalog.fromRows([
  { id: 'p1', title: 'LUNCH BAG RED RETROSPOT', price: 1.65 },
  { id: 'p2', title: 'LUNCH BAG SPACEBOY DESIGN', price: 1.65 },
  { id: 'p3', title: 'LUNCH BAG WOODLAND', price: 6.5 },
  { id: 'p4', title: 'JUMBO BAG RED RETROSPOT', price: 2.08 },
  { id: 'p5', title: 'WHITE HANGING HEART T-LIGHT HOLDER', price: 2.55 },
  { id: 'p6', title: 'CHRISTMAS LIGHTS', price: 12 },
  { id: 'p7', title: 'REGENCY CAKESTAND 3 TIER', price: 12.75 },
]);

const parse = (r: string, c = MOVIES): Understood => parseRequest(r, buildVocabulary(c), c);
/** The ids a request's constraints let through, checked by the filter compiler over the catalogue. */
function pass(r: string, c = MOVIES): string[] {
  const fc = new FilterCompiler(c);
  const u = parse(r, c);
  const out: string[] = [];
  const masks = u.constraints.map((x) => fc.mask(x.filter));
  for (let i = 0; i < c.size; i++) if (masks.every((m) => m[i])) out.push(c.ids.id(i));
  return out;
}
const texts = (r: string, c = MOVIES) => parse(r, c).constraints.map((x) => x.text);

test('genres through the catalogue vocabulary and synonyms; "not a musical" excludes the category', () => {
  assert.deepEqual(texts('a funny animated movie for kids, not a musical'), ['category Comedy', 'category Animation', 'category Children', 'not category Musical']);
  assert.deepEqual(pass('a funny animated movie for kids, not a musical'), ['toy', 'shrek']);
  assert.deepEqual(parse('a funny animated movie for kids, not a musical').queryWords, []);
  assert.deepEqual(pass('scary films'), ['shining', 'scary']);
  assert.deepEqual(pass('comedies'), ['toy', 'aladdin', 'scary', 'shrek']); // plural of the category name
  assert.deepEqual(pass('sci-fi or film noir'), ['blade', 'china', 'iron']);
  assert.deepEqual(pass('science fiction'), ['blade', 'iron']);
});

test('on a catalogue without that category a synonym stays a query word instead of matching nothing', () => {
  const u = parse('funny lunch bags', SHOP);
  assert.deepEqual(u.constraints, []);
  assert.deepEqual(u.queryWords, ['funny', 'lunch', 'bag']);
});

test('years: after/before/since, decades in digits and words, early/late, ranges, a bare year, negated', () => {
  assert.deepEqual(pass('something after 2005'), ['up', 'iron']);
  assert.deepEqual(pass('before 1980'), ['china']);
  assert.deepEqual(pass('since 2008'), ['up', 'iron']);
  assert.deepEqual(pass('a comedy from 1995'), ['toy']);
  assert.deepEqual(pass('from 2001 onwards'), ['shrek', 'up', 'iron']);
  assert.deepEqual(pass('from the 80s'), ['shining', 'blade']);
  assert.deepEqual(pass("80's horror"), ['shining']);
  assert.deepEqual(pass('the nineties'), ['toy', 'aladdin']);
  assert.deepEqual(pass('late nineties'), []);
  assert.deepEqual(pass('early 1980s'), ['shining', 'blade']);
  assert.deepEqual(pass('between 1990 and 2000'), ['toy', 'aladdin', 'scary']);
  assert.deepEqual(pass('1995'), ['toy']);
  assert.deepEqual(pass('comedy, not from the 90s'), ['scary', 'shrek']);
  assert.deepEqual(texts('00s animation'), ['year 2000–2009 (2000s)', 'category Animation']);
  assert.deepEqual(texts('the 1900s'), ['year 1900–1999 (1900s)']);
  assert.deepEqual(pass('early 1900s'), []);
});

test('prices: under, between, less than, no more than, pence, cheap relative to the catalogue', () => {
  assert.deepEqual(texts('lunch bags under £5', SHOP), ['price < 5']);
  assert.deepEqual(pass('lunch bags under £5', SHOP), ['p1', 'p2', 'p4', 'p5']);
  assert.deepEqual(pass('between 10 and 20', SHOP), ['p6', 'p7']);
  assert.deepEqual(pass('less than $2.10', SHOP), ['p1', 'p2', 'p4']);
  assert.deepEqual(pass('no more than 2.08 pounds', SHOP), ['p1', 'p2', 'p4']);
  assert.deepEqual(pass('under 200p', SHOP), ['p1', 'p2']);
  assert.deepEqual(pass('over £10', SHOP), ['p6', 'p7']);
  // quartiles of 1.65 1.65 2.08 2.55 6.5 12 12.75: the cheapest quarter is <= 1.65
  assert.deepEqual(pass('cheap', SHOP), ['p1', 'p2']);
  assert.deepEqual(pass('expensive', SHOP), ['p6', 'p7']);
});

test('prices written as ranges, trailing bounds and "around" are constraints, and an amount alone is said, never a query word', () => {
  assert.deepEqual(texts('candles £5-£10', SHOP), ['price 5–10']);
  assert.deepEqual(pass('candles £5-£10', SHOP), ['p3']);
  assert.deepEqual(pass('5 to 10 pounds', SHOP), ['p3']);
  assert.deepEqual(pass('bags £2 - £3', SHOP), ['p4', 'p5']);
  assert.deepEqual(texts('a bag for £2 or less', SHOP), ['price <= 2']);
  assert.deepEqual(pass('a bag for £2 or less', SHOP), ['p1', 'p2']);
  assert.deepEqual(pass('£12 or more', SHOP), ['p6', 'p7']);
  assert.deepEqual(pass('£12 and up', SHOP), ['p6', 'p7']);
  assert.deepEqual(pass('200p or under', SHOP), ['p1', 'p2']);
  // "around" is within a fifth either side
  assert.deepEqual(texts('tea set around £2', SHOP), ['price 1.6–2.4 (around 2)']);
  assert.deepEqual(pass('tea set around £2', SHOP), ['p1', 'p2', 'p4']);
  const bare = parse('a £5 gift', SHOP);
  assert.deepEqual(bare.constraints, []);
  assert.deepEqual(bare.queryWords, ['gift']);
  assert.match(bare.warnings.join('\n'), /"£5": a price without "under", "over", "between" or "around" is no constraint/);
  // years are not prices
  assert.deepEqual(texts('1990-2000'), ['year 1990–2000']);
  assert.deepEqual(texts('from 1995 to 2000'), ['year 1995–2000']);
});

test('exclusions: title words ("but not the spaceboy design"), anything but, except, without, no', () => {
  const u = parse('lunch bags under £5 but not the spaceboy design', SHOP);
  assert.deepEqual(u.constraints.map((c) => c.text), ['price < 5', 'not title has the word "spaceboy"']);
  assert.deepEqual(u.queryWords, ['lunch', 'bag']);
  assert.deepEqual(pass('lunch bags under £5 but not the spaceboy design', SHOP), ['p1', 'p4', 'p5']);
  assert.deepEqual(pass('anything but horror'), ['toy', 'aladdin', 'blade', 'shrek', 'china', 'up', 'iron']);
  assert.deepEqual(pass('animation except musicals'), ['toy', 'shrek', 'up']);
  assert.deepEqual(pass('kids films without romance'), ['toy', 'aladdin', 'up']);
  assert.deepEqual(pass('no horror or comedy'), ['blade', 'china', 'up', 'iron']);
  assert.deepEqual(pass('bags except red retrospot', SHOP), ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7'].filter((id) => id !== 'p1' && id !== 'p4'));
  assert.match(parse('comedy but not').warnings.join(), /nothing to exclude/);
});

test('quoted words and "called X" are title words every result must have', () => {
  assert.deepEqual(pass('"red retrospot" under £3', SHOP), ['p1', 'p4']);
  assert.deepEqual(pass('something called blade runner'), ['blade']);
  assert.deepEqual(pass('"no such words"'), []);
});

test('empty and over-long requests are ConfigErrors naming the request; another language is said', () => {
  assert.throws(() => parse('   '), (e) => e instanceof ConfigError && /request: empty/.test(e.message));
  assert.throws(() => parse('x'.repeat(10_000)), (e) => e instanceof ConfigError && /too long: 10000 characters/.test(e.message));
  assert.match(parse('un film drôle pour les enfants').warnings.join(), /not look like English/);
  assert.match(parse('子供向けの面白いアニメ映画').warnings.join(), /not look like English/);
  assert.deepEqual(parse('a funny film for kids').warnings, []);
  // no word at all (punctuation, emoji): as good as empty, said rather than answered with the most popular items
  for (const r of ['!!!', '🎃👻', ' - ? ']) assert.throws(() => parse(r), (e) => e instanceof ConfigError && /request: has no words/.test(e.message), r);
  assert.deepEqual(parse('not not not').warnings, ['"not": nothing to exclude was named after "not"'], 'a warning is said once');
});

test('an -ies plural and its -ie singular are one word: "without zombies" excludes "Zombie" titles and the reverse', () => {
  const c = Catalog.fromRows([
    { id: 'strippers', title: 'Zombie Strippers! (2008)', categories: ['Comedy', 'Horror'] },
    { id: 'pride', title: 'Pride and Prejudice and Zombies (2016)', categories: ['Comedy', 'Horror'] },
    { id: 'cookies', title: 'SET OF 3 COOKIE CUTTERS', categories: ['Comedy'] },
    { id: 'hangover', title: 'The Hangover (2009)', categories: ['Comedy'] },
  ]);
  assert.deepEqual(pass('a comedy without zombies', c), ['cookies', 'hangover']);
  assert.deepEqual(pass('a comedy, no zombie', c), ['cookies', 'hangover']);
  assert.deepEqual(pass('anything but cookies', c), ['strippers', 'pride', 'hangover']);
  assert.deepEqual(parse('zombies', c).queryWords, parse('zombie', c).queryWords);
});

test('a name field with many distinct values (authors of a large catalogue) is still a vocabulary when its values repeat', () => {
  // 3,000 one-book authors (more distinct values than a small name field has), then three authors with several books
  // each: most books are by an author with more than one, so "by Stephen King" names the author.
  const rows: ItemRow[] = [];
  for (let i = 0; i < 3000; i++) rows.push({ id: `solo${i}`, title: `Book ${i}`, attrs: { authors: [`Author Number ${i}`], originalTitle: `Original ${i}` } });
  for (const [a, n] of [['Stephen King', 2000], ['Agatha Christie', 1500], ['Terry Pratchett', 1500], ['J.R.R. Tolkien', 100]] as const) {
    for (let i = 0; i < n; i++) rows.push({ id: `${a}${i}`, title: `Story ${i}`, attrs: { authors: [a], originalTitle: i < 2 ? 'Original Shared' : `Original ${a} ${i}` } });
  }
  const c = Catalog.fromRows(rows);
  assert.deepEqual(texts('books by Stephen King', c), ['authors Stephen King']);
  assert.equal(pass('books by Stephen King', c).length, 2000);
  assert.equal(pass('a mystery, not by Agatha Christie', c).length, 8100 - 1500);
  // initials' full stops do not end the name ("not by J.R.R. Tolkien" is not "not by J")
  assert.deepEqual(texts('a fantasy novel, not by J.R.R. Tolkien', c), ['not authors J.R.R. Tolkien']);
  assert.equal(pass('not by J. R. R. Tolkien.', c).length, 8000);
  // a free-text field whose few repeats cover few of its items is no vocabulary: its words stay query words
  assert.deepEqual(texts('original shared', c), []);
});

test('years: "pre-2000" / "post-2010" are bounds, not that year; "the last 5 years" / "past decade" count back from the catalogue\'s latest', () => {
  assert.deepEqual(texts('pre-2000 westerns'), ['year < 2000']);
  assert.deepEqual(pass('pre-2000 films'), ['toy', 'aladdin', 'shining', 'blade', 'china']);
  assert.deepEqual(texts('post-2001 animation'), ['year > 2001', 'category Animation']);
  assert.deepEqual(pass('post-2001 animation'), ['up']);
  assert.deepEqual(parse('pre-2000 films').queryWords, []);
  // the catalogue's latest year is 2009
  assert.deepEqual(texts('a movie from the last 5 years'), ['year >= 2005 (the last 5 years: the catalogue ends in 2009)']);
  assert.deepEqual(pass('a movie from the last 5 years'), ['up', 'iron']);
  assert.deepEqual(pass('in the past ten years'), ['scary', 'shrek', 'up', 'iron']);
  assert.deepEqual(pass('the last decade'), ['scary', 'shrek', 'up', 'iron']);
  assert.deepEqual(parse('a movie from the last 5 years').queryWords, []);
});

test('"by" and a surname names the one person of the catalogue with it ("not by Tolkien"); several are said, none is words', () => {
  const c = Catalog.fromRows([
    { id: 'hobbit', title: 'The Hobbit', attrs: { authors: ['J.R.R. Tolkien'] } },
    { id: 'silm', title: 'The Silmarillion', attrs: { authors: ['J.R.R. Tolkien'] } },
    { id: 'shining', title: 'The Shining', attrs: { authors: ['Stephen King'] } },
    { id: 'it', title: 'It', attrs: { authors: ['Stephen King'] } },
    { id: 'beekeeper', title: "The Beekeeper's Apprentice", attrs: { authors: ['Laurie R. King'] } },
    { id: 'locked', title: 'Locked Rooms', attrs: { authors: ['Laurie R. King'] } },
    { id: 'lion', title: 'The Lion King', attrs: { authors: ['Disney'] } },
    { id: 'aladdin', title: 'Aladdin', attrs: { authors: ['Disney'] } },
  ]);
  assert.deepEqual(texts('a fantasy book, not by Tolkien', c), ['not authors J.R.R. Tolkien (by "tolkien")']);
  assert.deepEqual(pass('a fantasy book, not by Tolkien', c), ['shining', 'it', 'beekeeper', 'locked', 'lion', 'aladdin']);
  assert.deepEqual(pass('something by tolkien', c), ['hobbit', 'silm']);
  assert.deepEqual(parse('something by tolkien', c).queryWords, []);
  // two authors are called King: nothing is guessed, the request says so
  const king = parse('books by king', c);
  assert.deepEqual(king.constraints, []);
  assert.match(king.warnings.join('\n'), /"by king": 2 names end so \(Laurie R\. King, Stephen King\); say the whole name/);
  // ...but "not by King" leaves out both
  assert.deepEqual(texts('not by king', c), ['not authors Laurie R. King or Stephen King (by "king")']);
  assert.deepEqual(pass('not by king', c), ['hobbit', 'silm', 'lion', 'aladdin']);
  // a whole name still wins, and "king" without "by" stays a word
  assert.deepEqual(texts('by Stephen King', c), ['authors Stephen King']);
  assert.deepEqual(parse('the lion king', c).queryWords, ['lion', 'king']);
});

test('an exclusion no title has is said, with whether other item text has the word (exclusions read titles)', () => {
  const c = Catalog.fromRows([
    { id: 'd1', title: 'Summer dress' },
    { id: 'd2', title: 'Wrap dress' },
  ]);
  const tags = new Map<string, Int32Array>([['petite', Int32Array.of(1)]]);
  const u = parseRequest('a dress, not petite', buildVocabulary(c, { textItems: (w) => tags.get(w) }), c);
  assert.deepEqual(u.constraints.map((x) => x.text), ['not title has the word "petite"']);
  assert.match(u.warnings.join('\n'), /"not petite" leaves out nothing: no item title has "petite" \(1 item's other text has it: exclusions read titles only\)/);
  assert.match(parse('no qqq', c).warnings.join('\n'), /"no qqq" leaves out nothing: no item title has "qqq"$/m);
  assert.deepEqual(parse('not summer', c).warnings, []);
});

test('sibilant plurals are their singular: "lunch boxes" is "lunch box", "not dresses" excludes "Dress" (the S-stemmer made "boxe", "dresse")', () => {
  const c = Catalog.fromRows([
    { id: 'box', title: 'SPACEBOY LUNCH BOX' },
    { id: 'boxes', title: 'NESTING BOXES' },
    { id: 'dress', title: 'Wrap Dress' },
    { id: 'glass', title: 'Wine Glasses' },
    { id: 'dish', title: 'Soap Dish' },
    { id: 'cache', title: 'Cookie Cache' },
  ]);
  assert.deepEqual(parse('lunch boxes', c).queryWords, parse('lunch box', c).queryWords);
  assert.deepEqual(pass('anything but boxes', c), ['dress', 'glass', 'dish', 'cache']);
  assert.deepEqual(pass('not dresses', c), ['box', 'boxes', 'glass', 'dish', 'cache']);
  assert.deepEqual(pass('no glass', c), ['box', 'boxes', 'dress', 'dish', 'cache']);
  assert.deepEqual(pass('without dishes', c), ['box', 'boxes', 'dress', 'glass', 'cache']);
  assert.deepEqual(pass('no caches', c), ['box', 'boxes', 'dress', 'glass', 'dish']);
});

test('asTyped: messages show a folded key as the user wrote the word', async () => {
  const { asTyped, titleTokens } = await import('./vocabulary.ts');
  const typed = asTyped('Christmas zombies, lunch-boxes and "comédie" 80s');
  for (const w of ['christmas', 'zombies', 'boxes', 'comédie', '80s']) assert.equal(typed(titleTokens(w)[0]!), w);
  assert.equal(typed('unknownkey'), 'unknownkey');
});
