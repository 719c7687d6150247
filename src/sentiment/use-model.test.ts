import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArtifactError, ModelFitError } from '../errors.ts';
import { encodeArtifact } from '../models/artifact.ts';
import { trainUseSentimentModel, UseSentimentModel, USE_DIMENSION, SENTIMENT_USE_KIND } from './use-model.ts';

const D = USE_DIMENSION;

/**
 * A hand-made space: a text's "vector" is the unit axis e0 when it is about liking, −e0 when about disliking and e1
 * when neither — so only the vector can tell "zorb flimp" (liked) from "zorb grak" (disliked): the words are
 * made up, the lexicon knows none of them.
 */
function toy() {
  const texts: string[] = [], labels: number[] = [], rows: number[][] = [];
  for (let i = 0; i < 40; i++) {
    texts.push(`zorb ${i} flimp`, `zorb ${i} grak`);
    labels.push(1, 0);
    rows.push([1, 0], [-1, 0]);
  }
  const vectors = new Float32Array(texts.length * D);
  rows.forEach(([a, b], r) => { vectors[r * D] = a!; vectors[r * D + 1] = b!; });
  return { texts, labels: Uint8Array.from(labels), vectors };
}

const axis = (...xs: number[]) => { const v = new Float32Array(D); xs.forEach((x, i) => (v[i] = x)); return v; };

test('use classifier: learns the sign from the vector, reads margins as the features model does, round-trips its file', () => {
  const { texts, labels, vectors } = toy();
  const m = trainUseSentimentModel(texts, vectors, labels, { buckets: 1 << 10, l2: 1e-3 });
  assert.ok(m.use[0]! > 0, 'weight on the liking axis is positive');
  assert.ok(m.margin('zorb flimp', axis(1)).z > 2);
  assert.ok(m.margin('zorb grak', axis(-1)).z < -2);
  // the same words with the other vector: the vector decides
  assert.ok(m.margin('zorb flimp', axis(-1)).z < 0);
  const [pos, neg, empty, foreign] = m.scoreVectors(['zorb flimp', 'zorb grak', ' ?! ', 'wibble wobble'], new Float32Array([...axis(1), ...axis(-1), ...axis(), ...axis(1)]));
  assert.equal(pos!.label, 'positive');
  assert.equal(neg!.label, 'negative');
  assert.ok(pos!.score > 0.5 && pos!.score <= 1 && pos!.confidence > 0.5 && pos!.confidence <= 1);
  assert.deepEqual(empty, { score: 0, label: 'neutral', confidence: 0 });
  // words never seen in training: coverage 0, so score 0 and neutral however strong the vector
  assert.deepEqual(foreign, { score: 0, label: 'neutral', confidence: 0 });
  assert.equal(m.hashed.length, 0, 'no hashed weights unless asked');
  const again = UseSentimentModel.fromBuffer(m.toBuffer());
  assert.equal(again.margin('zorb flimp', axis(1)).z, m.margin('zorb flimp', axis(1)).z);
  assert.throws(() => m.scoreVectors(['a', 'b'], axis(1)), RangeError);
  assert.throws(() => trainUseSentimentModel(['a', 'b'], new Float32Array(2 * D), Uint8Array.of(1, 1)), ModelFitError);
});

test('combined classifier: hashed word weights join the vector in one fit, and the file keeps them', () => {
  const { texts, labels, vectors } = toy();
  // vectors carry no signal at all: only the words can separate the classes
  vectors.fill(0);
  const m = trainUseSentimentModel(texts, vectors, labels, { buckets: 1 << 10, l2: 1e-4, hashed: true });
  assert.equal(m.hashed.length, 1 << 10);
  assert.ok(m.margin('zorb flimp', axis()).z > 0 && m.margin('zorb grak', axis()).z < 0);
  const again = UseSentimentModel.fromBuffer(m.toBuffer());
  assert.equal(again.margin('zorb grak', axis()).z, m.margin('zorb grak', axis()).z);
  const bare = trainUseSentimentModel(texts, vectors, labels, { buckets: 1 << 10, l2: 1e-4 });
  assert.ok(Math.abs(bare.margin('zorb flimp', axis()).z) < 1e-6, 'without the hashed part, zero vectors carry no evidence');
});

test('a crafted or damaged sentence-vector model file is an ArtifactError naming what is wrong', () => {
  const { texts, labels, vectors } = toy();
  const m = trainUseSentimentModel(texts, vectors, labels, { buckets: 1 << 10 });
  const good = m.toArtifact();
  const bytes = (a: typeof good) => Buffer.concat(encodeArtifact(a));
  const bad = (b: Buffer, re: RegExp) => assert.throws(() => UseSentimentModel.fromBuffer(b, 'x.bin'), (e: unknown) => e instanceof ArtifactError && re.test(e.message) && e.message.includes('scripts/train-sentiment-use.ts'));
  assert.equal(good.kind, SENTIMENT_USE_KIND);
  bad(Buffer.from('nope'), /not a Curio model file/);
  bad(bytes({ ...good, kind: 'sentiment-logreg' }), /"sentiment-logreg" model, not a sentence-vector/);
  bad(bytes({ ...good, config: { ...good.config, encoder: 'glove:1' } }), /trained on vectors of "glove:1"/);
  bad(bytes({ ...good, arrays: { ...good.arrays, use: new Float32Array(100) } }), /"use" must be f32\[512\]/);
  bad(bytes({ ...good, config: { ...good.config, hashed: true } }), /"hashed" must be f32\[1024\]/);
  bad(bytes({ ...good, arrays: { ...good.arrays, vocabulary: new Uint8Array(3) } }), /"vocabulary"/);
  assert.throws(() => UseSentimentModel.load('/nonexistent/s.bin'), (e: unknown) => e instanceof ArtifactError && /no such file/.test(e.message));
});
