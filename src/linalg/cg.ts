import { choleskySolve, matVec } from './vec.ts';

/**
 * One half-step of implicit ALS: for every row u of a sparse matrix (users, or items via the transpose),
 * solve for x_u with the other side's factors Y held fixed.
 *
 * Loss (Hu, Koren & Volinsky 2008, with an explicit weight on unobserved pairs as in Rendle et al. 2022):
 *   Σ_(u,i observed) c_ui (1 − x_u·y_i)² + α0 Σ_(u,i unobserved) (x_u·y_i)² + Σ_u λ_u |x_u|²
 * with confidence c_ui = 1 + alpha · value_ui. Setting the gradient to zero gives, per row,
 *   (α0 YᵀY + Σ_(i∈I_u) (c_ui − α0) y_i y_iᵀ + λ_u I) x_u = Σ_(i∈I_u) c_ui y_i
 * and α0 = 1 is exactly the classic Hu et al. / `implicit` formulation. α0 YᵀY (`G`) is shared by all rows,
 * so it is computed once per half-step; the per-row work is O(|I_u| f) per CG step plus one f × f product.
 *
 * Regularisation λ_u is `lambda` or, with frequency scaling (Rendle, Krichene, Zhang & Koren 2022,
 * "Revisiting the Performance of iALS on Item Recommendation Benchmarks", §3.3):
 *   λ_u = lambda · (|I_u| + α0 · |I|)^ν
 * where |I_u| is the number of observed entries in the row and |I| the size of the other side
 * (the number of items when solving users, of users when solving items). ν = 1 scales the penalty with
 * how many loss terms the row takes part in; ν = 0 is the plain penalty; good `lambda` values shrink
 * accordingly (the paper rescales λ between ν values for that reason).
 */
export interface AlsProblem {
  f: number;
  /** The fixed side's factors, (rows of the other side) × f. */
  Y: Float32Array;
  /** α0 YᵀY, f × f, full symmetric. */
  G: Float64Array;
  /** The rows to solve against Y: CSR over the other side's indices, values before confidence. */
  indptr: Int32Array;
  indices: Int32Array;
  data: Float32Array;
  /** Factors being solved, rows × f; read as the CG warm start, overwritten with the solution. */
  X: Float32Array;
  alpha: number;
  alpha0: number;
  lambda: number;
  /** ν of frequency-scaled regularisation, or null for a constant λ. */
  nu: number | null;
  /** |I|: number of rows of Y (used by frequency scaling). */
  nOther: number;
}

/** Per-thread scratch, allocated once so the inner loops never allocate. */
export class AlsScratch {
  readonly r: Float64Array;
  readonly p: Float64Array;
  readonly ap: Float64Array;
  readonly x: Float64Array;
  readonly A: Float64Array;
  constructor(readonly f: number) {
    this.r = new Float64Array(f);
    this.p = new Float64Array(f);
    this.ap = new Float64Array(f);
    this.x = new Float64Array(f);
    this.A = new Float64Array(f * f);
  }
}

export function rowLambda(pr: AlsProblem, count: number): number {
  return pr.nu === null ? pr.lambda : pr.lambda * Math.pow(count + pr.alpha0 * pr.nOther, pr.nu);
}

/**
 * `steps` conjugate-gradient iterations for row u, warm-started from X[u] (Takács, Pilászy & Tikk 2011):
 * the system matrix is never formed; A p = G p + λ p + Σ (c − α0)(y·p) y.
 */
export function solveRowCg(pr: AlsProblem, u: number, steps: number, s: AlsScratch): void {
  const { f, Y, G, indices, data, X, alpha, alpha0 } = pr;
  const start = pr.indptr[u]!, end = pr.indptr[u + 1]!;
  const lam = rowLambda(pr, end - start);
  const { r, p, ap, x } = s;
  const xo = u * f;
  for (let k = 0; k < f; k++) x[k] = X[xo + k]!;

  // r = b − A x, fused: r = −(G + λ) x + Σ (c − (c − α0)(y·x)) y
  matVec(G, x, r, f);
  for (let k = 0; k < f; k++) r[k] = -r[k]! - lam * x[k]!;
  for (let q = start; q < end; q++) {
    const c = 1 + alpha * data[q]!;
    const yo = indices[q]! * f;
    let d0 = 0, d1 = 0, d2 = 0, d3 = 0, k = 0;
    for (; k + 3 < f; k += 4) {
      d0 += Y[yo + k]! * x[k]!; d1 += Y[yo + k + 1]! * x[k + 1]!;
      d2 += Y[yo + k + 2]! * x[k + 2]!; d3 += Y[yo + k + 3]! * x[k + 3]!;
    }
    for (; k < f; k++) d0 += Y[yo + k]! * x[k]!;
    const w = c - (c - alpha0) * (d0 + d1 + d2 + d3);
    for (k = 0; k + 3 < f; k += 4) {
      r[k] = r[k]! + w * Y[yo + k]!; r[k + 1] = r[k + 1]! + w * Y[yo + k + 1]!;
      r[k + 2] = r[k + 2]! + w * Y[yo + k + 2]!; r[k + 3] = r[k + 3]! + w * Y[yo + k + 3]!;
    }
    for (; k < f; k++) r[k] = r[k]! + w * Y[yo + k]!;
  }
  let rsOld = 0;
  for (let k = 0; k < f; k++) { p[k] = r[k]!; rsOld += r[k]! * r[k]!; }

  for (let it = 0; it < steps; it++) {
    if (rsOld < 1e-20) break;
    matVec(G, p, ap, f);
    for (let k = 0; k < f; k++) ap[k] = ap[k]! + lam * p[k]!;
    for (let q = start; q < end; q++) {
      const c = 1 + alpha * data[q]!;
      const yo = indices[q]! * f;
      let d0 = 0, d1 = 0, d2 = 0, d3 = 0, k = 0;
      for (; k + 3 < f; k += 4) {
        d0 += Y[yo + k]! * p[k]!; d1 += Y[yo + k + 1]! * p[k + 1]!;
        d2 += Y[yo + k + 2]! * p[k + 2]!; d3 += Y[yo + k + 3]! * p[k + 3]!;
      }
      for (; k < f; k++) d0 += Y[yo + k]! * p[k]!;
      const w = (c - alpha0) * (d0 + d1 + d2 + d3);
      for (k = 0; k + 3 < f; k += 4) {
        ap[k] = ap[k]! + w * Y[yo + k]!; ap[k + 1] = ap[k + 1]! + w * Y[yo + k + 1]!;
        ap[k + 2] = ap[k + 2]! + w * Y[yo + k + 2]!; ap[k + 3] = ap[k + 3]! + w * Y[yo + k + 3]!;
      }
      for (; k < f; k++) ap[k] = ap[k]! + w * Y[yo + k]!;
    }
    let pAp = 0;
    for (let k = 0; k < f; k++) pAp += p[k]! * ap[k]!;
    if (!(pAp > 0)) break;
    const a = rsOld / pAp;
    let rsNew = 0;
    for (let k = 0; k < f; k++) {
      x[k] = x[k]! + a * p[k]!;
      const rk = r[k]! - a * ap[k]!;
      r[k] = rk;
      rsNew += rk * rk;
    }
    const beta = rsNew / rsOld;
    for (let k = 0; k < f; k++) p[k] = r[k]! + beta * p[k]!;
    rsOld = rsNew;
  }
  for (let k = 0; k < f; k++) X[xo + k] = x[k]!;
}

/**
 * Exact solve for row u: forms A = G + λI + Σ (c − α0) y yᵀ and b = Σ c y, then Cholesky.
 * O(|I_u| f² + f³): slower than CG, used for the 'cholesky' solver and for fold-in of new users.
 */
export function solveRowCholesky(pr: AlsProblem, u: number, s: AlsScratch): boolean {
  const { f, Y, G, indices, data, X, alpha, alpha0 } = pr;
  const start = pr.indptr[u]!, end = pr.indptr[u + 1]!;
  const lam = rowLambda(pr, end - start);
  const { A, x: b } = s;
  A.set(G);
  for (let k = 0; k < f; k++) { A[k * f + k] = A[k * f + k]! + lam; b[k] = 0; }
  for (let q = start; q < end; q++) {
    const c = 1 + alpha * data[q]!;
    const w = c - alpha0;
    const yo = indices[q]! * f;
    for (let i = 0; i < f; i++) {
      const yi = Y[yo + i]!;
      b[i] = b[i]! + c * yi;
      const wyi = w * yi, row = i * f;
      for (let j = i; j < f; j++) A[row + j] = A[row + j]! + wyi * Y[yo + j]!;
    }
  }
  for (let i = 0; i < f; i++) for (let j = i + 1; j < f; j++) A[j * f + i] = A[i * f + j]!;
  if (!choleskySolve(A, b, f)) return false;
  const xo = u * f;
  for (let k = 0; k < f; k++) X[xo + k] = b[k]!;
  return true;
}

/** Solves rows [start, end); returns the number of rows whose system was not positive definite (Cholesky only). */
export function solveRows(pr: AlsProblem, start: number, end: number, solver: 'cg' | 'cholesky', cgSteps: number, s: AlsScratch): number {
  let failed = 0;
  if (solver === 'cg') for (let u = start; u < end; u++) solveRowCg(pr, u, cgSteps, s);
  else for (let u = start; u < end; u++) if (!solveRowCholesky(pr, u, s)) failed++;
  return failed;
}
