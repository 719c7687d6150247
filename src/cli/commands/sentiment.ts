import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from '../main.ts';
import { parse, UsageError } from '../args.ts';
import { progress } from '../progress.ts';
import type { SentimentResult } from '../../sentiment/model.ts';
import { DEFAULT_SENTIMENT_MODEL, openSentimentScorer, SENTIMENT_MODEL_NAMES } from '../../sentiment/scorer.ts';

/** Lines scored and written together: one encoder batch (USE) and one write per block. */
const BLOCK = 1000;

function formatText(r: SentimentResult): string {
  return `${r.label}\tscore ${r.score.toFixed(3)}\tconfidence ${r.confidence.toFixed(3)}`;
}

function formatJson(r: SentimentResult): string {
  return JSON.stringify({ score: r.score, label: r.label, confidence: r.confidence });
}

function write(s: string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(s, (e) => (e ? reject(e) : resolve())));
}

/** Lines in a file (as readline counts them: a last line without a newline counts), for the progress bar's total. */
function countLines(path: string): number {
  const b = readFileSync(path);
  let n = 0;
  for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) n++;
  return b.length && b[b.length - 1] !== 10 ? n + 1 : n;
}

export const sentimentCommand: Command = {
  summary: 'sentiment of review text: a score in [-1, 1], positive/negative/neutral and a confidence',
  usage: `curio sentiment "text" [--json] [--model M]
curio sentiment --file F [--json] [--model M]   one text a line in (F = - reads standard input), one result a line out
  --json          one JSON object a line: {"score": s, "label": "positive"|"negative"|"neutral", "confidence": c}
  --model M       ${SENTIMENT_MODEL_NAMES.join('|')}, or a model file built by scripts/train-sentiment.ts or
                  scripts/train-sentiment-use.ts. Default: ${DEFAULT_SENTIMENT_MODEL} (the most accurate on the labelled
                  sentences, see npm run bench -- sentiment). use needs the @energetic-ai packages and encodes
                  large files on 2 worker threads. The model used is named on standard error.
  --quiet         no model line and no progress bar on standard error

For the trained models the score is 2p − 1 for the classifier's probability p of "positive", shrunk toward 0 by
the share of the text's words the model knows (text in another language comes out neutral with low confidence);
for lexicon it is wink-nlp's word-list score.`,
  async run(argv) {
    const { values: v, positionals } = parse(argv, { file: { type: 'string' }, json: { type: 'boolean' }, model: { type: 'string' }, quiet: { type: 'boolean' } }, 'sentiment');
    if (v.file !== undefined && positionals.length) throw new UsageError('--file', 'give either a text or --file, not both');
    if (v.file === undefined && !positionals.length) throw new UsageError('text', 'give a text to score (curio sentiment "great value") or --file F');
    if (v.model !== undefined && !(SENTIMENT_MODEL_NAMES as readonly string[]).includes(v.model) && !/[\\/.]/.test(v.model)) {
      throw new UsageError('--model', `unknown sentiment model "${v.model}"; one of ${SENTIMENT_MODEL_NAMES.join(', ')}, or a model file path`);
    }
    const scorer = await openSentimentScorer(v.model);
    try {
      const announce = () => { if (!v.quiet) process.stderr.write(`sentiment model: ${scorer.description}\n`); };
      const format = v.json ? formatJson : formatText;
      if (v.file === undefined) {
        announce();
        const [r] = await scorer.score([positionals.join(' ')]);
        console.log(format(r!));
        return 0;
      }
      const total = v.file === '-' ? 0 : countLines(v.file);
      const input = v.file === '-' ? process.stdin : createReadStream(v.file, { encoding: 'utf8' });
      announce(); // after the file is found: an error line stays the only line
      const lines = createInterface({ input, crlfDelay: Infinity });
      const bar = progress('sentiment', total, { quiet: v.quiet });
      let block: string[] = [], done = 0;
      const flush = async () => {
        const results = await scorer.score(block, { onProgress: (d) => bar.update(done + d, total) });
        done += block.length;
        block = [];
        await write(results.map(format).join('\n') + '\n');
      };
      // undecodable bytes arrive as U+FFFD: scored as they are, and said once at the end
      let notUtf8 = 0, firstNotUtf8 = 0, lineNo = 0;
      for await (const line of lines) {
        lineNo++;
        if (line.includes('\uFFFD') && !notUtf8++) firstNotUtf8 = lineNo;
        block.push(line);
        if (block.length >= BLOCK) await flush();
      }
      if (block.length) await flush();
      bar.finish(`${done} lines`);
      if (notUtf8) {
        process.stderr.write(`note: ${notUtf8} of ${done} lines held bytes that are not UTF-8 (line ${firstNotUtf8}${notUtf8 > 1 ? ' first' : ''}): read with U+FFFD in their place; convert the file to UTF-8 (iconv -f latin1 -t utf-8)\n`);
      }
      return 0;
    } finally {
      await scorer.close();
    }
  },
};
