import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InteractionRow } from '../data/types.ts';
import { openStore } from '../store/registry.ts';
import { defaultSentimentModel } from './model.ts';
import { adjustRating, applyReviewSentiment, impliedRating, sentimentWeight, snapshotWithReviewSentiment } from './signal.ts';

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

test('snapshotWithReviewSentiment reads a real SQLite store: adjusted ratings, implied ratings, untouched rows', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'curio-sentiment-store-'));
  const store = await openStore(join(dir, 'reviews.db'));
  try {
    await store.addInteractions([
      { user: 'u1', item: 'a', type: 'rating', value: 4, timestamp: 1000, text: 'Disappointing, it broke after two days. Terrible.' },
      { user: 'u1', item: 'b', type: 'rating', value: 5, timestamp: 2000 },
      { user: 'u2', item: 'a', type: 'review', value: 1, timestamp: 3000, text: 'Excellent, works perfectly, highly recommend' },
      { user: 'u2', item: 'c', type: 'purchase', value: 1, timestamp: 4000 },
    ]);
    const { interactions: d, changed, implied } = await snapshotWithReviewSentiment(store, defaultSentimentModel(), { types: ['rating', 'review'] });
    assert.equal(d.length, 3, 'the purchase is not of the asked types');
    assert.equal(changed, 1);
    assert.equal(implied, 1);
    const value = (u: string, i: string) => { for (let k = 0; k < d.length; k++) if (d.users.id(d.user[k]!) === u && d.items.id(d.item[k]!) === i) return d.value[k]!; return NaN; };
    assert.ok(value('u1', 'a') < 3);
    assert.equal(value('u1', 'b'), 5);
    assert.ok(value('u2', 'a') > 4);
  } finally {
    await store.close();
  }
});
