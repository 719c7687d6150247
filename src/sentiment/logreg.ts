/**
 * L2-regularised, sample-weighted logistic regression on sparse binary rows plus a few dense columns, fitted by
 * L-BFGS (Nocedal & Wright 2006, algorithm 7.4/7.5) with a backtracking Armijo line search. Full-batch and
 * deterministic: the same data give the same weights, so the shipped model file can be rebuilt bit for bit.
 */
import { ModelFitError } from '../errors.ts';

export interface SparseDesign {
  rows: number;
  /** Columns of the hashed part. */
  buckets: number;
  /** CSR of the hashed part; every stored entry has the value `rowScale[r]`. */
  indptr: Int32Array;
  indices: Int32Array;
  rowScale: Float32Array;
  /** Dense extra columns, row-major rows × dense. */
  dense: Float32Array;
  denseCols: number;
}

export interface LogRegOptions {
  /** L2 strength λ in λ/2‖w‖² (the bias is not penalised), relative to the total sample weight. */
  l2: number;
  maxIter?: number;
  /** Stop when the gradient norm falls below tol × its norm at w = 0. */
  tol?: number;
  memory?: number;
}

export interface LogRegFit {
  /** buckets + denseCols weights; then the bias. */
  weights: Float64Array;
  bias: number;
  iterations: number;
  loss: number;
}

/** z = X w + b for every row. */
export function margins(X: SparseDesign, w: Float64Array, b: number, out: Float64Array): void {
  const { indptr, indices, rowScale, dense, denseCols, buckets } = X;
  for (let r = 0; r < X.rows; r++) {
    let s = 0;
    for (let p = indptr[r]!; p < indptr[r + 1]!; p++) s += w[indices[p]!]!;
    s *= rowScale[r]!;
    const off = r * denseCols;
    for (let j = 0; j < denseCols; j++) s += w[buckets + j]! * dense[off + j]!;
    out[r] = s + b;
  }
}

/** Fits weights for labels y ∈ {0,1} with sample weights `sw`. */
export function fitLogReg(X: SparseDesign, y: Uint8Array, sw: Float32Array, o: LogRegOptions): LogRegFit {
  const d = X.buckets + X.denseCols;
  const n = d + 1; // last entry is the bias
  const maxIter = o.maxIter ?? 500, tol = o.tol ?? 1e-4, m = o.memory ?? 10;
  let totalW = 0;
  for (let r = 0; r < X.rows; r++) totalW += sw[r]!;
  if (!(totalW > 0)) throw new ModelFitError('logistic regression: no training rows with positive weight');
  const lambda = o.l2;
  const z = new Float64Array(X.rows);

  // loss and gradient, both divided by the total sample weight so that λ means the same at any data size
  const evaluate = (theta: Float64Array, grad: Float64Array): number => {
    const b = theta[d]!;
    margins(X, theta, b, z);
    grad.fill(0);
    let loss = 0, gb = 0;
    const { indptr, indices, rowScale, dense, denseCols, buckets } = X;
    for (let r = 0; r < X.rows; r++) {
      const zr = z[r]!, wr = sw[r]! / totalW;
      // log(1 + e^{-z}) for y=1, log(1 + e^{z}) for y=0, computed stably
      const s = y[r] ? -zr : zr;
      loss += wr * (s > 0 ? s + Math.log1p(Math.exp(-s)) : Math.log1p(Math.exp(s)));
      const p = 1 / (1 + Math.exp(-zr));
      const g = wr * (p - y[r]!);
      gb += g;
      const gs = g * rowScale[r]!;
      for (let q = indptr[r]!; q < indptr[r + 1]!; q++) grad[indices[q]!]! += gs;
      const off = r * denseCols;
      for (let j = 0; j < denseCols; j++) grad[buckets + j]! += g * dense[off + j]!;
    }
    let reg = 0;
    for (let j = 0; j < d; j++) {
      reg += theta[j]! * theta[j]!;
      grad[j]! += lambda * theta[j]!;
    }
    grad[d] = gb;
    return loss + 0.5 * lambda * reg;
  };

  const theta = new Float64Array(n);
  const grad = new Float64Array(n);
  let f = evaluate(theta, grad);
  const S: Float64Array[] = [], Yv: Float64Array[] = [], rho: number[] = [];
  const dir = new Float64Array(n), alpha = new Float64Array(m);
  const next = new Float64Array(n), gNext = new Float64Array(n);
  const dot = (a: Float64Array, b: Float64Array) => { let s = 0; for (let i = 0; i < n; i++) s += a[i]! * b[i]!; return s; };
  const g0 = Math.sqrt(dot(grad, grad));
  let it = 0;
  for (; it < maxIter; it++) {
    const gnorm = Math.sqrt(dot(grad, grad));
    if (gnorm <= tol * g0) break;
    // two-loop recursion: dir = -H grad
    for (let i = 0; i < n; i++) dir[i] = -grad[i]!;
    for (let k = S.length - 1; k >= 0; k--) {
      alpha[k] = rho[k]! * dot(S[k]!, dir);
      const yk = Yv[k]!;
      for (let i = 0; i < n; i++) dir[i]! -= alpha[k]! * yk[i]!;
    }
    if (S.length) {
      const last = S.length - 1;
      const gamma = dot(S[last]!, Yv[last]!) / dot(Yv[last]!, Yv[last]!);
      for (let i = 0; i < n; i++) dir[i]! *= gamma;
    } else {
      for (let i = 0; i < n; i++) dir[i]! /= Math.max(1, gnorm);
    }
    for (let k = 0; k < S.length; k++) {
      const beta = rho[k]! * dot(Yv[k]!, dir);
      const sk = S[k]!;
      for (let i = 0; i < n; i++) dir[i]! += (alpha[k]! - beta) * sk[i]!;
    }
    let slope = dot(grad, dir);
    if (!(slope < 0)) { // not a descent direction: restart from steepest descent
      S.length = 0; Yv.length = 0; rho.length = 0;
      for (let i = 0; i < n; i++) dir[i] = -grad[i]! / Math.max(1, gnorm);
      slope = dot(grad, dir);
    }
    let step = 1, fNext = Infinity;
    for (let ls = 0; ls < 40; ls++) {
      for (let i = 0; i < n; i++) next[i] = theta[i]! + step * dir[i]!;
      fNext = evaluate(next, gNext);
      if (fNext <= f + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!Number.isFinite(fNext)) throw new ModelFitError('logistic regression diverged (loss is not finite)');
    if (!(fNext <= f + 1e-4 * step * slope)) break; // no decrease possible: at the optimum to machine precision
    const s = new Float64Array(n), yv = new Float64Array(n);
    for (let i = 0; i < n; i++) { s[i] = next[i]! - theta[i]!; yv[i] = gNext[i]! - grad[i]!; }
    const sy = dot(s, yv);
    if (sy > 1e-12) {
      if (S.length === m) { S.shift(); Yv.shift(); rho.shift(); }
      S.push(s); Yv.push(yv); rho.push(1 / sy);
    }
    theta.set(next); grad.set(gNext);
    const improvement = f - fNext;
    f = fNext;
    if (improvement < 1e-12 * Math.max(1, Math.abs(f))) { it++; break; }
  }
  return { weights: theta.subarray(0, d), bias: theta[d]!, iterations: it, loss: f };
}
