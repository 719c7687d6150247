/**
 * Are the explanations true? For sampled users and the items the model would recommend them, checks
 * (a) exactness: the shares plus the base add up to the explained score, and that score is the one the model
 *     serves for the history (`scoreHistory`);
 * (b) removal: folding in the history without the top cited item lowers the item's score.
 * For linear models (b) follows from (a) when the weighting is per entry; for iALS the solve is not linear in the
 * history, so (b) is measured, not assumed.
 */
import type { Csr } from '../data/csr.ts';
import { Rng } from '../data/random.ts';
import type { Recommender } from '../models/types.ts';
import { citable, explainHistory, type Contribution } from './contributions.ts';

export interface FaithfulnessOptions {
  /** Users to sample (those with at least 2 history items). */
  users: number;
  /** Top recommended items explained per user. */
  itemsPerUser: number;
  seed?: number;
}

export interface RemovalFailure {
  user: number;
  item: number;
  removed: number;
  share: number;
  before: number;
  after: number;
}

/** Removal checks of one choice of history item per case. */
export interface RemovalTally {
  /** Cases where the choice named an item. */
  cases: number;
  /** ... and removing it (re-scored by fold-in) lowered the item's score. */
  lowered: number;
  failures: RemovalFailure[];
}

export interface FaithfulnessReport {
  model: string;
  /** (user, item) pairs explained. */
  cases: number;
  /** Largest |base + Σ shares − explained score| / max(1, |score|); NaN for approximate explanations. */
  maxSumError: number;
  /** Largest |explained score − scoreHistory score| / max(1, |score|). */
  maxServedError: number;
  /** Largest |predicted removal effect − re-scored effect| / max(1, |score|) over the items checked. */
  maxRemovalError: number;
  /** How many predicted removal effects were checked (0: the model predicts none, e.g. BPR). */
  removalsChecked: number;
  /** Removing the history item with the largest positive share. */
  topShare: RemovalTally;
  /** Removing the item the sentences cite (`citable`: positive share whose known removal lowers the score). */
  cited: RemovalTally;
}

/** Runs the checks on `matrix` (users × model items, raw values: what the model was fitted on). */
export function measureFaithfulness(model: Recommender, matrix: Csr, o: FaithfulnessOptions): FaithfulnessReport {
  const rng = new Rng(o.seed ?? 7);
  const eligible: number[] = [];
  for (let u = 0; u < matrix.rows; u++) if (matrix.indptr[u + 1]! - matrix.indptr[u]! >= 2) eligible.push(u);
  const users = rng.shuffle(Int32Array.from(eligible)).subarray(0, o.users);
  const r: FaithfulnessReport = {
    model: model.kind, cases: 0, maxSumError: 0, maxServedError: 0, maxRemovalError: 0, removalsChecked: 0,
    topShare: { cases: 0, lowered: 0, failures: [] }, cited: { cases: 0, lowered: 0, failures: [] },
  };
  const before = new Float32Array(model.nItems), after = new Float32Array(model.nItems);
  for (const u of users) {
    const s = matrix.indptr[u]!, e = matrix.indptr[u + 1]!;
    const items = matrix.indices.slice(s, e), values = matrix.data.slice(s, e);
    model.scoreHistory(items, values, before);
    const ranked = model.recommendHistory(items, values, { k: o.itemsPerUser });
    for (const i of ranked.items) {
      const x = explainHistory(model, items, values, i, { top: 3 });
      r.cases++;
      let total = x.base + x.rest;
      for (const c of x.contributions) total += c.value;
      const scale = Math.max(1, Math.abs(x.score));
      r.maxSumError = x.exact ? Math.max(r.maxSumError, Math.abs(total - x.score) / scale) : NaN;
      r.maxServedError = Math.max(r.maxServedError, Math.abs(x.score - before[i]!) / scale);
      const remove = (c: Contribution | undefined, tally: RemovalTally) => {
        if (!c) return;
        tally.cases++;
        const ri = items.filter((j) => j !== c.item), rv = values.filter((_, q) => items[q] !== c.item);
        model.scoreHistory(ri, rv, after);
        if (c.removal !== undefined) {
          r.removalsChecked++;
          r.maxRemovalError = Math.max(r.maxRemovalError, Math.abs(before[i]! + c.removal - after[i]!) / scale);
        }
        if (after[i]! < before[i]!) tally.lowered++;
        else tally.failures.push({ user: u, item: i, removed: c.item, share: c.value, before: before[i]!, after: after[i]! });
      };
      const first = x.contributions[0];
      remove(first && first.value > 0 ? first : undefined, r.topShare);
      remove(citable(x)[0], r.cited);
    }
  }
  return r;
}
