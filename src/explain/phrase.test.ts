import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrFromCoo } from '../data/csr.ts';
import { createModel } from '../models/registry.ts';
import type { ScoreExplanation } from './contributions.ts';
import { coCounts, listNames, phrase, rephraseOrKeep, sentence, verbFor, type Rephraser } from './phrase.ts';

const names: Record<number, string> = { 0: '"Teapot"', 1: '"Cups"', 2: '"Tray"', 3: '"Kettle"', 9: '"Lamp"' };
const o = { name: (i: number) => names[i]!, verb: 'bought' };
const base: ScoreExplanation = { model: 'ease', item: 9, score: 1, base: 0, contributions: [], rest: 0, exact: true, method: 'item-weights' };

test('names are listed as people write them', () => {
  assert.equal(listNames([]), '');
  assert.equal(listNames(['a']), 'a');
  assert.equal(listNames(['a', 'b']), 'a and b');
  assert.equal(listNames(['a', 'b', 'c']), 'a, b and c');
  assert.equal(sentence('because you bought "Teapot"'), 'Because you bought "Teapot".');
});

test('the verb comes from the interaction types the model was trained on', () => {
  assert.equal(verbFor(['purchase']), 'bought');
  assert.equal(verbFor(['view', 'click']), 'viewed');
  assert.equal(verbFor(['purchase', 'view']), 'chose');
  assert.equal(verbFor(undefined), 'chose');
});

test('exact shares cite the positive ones whose removal lowers the score, largest first, at most three', () => {
  const x: ScoreExplanation = {
    ...base,
    contributions: [{ item: 0, value: 0.5, removal: -0.5 }, { item: 3, value: 0.3, removal: 0.1 }, { item: 1, value: 0.2, removal: -0.2 }, { item: 2, value: -0.1, removal: 0.1 }],
  };
  // "Kettle" has a positive share but taking it away would raise the score (possible for iALS): not cited.
  assert.deepEqual(phrase(x, o), ['because you bought "Teapot" and "Cups"']);
  assert.deepEqual(phrase(x, { ...o, together: (j, i) => (j === 0 && i === 9 ? 12 : 0) }), [
    'because you bought "Teapot" and "Cups"', 'people who bought "Teapot" also bought this (12 users)',
  ]);
  assert.deepEqual(phrase({ ...x, contributions: [{ item: 2, value: -0.1 }] }, o), [], 'nothing true to say: no sentence');
});

test('UserKNN, BPR and popularity have their own templates; BPR says it is approximate', () => {
  const knn: ScoreExplanation = { ...base, method: 'user-neighbours', contributions: [{ item: 1, value: 2, removal: -1 }], neighbours: [{ user: 4, value: 1.5 }, { user: 8, value: 0.5 }, { user: 5, value: 0 }] };
  assert.deepEqual(phrase(knn, o), ['because you bought "Cups"', '2 of the users most like you bought this']);
  const bpr: ScoreExplanation = { ...base, method: 'factor-similarity', exact: false, contributions: [{ item: 2, value: 0.9 }, { item: 0, value: -0.2 }] };
  assert.deepEqual(phrase(bpr, o), ['close in the model\'s factor space to "Tray" (approximate)']);
  assert.deepEqual(phrase({ ...base, method: 'popularity', score: 120 }, o), ['popular: 120 users']);
});

test('co-counts are the users who have both items in the model\'s training matrix', async () => {
  // users: 0 {0,1}, 1 {0,1,2}, 2 {1,2}, 3 {0}
  const m = csrFromCoo(4, 3, Int32Array.of(0, 0, 1, 1, 1, 2, 2, 3), Int32Array.of(0, 1, 0, 1, 2, 1, 2, 0), new Float32Array(8).fill(1));
  const model = createModel('itemknn', {});
  await model.fit({ matrix: m });
  const together = coCounts(model);
  assert.equal(together(0, 1), 2);
  assert.equal(together(1, 2), 2);
  assert.equal(together(0, 2), 1);
  assert.equal(together(2, 0), 1);
});

test('an LLM rephrasing is used only when it answers in time and names nothing outside the evidence', async () => {
  const sentences = ['because you bought "Teapot" and "Cups"'];
  const x: ScoreExplanation = { ...base, contributions: [{ item: 0, value: 0.5 }, { item: 1, value: 0.2 }] };
  const say = (text: string, ms = 0): Rephraser => ({ rephrase: () => new Promise((r) => setTimeout(() => r(text), ms)) });
  const template = 'Because you bought "Teapot" and "Cups".';
  assert.deepEqual(await rephraseOrKeep(undefined, sentences, x, names), { text: template, rephrased: false });
  assert.deepEqual(await rephraseOrKeep(say('You got "Teapot" and "Cups", so this fits.'), sentences, x, names), { text: 'You got "Teapot" and "Cups", so this fits.', rephrased: true });
  const invented = await rephraseOrKeep(say('Fans of "Harry Potter" love it.'), sentences, x, names);
  assert.equal(invented.text, template);
  assert.match(invented.why!, /"Harry Potter", which is not in the evidence/);
  assert.equal((await rephraseOrKeep(say('late', 200), sentences, x, names, { timeoutMs: 20 })).why, 'timed out');
  assert.equal((await rephraseOrKeep({ rephrase: async () => { throw new Error('HTTP 500'); } }, sentences, x, names)).why, 'HTTP 500');
  assert.equal((await rephraseOrKeep(say('   '), sentences, x, names)).why, 'empty answer');
});
