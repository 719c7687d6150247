/**
 * Small dense kernels for factor models. Factors are rows of a Float32Array (row r at r*f .. r*f+f);
 * accumulation happens in float64 (JS numbers), square matrices are row-major Float64Array f×f.
 * Loops are unrolled by hand because V8 does not vectorise: fewer loop tests and independent
 * accumulators are what make these run at a few GFLOP/s.
 */

/** Dot product of rows a[ao..ao+f) and b[bo..bo+f). */
export function dot(a: Float32Array | Float64Array, ao: number, b: Float32Array | Float64Array, bo: number, f: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let k = 0;
  for (; k + 3 < f; k += 4) {
    s0 += a[ao + k]! * b[bo + k]!;
    s1 += a[ao + k + 1]! * b[bo + k + 1]!;
    s2 += a[ao + k + 2]! * b[bo + k + 2]!;
    s3 += a[ao + k + 3]! * b[bo + k + 3]!;
  }
  for (; k < f; k++) s0 += a[ao + k]! * b[bo + k]!;
  return s0 + s1 + s2 + s3;
}

/** y[0..f) += w * x[xo..xo+f). */
export function axpy(w: number, x: Float32Array | Float64Array, xo: number, y: Float64Array, f: number): void {
  let k = 0;
  for (; k + 3 < f; k += 4) {
    y[k] = y[k]! + w * x[xo + k]!;
    y[k + 1] = y[k + 1]! + w * x[xo + k + 1]!;
    y[k + 2] = y[k + 2]! + w * x[xo + k + 2]!;
    y[k + 3] = y[k + 3]! + w * x[xo + k + 3]!;
  }
  for (; k < f; k++) y[k] = y[k]! + w * x[xo + k]!;
}

/**
 * Adds Fᵀ F over rows [start, end) of F (n × f) to the UPPER triangle of `out` (f × f, row-major).
 * Four rows at a time so each entry of `out` is loaded and stored once per four rank-1 updates.
 * Call `mirrorUpper` when all parts have been summed.
 */
export function gramianAddUpper(F: Float32Array, f: number, start: number, end: number, out: Float64Array): void {
  let r = start;
  for (; r + 3 < end; r += 4) {
    const o0 = r * f, o1 = o0 + f, o2 = o1 + f, o3 = o2 + f;
    for (let i = 0; i < f; i++) {
      const a0 = F[o0 + i]!, a1 = F[o1 + i]!, a2 = F[o2 + i]!, a3 = F[o3 + i]!;
      const row = i * f;
      for (let j = i; j < f; j++) {
        out[row + j] = out[row + j]! + a0 * F[o0 + j]! + a1 * F[o1 + j]! + a2 * F[o2 + j]! + a3 * F[o3 + j]!;
      }
    }
  }
  for (; r < end; r++) {
    const o = r * f;
    for (let i = 0; i < f; i++) {
      const a = F[o + i]!;
      const row = i * f;
      for (let j = i; j < f; j++) out[row + j] = out[row + j]! + a * F[o + j]!;
    }
  }
}

/** Copies the upper triangle of a square f × f matrix into its lower triangle. */
export function mirrorUpper(m: Float64Array, f: number): void {
  for (let i = 0; i < f; i++) for (let j = i + 1; j < f; j++) m[j * f + i] = m[i * f + j]!;
}

/** FᵀF of all n rows of F (n × f), full symmetric f × f. */
export function gramian(F: Float32Array, n: number, f: number): Float64Array {
  const g = new Float64Array(f * f);
  gramianAddUpper(F, f, 0, n, g);
  mirrorUpper(g, f);
  return g;
}

/**
 * out[0..f) = A p for a dense f × f matrix A (row-major). Four output rows per pass so each p[j]
 * load feeds four multiply-adds.
 */
export function matVec(A: Float64Array, p: Float64Array, out: Float64Array, f: number): void {
  let i = 0;
  for (; i + 3 < f; i += 4) {
    const r0 = i * f, r1 = r0 + f, r2 = r1 + f, r3 = r2 + f;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let j = 0; j < f; j++) {
      const pj = p[j]!;
      s0 += A[r0 + j]! * pj;
      s1 += A[r1 + j]! * pj;
      s2 += A[r2 + j]! * pj;
      s3 += A[r3 + j]! * pj;
    }
    out[i] = s0; out[i + 1] = s1; out[i + 2] = s2; out[i + 3] = s3;
  }
  for (; i < f; i++) {
    let s = 0;
    for (let j = 0; j < f; j++) s += A[i * f + j]! * p[j]!;
    out[i] = s;
  }
}

/**
 * Solves A x = b in place for a symmetric positive definite f × f matrix A (overwritten by its Cholesky
 * factor) and b (overwritten by x). Returns false if A is not positive definite.
 */
export function choleskySolve(A: Float64Array, b: Float64Array, f: number): boolean {
  if (!choleskyFactor(A, f)) return false;
  choleskySolveFactored(A, b, f);
  return true;
}

/** In-place Cholesky factor L (lower triangle of A) of a symmetric positive definite f × f matrix; false if it is not. */
export function choleskyFactor(A: Float64Array, f: number): boolean {
  for (let j = 0; j < f; j++) {
    const rj = j * f;
    let d = A[rj + j]!;
    for (let k = 0; k < j; k++) d -= A[rj + k]! * A[rj + k]!;
    if (!(d > 0)) return false;
    const ljj = Math.sqrt(d);
    A[rj + j] = ljj;
    for (let i = j + 1; i < f; i++) {
      const ri = i * f;
      let s = A[ri + j]!;
      for (let k = 0; k < j; k++) s -= A[ri + k]! * A[rj + k]!;
      A[ri + j] = s / ljj;
    }
  }
  return true;
}

/** Solves L Lᵀ x = b in place with the factor from choleskyFactor: O(f²), so one factor serves many right-hand sides. */
export function choleskySolveFactored(L: Float64Array, b: Float64Array, f: number): void {
  // Forward: L z = b, then back: Lᵀ x = z.
  for (let i = 0; i < f; i++) {
    const ri = i * f;
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= L[ri + k]! * b[k]!;
    b[i] = s / L[ri + i]!;
  }
  for (let i = f - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let k = i + 1; k < f; k++) s -= L[k * f + i]! * b[k]!;
    b[i] = s / L[i * f + i]!;
  }
}

/** Euclidean norms of the n rows of F (n × f). */
export function rowNorms(F: Float32Array, n: number, f: number): Float32Array {
  const out = new Float32Array(n);
  for (let r = 0; r < n; r++) out[r] = Math.sqrt(dot(F, r * f, F, r * f, f));
  return out;
}

/**
 * out[j] = F[j] · x for every row j of F (n × f): a user's scores against all item factors.
 * Four rows per pass share each load of x (copied once to float64, so the inner loop does no
 * float32 conversions of x), and two k-steps per iteration halve the loop overhead.
 */
export function scoreRows(F: Float32Array, n: number, f: number, x: Float32Array | Float64Array, xo: number, out: Float32Array): void {
  const xs = new Float64Array(f);
  for (let k = 0; k < f; k++) xs[k] = x[xo + k]!;
  const even = f & ~1;
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o0 = j * f, o1 = o0 + f, o2 = o1 + f, o3 = o2 + f;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    let k = 0;
    for (; k < even; k += 2) {
      const a = xs[k]!, b = xs[k + 1]!;
      s0 += F[o0 + k]! * a + F[o0 + k + 1]! * b;
      s1 += F[o1 + k]! * a + F[o1 + k + 1]! * b;
      s2 += F[o2 + k]! * a + F[o2 + k + 1]! * b;
      s3 += F[o3 + k]! * a + F[o3 + k + 1]! * b;
    }
    if (k < f) { const a = xs[k]!; s0 += F[o0 + k]! * a; s1 += F[o1 + k]! * a; s2 += F[o2 + k]! * a; s3 += F[o3 + k]! * a; }
    out[j] = s0; out[j + 1] = s1; out[j + 2] = s2; out[j + 3] = s3;
  }
  for (; j < n; j++) out[j] = dot(F, j * f, xs, 0, f);
}
