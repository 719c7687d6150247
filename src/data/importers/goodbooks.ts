import { basename } from 'node:path';
import { columns, Fields } from './fields.ts';
import { dataSetFiles, eachRecord, type FileContext, type Importer } from './importer.ts';

const BOOK_COLUMNS = {
  id: 'book_id', title: 'title', authors: 'authors', year: 'original_publication_year', originalTitle: 'original_title',
  language: 'language_code', averageRating: 'average_rating', ratingsCount: 'ratings_count', isbn: 'isbn',
  goodreadsId: 'goodreads_book_id', image: 'image_url',
} as const;
type BookKey = keyof typeof BOOK_COLUMNS;
const OPTIONAL: BookKey[] = ['originalTitle', 'language', 'averageRating', 'ratingsCount', 'isbn', 'goodreadsId', 'image', 'year', 'authors'];

async function books(file: string, ctx: FileContext): Promise<void> {
  const f = new Fields(file);
  let c: Record<BookKey, number> | undefined;
  await eachRecord(file, { onHeader: (h) => { c = columns(file, h, BOOK_COLUMNS, OPTIONAL); } }, ctx, (r) => {
    if (!c) return;
    // Years are written as floats ("2008.0"); some are BC (negative).
    const year = f.optNum(r, c.year, 'original_publication_year');
    const attrs: Record<string, unknown> = {};
    const authors = f.opt(r, c.authors);
    if (authors) attrs.authors = authors.split(', ');
    if (year !== undefined) attrs.year = Math.trunc(year);
    for (const k of ['originalTitle', 'language', 'isbn', 'goodreadsId', 'image'] as const) {
      const v = f.opt(r, c[k]);
      if (v !== undefined) attrs[k] = v;
    }
    for (const k of ['averageRating', 'ratingsCount'] as const) {
      const v = f.optNum(r, c[k], BOOK_COLUMNS[k]);
      if (v !== undefined) attrs[k] = v;
    }
    ctx.sink.item({
      id: f.id(r, c.id, 'book_id'), title: f.str(r, c.title, 'title'), attrs,
      ...(year !== undefined ? { timestamp: Date.UTC(Math.trunc(year), 0, 1) } : {}),
    });
  });
}

/** ratings.csv -> 'rating' (1-5); to_read.csv -> 'like' (value 1): the user marked the book as wanting to read it. */
async function events(file: string, ctx: FileContext, toRead: boolean): Promise<void> {
  const f = new Fields(file);
  let c: Record<'user' | 'item' | 'rating', number> | undefined;
  const onHeader = (h: string[]) => { c = columns(file, h, { user: 'user_id', item: 'book_id', rating: 'rating' }, toRead ? ['rating'] : []); };
  await eachRecord(file, { onHeader }, ctx, (r) => {
    if (!c) return;
    ctx.sink.event({
      user: f.id(r, c.user, 'user_id'), item: f.id(r, c.item, 'book_id'),
      type: toRead ? 'like' : 'rating', value: toRead ? 1 : f.rating(r, c.rating, 'rating', 1, 5), timestamp: 0,
    });
  });
}

/** goodbooks-10k: books.csv (items), and ratings.csv / to_read.csv when present (they carry no timestamps). */
export const goodbooks: Importer = {
  files: (path) => dataSetFiles(path, 'goodbooks-10k', ['books.csv'], ['ratings.csv', 'to_read.csv']),
  importFile: (file, ctx) => {
    const name = basename(file);
    return name === 'books.csv' ? books(file, ctx) : events(file, ctx, name === 'to_read.csv');
  },
};
