/**
 * Long-tail promotion by xQuAD over two "aspects", head and tail (Abdollahpouri, Burke & Mobasher 2019,
 * "Managing popularity bias in recommender systems with personalized re-ranking", after Santos et al.'s
 * xQuAD 2010). Greedily pick
 *   argmax_i (1 − λ)·rel(i) + λ·Σ_{c ∈ {head, tail}} P(c|u)·1[i ∈ c]·(1 − |S ∩ c| / (|S| + 1))
 * — a "smooth" variant: an aspect's bonus shrinks with the share of the chosen list S already covering it.
 * The +1 (add-one smoothing of that share) keeps an aspect from ever counting as fully covered: with the
 * plain |S ∩ c| / |S| a list of one tail item already zeroes the tail bonus, and P(tail|u) = 1 could not ask
 * for more than one tail item. P(tail|u) is the target tail share (theirs: the share of the user's history in
 * the tail), P(head|u) = 1 − P(tail|u). rel is min-max normalised to [0, 1]; ties go to the more relevant.
 * λ = 0 is the relevance order.
 * The tail is `longTailMask` (src/eval/beyond.ts): items outside the head holding 80% of training interactions.
 */
import { checkK, checkUnit, normaliseCandidates, type Candidates } from './candidates.ts';

export interface RerankedScored {
  items: Int32Array;
  /** The objective's marginal gain of each pick (non-increasing is not guaranteed). */
  gains: Float64Array;
}

export function longTailRerank(c: Candidates, k: number, tail: Uint8Array, pTail: number, lambda: number): Int32Array {
  return longTailRerankScored(c, k, tail, pTail, lambda).items;
}

export function longTailRerankScored(c: Candidates, k: number, tail: Uint8Array, pTail: number, lambda: number): RerankedScored {
  checkK(k); checkUnit(lambda, 'lambda'); checkUnit(pTail, 'pTail');
  const { items, rel } = normaliseCandidates(c);
  const n = items.length, m = Math.min(k, n);
  const taken = new Uint8Array(n);
  const out = new Int32Array(m), gains = new Float64Array(m);
  let nTail = 0;
  for (let step = 0; step < m; step++) {
    const tailBonus = lambda * pTail * (1 - nTail / (step + 1));
    const headBonus = lambda * (1 - pTail) * (1 - (step - nTail) / (step + 1));
    let best = -1, bv = -Infinity;
    for (let q = 0; q < n; q++) {
      if (taken[q]) continue;
      const v = (1 - lambda) * rel[q]! + (tail[items[q]!] ? tailBonus : headBonus);
      if (v > bv || (v === bv && rel[q]! > rel[best]!)) { bv = v; best = q; }
    }
    taken[best] = 1;
    out[step] = items[best]!;
    gains[step] = bv;
    nTail += tail[items[best]!]!;
  }
  return { items: out, gains };
}
