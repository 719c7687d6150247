import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InteractionsBuilder, type Interactions } from '../data/interactions.ts';
import { mulberry32 } from '../data/random.ts';
import { ConfigError } from '../errors.ts';
import { popularity } from '../models/popularity.ts';
import { coldItems, coldUsers } from './splits.ts';
import { evaluate, fitAndEvaluate, randomOrderNdcgOf } from './evaluate.ts';
import { validationView } from './tune.ts';

function synth(seed = 5, nUsers = 50, nItems = 30): Interactions {
  const rng = mulberry32(seed);
  const b = new InteractionsBuilder();
  for (let i = 0; i < nItems; i++) b.items.intern(`i${i}`);
  for (let u = 0; u < nUsers; u++) for (let q = 0; q < 3 + (u % 9); q++) b.add(`u${u}`, `i${Math.floor(rng() * nItems)}`, 1, q, 'rating');
  return b.build();
}

test('coldItems: 20% of items held out with all their interactions; candidates are exactly those items', () => {
  const d = synth();
  const s = coldItems(d, { fraction: 0.2, seed: 1 });
  assert.equal(s.candidateItems!.length, 6);
  const cold = new Set(s.candidateItems);
  for (let k = 0; k < s.train.length; k++) assert.ok(!cold.has(s.train.item[k]!), 'a cold item in train');
  for (let k = 0; k < s.test.length; k++) assert.ok(cold.has(s.test.item[k]!), 'a warm item in test');
  let onCold = 0;
  for (let k = 0; k < d.length; k++) if (cold.has(d.item[k]!)) onCold++;
  assert.equal(s.test.length, onCold, 'every interaction with a cold item is a test target');
  assert.equal(s.train.length + s.test.length, d.length);
  assert.deepEqual(coldItems(d, { fraction: 0.2, seed: 1 }).candidateItems, s.candidateItems, 'seeded');
  assert.notDeepEqual(coldItems(d, { fraction: 0.2, seed: 2 }).candidateItems, s.candidateItems);
  const v = coldItems(d, { fraction: 0.2, validFraction: 0.1, seed: 1 });
  assert.equal(v.candidateItems!.length, 6, 'test ranks the test items only');
  assert.equal(v.validCandidateItems!.length, 3, 'validation ranks the validation items only');
  for (const i of v.validCandidateItems!) assert.ok(!v.candidateItems!.includes(i));
  const vi = new Set<number>(); for (let k = 0; k < v.valid!.length; k++) vi.add(v.valid!.item[k]!);
  const ti = new Set<number>(); for (let k = 0; k < v.test.length; k++) ti.add(v.test.item[k]!);
  for (const i of vi) assert.ok(!ti.has(i), 'validation and test items are disjoint');
  assert.throws(() => coldItems(d, { fraction: 1.5, seed: 1 }), ConfigError);
});

test('cold-item evaluation ranks only the candidates (popularity, which knows nothing of them, ranks by index)', async () => {
  // u0..u3 all take item a (warm); u0 and u1 take cold item c, u2 takes cold item b. Cold: b, c (ids chosen so)
  const b = new InteractionsBuilder();
  for (const [u, i] of [['u0', 'a'], ['u1', 'a'], ['u2', 'a'], ['u3', 'a'], ['u0', 'c'], ['u1', 'c'], ['u2', 'b'], ['u3', 'z']] as const) b.add(u, i, 1, 0, 'rating');
  const d = b.build(); // items a=0, c=1, b=2, z=3
  const s = { ...coldItems(d, { fraction: 0.25, seed: 1 }) };
  s.candidateItems = Int32Array.of(1, 2); // force the cold set {c, b}; rebuild parts by hand to match
  const part = (keep: (i: number) => boolean) => {
    const idx: number[] = [];
    for (let k = 0; k < d.length; k++) if (keep(d.item[k]!)) idx.push(k);
    return idx;
  };
  const { selectInteractions } = await import('../data/interactions.ts');
  s.train = selectInteractions(d, Int32Array.from(part((i) => i !== 1 && i !== 2)));
  s.test = selectInteractions(d, Int32Array.from(part((i) => i === 1 || i === 2)));
  const model = popularity.create();
  const r = await fitAndEvaluate(model, s, { ks: [1], metrics: ['hit'], beyond: false });
  // both cold items score 0; ties go to the lower index, c (1): u0 and u1 hit, u2 (wants b) misses -> 2/3
  assert.ok(Math.abs(r.metrics['hit@1']! - 2 / 3) < 1e-9, `${r.metrics['hit@1']}`);
  // without the candidate restriction popularity puts warm item z or a first and nobody hits
  const all = evaluate(model, { ...s, candidateItems: undefined } as typeof s, { ks: [1], metrics: ['hit'], beyond: false });
  assert.equal(all.means['hit@1'], 0);
});

test('coldUsers: held-out users are absent from train and show exactly `known` items; fold-ins nest across known', () => {
  const d = synth();
  const folds = [1, 3, 5].map((known) => coldUsers(d, { testUsers: 0.2, known, minInteractions: 6, seed: 4 }));
  for (const [q, s] of folds.entries()) {
    const known = [1, 3, 5][q]!;
    const inTrain = new Set<number>(); for (let k = 0; k < s.train.length; k++) inTrain.add(s.train.user[k]!);
    const per = new Map<number, number>();
    for (let k = 0; k < s.foldIn!.length; k++) per.set(s.foldIn!.user[k]!, (per.get(s.foldIn!.user[k]!) ?? 0) + 1);
    assert.equal(per.size, 10);
    for (const [u, n] of per) { assert.equal(n, known); assert.ok(!inTrain.has(u)); }
    assert.equal(s.train.length + s.test.length + s.foldIn!.length, d.length);
  }
  const set = (s: (typeof folds)[number]) => new Set(Array.from({ length: s.foldIn!.length }, (_, k) => `${s.foldIn!.user[k]}|${s.foldIn!.item[k]}|${s.foldIn!.time[k]}`));
  const [one, three, five] = folds.map(set);
  for (const x of one!) assert.ok(three!.has(x));
  for (const x of three!) assert.ok(five!.has(x));
  assert.throws(() => coldUsers(d, { known: 3, minInteractions: 2, seed: 1 }), ConfigError);
});

test('cold-item validation ranks the validation items only: a user\'s test item is no distractor there', () => {
  const d = synth(7, 80, 40);
  const s = coldItems(d, { fraction: 0.2, validFraction: 0.2, seed: 3 });
  const testItem = new Set(s.candidateItems);
  // an oracle that knows every held-out interaction, and ranks test items above validation ones
  const truth = new Set<string>();
  for (const p of [s.valid!, s.test]) for (let k = 0; k < p.length; k++) truth.add(`${p.user[k]}|${p.item[k]}`);
  const oracle = {
    kind: 'oracle', config: {}, nUsers: d.users.size, nItems: d.items.size,
    scoreUser(u: number, out: Float32Array) { for (let i = 0; i < out.length; i++) out[i] = (truth.has(`${u}|${i}`) ? 10 : 0) + (testItem.has(i) ? 1 : 0); },
  } as unknown as Parameters<typeof evaluate>[0];
  const r = evaluate(oracle, s, { ks: [10], metrics: ['ndcg'], beyond: false, target: 'valid' });
  assert.ok(r.usersEvaluated > 0);
  assert.equal(r.means['ndcg@10'], 1, 'perfect on validation: the test items are not among its candidates');
  assert.deepEqual(validationView(s).candidateItems, s.validCandidateItems);
});

test('randomOrderNdcgOf: the exact expectation of a random order, matching the hand formula and a simulation', async () => {
  const b = new InteractionsBuilder();
  // u0 trains on a, wants c; u1 trains on a, wants b and c; candidates {b, c, z}
  for (const [u, i] of [['u0', 'a'], ['u1', 'a'], ['u0', 'c'], ['u1', 'b'], ['u1', 'c'], ['u2', 'z']] as const) b.add(u, i, 1, 0, 'rating');
  const d = b.build(); // a=0, c=1, b=2, z=3
  const { selectInteractions } = await import('../data/interactions.ts');
  const pick = (keep: (i: number) => boolean) => selectInteractions(d, Int32Array.from([...Array(d.length).keys()].filter((k) => keep(d.item[k]!))));
  const s = { train: pick((i) => i === 0), test: pick((i) => i !== 0), candidateItems: Int32Array.of(1, 2, 3) };
  const l = (p: number) => 1 / Math.log2(p + 1);
  // u0: 1 of 3 relevant, k = 2 -> (1/3)(1 + l(2)); u1: 2 of 3, k = 2 -> (2/3)(1 + l(2)) / (1 + l(2)) = 2/3; u2 has no history
  const r = randomOrderNdcgOf(s, 2);
  assert.equal(r.users, 2);
  assert.ok(Math.abs(r.ndcg - ((1 / 3) * (1 + l(2)) + 2 / 3) / 2) < 1e-12, `${r.ndcg}`);
  // every order of the 3 candidates is equally likely: the mean NDCG@2 over the 6 orders is the expectation
  const orders = [[1, 2, 3], [1, 3, 2], [2, 1, 3], [2, 3, 1], [3, 1, 2], [3, 2, 1]];
  const ndcg2 = (o: number[], rel: Set<number>) => { let dcg = 0; o.slice(0, 2).forEach((i, p) => { if (rel.has(i)) dcg += l(p + 1); }); let id = 0; for (let p = 0; p < Math.min(2, rel.size); p++) id += l(p + 1); return dcg / id; };
  let sim = 0;
  for (const o of orders) sim += (ndcg2(o, new Set([1])) + ndcg2(o, new Set([1, 2]))) / 2;
  assert.ok(Math.abs(sim / 6 - r.ndcg) < 1e-12);
});
