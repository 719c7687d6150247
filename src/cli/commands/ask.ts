/**
 * `curio ask "request"`: a request in plain words, answered inside its constraints (see src/ask). Prints how the
 * request was understood, then the items; with --json, stdout holds only {"understood", "items"}.
 */
import type { Command } from '../main.ts';
import { intOption, parse, UsageError } from '../args.ts';
import { progress } from '../progress.ts';
import { openEngine, printItems } from './recommend.ts';
import { Asker, type AskAnswer } from '../../ask/index.ts';
import type { Engine } from '../../engine/engine.ts';

const options = {
  user: { type: 'string' }, k: { type: 'string', short: 'k' }, model: { type: 'string' }, db: { type: 'string' },
  json: { type: 'boolean' }, quiet: { type: 'boolean' }, 'allow-other-store': { type: 'boolean' }, encoder: { type: 'string' },
} as const;

export const askCommand: Command = {
  summary: 'a request in plain words ("a funny animated movie for kids, not a musical"): constraints, then the best items',
  usage: `curio ask "request" [--user U] [-k 10] [--model curio-model.bin] [--db curio.db] [--encoder use|tfidf|none] [--json] [--quiet]

Understood: genres/categories by the catalogue's own names (plurals, and general synonyms: funny -> Comedy,
scary -> Horror, kids -> Children...), prices ("under £5", "between 10 and 20", "cheap" = the cheapest quarter),
years ("after 2005", "80s", "late nineties", "before 1980"), exclusions ("not a musical", "no horror",
"anything but X", "but not the spaceboy design" = no title with that word) and quoted or "called X" title words.
Every constraint is applied exactly; the other words rank items by their text (BM25 over titles, categories and
tags, plus the cosine of the query's vector to the items' text vectors: --encoder use, the Universal Sentence
Encoder, when installed, else tfidf; none for BM25 alone; CURIO_ENCODER sets the default). With --user and a model (--model, or ./curio-model.bin when present) the user's scores rank inside the
constraints. When nothing matches, the constraint that emptied the list is named.
--json prints {"understood": {...}, "items": [{rank, item, score, title, reasons}]}.`,
  async run(argv) {
    const { values, positionals } = parse(argv, options, 'ask');
    const request = positionals.join(' ');
    if (!positionals.length) throw new UsageError('request', 'missing: curio ask "a funny animated movie for kids, not a musical"');
    const k = intOption(values.k, 'k', 10);
    const engine = await openEngine(values);
    try {
      const asker = await openAsker(engine, values);
      const answer = await asker.ask(request, { k, ...(values.user !== undefined ? { user: values.user } : {}) });
      if (values.json) console.log(JSON.stringify(answer));
      else print(answer);
    } finally {
      await engine.store.close();
    }
    return 0;
  },
};

/**
 * The asker for `ask` and `search`, with a progress bar on stderr while item text is indexed and encoded (item
 * vectors are cached beside the store, so only the first run, or changed texts, pay for encoding).
 */
export async function openAsker(engine: Engine, values: { encoder?: string | undefined; quiet?: boolean | undefined; json?: boolean | undefined }): Promise<Asker> {
  const bar = progress('indexing item text', engine.catalog.size, { quiet: values.quiet === true || values.json === true });
  const encoder = values.encoder === 'none' ? false : values.encoder;
  const asker = await Asker.open(engine, { ...(encoder !== undefined ? { encoder } : {}), onProgress: (done, total, note) => bar.update(done, total, note) });
  const v = asker.itemVectors;
  bar.finish(v ? `${v.encoder.name} vectors: ${v.computed} computed, ${engine.catalog.size - v.computed} from the cache` : undefined);
  return asker;
}

function print(a: AskAnswer): void {
  const u = a.understood;
  console.log('understood:');
  if (!u.constraints.length) console.log('  constraints: none');
  for (const c of u.constraints) console.log(`  ${c.text.padEnd(40)} from "${c.source}"  (${c.matches} items alone, ${c.remaining} left)`);
  console.log(`  query: ${u.queryWords.length ? `${u.queryWords.join(' ')} (BM25${u.encoder !== 'none' ? ` + ${u.encoder} vectors` : ''})` : '(none: ranked by ' + (u.personalised ? 'your model' : 'popularity') + ')'}`);
  console.log(`  ${u.personalised ? 'personalised by the model' : 'not personalised'}; ${u.candidates} items meet every constraint`);
  for (const w of u.warnings) console.log(`  note: ${w}`);
  if (u.nothingMatched) {
    console.log(u.nothingMatched);
    return;
  }
  printItems(a.items);
}
