import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEntities, splitSentences, trainingUnits, type StarReview } from './use-data.ts';

test('training units: stars give labels (3 left out), positives sampled per negative, reviews never on both sides', () => {
  const reviews: StarReview[] = [];
  for (let i = 0; i < 10; i++) reviews.push({ title: `Bad ${i}`, body: `It tore at once. The seam ${i} split open.`, stars: 1 + (i % 2) });
  for (let i = 0; i < 50; i++) reviews.push({ title: i % 5 ? `Great ${i}` : '', body: `Lovely fabric here. Fits ${i} well overall!`, stars: 4 + (i % 2) });
  reviews.push({ title: 'Meh', body: 'It is fine I guess.', stars: 3 });
  const units = trainingUnits(reviews, { positivesPerNegative: 2, heldOut: 0.2 });
  const reviewUnits = units.filter((u) => u.kind === 'review');
  assert.equal(reviewUnits.length, 30, '10 negative + 20 sampled positive reviews');
  assert.equal(reviewUnits.filter((u) => u.label === 0).length, 10);
  assert.ok(!units.some((u) => u.text.includes('Meh') || u.text.includes('fine I guess')), '3 stars left out');
  assert.equal(reviewUnits.filter((u) => u.heldOut).length, 6);
  for (const u of units) {
    assert.equal(u.label, /Bad|tore|seam/.test(u.text) ? 0 : 1, u.text);
    assert.equal(u.heldOut, reviewUnits[u.review]!.heldOut, 'a text is on the side of its review');
  }
  assert.equal(units.filter((u) => u.kind === 'sentence').length, 60, 'two sentences a review');
  assert.deepEqual([...new Set(units.slice(0, units.filter((u) => u.kind === 'title').length).map((u) => u.kind))], ['title'], 'titles first');
  assert.deepEqual(trainingUnits(reviews, { positivesPerNegative: 2 }), units, 'deterministic');
});

test('sentences and entities', () => {
  assert.deepEqual(splitSentences('Love it! So soft. ok. Would buy it again?', 2), ['Love it!', 'So soft.', 'Would buy it again?']);
  assert.deepEqual(splitSentences('I love it so much! Too short. The color is perfect and bright.'), ['I love it so much!', 'The color is perfect and bright.']);
  assert.equal(decodeEntities('wasn&#39;t &quot;true&quot; &amp; tight'), `wasn't "true" & tight`);
});
