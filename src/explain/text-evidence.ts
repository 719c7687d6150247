/**
 * Evidence for a score a model reads from item text, where no exact share of it can be given (content's ridge
 * profile, cb2cf's cold items, hybrid's blend): the history item whose description is closest to the item's, and
 * how close (the cosine of the model's own item vectors). It is a true statement about the inputs the model read,
 * not a decomposition of the score, and is marked so (`exact: false`).
 */
import type { Csr } from '../data/csr.ts';
import type { Recommender } from '../models/types.ts';
import { sStem, tokenize } from '../text/tokenize.ts';

/** A model that keeps one unit text vector per item (content, cb2cf, hybrid). */
interface ReadsText {
  readonly itemVectors: Float32Array;
  readonly dimension: number;
}

function readsText(m: Recommender): m is Recommender & ReadsText {
  const r = m as Partial<ReadsText>;
  return r.itemVectors instanceof Float32Array && typeof r.dimension === 'number' && r.dimension > 0 && r.itemVectors.length === m.nItems * r.dimension;
}

export interface TextNeighbour {
  /** The history item (model index) whose text is closest to the item's. */
  item: number;
  cosine: number;
}

/** The history item whose text vector is closest to `item`'s (itself excluded), or undefined when the model reads no text or nothing is alike. */
export function closestByText(model: Recommender, history: ArrayLike<number>, item: number): TextNeighbour | undefined {
  if (!readsText(model)) return undefined;
  const x = model.itemVectors, d = model.dimension, o = item * d;
  let best: TextNeighbour | undefined;
  for (let q = 0; q < history.length; q++) {
    const j = history[q]!;
    if (j === item || j < 0 || j >= model.nItems) continue;
    let c = 0;
    const p = j * d;
    for (let a = 0; a < d; a++) c += x[o + a]! * x[p + a]!;
    if (c > 0 && (!best || c > best.cosine)) best = { item: j, cosine: Math.min(1, c) }; // float rounding can pass 1
  }
  return best;
}

/**
 * Words of `text` (as written, lower-cased) that `other` also has, plural and singular alike: the matching words
 * behind a text similarity, at most `max`, stop words left out.
 */
export function sharedWords(text: string, other: string, max = 4): string[] {
  const theirs = new Set(tokenize(other));
  const out: string[] = [];
  for (const w of tokenize(text, { stem: false })) {
    if (out.length === max) break;
    if (theirs.has(sStem(w)) && !out.includes(w)) out.push(w);
  }
  return out;
}

/** The model's own training matrix: its 'train' arrays or, for models over a collaborative part (cb2cf, hybrid), 'seen'. */
export function trainingMatrix(model: Recommender): Csr | undefined {
  const a = model.artifactView?.() ?? model.toArtifact();
  const key = 'train.indptr' in a.arrays ? 'train' : 'seen.indptr' in a.arrays ? 'seen' : undefined;
  if (!key) return undefined;
  return { rows: a.meta.rows as number, cols: a.meta.cols as number, indptr: a.arrays[`${key}.indptr`] as Int32Array, indices: a.arrays[`${key}.indices`] as Int32Array, data: a.arrays[`${key}.data`] as Float32Array };
}

/** A training user's items in model space (none for a user outside the training matrix). */
export function trainingItems(model: Recommender, user: number): Int32Array {
  const m = user >= 0 ? trainingMatrix(model) : undefined;
  return m && user + 1 < m.indptr.length ? m.indices.subarray(m.indptr[user]!, m.indptr[user + 1]!) : new Int32Array(0);
}
