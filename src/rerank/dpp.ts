/**
 * Determinantal point process re-ranking by fast greedy MAP inference (Chen, Zhang & Zhou, NeurIPS 2018,
 * Algorithm 1): an incremental Cholesky factorisation gives every candidate's conditional variance
 * d_i² = S_ii − ‖c_i‖² given the chosen set in O(N·k) per step, O(N·k²) in all, with O(N·k) similarity calls.
 *
 * Kernel and trade-off. Chen et al.'s (§5) recommendation kernel is L = Diag(exp(α r)) S Diag(exp(α r)) with
 * S the item similarity (PSD: category Jaccard or factor/text cosine) and α = θ / (2(1 − θ)); then
 * log det L_Y ∝ θ Σ_{i∈Y} r_i + (1 − θ) log det S_Y. Because a diagonal scaling multiplies each conditional
 * variance by exp(2α r_i), the greedy step maximises θ·r_i + (1 − θ)·log d_i²(S) exactly; we run the
 * factorisation on S and never form exp(α r) (which overflows as θ → 1). r = relevance min-max normalised to
 * [0, 1]. θ = 1 is the relevance order, θ = 0 pure diversity (max log det S_Y).
 *
 * Degeneracy: items whose features are spanned by the chosen ones (identical category sets, say) have d_i² → 0;
 * log d² is floored at log 1e-10, so among them relevance decides, and a pick with d² below 1e-10 does not
 * update the factorisation (adding a vector already in the span leaves every conditional variance unchanged).
 */
import { similarityRow, type ItemSimilarity } from './similarity.ts';
import { argmaxFree, checkK, checkUnit, normaliseCandidates, type Candidates } from './candidates.ts';

const EPS = 1e-10;
const LOG_EPS = Math.log(EPS);

export interface DppOptions {
  /**
   * β ≥ 0 added to the kernel's diagonal, S + βI (default 0: Chen et al.'s kernel as is). It bounds the
   * log-det penalty of an item whose features repeat a chosen one's at log β instead of the log 1e-10 floor.
   */
  ridge?: number;
}

export function dppGreedy(c: Candidates, k: number, sim: ItemSimilarity, theta: number, o: DppOptions = {}): Int32Array {
  checkK(k); checkUnit(theta, 'theta');
  const ridge = o.ridge ?? 0;
  if (!(ridge >= 0)) throw new RangeError(`ridge must be >= 0, got ${ridge}`);
  const { items, rel } = normaliseCandidates(c);
  const n = items.length, m = Math.min(k, n);
  const C = new Float64Array(n * m); // row q: c_q (the Cholesky row of candidate q), m columns
  const d2 = new Float64Array(n);
  for (let q = 0; q < n; q++) d2[q] = sim.similarity(items[q]!, items[q]!) + ridge;
  const gain = new Float64Array(n);
  const taken = new Uint8Array(n);
  const row = new Float64Array(n);
  const out = new Int32Array(m);
  let rank = 0; // columns of C in use
  for (let step = 0; step < m; step++) {
    for (let q = 0; q < n; q++) gain[q] = theta * rel[q]! + (1 - theta) * (d2[q]! > EPS ? Math.log(d2[q]!) : LOG_EPS);
    const j = argmaxFree(gain, taken);
    taken[j] = 1;
    out[step] = items[j]!;
    if (step === m - 1 || !(d2[j]! > EPS)) continue;
    const dj = Math.sqrt(d2[j]!), jo = j * m;
    similarityRow(sim, items[j]!, items, row);
    for (let q = 0; q < n; q++) {
      if (taken[q]) continue;
      const qo = q * m;
      let dot = 0;
      for (let t = 0; t < rank; t++) dot += C[jo + t]! * C[qo + t]!;
      const e = (row[q]! - dot) / dj;
      C[qo + rank] = e;
      d2[q]! -= e * e;
    }
    rank++;
  }
  return out;
}
