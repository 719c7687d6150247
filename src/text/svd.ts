/**
 * Truncated SVD of a sparse matrix by randomized subspace iteration (Halko, Martinsson & Tropp 2011, alg. 4.4,
 * run on the right singular space): Z = orth(Ω), q rounds of Z = orth(Aᵀ A Z), then Rayleigh-Ritz on the small
 * (A Z)ᵀ(A Z) (cyclic Jacobi). Typed arrays only; columns of tall matrices are stored contiguously (column-major) so
 * Gram-Schmidt streams through memory.
 */
import type { Csr } from '../data/csr.ts';
import { Rng } from '../data/random.ts';

export interface TruncatedSvd {
  k: number;
  /** Singular values, descending. */
  s: Float64Array;
  /** Right singular vectors, cols × k row-major: row j is feature j's loadings. */
  v: Float64Array;
}

export interface SvdOptions {
  /** Extra random directions beyond k (default 10). */
  oversample?: number;
  /** Power iterations (default 3); more sharpens slowly decaying spectra. */
  iterations?: number;
  seed?: number;
}

/** Y[:, c] = A x_c for the m column-major vectors X (cols × m); Y is rows × m column-major. */
function mulA(a: Csr, x: Float64Array, m: number, y: Float64Array): void {
  const n = a.rows, p = a.cols;
  y.fill(0);
  for (let r = 0; r < n; r++) {
    for (let q = a.indptr[r]!, e = a.indptr[r + 1]!; q < e; q++) {
      const j = a.indices[q]!, v = a.data[q]!;
      for (let c = 0; c < m; c++) y[c * n + r]! += v * x[c * p + j]!;
    }
  }
}

/** X[:, c] = Aᵀ y_c (X is cols × m column-major). */
function mulAt(a: Csr, y: Float64Array, m: number, x: Float64Array): void {
  const n = a.rows, p = a.cols;
  x.fill(0);
  for (let r = 0; r < n; r++) {
    for (let q = a.indptr[r]!, e = a.indptr[r + 1]!; q < e; q++) {
      const j = a.indices[q]!, v = a.data[q]!;
      for (let c = 0; c < m; c++) x[c * p + j]! += v * y[c * n + r]!;
    }
  }
}

/** Orthonormalises the m columns (length n, contiguous) in place by modified Gram-Schmidt, twice for stability. */
export function orthonormalizeColumns(y: Float64Array, n: number, m: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let c = 0; c < m; c++) {
      const oc = c * n;
      for (let b = 0; b < c; b++) {
        const ob = b * n;
        let d = 0;
        for (let i = 0; i < n; i++) d += y[oc + i]! * y[ob + i]!;
        for (let i = 0; i < n; i++) y[oc + i]! -= d * y[ob + i]!;
      }
      let s = 0;
      for (let i = 0; i < n; i++) s += y[oc + i]! * y[oc + i]!;
      const norm = Math.sqrt(s);
      // a column in the span of the previous ones (rank-deficient A) is zeroed rather than blown up
      const inv = norm > 1e-12 ? 1 / norm : 0;
      for (let i = 0; i < n; i++) y[oc + i]! *= inv;
    }
  }
}

/**
 * Eigen-decomposition of a symmetric m × m matrix (row-major, destroyed) by cyclic Jacobi rotations.
 * Returns eigenvalues descending and the matching eigenvectors as columns of an m × m row-major matrix.
 */
export function symmetricEigen(a: Float64Array, m: number): { values: Float64Array; vectors: Float64Array } {
  const v = new Float64Array(m * m);
  for (let i = 0; i < m; i++) v[i * m + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0, diag = 0;
    for (let i = 0; i < m; i++) { diag += a[i * m + i]! ** 2; for (let j = i + 1; j < m; j++) off += a[i * m + j]! ** 2; }
    if (off <= 1e-30 * diag || off === 0) break;
    for (let p = 0; p < m - 1; p++) {
      for (let q = p + 1; q < m; q++) {
        const apq = a[p * m + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const app = a[p * m + p]!, aqq = a[q * m + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < m; k++) {
          const akp = a[k * m + p]!, akq = a[k * m + q]!;
          a[k * m + p] = c * akp - s * akq;
          a[k * m + q] = s * akp + c * akq;
        }
        for (let k = 0; k < m; k++) {
          const apk = a[p * m + k]!, aqk = a[q * m + k]!;
          a[p * m + k] = c * apk - s * aqk;
          a[q * m + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < m; k++) {
          const vkp = v[k * m + p]!, vkq = v[k * m + q]!;
          v[k * m + p] = c * vkp - s * vkq;
          v[k * m + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: m }, (_, i) => i).sort((x, y) => a[y * m + y]! - a[x * m + x]!);
  const values = new Float64Array(m), vectors = new Float64Array(m * m);
  order.forEach((src, dst) => {
    values[dst] = a[src * m + src]!;
    for (let k = 0; k < m; k++) vectors[k * m + dst] = v[k * m + src]!;
  });
  return { values, vectors };
}

/** The top-k singular values and right singular vectors of the sparse `a` (rows × cols). */
export function truncatedSvd(a: Csr, k: number, o: SvdOptions = {}): TruncatedSvd {
  const n = a.rows, p = a.cols;
  const kk = Math.max(1, Math.min(k, n, p));
  const m = Math.min(kk + (o.oversample ?? 10), n, p);
  const rng = new Rng(o.seed ?? 1);
  const omega = new Float64Array(p * m);
  for (let q = 0; q < omega.length; q++) omega[q] = rng.normal();
  // Subspace iteration on the right (feature) side only: Z <- orth(Aᵀ A Z). Catalogues have more items than
  // vocabulary words, so orthonormalising the item-side block every round would cost more than everything else.
  const y = new Float64Array(n * m), z = omega;
  orthonormalizeColumns(z, p, m);
  const zz = new Float64Array(p * m);
  for (let it = 0; it < (o.iterations ?? 3); it++) {
    mulA(a, z, m, y);
    mulAt(a, y, m, zz);
    z.set(zz);
    orthonormalizeColumns(z, p, m);
  }
  // Rayleigh-Ritz: C = (A Z)ᵀ (A Z) = W Λ Wᵀ; right singular vectors Z W, singular values √Λ
  mulA(a, z, m, y);
  const g = new Float64Array(m * m);
  for (let c = 0; c < m; c++) {
    for (let d = c; d < m; d++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += y[c * n + i]! * y[d * n + i]!;
      g[c * m + d] = s; g[d * m + c] = s;
    }
  }
  const { values, vectors } = symmetricEigen(g, m);
  const s = new Float64Array(kk), v = new Float64Array(p * kk);
  for (let t = 0; t < kk; t++) {
    s[t] = Math.sqrt(Math.max(0, values[t]!));
    for (let c = 0; c < m; c++) {
      const w = vectors[c * m + t]!;
      if (w === 0) continue;
      for (let j = 0; j < p; j++) v[j * kk + t]! += z[c * p + j]! * w;
    }
  }
  return { k: kk, s, v };
}
