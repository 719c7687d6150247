import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { InteractionRow } from '../data/types.ts';
import { defaultSentimentModel } from './model.ts';
import { adjustRating, applyReviewSentiment, impliedRating, sentimentWeight } from './signal.ts';

test('implied rating, weight and blended rating, hand-computed', () => {
  assert.equal(impliedRating({ score: 1, label: 'positive', confidence: 1 }), 5);
  assert.equal(impliedRating({ score: -0.5, label: 'negative', confidence: 1 }), 2);
  assert.equal(impliedRating({ score: 0, label: 'neutral', confidence: 0 }, { min: 0.5, max: 5 }), 2.75);
  assert.equal(sentimentWeight({ score: -1, label: 'negative', confidence: 1 }, 0.5), 0.5);
  assert.equal(sentimentWeight({ score: 0.5, label: 'positive', confidence: 1 }, 0.4), 1.2);
  // 4 stars, text at -1 with confidence 0.8, strength 0.5: a = 0.4, 0.6 × 4 + 0.4 × 1 = 2.8
  assert.ok(Math.abs(adjustRating(4, { score: -1, label: 'negative', confidence: 0.8 }, 0.5) - 2.8) < 1e-12);
  // a text with no evidence (confidence 0) leaves the rating as it was
  assert.equal(adjustRating(4, { score: 0, label: 'neutral', confidence: 0 }), 4);
});

test('a 4-star "disappointing" counts less; a review without a rating gets an implied one; rows without text are kept', () => {
  const rows: InteractionRow[] = [
    { user: 'u1', item: 'a', type: 'rating', value: 4, timestamp: 0, text: 'Disappointing. The strings broke in a week and it sounds terrible.' },
    { user: 'u1', item: 'b', type: 'rating', value: 4, timestamp: 0, text: 'Great tuner, works perfectly, love it' },
    { user: 'u2', item: 'c', type: 'review', value: 1, timestamp: 0, text: 'Excellent cable, highly recommend' },
    { user: 'u2', item: 'd', type: 'review', value: 1, timestamp: 0, text: 'Awful, do not buy' },
    { user: 'u3', item: 'e', type: 'rating', value: 5, timestamp: 0 },
  ];
  const { rows: out, changed, implied } = applyReviewSentiment(rows, defaultSentimentModel());
  assert.ok(out[0]!.value < 3, `4★ disappointing -> ${out[0]!.value}`);
  assert.ok(out[1]!.value > 4, `4★ love it -> ${out[1]!.value}`);
  assert.ok(out[2]!.value > 4 && out[3]!.value < 2, `implied ${out[2]!.value}, ${out[3]!.value}`);
  assert.equal(out[4], rows[4]);
  assert.equal(rows[0]!.value, 4, 'the input rows are not modified');
  assert.equal(changed, 2);
  assert.equal(implied, 2);
});
