/**
 * Calibrated re-ranking (Steck, RecSys 2018, §3): greedily build the list I maximising
 * (1 − λ)·Σ_{i∈I} rel(i) − λ·C_KL(p, q̃(I)), where p is the user's history category distribution, q(I) the
 * list's (each item spreads weight 1 evenly over its categories; uncategorised items add none) and
 * q̃ = (1 − α) q + α p with α = 0.01 (src/eval/beyond.ts `calibrationKL`). rel is min-max normalised to [0, 1]
 * (Steck sums the model's raw scores; normalising makes λ comparable across models). λ = 0 is the relevance
 * order, λ = 1 pure calibration. Greedy is his proposed (1 − 1/e)-approximate optimiser.
 *
 * Cost: a candidate only changes the q of its own categories (plus the shared normaliser), so each step costs
 * O(G) for the shared part and O(|G(i)|) logarithms per candidate.
 */
import { CALIBRATION_ALPHA } from '../eval/beyond.ts';
import type { ItemCategories } from './similarity.ts';
import { checkK, checkUnit, normaliseCandidates, type Candidates } from './candidates.ts';

export function calibratedRerank(c: Candidates, k: number, categories: ItemCategories, history: Float64Array, lambda: number, alpha = CALIBRATION_ALPHA): Int32Array {
  checkK(k); checkUnit(lambda, 'lambda');
  const G = categories.nCategories;
  if (history.length !== G) throw new RangeError(`history distribution has ${history.length} categories, the item categories ${G}`);
  const { items, rel } = normaliseCandidates(c);
  const { indptr, indices } = categories;
  const n = items.length, m = Math.min(k, n);
  const qsum = new Float64Array(G); // Σ over chosen categorised items of 1/|G(i)| per category
  let nCat = 0, relSum = 0;
  const taken = new Uint8Array(n);
  const out = new Int32Array(m);
  // Σ_g p_g ln q̃_g for the chosen list with `count` categorised items (unnormalised qsum).
  const crossTerm = (count: number): number => {
    let s = 0;
    for (let g = 0; g < G; g++) { const p = history[g]!; if (p > 0) s += p * Math.log((1 - alpha) * (count ? qsum[g]! / count : 0) + alpha * p); }
    return s;
  };
  let pLogP = 0;
  for (let g = 0; g < G; g++) { const p = history[g]!; if (p > 0) pLogP += p * Math.log(p); }
  for (let step = 0; step < m; step++) {
    const same = crossTerm(nCat), grown = crossTerm(nCat + 1), n1 = nCat + 1;
    let best = -1, bv = -Infinity;
    for (let q = 0; q < n; q++) {
      if (taken[q]) continue;
      const i = items[q]!, a = indptr[i]!, b = indptr[i + 1]!;
      let cross = same;
      if (b > a) {
        cross = grown;
        const w = 1 / (b - a);
        for (let t = a; t < b; t++) {
          const g = indices[t]!, p = history[g]!;
          if (p > 0) cross += p * (Math.log((1 - alpha) * (qsum[g]! + w) / n1 + alpha * p) - Math.log((1 - alpha) * qsum[g]! / n1 + alpha * p));
        }
      }
      const v = (1 - lambda) * (relSum + rel[q]!) - lambda * (pLogP - cross);
      if (v > bv) { bv = v; best = q; }
    }
    taken[best] = 1;
    out[step] = items[best]!;
    relSum += rel[best]!;
    const i = items[best]!, a = indptr[i]!, b = indptr[i + 1]!;
    if (b > a) { nCat++; for (let t = a; t < b; t++) qsum[indices[t]!]! += 1 / (b - a); }
  }
  return out;
}
