import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from '../main.ts';
import { parse, UsageError } from '../args.ts';
import { SentimentModel, defaultSentimentModel, type SentimentResult } from '../../sentiment/model.ts';

/** Output is written in blocks of this many lines: one write per block, not per line. */
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

export const sentimentCommand: Command = {
  summary: 'sentiment of review text: a score in [-1, 1], positive/negative/neutral and a confidence',
  usage: `curio sentiment "text" [--json]
curio sentiment --file F [--json]      one text a line in (F = - reads standard input), one result a line out
  --json          one JSON object a line: {"score": s, "label": "positive"|"negative"|"neutral", "confidence": c}
  --model FILE    a sentiment model built by scripts/train-sentiment.ts (default: the one shipped with Curio)

The score is 2p − 1 for the classifier's probability p of "positive", shrunk toward 0 by the share of the
text's words the model knows (text in another language comes out neutral with low confidence).`,
  async run(argv) {
    const { values: v, positionals } = parse(argv, { file: { type: 'string' }, json: { type: 'boolean' }, model: { type: 'string' } }, 'sentiment');
    if (v.file !== undefined && positionals.length) throw new UsageError('--file', 'give either a text or --file, not both');
    if (v.file === undefined && !positionals.length) throw new UsageError('text', 'give a text to score (curio sentiment "great value") or --file F');
    const model = v.model ? SentimentModel.load(v.model) : defaultSentimentModel();
    const format = v.json ? formatJson : formatText;
    if (v.file === undefined) {
      console.log(format(model.score(positionals.join(' '))));
      return 0;
    }
    const input = v.file === '-' ? process.stdin : createReadStream(v.file, { encoding: 'utf8' });
    const lines = createInterface({ input, crlfDelay: Infinity });
    let block: string[] = [];
    for await (const line of lines) {
      block.push(format(model.score(line)));
      if (block.length >= BLOCK) {
        await write(block.join('\n') + '\n');
        block = [];
      }
    }
    if (block.length) await write(block.join('\n') + '\n');
    return 0;
  },
};
