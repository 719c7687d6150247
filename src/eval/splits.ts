/**
 * Offline evaluation splits and the filters applied before them. Every split is seeded or deterministic,
 * returns parts that share the input's id maps (so a user or item index means the same in train and test),
 * and carries a plain description for the report.
 *
 * Filters (kCore, positivesAtLeast) return COMPACTED data: new id maps holding only the users and items that
 * still have interactions, in their original order. This matches RecBole, whose catalogue after filtering
 * is the surviving items only — full ranking over items that were filtered away would be meaningless.
 */
import { IdMap } from '../data/ids.ts';
import { selectInteractions, type Interactions } from '../data/interactions.ts';
import { ConfigError } from '../errors.ts';
import { mulberry32, shuffleRange } from '../data/random.ts';

export interface SplitDescription {
  kind: 'random-holdout' | 'leave-last-out' | 'temporal' | 'strong-generalization' | 'cold-items' | 'cold-users';
  seed?: number;
  params: Record<string, unknown>;
  /** Interactions in each part. */
  sizes: { train: number; valid?: number; test: number; foldIn?: number };
  /** Distinct users with at least one interaction in each part. */
  users: { train: number; valid?: number; test: number; foldIn?: number };
  notes: string[];
}

export interface Split {
  train: Interactions;
  valid?: Interactions;
  test: Interactions;
  /** Strong generalization: the held-out users' visible history, passed to scoreHistory, never to fit. */
  foldIn?: Interactions;
  /** Cold-item splits: the only items ranked when scoring test (the held-out test items); default the whole catalogue. */
  candidateItems?: Int32Array;
  /** Cold-item splits: the only items ranked when scoring validation (the held-out validation items). */
  validCandidateItems?: Int32Array;
  description: SplitDescription;
}

/** Entry indices grouped by user: entries of user u are order[start[u]..start[u+1]), in input order. */
export interface UserGroups {
  order: Int32Array;
  start: Int32Array;
}

export function groupByUser(data: Interactions): UserGroups {
  const nu = data.users.size;
  const start = new Int32Array(nu + 1);
  for (let k = 0; k < data.length; k++) start[data.user[k]! + 1]!++;
  for (let u = 0; u < nu; u++) start[u + 1]! += start[u]!;
  const pos = start.slice(0, nu);
  const order = new Int32Array(data.length);
  for (let k = 0; k < data.length; k++) order[pos[data.user[k]!]!++] = k;
  return { order, start };
}

function distinctUsers(d: Interactions): number {
  const seen = new Uint8Array(d.users.size);
  let n = 0;
  for (let k = 0; k < d.length; k++) if (!seen[d.user[k]!]) { seen[d.user[k]!] = 1; n++; }
  return n;
}

/** Assigns every entry to part 0 (train), 1 (valid), 2 (test) or 3 (fold-in) and builds the parts. */
function buildSplit(data: Interactions, part: Uint8Array, hasValid: boolean, hasFoldIn: boolean,
  desc: Omit<SplitDescription, 'sizes' | 'users'>): Split {
  const counts = [0, 0, 0, 0];
  for (let k = 0; k < data.length; k++) counts[part[k]!]!++;
  const idx = counts.map((c) => new Int32Array(c));
  const fill = [0, 0, 0, 0];
  for (let k = 0; k < data.length; k++) { const p = part[k]!; idx[p]![fill[p]!++] = k; }
  const train = selectInteractions(data, idx[0]!);
  const valid = hasValid ? selectInteractions(data, idx[1]!) : undefined;
  const test = selectInteractions(data, idx[2]!);
  const foldIn = hasFoldIn ? selectInteractions(data, idx[3]!) : undefined;
  const split: Split = {
    train, test,
    description: {
      ...desc,
      sizes: { train: train.length, ...(valid ? { valid: valid.length } : {}), test: test.length, ...(foldIn ? { foldIn: foldIn.length } : {}) },
      users: { train: distinctUsers(train), ...(valid ? { valid: distinctUsers(valid) } : {}), test: distinctUsers(test), ...(foldIn ? { foldIn: distinctUsers(foldIn) } : {}) },
    },
  };
  if (valid) split.valid = valid;
  if (foldIn) split.foldIn = foldIn;
  return split;
}

function checkFraction(field: string, v: number, lo = 0, hi = 1): void {
  if (!(v > lo && v < hi)) throw new ConfigError(field, `must be in (${lo}, ${hi}), got ${v}`);
}

/**
 * Part sizes of `total` items for `ratios`, exactly as RecBole's `_calcu_split_ids`: ratios are normalised,
 * every part after the first gets floor(ratio × total), the first (train) gets the rest; then, walking from
 * the last part backwards, a part whose share is in (0, 1) is bumped to 1 taken from train, as long as train
 * keeps more than one. So 1 interaction -> all train; 2 -> 1 train + 1 test; 3 with 8:1:1 -> 1/1/1; 10 -> 8/1/1.
 */
export function ratioCounts(total: number, ratios: readonly number[]): number[] {
  let sum = 0;
  for (const r of ratios) sum += r;
  const norm = ratios.map((r) => r / sum);
  const cnt = norm.map((r) => Math.trunc(r * total));
  let rest = 0;
  for (let i = 1; i < cnt.length; i++) rest += cnt[i]!;
  cnt[0] = total - rest;
  for (let i = 1; i < norm.length; i++) {
    if (cnt[0]! <= 1) break;
    const share = norm[norm.length - i]! * total;
    if (share > 0 && share < 1) { cnt[norm.length - i]!++; cnt[0]!--; }
  }
  return cnt;
}

export interface RandomHoldoutOptions {
  /** [train, test] or [train, valid, test], any positive scale (e.g. [8, 1, 1]). */
  ratios: readonly number[];
  seed: number;
}

/**
 * RecBole's 'RS' split grouped by user: each user's interactions are shuffled with the seed and cut by
 * `ratioCounts` (see there for the rounding rule; users with a single interaction keep it in train).
 */
export function randomHoldout(data: Interactions, o: RandomHoldoutOptions): Split {
  if (o.ratios.length !== 2 && o.ratios.length !== 3) throw new ConfigError('split.ratios', `needs 2 or 3 entries, got ${o.ratios.length}`);
  o.ratios.forEach((r, i) => { if (!(r > 0)) throw new ConfigError(`split.ratios.${i}`, `must be > 0, got ${r}`); });
  if (!Number.isInteger(o.seed)) throw new ConfigError('split.seed', `must be an integer, got ${o.seed}`);
  const hasValid = o.ratios.length === 3;
  const rng = mulberry32(o.seed);
  const { order, start } = groupByUser(data);
  const part = new Uint8Array(data.length);
  for (let u = 0; u < data.users.size; u++) {
    const s = start[u]!, e = start[u + 1]!;
    if (e === s) continue;
    shuffleRange(order, s, e, rng);
    const cnt = ratioCounts(e - s, o.ratios);
    let p = s + cnt[0]!;
    if (hasValid) { for (const end = p + cnt[1]!; p < end; p++) part[order[p]!] = 1; }
    for (; p < e; p++) part[order[p]!] = 2;
  }
  return buildSplit(data, part, hasValid, false, {
    kind: 'random-holdout', seed: o.seed, params: { ratios: [...o.ratios], groupBy: 'user' },
    notes: ['per-user shuffle, RecBole rounding: parts after train floored, a part with share in (0,1) gets 1 while train keeps > 1'],
  });
}

/** Entry indices of each user sorted by (time, input position): ties go to the entry that came first. */
function groupByUserInTime(data: Interactions): UserGroups {
  const g = groupByUser(data);
  const t = data.time;
  for (let u = 0; u + 1 < g.start.length; u++) {
    const seg = g.order.subarray(g.start[u]!, g.start[u + 1]!);
    let sorted = true;
    for (let q = 1; q < seg.length; q++) if (t[seg[q - 1]!]! > t[seg[q]!]!) { sorted = false; break; }
    if (!sorted) seg.sort((a, b) => t[a]! - t[b]! || a - b);
  }
  return g;
}

export interface LeaveLastOutOptions {
  /** Interactions per user to hold out for test (and again for validation). Default 1. */
  n?: number;
  validation?: boolean;
}

/**
 * Temporal leave-last-out per user: the user's latest n interactions go to test, the n before them to
 * validation. Equal timestamps are ordered by position in the input, so the split is deterministic.
 * Every user keeps at least one training interaction: test takes min(n, len - 1), then validation
 * min(n, remaining - 1); a user with one interaction stays entirely in train.
 */
export function leaveLastOut(data: Interactions, o: LeaveLastOutOptions = {}): Split {
  const n = o.n ?? 1;
  if (!(Number.isInteger(n) && n >= 1)) throw new ConfigError('split.n', `must be a positive integer, got ${n}`);
  const hasValid = o.validation ?? false;
  const { order, start } = groupByUserInTime(data);
  const part = new Uint8Array(data.length);
  for (let u = 0; u < data.users.size; u++) {
    const s = start[u]!;
    let e = start[u + 1]!;
    const nTest = Math.max(0, Math.min(n, e - s - 1));
    for (let q = 0; q < nTest; q++) part[order[--e]!] = 2;
    if (hasValid) {
      const nValid = Math.max(0, Math.min(n, e - s - 1));
      for (let q = 0; q < nValid; q++) part[order[--e]!] = 1;
    }
  }
  return buildSplit(data, part, hasValid, false, {
    kind: 'leave-last-out', params: { n, validation: hasValid },
    notes: ['ties in time broken by input order; every user keeps >= 1 training interaction'],
  });
}

export interface TemporalCutOptions {
  /** Cut time (ms): entries with time >= at are test. */
  at?: number;
  /** Cut at this quantile of all timestamps instead (default 0.8). */
  quantile?: number;
  /** Optional validation window start, as a time or a quantile below the test cut. */
  validAt?: number;
  validQuantile?: number;
}

function timeQuantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/**
 * Global time split: train = time < validAt (or < at), valid = validAt <= time < at, test = time >= at.
 * A quantile cut at q puts the entry at sorted position floor(q·n) and everything at or after its time in
 * test, so all entries with the cut timestamp land on the same side. Test users or items absent from train
 * are counted in the notes: the model cannot know them, and evaluate() skips users without training data.
 */
export function temporalCut(data: Interactions, o: TemporalCutOptions = {}): Split {
  if (data.length === 0) throw new ConfigError('split', 'no interactions to split');
  const sorted = data.time.slice().sort();
  let at = o.at;
  if (at === undefined) {
    const q = o.quantile ?? 0.8;
    checkFraction('split.quantile', q);
    at = timeQuantile(sorted, q);
  }
  let validAt = o.validAt;
  if (validAt === undefined && o.validQuantile !== undefined) {
    checkFraction('split.validQuantile', o.validQuantile);
    validAt = timeQuantile(sorted, o.validQuantile);
  }
  if (validAt !== undefined && !(validAt <= at)) throw new ConfigError('split.validAt', `validation start ${validAt} is after the test cut ${at}`);
  const hasValid = validAt !== undefined;
  const part = new Uint8Array(data.length);
  for (let k = 0; k < data.length; k++) {
    const t = data.time[k]!;
    part[k] = t >= at ? 2 : hasValid && t >= validAt! ? 1 : 0;
  }
  const split = buildSplit(data, part, hasValid, false, {
    kind: 'temporal', params: { at, ...(hasValid ? { validAt } : {}), ...(o.quantile !== undefined ? { quantile: o.quantile } : {}), ...(o.validQuantile !== undefined ? { validQuantile: o.validQuantile } : {}) },
    notes: [],
  });
  const inTrainU = new Uint8Array(data.users.size), inTrainI = new Uint8Array(data.items.size);
  for (let k = 0; k < split.train.length; k++) { inTrainU[split.train.user[k]!] = 1; inTrainI[split.train.item[k]!] = 1; }
  const coldU = new Uint8Array(data.users.size), coldI = new Uint8Array(data.items.size);
  let nColdU = 0, nColdI = 0;
  for (let k = 0; k < split.test.length; k++) {
    const u = split.test.user[k]!, i = split.test.item[k]!;
    if (!inTrainU[u] && !coldU[u]) { coldU[u] = 1; nColdU++; }
    if (!inTrainI[i] && !coldI[i]) { coldI[i] = 1; nColdI++; }
  }
  split.description.notes.push(`test users without training data: ${nColdU}`, `test items without training data: ${nColdI}`);
  return split;
}

export interface StrongGeneralizationOptions {
  /** Fraction of users held out as test users (never in train). */
  testUsers: number;
  /** Optional fraction held out as validation users, disjoint from the test users. */
  validUsers?: number;
  /** Fraction of each held-out user's interactions to predict; the rest is the fold-in history. */
  holdout: number;
  seed: number;
}

/**
 * Strong generalization: held-out users are absent from training; at evaluation each one's fold-in history
 * goes through scoreHistory and the model is scored on the rest. Only users with at least 2 interactions can
 * be held out (one to fold in, one to predict). Each held-out user's shuffled interactions are cut by
 * ratioCounts([1 - holdout, holdout]), so at least one is predicted and at least one folded in.
 */
export function strongGeneralization(data: Interactions, o: StrongGeneralizationOptions): Split {
  checkFraction('split.testUsers', o.testUsers);
  checkFraction('split.holdout', o.holdout);
  const vu = o.validUsers ?? 0;
  if (vu) checkFraction('split.validUsers', vu, 0, 1 - o.testUsers);
  if (!Number.isInteger(o.seed)) throw new ConfigError('split.seed', `must be an integer, got ${o.seed}`);
  const rng = mulberry32(o.seed);
  const { order, start } = groupByUser(data);
  const nu = data.users.size;
  let eligible = 0;
  for (let u = 0; u < nu; u++) if (start[u + 1]! - start[u]! >= 2) eligible++;
  const cand = new Int32Array(eligible);
  for (let u = 0, c = 0; u < nu; u++) if (start[u + 1]! - start[u]! >= 2) cand[c++] = u;
  shuffleRange(cand, 0, cand.length, rng);
  const nTest = Math.round(o.testUsers * nu), nValid = Math.round(vu * nu);
  if (nTest < 1) throw new ConfigError('split.testUsers', `holds out no user out of ${nu}`);
  if (nTest + nValid > eligible) throw new ConfigError('split.testUsers', `needs ${nTest + nValid} users with >= 2 interactions, only ${eligible} have`);
  // role: 0 train user, 1 validation user, 2 test user
  const role = new Uint8Array(nu);
  for (let c = 0; c < nTest; c++) role[cand[c]!] = 2;
  for (let c = nTest; c < nTest + nValid; c++) role[cand[c]!] = 1;
  const part = new Uint8Array(data.length);
  for (let u = 0; u < nu; u++) {
    if (!role[u]) continue;
    const s = start[u]!, e = start[u + 1]!;
    shuffleRange(order, s, e, rng);
    const cnt = ratioCounts(e - s, [1 - o.holdout, o.holdout]);
    let p = s;
    for (const end = s + cnt[0]!; p < end; p++) part[order[p]!] = 3;
    for (; p < e; p++) part[order[p]!] = role[u]!;
  }
  return buildSplit(data, part, nValid > 0, true, {
    kind: 'strong-generalization', seed: o.seed,
    params: { testUsers: o.testUsers, ...(nValid ? { validUsers: vu } : {}), holdout: o.holdout, heldOutTest: nTest, heldOutValid: nValid },
    notes: ['held-out users never appear in train; evaluated through scoreHistory(fold-in)'],
  });
}

/** Keeps the entries with keep[k] = 1 and re-indexes users and items to those that remain. */
export function compactInteractions(data: Interactions, keep: Uint8Array): Interactions {
  const userMap = new Int32Array(data.users.size).fill(-1), itemMap = new Int32Array(data.items.size).fill(-1);
  let n = 0;
  for (let k = 0; k < data.length; k++) if (keep[k]) { n++; userMap[data.user[k]!] = 0; itemMap[data.item[k]!] = 0; }
  const users = new IdMap(), items = new IdMap();
  for (let u = 0; u < userMap.length; u++) if (userMap[u] === 0) userMap[u] = users.intern(data.users.id(u));
  for (let i = 0; i < itemMap.length; i++) if (itemMap[i] === 0) itemMap[i] = items.intern(data.items.id(i));
  const user = new Int32Array(n), item = new Int32Array(n), value = new Float32Array(n), time = new Float64Array(n), type = new Uint8Array(n);
  for (let k = 0, q = 0; k < data.length; k++) {
    if (!keep[k]) continue;
    user[q] = userMap[data.user[k]!]!; item[q] = itemMap[data.item[k]!]!;
    value[q] = data.value[k]!; time[q] = data.time[k]!; type[q] = data.type[k]!;
    q++;
  }
  return { users, items, length: n, user, item, value, time, type };
}

export interface KCoreOptions {
  /** Minimum interactions per user (default 0 = no constraint). */
  user?: number;
  /** Minimum interactions per item. */
  item?: number;
}

/**
 * Drops users with fewer than `user` and items with fewer than `item` interactions, repeated until nothing
 * changes (removing an item can push a user under the bar and vice versa). Counts are interactions
 * (entries), as RecBole's user_inter_num_interval; duplicates count separately. Result is compacted.
 */
export function kCore(data: Interactions, o: KCoreOptions): Interactions {
  const minU = o.user ?? 0, minI = o.item ?? 0;
  if (!(Number.isInteger(minU) && minU >= 0)) throw new ConfigError('filter.kCore.user', `must be a non-negative integer, got ${minU}`);
  if (!(Number.isInteger(minI) && minI >= 0)) throw new ConfigError('filter.kCore.item', `must be a non-negative integer, got ${minI}`);
  const keep = new Uint8Array(data.length).fill(1);
  const cu = new Int32Array(data.users.size), ci = new Int32Array(data.items.size);
  for (;;) {
    cu.fill(0); ci.fill(0);
    for (let k = 0; k < data.length; k++) if (keep[k]) { cu[data.user[k]!]!++; ci[data.item[k]!]!++; }
    let dropped = 0;
    for (let k = 0; k < data.length; k++) {
      if (keep[k] && (cu[data.user[k]!]! < minU || ci[data.item[k]!]! < minI)) { keep[k] = 0; dropped++; }
    }
    if (dropped === 0) break;
  }
  return compactInteractions(data, keep);
}

/**
 * Keeps interactions with value >= threshold (e.g. ratings >= 3 as positives, RecBole's val_interval
 * "[3,inf)"); with `binarize`, their values become 1. Result is compacted.
 */
export function positivesAtLeast(data: Interactions, threshold: number, o: { binarize?: boolean } = {}): Interactions {
  if (!Number.isFinite(threshold)) throw new ConfigError('filter.positivesAtLeast', `must be a finite number, got ${threshold}`);
  const keep = new Uint8Array(data.length);
  for (let k = 0; k < data.length; k++) keep[k] = data.value[k]! >= threshold ? 1 : 0;
  const out = compactInteractions(data, keep);
  if (o.binarize) out.value.fill(1);
  return out;
}

/** The entries of users passing `keepUser`, sharing the id maps (indices unchanged, nothing compacted). */
export function selectUsers(data: Interactions, keepUser: (u: number) => boolean): Interactions {
  let n = 0;
  for (let k = 0; k < data.length; k++) if (keepUser(data.user[k]!)) n++;
  const idx = new Int32Array(n);
  for (let k = 0, q = 0; k < data.length; k++) if (keepUser(data.user[k]!)) idx[q++] = k;
  return selectInteractions(data, idx);
}

export interface ColdItemsOptions {
  /** Fraction of items held out entirely as test items (default 0.2). */
  fraction?: number;
  /** Fraction of items held out as validation items, disjoint from the test items (default 0: no validation). */
  validFraction?: number;
  seed: number;
}

/**
 * Cold items: a seeded `fraction` of the items (and optionally `validFraction` more for validation) is held out
 * with ALL its interactions; training never sees them, so a model knows them only by their text. Every user who
 * interacted with a held-out item is asked to rank it. Candidates are the held-out items of the part being scored
 * only (`candidateItems` for test, `validCandidateItems` for validation), as in the cold-start literature
 * (DropoutNet, CB2CF): the question is which new item each user takes, not whether new items beat the established
 * ones. The two sets are kept apart because a user's test items, ranked among the validation candidates, would
 * count as misses there: tuning would then penalise the very model that finds them. Users with no training
 * interaction have no history and are skipped by the evaluator.
 *
 * A model that knows nothing of the held-out items (popularity: all zero) ties them all, and ties go to the lower
 * item index, which follows the order items first appear in the data file: that order can carry the held-out
 * interactions' popularity (MovieLens lists each user's movies together, user 1's are popular ones), so report
 * such a model at its expectation under random order (`randomOrderNdcg`), not at its index order.
 */
export function coldItems(data: Interactions, o: ColdItemsOptions): Split {
  const fraction = o.fraction ?? 0.2, vf = o.validFraction ?? 0;
  checkFraction('split.fraction', fraction);
  if (vf) checkFraction('split.validFraction', vf, 0, 1 - fraction);
  if (!Number.isInteger(o.seed)) throw new ConfigError('split.seed', `must be an integer, got ${o.seed}`);
  const ni = data.items.size;
  const order = new Int32Array(ni);
  for (let i = 0; i < ni; i++) order[i] = i;
  shuffleRange(order, 0, ni, mulberry32(o.seed));
  const nTest = Math.round(fraction * ni), nValid = Math.round(vf * ni);
  if (nTest < 1) throw new ConfigError('split.fraction', `holds out no item out of ${ni}`);
  if (nTest + nValid >= ni) throw new ConfigError('split.fraction', `leaves no item to train on (${ni} items)`);
  const role = new Uint8Array(ni);
  for (let c = 0; c < nTest; c++) role[order[c]!] = 2;
  for (let c = nTest; c < nTest + nValid; c++) role[order[c]!] = 1;
  const part = new Uint8Array(data.length);
  for (let k = 0; k < data.length; k++) part[k] = role[data.item[k]!]!;
  const split = buildSplit(data, part, nValid > 0, false, {
    kind: 'cold-items', seed: o.seed,
    params: { fraction, ...(nValid ? { validFraction: vf } : {}), testItems: nTest, validItems: nValid },
    notes: ['held-out items have no training interaction; candidates are the held-out items of the scored part only'],
  });
  split.candidateItems = order.slice(0, nTest).sort();
  if (nValid) split.validCandidateItems = order.slice(nTest, nTest + nValid).sort();
  return split;
}

export interface ColdUsersOptions {
  /** Fraction of users held out (default 0.2). */
  testUsers?: number;
  /** Interactions of each held-out user that the model is shown (fold-in); the rest are predicted. */
  known: number;
  /**
   * Only users with at least this many interactions are held out (default known + 1). Give the same value for
   * every `known` (e.g. 6 for 1, 3, 5) to compare them on the same users.
   */
  minInteractions?: number;
  seed: number;
}

/**
 * Cold users (strong generalisation with a fixed history length): held-out users are absent from training; at
 * evaluation each one shows `known` random interactions through scoreHistory and is scored on the rest.
 */
export function coldUsers(data: Interactions, o: ColdUsersOptions): Split {
  const tu = o.testUsers ?? 0.2;
  checkFraction('split.testUsers', tu);
  if (!(Number.isInteger(o.known) && o.known >= 1)) throw new ConfigError('split.known', `must be an integer >= 1, got ${o.known}`);
  const minN = o.minInteractions ?? o.known + 1;
  if (!(Number.isInteger(minN) && minN > o.known)) throw new ConfigError('split.minInteractions', `must be an integer > known (${o.known}), got ${minN}`);
  if (!Number.isInteger(o.seed)) throw new ConfigError('split.seed', `must be an integer, got ${o.seed}`);
  const rng = mulberry32(o.seed);
  const { order, start } = groupByUser(data);
  const nu = data.users.size;
  const eligible: number[] = [];
  for (let u = 0; u < nu; u++) if (start[u + 1]! - start[u]! >= minN) eligible.push(u);
  const cand = Int32Array.from(eligible);
  shuffleRange(cand, 0, cand.length, rng);
  const nTest = Math.min(cand.length, Math.round(tu * nu));
  if (nTest < 1) throw new ConfigError('split.testUsers', `holds out no user: ${cand.length} of ${nu} users have >= ${minN} interactions`);
  const part = new Uint8Array(data.length);
  const held = cand.slice(0, nTest).sort();
  // each held-out user's entries are shuffled by one generator in user order, so the same seed and users give the
  // same fold-in for every `known` up to the first `known` entries
  for (const u of held) {
    const s = start[u]!, e = start[u + 1]!;
    shuffleRange(order, s, e, rng);
    for (let p = s; p < e; p++) part[order[p]!] = p - s < o.known ? 3 : 2;
  }
  return buildSplit(data, part, false, true, {
    kind: 'cold-users', seed: o.seed,
    params: { testUsers: tu, known: o.known, minInteractions: minN, heldOutTest: nTest },
    notes: [`held-out users never appear in train; each shows ${o.known} interaction(s) through scoreHistory`],
  });
}
