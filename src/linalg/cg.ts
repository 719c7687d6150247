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
export function solveRows(pr: AlsProblem, start: number, end: number, solver: 'cg' | 'cholesky', cgSteps: number, s: AlsScratch, bs?: AlsBlockScratch): number {
  let failed = 0;
  if (solver === 'cg') {
    let u = start;
    if (bs) for (; u + 3 < end; u += 4) solveBlockCg(pr, u, cgSteps, bs);
    for (; u < end; u++) solveRowCg(pr, u, cgSteps, s);
  }
  else for (let u = start; u < end; u++) if (!solveRowCholesky(pr, u, s)) failed++;
  return failed;
}

/** Scratch for `solveBlockCg`: four rows in lock-step. */
export class AlsBlockScratch {
  readonly x: Float64Array;
  readonly r: Float64Array;
  readonly p: Float64Array;
  readonly ap: Float64Array;
  readonly lam = new Float64Array(4);
  readonly rs = new Float64Array(4);
  constructor(readonly f: number) {
    this.x = new Float64Array(4 * f);
    this.r = new Float64Array(4 * f);
    this.p = new Float64Array(4 * f);
    this.ap = new Float64Array(4 * f);
  }
}

/**
 * out[b·f + i] = (G v_b)_i for the four vectors v_0..v_3 stored back to back in V (4 × f).
 * A 4 × 4 register block: per inner step 4 loads of G and 4 of V feed 16 multiply-adds, about twice the
 * arithmetic per load of four separate matrix-vector products.
 */
export function gemm4(G: Float64Array, V: Float64Array, out: Float64Array, f: number): void {
  const f2 = 2 * f, f3 = 3 * f;
  let i = 0;
  for (; i + 3 < f; i += 4) {
    const g0 = i * f, g1 = g0 + f, g2 = g1 + f, g3 = g2 + f;
    let a00 = 0, a01 = 0, a02 = 0, a03 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0;
    let a20 = 0, a21 = 0, a22 = 0, a23 = 0, a30 = 0, a31 = 0, a32 = 0, a33 = 0;
    for (let j = 0; j < f; j++) {
      const v0 = V[j]!, v1 = V[f + j]!, v2 = V[f2 + j]!, v3 = V[f3 + j]!;
      const x0 = G[g0 + j]!, x1 = G[g1 + j]!, x2 = G[g2 + j]!, x3 = G[g3 + j]!;
      a00 += x0 * v0; a01 += x0 * v1; a02 += x0 * v2; a03 += x0 * v3;
      a10 += x1 * v0; a11 += x1 * v1; a12 += x1 * v2; a13 += x1 * v3;
      a20 += x2 * v0; a21 += x2 * v1; a22 += x2 * v2; a23 += x2 * v3;
      a30 += x3 * v0; a31 += x3 * v1; a32 += x3 * v2; a33 += x3 * v3;
    }
    out[i] = a00; out[f + i] = a01; out[f2 + i] = a02; out[f3 + i] = a03;
    out[i + 1] = a10; out[f + i + 1] = a11; out[f2 + i + 1] = a12; out[f3 + i + 1] = a13;
    out[i + 2] = a20; out[f + i + 2] = a21; out[f2 + i + 2] = a22; out[f3 + i + 2] = a23;
    out[i + 3] = a30; out[f + i + 3] = a31; out[f2 + i + 3] = a32; out[f3 + i + 3] = a33;
  }
  for (; i < f; i++) {
    for (let b = 0; b < 4; b++) {
      let s = 0;
      for (let j = 0; j < f; j++) s += G[i * f + j]! * V[b * f + j]!;
      out[b * f + i] = s;
    }
  }
}

/** acc[ao..ao+f) += Σ_(q in row) w_q · y_q with w_q = (c_q − α0)(y_q · v[vo..vo+f)) + bias·c_q (bias 0 or 1). */
function sparseTerm(pr: AlsProblem, start: number, end: number, v: Float64Array, vo: number, acc: Float64Array, ao: number, withRhs: boolean): void {
  const { f, Y, indices, data, alpha, alpha0 } = pr;
  for (let q = start; q < end; q++) {
    const c = 1 + alpha * data[q]!;
    const yo = indices[q]! * f;
    let d0 = 0, d1 = 0, d2 = 0, d3 = 0, k = 0;
    for (; k + 3 < f; k += 4) {
      d0 += Y[yo + k]! * v[vo + k]!; d1 += Y[yo + k + 1]! * v[vo + k + 1]!;
      d2 += Y[yo + k + 2]! * v[vo + k + 2]!; d3 += Y[yo + k + 3]! * v[vo + k + 3]!;
    }
    for (; k < f; k++) d0 += Y[yo + k]! * v[vo + k]!;
    // For the residual r = b − A x the sign flips: w = c − (c − α0)(y·x).
    const w = withRhs ? c - (c - alpha0) * (d0 + d1 + d2 + d3) : (c - alpha0) * (d0 + d1 + d2 + d3);
    for (k = 0; k + 3 < f; k += 4) {
      acc[ao + k] = acc[ao + k]! + w * Y[yo + k]!; acc[ao + k + 1] = acc[ao + k + 1]! + w * Y[yo + k + 1]!;
      acc[ao + k + 2] = acc[ao + k + 2]! + w * Y[yo + k + 2]!; acc[ao + k + 3] = acc[ao + k + 3]! + w * Y[yo + k + 3]!;
    }
    for (; k < f; k++) acc[ao + k] = acc[ao + k]! + w * Y[yo + k]!;
  }
}

/**
 * The same warm-started CG as `solveRowCg`, for rows u0..u0+3 in lock-step so the dense G·p products of
 * the four rows run as one register-blocked product (`gemm4`). Row results are identical in exact
 * arithmetic to four `solveRowCg` calls.
 */
export function solveBlockCg(pr: AlsProblem, u0: number, steps: number, s: AlsBlockScratch): void {
  const { f, G, X, indptr } = pr;
  const { x, r, p, ap, lam, rs } = s;
  for (let b = 0; b < 4; b++) {
    const o = (u0 + b) * f;
    for (let k = 0; k < f; k++) x[b * f + k] = X[o + k]!;
    lam[b] = rowLambda(pr, indptr[u0 + b + 1]! - indptr[u0 + b]!);
  }
  gemm4(G, x, r, f);
  for (let b = 0; b < 4; b++) {
    const o = b * f, l = lam[b]!;
    for (let k = 0; k < f; k++) r[o + k] = -r[o + k]! - l * x[o + k]!;
    sparseTerm(pr, indptr[u0 + b]!, indptr[u0 + b + 1]!, x, o, r, o, true);
    let ss = 0;
    for (let k = 0; k < f; k++) { p[o + k] = r[o + k]!; ss += r[o + k]! * r[o + k]!; }
    rs[b] = ss;
  }
  for (let it = 0; it < steps; it++) {
    if (rs[0]! < 1e-20 && rs[1]! < 1e-20 && rs[2]! < 1e-20 && rs[3]! < 1e-20) break;
    gemm4(G, p, ap, f);
    for (let b = 0; b < 4; b++) {
      const rsOld = rs[b]!;
      if (rsOld < 1e-20) continue; // converged: keep x, stop updating this row
      const o = b * f, l = lam[b]!;
      for (let k = 0; k < f; k++) ap[o + k] = ap[o + k]! + l * p[o + k]!;
      sparseTerm(pr, indptr[u0 + b]!, indptr[u0 + b + 1]!, p, o, ap, o, false);
      let pAp = 0;
      for (let k = 0; k < f; k++) pAp += p[o + k]! * ap[o + k]!;
      if (!(pAp > 0)) { rs[b] = 0; continue; }
      const a = rsOld / pAp;
      let rsNew = 0;
      for (let k = 0; k < f; k++) {
        x[o + k] = x[o + k]! + a * p[o + k]!;
        const rk = r[o + k]! - a * ap[o + k]!;
        r[o + k] = rk;
        rsNew += rk * rk;
      }
      const beta = rsNew / rsOld;
      for (let k = 0; k < f; k++) p[o + k] = r[o + k]! + beta * p[o + k]!;
      rs[b] = rsNew;
    }
  }
  for (let b = 0; b < 4; b++) {
    const o = (u0 + b) * f;
    for (let k = 0; k < f; k++) X[o + k] = x[b * f + k]!;
  }
}
