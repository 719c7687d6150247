import { basename } from 'node:path';
import { columns, Fields } from './fields.ts';
import { dataSetFiles, eachRecord, type FileContext, type Importer } from './importer.ts';
import type { InteractionRow } from '../types.ts';

const NO_GENRES = '(no genres listed)';

async function movies(file: string, ctx: FileContext): Promise<void> {
  const f = new Fields(file);
  let c: Record<'id' | 'title' | 'genres', number> | undefined;
  await eachRecord(file, { onHeader: (h) => { c = columns(file, h, { id: 'movieId', title: 'title', genres: 'genres' }); } }, ctx, (r) => {
    if (!c) return;
    const title = f.str(r, c.title, 'title'), genres = f.opt(r, c.genres);
    const year = /\((\d{4})\)\s*$/.exec(title)?.[1];
    ctx.sink.item({
      id: f.id(r, c.id, 'movieId'), title,
      categories: genres && genres !== NO_GENRES ? genres.split('|') : [],
      ...(year ? { attrs: { year: Number(year) } } : {}),
    });
  });
}

async function ratings(file: string, ctx: FileContext): Promise<void> {
  const f = new Fields(file);
  let c: Record<'user' | 'item' | 'rating' | 'ts', number> | undefined;
  await eachRecord(file, { onHeader: (h) => { c = columns(file, h, { user: 'userId', item: 'movieId', rating: 'rating', ts: 'timestamp' }); } }, ctx, (r) => {
    if (!c) return;
    ctx.sink.event({ user: f.id(r, c.user, 'userId'), item: f.id(r, c.item, 'movieId'), type: 'rating', value: f.rating(r, c.rating, 'rating', 0.5, 5), timestamp: f.seconds(r, c.ts, 'timestamp') });
  });
}

/**
 * Tags become 'review' events whose text is the tag: who tagged what, when, and with which words.
 * A user sometimes puts several tags on a movie in the same second; those would share one event key,
 * so tags with the same (user, movie, time) are merged into one review, texts joined by " | " in file order.
 * Tags are held until the end of the file for that (tags files are small next to ratings).
 */
async function tags(file: string, ctx: FileContext): Promise<void> {
  const f = new Fields(file);
  let c: Record<'user' | 'item' | 'tag' | 'ts', number> | undefined;
  const reviews = new Map<string, InteractionRow>();
  await eachRecord(file, { onHeader: (h) => { c = columns(file, h, { user: 'userId', item: 'movieId', tag: 'tag', ts: 'timestamp' }); } }, ctx, (r) => {
    if (!c) return;
    const row: InteractionRow = {
      user: f.id(r, c.user, 'userId'), item: f.id(r, c.item, 'movieId'), type: 'review', value: 1,
      timestamp: f.seconds(r, c.ts, 'timestamp'), text: f.str(r, c.tag, 'tag'),
    };
    const key = `${row.user}\u0000${row.item}\u0000${row.timestamp}`;
    const same = reviews.get(key);
    if (same) {
      same.text += ` | ${row.text}`;
      ctx.sink.report.merged++;
    } else reviews.set(key, row);
  });
  for (const row of reviews.values()) ctx.sink.event(row);
  await ctx.sink.flush();
}

/** MovieLens "latest" / "latest-small" / 25M layout: movies.csv, ratings.csv (0.5-5 stars), optional tags.csv. */
export const movielensLatest: Importer = {
  files: (path) => dataSetFiles(path, 'movielens-latest', ['movies.csv', 'ratings.csv'], ['tags.csv']),
  importFile: (file, ctx) => {
    const name = basename(file);
    return name === 'movies.csv' ? movies(file, ctx) : name === 'tags.csv' ? tags(file, ctx) : ratings(file, ctx);
  },
};
