import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrFromCoo, type Csr } from '../data/csr.ts';
import { ConfigError } from '../errors.ts';
import { decodeArtifact, encodeArtifact } from './artifact.ts';
import type { FitData, ModelFactory, Recommender } from './types.ts';

/**
 * Two taste groups of 10 users × 10 items; each user has every item of their group but one
 * (user u misses item u % 10 of its group). So the right top-1 for every user is known: the group item they miss.
 */
export function blockMatrix(groupSize = 10, groups = 2): Csr {
  const r: number[] = [], c: number[] = [], v: number[] = [];
  for (let g = 0; g < groups; g++) {
    for (let a = 0; a < groupSize; a++) {
      for (let b = 0; b < groupSize; b++) {
        if (a === b) continue;
        r.push(g * groupSize + a); c.push(g * groupSize + b); v.push(1 + ((a + b) % 3));
      }
    }
  }
  const n = groupSize * groups;
  return csrFromCoo(n, n, Int32Array.from(r), Int32Array.from(c), Float32Array.from(v));
}

export interface ModelContractOptions {
  /** A valid config that makes the model learn the block structure. */
  config: object;
  /** An invalid config and the field its ConfigError must name. */
  badConfig: { config: object; field: string };
  /** Behaviours the model does not have, each with the reason (e.g. popularity is not personalised). */
  skip?: Partial<Record<'knownTop1' | 'similarItems', string>>;
  /** What the model needs beside the matrix (e.g. interactions and item text for content models). */
  fitData?: (m: Csr) => Omit<FitData, 'matrix'>;
}

/** The behaviour every model must show; each model's test file calls this once. */
export function runModelContract(factory: ModelFactory, o: ModelContractOptions): void {
  const m = blockMatrix();
  const fitted = async (): Promise<Recommender> => {
    const model = factory.create(o.config);
    await model.fit({ matrix: m, ...o.fitData?.(m) }, { seed: 1, threads: 1 });
    return model;
  };

  test(`${factory.kind}: invalid config names the field`, () => {
    assert.throws(() => factory.create(o.badConfig.config), (e: unknown) => e instanceof ConfigError && e.field.includes(o.badConfig.field));
  });

  test(`${factory.kind}: unfitted model refuses to recommend`, () => {
    assert.throws(() => factory.create(o.config).recommend(0, { k: 3 }), /not fitted/);
  });

  test(`${factory.kind}: recommends the one missing item of the user's group`, { skip: o.skip?.knownTop1 }, async () => {
    const model = await fitted();
    for (let u = 0; u < m.rows; u++) {
      const r = model.recommend(u, { k: 1 });
      assert.equal(r.items[0], u, `user ${u} got ${r.items[0]}`); // user u misses item u
    }
  });

  test(`${factory.kind}: never returns seen, excluded or non-candidate items`, async () => {
    const model = await fitted();
    const seen = new Set(m.indices.subarray(m.indptr[3]!, m.indptr[4]!));
    const r = model.recommend(3, { k: 20 });
    for (const i of r.items) assert.ok(!seen.has(i), `seen item ${i} returned`);
    const ex = model.recommend(3, { k: 20, exclude: Int32Array.of(3, 15) });
    assert.ok(!ex.items.includes(3) && !ex.items.includes(15));
    const cand = model.recommend(3, { k: 20, candidates: Int32Array.of(3, 12, 17), excludeSeen: false });
    assert.ok([...cand.items].every((i) => [3, 12, 17].includes(i)) && cand.items.length > 0);
    const all = model.recommend(3, { k: 20, excludeSeen: false });
    assert.ok([...all.items].some((i) => seen.has(i)), 'excludeSeen: false may return seen items');
    for (let q = 1; q < r.scores.length; q++) assert.ok(r.scores[q - 1]! >= r.scores[q]!, 'best first');
  });

  test(`${factory.kind}: folding in a training user's history gives the same top items`, async () => {
    const model = await fitted();
    for (const u of [0, 7, 13]) {
      const s = m.indptr[u]!, e = m.indptr[u + 1]!;
      const folded = model.recommendHistory(m.indices.slice(s, e), m.data.slice(s, e), { k: 3 });
      const direct = model.recommend(u, { k: 3 });
      assert.equal(folded.items[0], direct.items[0], `user ${u}`);
    }
  });

  test(`${factory.kind}: a saved and loaded model scores exactly the same`, async () => {
    const model = await fitted();
    const bytes = Buffer.concat(encodeArtifact(model.toArtifact(), { note: 'x' }));
    const { artifact, extra } = decodeArtifact(bytes);
    assert.equal(extra.note, 'x');
    const loaded = factory.fromArtifact(artifact);
    assert.equal(loaded.kind, model.kind);
    assert.deepEqual(loaded.config, model.config);
    for (const u of [0, 11]) {
      const a = new Float32Array(m.cols), b = new Float32Array(m.cols);
      model.scoreUser(u, a);
      loaded.scoreUser(u, b);
      assert.deepEqual(b, a);
    }
    assert.deepEqual(loaded.similarItems(2, 4), model.similarItems(2, 4));
  });

  test(`${factory.kind}: similar items come from the same group`, { skip: o.skip?.similarItems }, async () => {
    const model = await fitted();
    const r = model.similarItems(2, 5);
    assert.equal(r.items.length, 5);
    for (const i of r.items) assert.ok(i < 10 && i !== 2, `item ${i} is not in item 2's group`);
  });
}

/** The block matrix with items 9 and 19 removed from every user: they are cold, only their text is known. */
export function withColdItems(): Csr {
  const b = blockMatrix();
  const r: number[] = [], c: number[] = [], v: number[] = [];
  for (let u = 0; u < b.rows; u++) for (let p = b.indptr[u]!; p < b.indptr[u + 1]!; p++) if (b.indices[p]! % 10 !== 9) { r.push(u); c.push(b.indices[p]!); v.push(b.data[p]!); }
  return csrFromCoo(b.rows, b.cols, Int32Array.from(r), Int32Array.from(c), Float32Array.from(v));
}
