/**
 * `curio search "query"`: BM25 and text-vector retrieval over item text, fused by reciprocal rank fusion, with the
 * user's model ranking fused in when --user is known to the model (see src/ask/search.ts).
 */
import type { Command } from '../main.ts';
import { intOption, parse, UsageError } from '../args.ts';
import { openEngine, printItems } from './recommend.ts';
import { openAsker } from './ask.ts';
import { Searcher } from '../../ask/index.ts';

const options = {
  user: { type: 'string' }, k: { type: 'string', short: 'k' }, model: { type: 'string' }, db: { type: 'string' },
  json: { type: 'boolean' }, quiet: { type: 'boolean' }, 'allow-other-store': { type: 'boolean' }, encoder: { type: 'string' },
} as const;

export const searchCommand: Command = {
  summary: 'search item text (BM25 + text vectors, fused), personalised by the model with --user',
  usage: `curio search "query" [--user U] [-k 10] [--model curio-model.bin] [--db curio.db] [--encoder use|tfidf|none] [--json] [--quiet]

Two retrievers over item text (titles, categories, users' tags): BM25 words and text vectors (--encoder use, the
Universal Sentence Encoder, when installed, else tfidf/LSA; cached beside the store; they find items sharing no
word with the query but close in meaning), fused by reciprocal rank fusion; with --user and a
model (--model, or ./curio-model.bin when present), the user's ranking of the matches joins the fusion.
--json prints {"query", "words", "personalised", "warnings", "items": [{rank, item, score, title, reasons}]}.`,
  async run(argv) {
    const { values, positionals } = parse(argv, options, 'search');
    if (!positionals.length) throw new UsageError('query', 'missing: curio search "lunch bag"');
    const k = intOption(values.k, 'k', 10);
    const engine = await openEngine(values);
    try {
      const searcher = Searcher.open(await openAsker(engine, values));
      const a = await searcher.search(positionals.join(' '), { k, ...(values.user !== undefined ? { user: values.user } : {}) });
      if (values.json) { console.log(JSON.stringify(a)); return 0; }
      console.log(`query: ${a.words.join(' ') || '(no words)'}; ${a.personalised ? 'personalised by the model' : 'not personalised'}`);
      for (const w of a.warnings) console.log(`note: ${w}`);
      if (!a.items.length) { console.log('(nothing matched)'); return 0; }
      printItems(a.items);
    } finally {
      await engine.store.close();
    }
    return 0;
  },
};
