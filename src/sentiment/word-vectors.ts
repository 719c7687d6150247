/**
 * Word-vector features for the sentiment classifier: the SIF-weighted mean (Arora, Liang & Ma 2017) of the GloVe
 * vectors of a text's words, with a negated word's vector subtracted instead of added. The clothing reviews the
 * classifier learns from never say "delicious" or "boring"; their GloVe neighbours ("tasty", "dull") they may, so
 * a weight learned on the mean vector reaches words the hashed features have no weight for. Subtracting a negated
 * word makes "not good" score, on these columns, like the opposite of "good".
 */
import { gloveVectors, type WordVectors } from '../text/glove.ts';
import type { Tokens } from './features.ts';

/** The word-vector set a model's file names in its config (the one Curio ships). */
export const WORD_VECTORS = 'glove-100d';

export class SentimentWordVectors {
  readonly dimension: number;
  /** Per-row SIF weight a / (a + p(w)), with p from the word's rank (Zipf), as the glove encoder's. */
  private readonly weights: Float32Array;

  constructor(readonly vectors: WordVectors = gloveVectors(), sifA = 1e-3) {
    this.dimension = vectors.dimension;
    const n = vectors.size, h = Math.log(n) + 0.5772;
    this.weights = new Float32Array(n);
    for (let r = 0; r < n; r++) this.weights[r] = sifA / (sifA + 1 / ((r + 1) * h));
  }

  /** Writes the `dimension` features of `tok` into out[at…]: Σ ±sif(w)·v(w) / Σ sif(w) over words with a vector (0s when none). */
  features(tok: Tokens, out: Float32Array | Float64Array, at: number): void {
    const d = this.dimension;
    const acc = new Float32Array(d);
    let total = 0;
    for (let i = 0; i < tok.plain.length; i++) {
      const r = this.vectors.row(tok.plain[i]!);
      if (r < 0) continue;
      const w = this.weights[r]!;
      this.vectors.addTo(r, tok.words[i]!.startsWith('NOT_') ? -w : w, acc);
      total += w;
    }
    for (let c = 0; c < d; c++) out[at + c] = total > 0 ? acc[c]! / total : 0;
  }
}

let shared: SentimentWordVectors | undefined;

/** The shipped GloVe vectors with their SIF weights, made once per process. */
export function sentimentWordVectors(): SentimentWordVectors {
  return (shared ??= new SentimentWordVectors());
}
