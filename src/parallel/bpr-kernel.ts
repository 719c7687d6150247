/**
 * BPR-MF stochastic gradient kernel (Rendle et al. 2009). In workers the factors are SharedArrayBuffers
 * updated without locks (Hogwild, Niu et al. 2011): two threads rarely touch the same rows at once and a
 * lost update only costs a little progress. With one thread (in-process) results are reproducible per seed.
 */
import { Rng } from '../data/random.ts';

export interface BprKernelInit {
  f: number;
  learningRate: number;
  regularization: number;
  userFactors: Float32Array;
  itemFactors: Float32Array;
  itemBias: Float32Array;
  indptr: Int32Array;
  indices: Int32Array;
  /** Row (user) of every stored entry, so a uniform entry draw gives (user, positive item). */
  rowOf: Int32Array;
}

export interface BprTask { samples: number; seed: number }
export interface BprResult { logLik: number; correct: number; samples: number }

/** True if `item` is in the sorted row [s, e) of `indices`. */
export function rowHas(indices: Int32Array, s: number, e: number, item: number): boolean {
  let lo = s, hi = e - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1, v = indices[mid]!;
    if (v === item) return true;
    if (v < item) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

export function createKernel(init: BprKernelInit): (t: BprTask) => BprResult {
  const { f, learningRate: lr, regularization: reg, userFactors: X, itemFactors: Y, itemBias: B, indptr, indices, rowOf } = init;
  const nItems = B.length, nnz = indices.length;
  return ({ samples, seed }) => {
    const rng = new Rng(seed);
    let logLik = 0, correct = 0, done = 0;
    for (let t = 0; t < samples; t++) {
      const p = rng.int(nnz);
      const u = rowOf[p]!, i = indices[p]!;
      const s = indptr[u]!, e = indptr[u + 1]!;
      if (e - s >= nItems) continue; // user took every item: no negative exists
      let j = rng.int(nItems);
      while (rowHas(indices, s, e, j)) j = rng.int(nItems);
      const uo = u * f, io = i * f, jo = j * f;
      let x = B[i]! - B[j]!;
      for (let k = 0; k < f; k++) x += X[uo + k]! * (Y[io + k]! - Y[jo + k]!);
      // g = σ(−x): the gradient scale of ln σ(x). Stable for large |x|.
      const g = x > 0 ? Math.exp(-x) / (1 + Math.exp(-x)) : 1 / (1 + Math.exp(x));
      logLik += x > 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
      if (x > 0) correct++;
      done++;
      for (let k = 0; k < f; k++) {
        const xu = X[uo + k]!, yi = Y[io + k]!, yj = Y[jo + k]!;
        X[uo + k] = xu + lr * (g * (yi - yj) - reg * xu);
        Y[io + k] = yi + lr * (g * xu - reg * yi);
        Y[jo + k] = yj + lr * (-g * xu - reg * yj);
      }
      B[i] = B[i]! + lr * (g - reg * B[i]!);
      B[j] = B[j]! + lr * (-g - reg * B[j]!);
    }
    return { logLik, correct, samples: done };
  };
}
