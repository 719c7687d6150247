import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeArtifact } from '../models/artifact.ts';
import { ArtifactError } from '../errors.ts';
import { sentiment, sentimentMany } from './index.ts';
import { defaultSentimentModel, SentimentModel, SENTIMENT_KIND } from './model.ts';
import { trainSentimentModel } from './train.ts';

test('hand-checked sentences with the shipped model: polarity, negation, contrast', () => {
  for (const t of ['I love it', 'This is good', 'Great quality and it fits perfectly', 'Not bad at all']) {
    assert.equal(sentiment(t).label, 'positive', t);
  }
  for (const t of ['disappointing', 'not good', 'I do not love it', 'terrible. broke after a week', 'I would not recommend this']) {
    assert.equal(sentiment(t).label, 'negative', t);
  }
  // negation flips the same words
  assert.ok(sentiment('good').score > 0 && sentiment('not good').score < 0);
  assert.ok(sentiment('I love it').score > sentiment('I do not love it').score + 1);
  for (const t of ['I love it', 'not good', 'the phone is blue']) {
    const r = sentiment(t);
    assert.ok(r.score >= -1 && r.score <= 1 && r.confidence >= 0 && r.confidence <= 1, t);
  }
});

test('statements without opinion words are neutral', () => {
  for (const t of ['the phone is blue', 'It arrived on Tuesday.', 'The package contains two cables.']) assert.equal(sentiment(t).label, 'neutral', t);
});

test('empty, punctuation-only, 10,000-character and non-English texts', () => {
  assert.deepEqual(sentiment(''), { score: 0, label: 'neutral', confidence: 0 });
  assert.deepEqual(sentiment('  ?! '), { score: 0, label: 'neutral', confidence: 0 });
  const long = 'The fabric is wonderful and soft. '.repeat(300).slice(0, 10_000);
  assert.equal(long.length, 10_000);
  const t0 = performance.now();
  assert.equal(sentiment(long).label, 'positive');
  assert.ok(performance.now() - t0 < 5000);
  assert.equal(sentiment('x'.repeat(10_000)).label, 'neutral');
  for (const t of ['Das ist nicht gut, aber der Preis ist in Ordnung', 'Ce produit est vraiment magnifique', '这个产品很好', 'Этот товар очень хороший']) {
    const r = sentiment(t);
    assert.equal(r.label, 'neutral', t);
    assert.ok(r.confidence < 0.3, `${t}: confidence ${r.confidence}`);
  }
});

test('sentimentMany equals sentiment one by one', () => {
  const texts = ['I love it', '', 'not good', 'the phone is blue'];
  assert.deepEqual(sentimentMany(texts), texts.map((t) => sentiment(t)));
});

test('the shipped model file loads, is valid and round-trips through its bytes', () => {
  const m = defaultSentimentModel();
  assert.equal(m.config.buckets, m.weights.length - 3 - (m.config.wordVectors ? 100 : 0));
  assert.match(String(m.meta.trainedOn), /Women's E-Commerce Clothing Reviews.*CC0/);
  const again = SentimentModel.fromBuffer(m.toBuffer());
  assert.deepEqual(again.score('the fit was disappointing'), m.score('the fit was disappointing'));
});

test('a crafted or damaged model file is an ArtifactError naming what is wrong', () => {
  const m = defaultSentimentModel();
  const good = m.toArtifact();
  const bytes = (a: typeof good) => Buffer.concat(encodeArtifact(a));
  const bad = (b: Buffer, re: RegExp) => assert.throws(() => SentimentModel.fromBuffer(b, 'x.bin'), (e: unknown) => e instanceof ArtifactError && re.test(e.message) && e.message.includes('scripts/train-sentiment.ts'));
  bad(Buffer.from('{"weights": []}'), /not a Curio model file/);
  bad(m.toBuffer().subarray(0, 200), /truncated|runs past/);
  bad(bytes({ ...good, kind: 'ials' }), /"ials" model, not a sentiment model/);
  bad(bytes({ ...good, config: { buckets: 1000, neutralBand: 0.25 } }), /config\.buckets must be a power of two/);
  bad(bytes({ ...good, config: { buckets: m.config.buckets, neutralBand: 2 } }), /neutralBand/);
  bad(bytes({ ...good, arrays: { ...good.arrays, weights: m.weights.subarray(0, 100) } }), /"weights" has 100 entries/);
  bad(bytes({ ...good, arrays: { ...good.arrays, bias: new Float32Array(2) } }), /"bias"/);
  bad(bytes({ ...good, arrays: { weights: good.arrays.weights!, bias: good.arrays.bias! } }), /"vocabulary"/);
  const nan = Float32Array.from(m.weights);
  nan[5] = NaN;
  bad(bytes({ ...good, arrays: { ...good.arrays, weights: nan } }), /NaN/);
  assert.throws(() => SentimentModel.load('/nonexistent/sentiment.bin'), (e: unknown) => e instanceof ArtifactError && /no such file/.test(e.message));
});

test('training learns a toy language from labels alone, and a model of it reads its own words only', () => {
  const texts: string[] = [], labels: number[] = [];
  for (let i = 0; i < 60; i++) {
    texts.push(`zorb item ${i} was flimp`, `zorb item ${i} was not flimp`, `zorb item ${i} was grak`);
    labels.push(1, 0, 0);
  }
  const m = trainSentimentModel(texts, Uint8Array.from(labels), { buckets: 1 << 12 });
  assert.equal(m.meta.positive, 60);
  assert.ok(m.margin('the zorb was flimp').z > 0);
  assert.ok(m.margin('the zorb was not flimp').z < 0, 'negation marking separates "not flimp" from "flimp"');
  assert.ok(m.margin('the zorb was grak').z < 0);
  assert.equal(SentimentModel.fromBuffer(m.toBuffer()).margin('zorb flimp').z, m.margin('zorb flimp').z);
  assert.throws(() => trainSentimentModel(['a', 'b'], Uint8Array.of(1, 1)), /both classes/);
  assert.equal(SENTIMENT_KIND, m.toArtifact().kind);
});
