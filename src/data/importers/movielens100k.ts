import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ImportError } from '../../errors.ts';
import { readDelimited } from '../csv.ts';
import { checkFieldCount, Fields } from './fields.ts';
import { dataSetFiles, eachRecord, type FileContext, type Importer } from './importer.ts';

/** Genre names by flag position, as in u.genre; used when u.genre is absent. */
const GENRES = ['unknown', 'Action', 'Adventure', 'Animation', "Children's", 'Comedy', 'Crime', 'Documentary', 'Drama', 'Fantasy',
  'Film-Noir', 'Horror', 'Musical', 'Mystery', 'Romance', 'Sci-Fi', 'Thriller', 'War', 'Western'];
const USER_FIELDS = ['user id', 'age', 'gender', 'occupation', 'zip code'];
const RATING_FIELDS = ['user id', 'item id', 'rating', 'timestamp'];
const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };
// The 100K files are latin1, '|' or tab separated, and use '"' as ordinary text (titles such as "Shall We Dance?").
const TEXT = { quote: false, encoding: 'latin1' } as const;

async function genres(folder: string): Promise<string[]> {
  const file = join(folder, 'u.genre');
  if (!existsSync(file)) return GENRES;
  const names: string[] = [];
  for await (const r of readDelimited(file, { ...TEXT, delimiter: '|' })) {
    const idx = Number(r.fields[1]);
    if (!Number.isInteger(idx) || !r.fields[0]) throw new ImportError(file, r.line, 'index', `expected "name|index", got "${r.fields.join('|')}"`);
    names[idx] = r.fields[0];
  }
  return names;
}

/** "01-Jan-1995" -> ms (UTC). */
function releaseDate(f: Fields, line: number, s: string | undefined): number | undefined {
  if (!s) return undefined;
  const m = /^(\d{1,2})-([A-Z][a-z]{2})-(\d{4})$/.exec(s);
  if (!m || MONTHS[m[2]!] === undefined) throw new ImportError(f.file, line, 'release date', `"${s}" is not a date like 01-Jan-1995`);
  return Date.UTC(Number(m[3]), MONTHS[m[2]!]!, Number(m[1]));
}

function known(ctx: FileContext, key: 'users' | 'items'): Set<string> {
  let s = ctx.state.get(key) as Set<string> | undefined;
  if (!s) ctx.state.set(key, (s = new Set()));
  return s;
}

async function items(file: string, ctx: FileContext): Promise<void> {
  const names = await genres(dirname(file));
  const f = new Fields(file);
  await eachRecord(file, { ...TEXT, delimiter: '|' }, ctx, (r) => {
    const id = f.id(r, 0, 'movie id'), title = f.str(r, 1, 'movie title');
    if (r.fields.length !== 5 + names.length) throw new ImportError(file, r.line, undefined, `expected ${5 + names.length} fields, got ${r.fields.length}`);
    const categories = names.filter((_, g) => r.fields[5 + g] === '1');
    const attrs: Record<string, unknown> = {};
    if (r.fields[4]) attrs.imdbUrl = r.fields[4];
    if (r.fields[3]) attrs.videoReleaseDate = r.fields[3];
    known(ctx, 'items').add(id);
    ctx.sink.item({ id, title, categories, attrs, timestamp: releaseDate(f, r.line, r.fields[2]) });
  });
}

async function users(file: string, ctx: FileContext): Promise<void> {
  const f = new Fields(file);
  await eachRecord(file, { ...TEXT, delimiter: '|' }, ctx, (r) => {
    checkFieldCount(file, r, USER_FIELDS);
    const id = f.id(r, 0, 'user id');
    known(ctx, 'users').add(id);
    ctx.sink.user({ id, attrs: { age: f.num(r, 1, 'age'), gender: f.str(r, 2, 'gender'), occupation: f.str(r, 3, 'occupation'), zip: r.fields[4] ?? '' } });
  });
}

/**
 * When the folder's u.user / u.item were read, ratings naming other ids are skipped (and counted): some
 * circulating copies of u.data carry extra lines for a user 0, who is not part of the data set.
 */
async function ratings(file: string, ctx: FileContext): Promise<void> {
  const f = new Fields(file);
  const users = ctx.state.get('users') as Set<string> | undefined, items = ctx.state.get('items') as Set<string> | undefined;
  await eachRecord(file, { ...TEXT, delimiter: '\t' }, ctx, (r) => {
    const user = f.id(r, 0, 'user id'), item = f.id(r, 1, 'item id');
    if (users && !users.has(user)) return ctx.sink.skip('user id not in u.user');
    if (items && !items.has(item)) return ctx.sink.skip('item id not in u.item');
    // Checked after the ids: circulating copies end user 0's extra lines with a stray tab.
    checkFieldCount(file, r, RATING_FIELDS);
    const value = f.rating(r, 2, 'rating', 1, 5);
    ctx.sink.event({ user, item, type: 'rating', value, timestamp: f.seconds(r, 3, 'timestamp') });
  });
}

/** MovieLens 100K: u.item (movies, genres from u.genre), u.user (demographics), u.data (ratings 1-5). */
export const movielens100k: Importer = {
  files: (path) => dataSetFiles(path, 'movielens-100k', ['u.data'], ['u.item', 'u.user']).sort((a, b) => order(a) - order(b)),
  importFile: (file, ctx) => (file.endsWith('u.item') ? items(file, ctx) : file.endsWith('u.user') ? users(file, ctx) : ratings(file, ctx)),
};

const order = (p: string) => (p.endsWith('u.item') ? 0 : p.endsWith('u.user') ? 1 : 2);
