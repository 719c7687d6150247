import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InteractionsBuilder } from '../data/interactions.ts';
import { prepareInteractions } from './prepare.ts';

test('impressions are never training signal unless asked for by name', () => {
  const b = new InteractionsBuilder();
  b.add('u1', 'a', 1, 1, 'purchase');
  b.add('u1', 'b', 1, 2, 'impression');
  b.add('u2', 'b', 1, 3, 'view');
  const d = b.build();
  const all = prepareInteractions(d, { positiveOnly: true });
  assert.equal(all.data.length, 2);
  assert.equal(all.report.droppedByType, 1);
  assert.deepEqual(Array.from(all.data.time), [1, 3]);
  assert.equal(prepareInteractions(d, { positiveOnly: true, types: ['impression'] }).data.length, 1);
});
