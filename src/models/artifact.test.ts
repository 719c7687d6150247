import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrFromCoo } from '../data/csr.ts';
import { ArtifactError } from '../errors.ts';
import { decodeArtifact, encodeArtifact } from './artifact.ts';
import { createModel, modelFromArtifact } from './registry.ts';
import type { ModelArtifact } from './types.ts';

/** 4 users over 5 items. */
const matrix = csrFromCoo(4, 5, Int32Array.of(0, 0, 1, 1, 2, 2, 3, 3, 3), Int32Array.of(0, 1, 1, 2, 2, 3, 0, 3, 4), Float32Array.from({ length: 9 }, () => 1));

async function artifactOf(kind: string, config: object = {}): Promise<ModelArtifact> {
  const m = createModel(kind, config);
  await m.fit({ matrix }, { threads: 1 });
  return decodeArtifact(Buffer.concat(encodeArtifact(m.toArtifact()))).artifact;
}

/** Runs `mutate` on a fresh artifact of `kind` and loads it: the outcome is the error message or "loaded". */
async function tamper(kind: string, config: object, mutate: (a: ModelArtifact) => void): Promise<string> {
  const a = await artifactOf(kind, config);
  mutate(a);
  try {
    modelFromArtifact(a);
    return 'loaded';
  } catch (e) {
    return e instanceof ArtifactError ? e.message : `${(e as Error).name}: ${(e as Error).message}`;
  }
}

test('model-specific arrays are checked on load: similarity CSR, EASE kept items, popularity counts, idf', async () => {
  const cases: [string, object, (a: ModelArtifact) => void, RegExp][] = [
    ['itemknn', {}, (a) => { (a.arrays['sim.indices'] as Int32Array)[0] = 99; }, /array "sim\.indices" holds column 99 outside 0\.\.4/],
    ['itemknn', {}, (a) => { a.arrays['sim.indptr'] = (a.arrays['sim.indptr'] as Int32Array).subarray(1); }, /array "sim\.indptr" has 5 entries; 5 rows need 6/],
    ['ease', { l2: 1, maxItems: 3 }, (a) => { (a.arrays['ease.kept'] as Int32Array)[1] = 7; }, /array "ease\.kept" must hold ascending item indices in 0\.\.4; index 1 is 7/],
    ['ease', { l2: 1, maxItems: 3 }, (a) => { const k = a.arrays['ease.kept'] as Int32Array; k[1] = k[0]!; }, /array "ease\.kept" must hold ascending/],
    ['popularity', {}, (a) => { a.arrays.counts = (a.arrays.counts as Float32Array).subarray(1); }, /array "counts" has 4 values for 5 items/],
    ['userknn', { weighting: { kind: 'bm25' } }, (a) => { a.arrays['weighting.idf'] = new Float32Array(2); }, /array "weighting\.idf" has 2 values for 5 items/],
    ['userknn', {}, (a) => { a.meta.avgRowSum = 'x'; }, /meta\.avgRowSum must be a number/],
    ['bpr', { factors: 2, iterations: 1 }, (a) => { a.arrays.itemBias = new Float32Array(3); }, /bpr model file: factor arrays do not match/],
  ];
  const wrong: string[] = [];
  for (const [kind, config, mutate, expected] of cases) {
    const outcome = await tamper(kind, config, mutate);
    if (!expected.test(outcome)) wrong.push(`${kind} ${expected}: ${outcome}`);
  }
  assert.deepEqual(wrong, []);
  // and the untouched artifacts load
  for (const kind of ['itemknn', 'ease', 'popularity', 'userknn']) assert.equal(await tamper(kind, kind === 'ease' ? { l2: 1, maxItems: 3 } : {}, () => {}), 'loaded');
});
