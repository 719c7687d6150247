import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../errors.ts';
import { lexiconScore } from './lexicon.ts';
import { defaultSentimentModel } from './model.ts';
import { DEFAULT_SENTIMENT_MODEL, lexiconResult, openSentimentScorer, sentimentAsync } from './scorer.ts';
import { trainSentimentModel } from './train.ts';

const texts = ['I love it', '', 'not good', 'the phone is blue'];

test('sentimentAsync: the default model is features and gives what sentiment() gives; lexicon reads wink-nlp as is', async () => {
  assert.equal(DEFAULT_SENTIMENT_MODEL, 'features');
  const m = defaultSentimentModel();
  assert.deepEqual(await sentimentAsync(texts), texts.map((t) => m.score(t)));
  assert.deepEqual(await sentimentAsync('not good'), [m.score('not good')]);
  const lex = await sentimentAsync(texts, { model: 'lexicon' });
  assert.deepEqual(lex.map((r) => r.label), ['positive', 'neutral', 'negative', 'neutral']);
  assert.equal(lex[0]!.score, Math.round(lexiconScore('I love it') * 1e4) / 1e4);
  assert.deepEqual(lexiconResult(''), { score: 0, label: 'neutral', confidence: 0 });
  const seen: number[] = [];
  await sentimentAsync(texts, { model: 'features', onProgress: (d, n) => seen.push(d, n) });
  assert.deepEqual(seen, [4, 4]);
});

test('openSentimentScorer: a model file is opened by its kind; an unknown name is a ConfigError listing the names', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'curio-scorer-'));
  const toy = trainSentimentModel(['zorb flimp', 'zorb grak', 'flimp flimp', 'grak grak'], Uint8Array.of(1, 0, 1, 0), { buckets: 1 << 10 });
  writeFileSync(join(dir, 'toy.bin'), toy.toBuffer());
  const s = await openSentimentScorer(join(dir, 'toy.bin'));
  assert.equal(s.name, 'features');
  assert.match(s.description, /toy\.bin/);
  assert.deepEqual(await s.score(['zorb flimp']), [toy.score('zorb flimp')]);
  await assert.rejects(openSentimentScorer('bert'), (e: unknown) => e instanceof ConfigError && /unknown sentiment model "bert"; one of lexicon, features, use/.test(e.message));
});
