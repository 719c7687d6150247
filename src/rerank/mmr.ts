/**
 * Maximal Marginal Relevance (Carbonell & Goldstein 1998): greedily pick
 * argmax_i λ·rel(i) − (1 − λ)·max_{j ∈ S} sim(i, j), with rel min-max normalised to [0, 1].
 * λ = 1 is the relevance order; λ = 0 ignores relevance after the first (most relevant) pick.
 * O(N·k) similarity calls: the running max similarity to the chosen set is updated with each new pick.
 */
import { similarityRow, type ItemSimilarity } from './similarity.ts';
import { argmaxFree, checkK, checkUnit, normaliseCandidates, type Candidates } from './candidates.ts';

export function mmr(c: Candidates, k: number, sim: ItemSimilarity, lambda: number): Int32Array {
  checkK(k); checkUnit(lambda, 'lambda');
  const { items, rel } = normaliseCandidates(c);
  const n = items.length, m = Math.min(k, n);
  const maxSim = new Float64Array(n).fill(-Infinity);
  const gain = new Float64Array(n);
  const taken = new Uint8Array(n);
  const row = new Float64Array(n);
  const out = new Int32Array(m);
  for (let step = 0; step < m; step++) {
    for (let q = 0; q < n; q++) gain[q] = step === 0 ? rel[q]! : lambda * rel[q]! - (1 - lambda) * maxSim[q]!;
    const j = argmaxFree(gain, taken);
    taken[j] = 1;
    out[step] = items[j]!;
    if (step === m - 1) break;
    similarityRow(sim, items[j]!, items, row);
    for (let q = 0; q < n; q++) if (!taken[q] && row[q]! > maxSim[q]!) maxSim[q] = row[q]!;
  }
  return out;
}
