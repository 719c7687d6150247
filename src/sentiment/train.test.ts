import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArtifactError } from '../errors.ts';
import { encodeArtifact } from '../models/artifact.ts';
import { SentimentModel } from './model.ts';
import { balancedAccuracy, balancedKindWeights, trainOnUnits, trainSentimentModel, variantName } from './train.ts';
import type { TrainingUnit, UnitKind } from './use-data.ts';

const unit = (text: string, label: number, kind: UnitKind): TrainingUnit => ({ text, label, kind, review: 0, heldOut: false });

test('balanced kind weights: every (kind, class) group carries the same total weight (hand-computed)', () => {
  // titles: 3 positive, 1 negative; sentences: 2 positive, 2 negative; one review left out of the kinds
  const us = [unit('a', 1, 'title'), unit('b', 1, 'title'), unit('c', 1, 'title'), unit('d', 0, 'title'),
    unit('e', 1, 'sentence'), unit('f', 1, 'sentence'), unit('g', 0, 'sentence'), unit('h', 0, 'sentence'), unit('i', 1, 'review')];
  const w = balancedKindWeights(us, ['title', 'sentence']);
  // 8 units in 4 groups: each group weighs 2, so 2/3 per positive title, 2 for the negative one, 1 per sentence
  assert.deepEqual(Array.from(w, (x) => Math.round(x * 1e6) / 1e6), [0.666667, 0.666667, 0.666667, 2, 1, 1, 1, 1, 0]);
});

test('balanced accuracy per kind: mean of the two recalls, kinds lacking a class left out (hand-computed)', () => {
  const byLength = { margin: (t: string) => ({ z: t.length - 3 }) }; // positive when longer than 3 characters
  const us = [unit('long one', 1, 'title'), unit('no', 1, 'title'), unit('bad', 0, 'title'), unit('worse', 0, 'title'), unit('x', 0, 'title'),
    unit('fine text', 1, 'sentence'), unit('ok', 0, 'sentence'), unit('only positives', 1, 'review')];
  const r = balancedAccuracy(byLength, us);
  // titles: positives 1/2 right, negatives 2/3 right → 7/12; sentences 1 and 1 → 1; reviews have no negative
  assert.ok(Math.abs(r.byKind.title! - 7 / 12) < 1e-12);
  assert.equal(r.byKind.sentence, 1);
  assert.equal(r.byKind.review, undefined);
  assert.ok(Math.abs(r.mean - (7 / 12 + 1) / 2) < 1e-12);
});

test('word vectors carry what the training words teach to words never trained on', () => {
  const pos = ['excellent', 'wonderful', 'great', 'lovely', 'fantastic'], neg = ['terrible', 'awful', 'horrible', 'dreadful', 'lousy'];
  const us: TrainingUnit[] = [];
  for (let i = 0; i < 40; i++) {
    us.push(unit(`the item was ${pos[i % 5]}`, 1, 'sentence'), unit(`the item was ${neg[i % 5]}`, 0, 'sentence'));
  }
  const variant = { kinds: ['sentence'] as UnitKind[], l2: 1e-3, buckets: 1 << 12, wordVectors: true };
  const withVectors = trainOnUnits(us, variant);
  const plain = trainSentimentModel(us.map((u) => u.text), Uint8Array.from(us, (u) => u.label), { buckets: 1 << 12, l2: 1e-3, lexicon: false });
  const withoutLexicon = trainSentimentModel(us.map((u) => u.text), Uint8Array.from(us, (u) => u.label), { buckets: 1 << 12, l2: 1e-3, lexicon: false, wordVectors: true });
  assert.equal(withVectors.meta.variant, variantName(variant));
  // "superb" and "atrocious" never occur in training: only the GloVe mean tells them apart
  assert.ok(Math.abs(plain.margin('superb').z - plain.margin('atrocious').z) < 1e-6, 'hashed words alone know neither');
  assert.ok(withoutLexicon.margin('superb').z > 0 && withoutLexicon.margin('atrocious').z < 0,
    `superb ${withoutLexicon.margin('superb').z}, atrocious ${withoutLexicon.margin('atrocious').z}`);
  // and the file keeps them: same margins after a round trip through its bytes
  const again = SentimentModel.fromBuffer(withVectors.toBuffer());
  assert.equal(again.config.wordVectors, 'glove-100d');
  assert.equal(again.margin('a superb coat').z, withVectors.margin('a superb coat').z);
  const good = withVectors.toArtifact();
  assert.throws(() => SentimentModel.fromBuffer(Buffer.concat(encodeArtifact({ ...good, config: { ...good.config, wordVectors: 'word2vec' } }))),
    (e: unknown) => e instanceof ArtifactError && /config\.wordVectors must be "glove-100d"/.test(e.message));
  // a file without word vectors must not carry their weights
  assert.throws(() => SentimentModel.fromBuffer(Buffer.concat(encodeArtifact({ ...good, config: { buckets: 1 << 12, neutralBand: 0.25 } }))),
    (e: unknown) => e instanceof ArtifactError && /"weights" has 4199 entries; buckets \+ 3 = 4099 expected/.test(e.message));
});
