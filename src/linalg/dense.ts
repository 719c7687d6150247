import { CurioError } from '../errors.ts';
import { nativeAddon } from './native.ts';
import { workerBootstrap } from '../parallel/pool.ts';

/**
 * Dense symmetric positive definite (SPD) inverse by the blocked sweep operator (symmetric Gauss-Jordan).
 *
 * Why the sweep and not Cholesky + trtri + lauum: both need n^3 flops once symmetry is used, but a block
 * sweep has a single hot kernel (a symmetric rank-b update of the whole upper triangle) that splits across
 * threads with no dependencies inside a step, so two workers and one register-blocked micro-kernel suffice.
 *
 * Sweeping pivot block K of A (A_KK is SPD for an SPD input, as a Schur complement, so no pivoting):
 *   D = A_KK^-1,  A_ij -= A_iK D A_Kj (i, j outside K),  A_iK <- A_iK D,  A_KK <- -D.
 * Sweeping every block leaves -A^-1. Only the upper triangle (i <= j) of the row-major n x n array is read
 * and kept up to date during the sweep; `finishInverse` negates it and mirrors it into the lower triangle.
 */

export class NotPositiveDefiniteError extends CurioError {
  override readonly code = 'NOT_POSITIVE_DEFINITE';
}

/** Rows (and columns) of one register tile: the micro-kernel keeps a TILE x TILE block of sums in locals. */
export const TILE = 4;
/** Pivot block width: b flops per element of the matrix touched in a step; 64-128 keep packed panels in L2. */
export const DEFAULT_BLOCK = 96;
/** Column tiles per cache chunk of the update: 128 tiles x 96 x 4 doubles = 384 KiB of packed panel. */
const CHUNK_TILES = 128;

/** What every participant of a sweep shares (typed arrays may sit on SharedArrayBuffers). */
export interface SweepState {
  /** The n x n row-major matrix; upper triangle in, -A^-1 (upper) out. */
  a: Float64Array;
  n: number;
  nb: number;
  /** nb x nb inverse of the current pivot block. */
  d: Float64Array;
  /** Packed panels: for column tile t, [k][c] at t*nb*TILE + k*TILE + c. V = old A_K*, W = D * V. */
  v: Float64Array;
  w: Float64Array;
  /** ctl[STATUS] = 0 ok, else (failing pivot index + 1). */
  ctl: Int32Array;
  /** The WASM SIMD tile kernel, when a, v, w and dp all live in its memory (see `denseArena`). */
  upd?: TileRunKernel;
  /** -D packed as 4-row panels ([group][l][r] = -D[4 group + r][l]), so W = D V also runs on `upd`. */
  dp?: Float64Array;
}

/**
 * Runs `count` 4 x 4 tiles: C[4 rows][4 cols] -= W^T V over k < b, for the W panel at byte `w`, V panels from
 * byte `v` every `panelBytes`, C from byte `c` (row stride `stride` bytes), the next tile's C `cStep` bytes on.
 */
export type TileRunKernel = (w: number, v: number, c: number, b: number, count: number, stride: number, panelBytes: number, cStep: number) => void;

export const CTL_COUNT = 0;
export const CTL_GEN = 1;
export const CTL_STATUS = 2;
export const CTL_NEXT = 3;
export const CTL_LENGTH = 8;

export type Barrier = () => void;

/** A reusable barrier over Atomics for `parties` threads sharing `ctl`. */
export function atomicsBarrier(ctl: Int32Array, parties: number): Barrier {
  if (parties === 1) return () => {};
  return () => {
    const gen = Atomics.load(ctl, CTL_GEN);
    if (Atomics.add(ctl, CTL_COUNT, 1) === parties - 1) {
      Atomics.store(ctl, CTL_COUNT, 0);
      Atomics.add(ctl, CTL_GEN, 1);
      Atomics.notify(ctl, CTL_GEN);
    } else {
      while (Atomics.load(ctl, CTL_GEN) === gen) Atomics.wait(ctl, CTL_GEN, gen);
    }
  };
}

export function tilesOf(n: number): number {
  return Math.ceil(n / TILE);
}

/** Allocates the work buffers of a sweep; `shared` puts them on SharedArrayBuffers for workers. */
export function sweepBuffers(n: number, nb: number, shared: boolean): Omit<SweepState, 'a' | 'n' | 'nb'> {
  const f64 = (len: number) => new Float64Array(shared ? new SharedArrayBuffer(len * 8) : new ArrayBuffer(len * 8));
  const panel = tilesOf(n) * nb * TILE;
  return {
    d: f64(nb * nb),
    v: f64(panel),
    w: f64(panel),
    ctl: new Int32Array(shared ? new SharedArrayBuffer(CTL_LENGTH * 4) : new ArrayBuffer(CTL_LENGTH * 4)),
  };
}

/**
 * Inverts the b x b pivot block (rows/cols k0..k0+b of the upper triangle) into s.d by a scalar sweep.
 * Returns -1 on success, else the global index of the first non-positive pivot.
 */
function invertPivot(s: SweepState, k0: number, b: number): number {
  const { a, n, d } = s;
  for (let i = 0; i < b; i++) {
    for (let j = i; j < b; j++) {
      const x = a[(k0 + i) * n + k0 + j]!;
      d[i * b + j] = x;
      d[j * b + i] = x;
    }
  }
  for (let p = 0; p < b; p++) {
    const piv = d[p * b + p]!;
    if (!(piv > 0)) return k0 + p;
    const inv = 1 / piv;
    for (let i = 0; i < b; i++) {
      if (i === p) continue;
      const f = d[i * b + p]! * inv;
      if (f === 0) continue;
      const ri = i * b, rp = p * b;
      for (let j = 0; j < b; j++) if (j !== p) d[ri + j] = d[ri + j]! - f * d[rp + j]!;
    }
    for (let i = 0; i < b; i++) if (i !== p) { d[i * b + p] = d[i * b + p]! * inv; d[p * b + i] = d[p * b + i]! * inv; }
    d[p * b + p] = -inv;
  }
  // The scalar sweep leaves -inverse.
  for (let q = 0; q < b * b; q++) d[q] = -d[q]!;
  return -1;
}

/**
 * Packs column tile t of the pivot row panel (old A_Kj, read from the upper triangle) into v, computes
 * w = D v for it, then writes w back into A as the new A_Kj (the update itself only reads v and w).
 */
function packTile(s: SweepState, t: number, k0: number, b: number): void {
  const { a, n, nb, d, v, w } = s;
  const k1 = k0 + b;
  const base = t * nb * TILE;
  for (let c = 0; c < TILE; c++) {
    const j = t * TILE + c;
    if (j >= n || (j >= k0 && j < k1)) {
      for (let k = 0; k < b; k++) { v[base + k * TILE + c] = 0; w[base + k * TILE + c] = 0; }
      continue;
    }
    if (j >= k1) for (let k = 0; k < b; k++) v[base + k * TILE + c] = a[(k0 + k) * n + j]!;
    else for (let k = 0; k < b; k++) v[base + k * TILE + c] = a[j * n + k0 + k]!;
    for (let k = 0; k < b; k++) {
      let sum = 0;
      const dk = k * b;
      for (let l = 0; l < b; l++) sum += d[dk + l]! * v[base + l * TILE + c]!;
      w[base + k * TILE + c] = sum;
    }
    if (j >= k1) for (let k = 0; k < b; k++) a[(k0 + k) * n + j] = w[base + k * TILE + c]!;
    else for (let k = 0; k < b; k++) a[j * n + k0 + k] = w[base + k * TILE + c]!;
  }
}

/** -D as 4-row panels for the WASM W = D V; rows past b are zero so ragged last blocks give zero W rows. */
function packPivot(d: Float64Array, dp: Float64Array, b: number): void {
  const groups = Math.ceil(b / TILE);
  for (let g = 0; g < groups; g++) {
    const base = g * b * TILE;
    for (let l = 0; l < b; l++) {
      for (let r = 0; r < TILE; r++) {
        const k = g * TILE + r;
        dp[base + l * TILE + r] = k < b ? -d[k * b + l]! : 0;
      }
    }
  }
}

/** Gathers column tile t of the old pivot row panel into v (zero inside K and past n) and clears its w. */
function gatherTile(s: SweepState, t: number, k0: number, b: number): void {
  const { a, n, nb, v, w } = s;
  const k1 = k0 + b;
  const base = t * nb * TILE;
  w.fill(0, base, base + Math.ceil(b / TILE) * TILE * TILE);
  for (let c = 0; c < TILE; c++) {
    const j = t * TILE + c;
    if (j >= n || (j >= k0 && j < k1)) for (let k = 0; k < b; k++) v[base + k * TILE + c] = 0;
    else if (j >= k1) for (let k = 0; k < b; k++) v[base + k * TILE + c] = a[(k0 + k) * n + j]!;
    else for (let k = 0; k < b; k++) v[base + k * TILE + c] = a[j * n + k0 + k]!;
  }
}

/** Writes column tile t of W = D V back into A as the new pivot row panel (outside K). */
function writeBackTile(s: SweepState, t: number, k0: number, b: number): void {
  const { a, n, nb, w } = s;
  const k1 = k0 + b;
  const base = t * nb * TILE;
  for (let c = 0; c < TILE; c++) {
    const j = t * TILE + c;
    if (j >= n || (j >= k0 && j < k1)) continue;
    if (j >= k1) for (let k = 0; k < b; k++) a[(k0 + k) * n + j] = w[base + k * TILE + c]!;
    else for (let k = 0; k < b; k++) a[j * n + k0 + k] = w[base + k * TILE + c]!;
  }
}

/**
 * A[rows of tile ti][cols of tile tj] -= W_ti^T V_tj over k < b: the register-blocked micro-kernel.
 * 16 sums live in locals; the packed panels are read with unit stride.
 */
function updateTile(a: Float64Array, n: number, w: Float64Array, v: Float64Array, wb: number, vb: number, b: number, i0: number, j0: number): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  const end = wb + b * 4;
  for (let p = wb, q = vb; p < end; p += 4, q += 4) {
    const w0 = w[p]!, w1 = w[p + 1]!, w2 = w[p + 2]!, w3 = w[p + 3]!;
    const v0 = v[q]!, v1 = v[q + 1]!, v2 = v[q + 2]!, v3 = v[q + 3]!;
    c00 += w0 * v0; c01 += w0 * v1; c02 += w0 * v2; c03 += w0 * v3;
    c10 += w1 * v0; c11 += w1 * v1; c12 += w1 * v2; c13 += w1 * v3;
    c20 += w2 * v0; c21 += w2 * v1; c22 += w2 * v2; c23 += w2 * v3;
    c30 += w3 * v0; c31 += w3 * v1; c32 += w3 * v2; c33 += w3 * v3;
  }
  if (i0 + 4 <= n && j0 + 4 <= n) {
    let r = i0 * n + j0;
    a[r] = a[r]! - c00; a[r + 1] = a[r + 1]! - c01; a[r + 2] = a[r + 2]! - c02; a[r + 3] = a[r + 3]! - c03;
    r += n;
    a[r] = a[r]! - c10; a[r + 1] = a[r + 1]! - c11; a[r + 2] = a[r + 2]! - c12; a[r + 3] = a[r + 3]! - c13;
    r += n;
    a[r] = a[r]! - c20; a[r + 1] = a[r + 1]! - c21; a[r + 2] = a[r + 2]! - c22; a[r + 3] = a[r + 3]! - c23;
    r += n;
    a[r] = a[r]! - c30; a[r + 1] = a[r + 1]! - c31; a[r + 2] = a[r + 2]! - c32; a[r + 3] = a[r + 3]! - c33;
    return;
  }
  // Ragged edge of the matrix: write only the entries that exist.
  const c = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
  for (let r = 0; r < 4 && i0 + r < n; r++) {
    for (let col = 0; col < 4 && j0 + col < n; col++) a[(i0 + r) * n + j0 + col] = a[(i0 + r) * n + j0 + col]! - c[r * 4 + col]!;
  }
}

/**
 * The whole sweep as run by participant `tid` of `parties` (1 = single-threaded). Every participant
 * calls this with the same state; work inside a step is split by tile index, steps are separated by barriers.
 */
export function runSweep(s: SweepState, tid: number, parties: number, barrier: Barrier): void {
  const { n, nb, a, w, v, ctl } = s;
  const tiles = tilesOf(n);
  for (let k0 = 0; k0 < n; k0 += nb) {
    const b = Math.min(nb, n - k0);
    const kt0 = k0 / TILE, kt1 = Math.ceil((k0 + b) / TILE);
    const upd = s.upd, dp = s.dp;
    if (tid === 0) {
      const bad = invertPivot(s, k0, b);
      if (bad >= 0) Atomics.store(ctl, CTL_STATUS, bad + 1);
      else if (upd && dp) packPivot(s.d, dp, b);
    }
    barrier();
    if (Atomics.load(ctl, CTL_STATUS) !== 0) return;
    if (upd && dp) {
      // Contiguous tile ranges per thread, so W = D V is a few long kernel runs: W -= (-D) V per 4-row group of D.
      const per = Math.ceil(tiles / parties), t0 = Math.min(tiles, tid * per), t1 = Math.min(tiles, t0 + per);
      for (let t = t0; t < t1; t++) gatherTile(s, t, k0, b);
      const tb4 = nb * TILE * 8;
      if (t1 > t0) {
        for (let g = 0; g * TILE < b; g++) upd(dp.byteOffset + g * b * 32, v.byteOffset + t0 * tb4, w.byteOffset + t0 * tb4 + g * 128, b, t1 - t0, 32, tb4, tb4);
      }
      for (let t = t0; t < t1; t++) writeBackTile(s, t, k0, b);
    } else {
      for (let t = tid; t < tiles; t += parties) if (t < kt0 || t >= kt1) packTile(s, t, k0, b);
    }
    barrier();
    const tb = nb * TILE;
    // Tiles sticking out of the matrix (n not a multiple of 4) always take the TypeScript kernel.
    const fullTiles = Math.floor(n / TILE);
    for (let jc = 0; jc < tiles; jc += CHUNK_TILES) {
      const jcEnd = Math.min(tiles, jc + CHUNK_TILES);
      for (let ti = tid; ti < jcEnd; ti += parties) {
        if (ti >= kt0 && ti < kt1) continue;
        const j0 = Math.max(ti, jc);
        if (upd && ti < fullTiles) {
          // Runs of whole tiles left and right of the pivot block go to WASM in one call each.
          const end = Math.min(jcEnd, fullTiles);
          const wOff = w.byteOffset + ti * tb * 8, rowOff = a.byteOffset + ti * TILE * n * 8;
          const run = (from: number, to: number) => {
            if (to > from) upd(wOff, v.byteOffset + from * tb * 8, rowOff + from * TILE * 8, b, to - from, n * 8, tb * 8, TILE * 8);
          };
          run(j0, Math.min(end, kt0));
          run(Math.max(j0, kt1), end);
          for (let tj = Math.max(j0, end); tj < jcEnd; tj++) if (tj < kt0 || tj >= kt1) updateTile(a, n, w, v, ti * tb, tj * tb, b, ti * TILE, tj * TILE);
          continue;
        }
        for (let tj = j0; tj < jcEnd; tj++) {
          if (tj >= kt0 && tj < kt1) continue;
          updateTile(a, n, w, v, ti * tb, tj * tb, b, ti * TILE, tj * TILE);
        }
      }
    }
    // The pivot block itself: A_KK <- -D (the upper triangle is enough).
    if (tid === 0) {
      const d = s.d;
      for (let i = 0; i < b; i++) for (let j = i; j < b; j++) a[(k0 + i) * n + k0 + j] = -d[i * b + j]!;
    }
    barrier();
  }
}

/** Turns the swept upper triangle (-A^-1) into the full symmetric A^-1; row blocks split among parties. */
export function finishInverse(a: Float64Array, n: number, tid: number, parties: number): void {
  const B = 64;
  for (let bi = tid * B; bi < n; bi += parties * B) {
    const iEnd = Math.min(n, bi + B);
    for (let i = bi; i < iEnd; i++) for (let j = i; j < n; j++) a[i * n + j] = -a[i * n + j]!;
    for (let bj = bi; bj < n; bj += B) {
      const jEnd = Math.min(n, bj + B);
      for (let i = bi; i < iEnd; i++) {
        for (let j = Math.max(bj, i + 1); j < jEnd; j++) a[j * n + i] = a[i * n + j]!;
      }
    }
  }
}

/**
 * In-place inverse of an SPD matrix on the calling thread. `a` is n x n row-major; only its upper triangle
 * is read. On return it holds the full symmetric inverse. Throws NotPositiveDefiniteError.
 */
export function spdInverseInPlace(a: Float64Array, n: number, nb = DEFAULT_BLOCK): Float64Array {
  if (a.length < n * n) throw new RangeError(`matrix has ${a.length} values, ${n}x${n} needs ${n * n}`);
  if (nb % TILE !== 0 || nb <= 0) throw new RangeError(`block size ${nb} must be a positive multiple of ${TILE}`);
  const arena = n >= 16 && kernelModule() ? denseArena(n, nb) : undefined;
  if (arena?.memory) {
    arena.a.set(a.subarray(0, n * n));
    const s: SweepState = { ...arena, ctl: new Int32Array(CTL_LENGTH), upd: tileKernelFor(arena.memory) };
    runSweep(s, 0, 1, () => {});
    checkStatus(s.ctl);
    finishInverse(arena.a, n, 0, 1);
    a.set(arena.a);
    return a;
  }
  const s: SweepState = { a, n, nb, ...sweepBuffers(n, nb, false) };
  runSweep(s, 0, 1, () => {});
  checkStatus(s.ctl);
  finishInverse(a, n, 0, 1);
  return a;
}

export function checkStatus(ctl: Int32Array): void {
  const st = Atomics.load(ctl, CTL_STATUS);
  if (st !== 0) {
    throw new NotPositiveDefiniteError(
      `matrix is not positive definite (pivot ${st - 1} is not positive): with EASE raise l2, or check the data for NaN`,
    );
  }
}

/** y = A x for a full row-major n x n matrix (tests and checks). */
export function matVec(a: Float64Array, n: number, x: Float64Array, y: Float64Array): Float64Array {
  for (let i = 0; i < n; i++) {
    let s = 0;
    const r = i * n;
    for (let j = 0; j < n; j++) s += a[r + j]! * x[j]!;
    y[i] = s;
  }
  return y;
}

/** A job every pool worker runs together. */
export type PoolJob =
  | { kind: 'gram'; x: { rows: number; cols: number; indptr: Int32Array; indices: Int32Array; data: Float32Array }; out: Float64Array; chunks: number }
  | { kind: 'sweep'; state: Omit<SweepState, 'ctl' | 'upd'>; memory?: WasmMemory }
  | { kind: 'finish'; a: Float64Array; n: number };

/** A Float64Array on a SharedArrayBuffer (zeroed), for matrices the pool works on. */
export function sharedFloat64(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(length * 8));
}

/** Copies a typed array onto a SharedArrayBuffer (no-op if it already is on one). */
export function toShared<T extends Float64Array | Float32Array | Int32Array>(x: T): T {
  if (x.buffer instanceof SharedArrayBuffer) return x;
  const C = x.constructor as new (b: SharedArrayBuffer) => T;
  const y = new C(new SharedArrayBuffer(x.byteLength));
  y.set(x as never);
  return y;
}

/**
 * Worker threads kept alive across the jobs of one computation (Gram, sweep, finish), so start-up is paid
 * once. Workers run the same build as the main program (dist/ JavaScript, or the sources through tsx).
 */
export class DensePool {
  private readonly ctl = new Int32Array(new SharedArrayBuffer(CTL_LENGTH * 4));
  private constructor(private readonly workers: import('node:worker_threads').Worker[]) {}

  get size(): number {
    return this.workers.length;
  }

  static async create(threads: number): Promise<DensePool> {
    const { Worker } = await import('node:worker_threads');
    const pool = new DensePool([]);
    for (let tid = 0; tid < threads; tid++) {
      pool.workers.push(new Worker(workerBootstrap(new URL('./dense-worker.ts', import.meta.url)), { eval: true, workerData: { tid, parties: threads, ctl: pool.ctl } }));
    }
    return pool;
  }

  /** Runs `job` on every worker and resolves when all are done; rejects with the first worker failure. */
  run(job: PoolJob): Promise<void> {
    Atomics.store(this.ctl, CTL_STATUS, 0);
    Atomics.store(this.ctl, CTL_NEXT, 0);
    return new Promise((resolve, reject) => {
      let left = this.workers.length;
      let failed: Error | undefined;
      for (const w of this.workers) {
        const onMessage = (m: { ok: boolean; message?: string }) => { off(); done(m.ok ? undefined : new Error(m.message)); };
        const onError = (e: Error) => { off(); done(e); };
        const off = () => { w.off('message', onMessage); w.off('error', onError); };
        w.on('message', onMessage);
        w.on('error', onError);
        w.postMessage(job);
      }
      const done = (e?: Error) => {
        failed ??= e;
        if (--left === 0) {
          if (failed) reject(failed);
          else resolve();
        }
      };
    });
  }

  status(): Int32Array {
    return this.ctl;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

export interface InverseOptions {
  /** Worker threads (default: available cores); 1 runs on the calling thread. */
  threads?: number;
  block?: number;
  /** Reuse a running pool (it is not closed). */
  pool?: DensePool;
  /** Buffers from `denseArena` whose `a` is the matrix passed in: avoids a copy into WASM memory. */
  arena?: DenseArena;
}

/** Below this size workers cost more to start than they save. */
export const PARALLEL_MIN_N = 600;

/**
 * Inverse of an SPD matrix (upper triangle of row-major `a` is read), in place, on worker threads when
 * that pays. The work happens in a `denseArena` (pass one holding `a` to skip the copy in and out).
 */
export async function spdInverse(a: Float64Array, n: number, o: InverseOptions = {}): Promise<Float64Array> {
  const nb = o.block ?? DEFAULT_BLOCK;
  const threads = o.pool?.size ?? o.threads ?? (await import('node:os')).availableParallelism();
  if (threads <= 1 || n < PARALLEL_MIN_N) return spdInverseInPlace(a, n, nb);
  if (nb % TILE !== 0 || nb <= 0) throw new RangeError(`block size ${nb} must be a positive multiple of ${TILE}`);
  const pool = o.pool ?? (await DensePool.create(threads));
  try {
    const arena = o.arena ?? denseArena(n, nb);
    if (arena.a !== a) arena.a.set(a.subarray(0, n * n));
    await pool.run({ kind: 'sweep', state: { a: arena.a, n, nb, d: arena.d, v: arena.v, w: arena.w, dp: arena.dp }, memory: arena.memory });
    checkStatus(pool.status());
    await pool.run({ kind: 'finish', a: arena.a, n });
    if (arena.a !== a) a.set(arena.a);
    return a;
  } finally {
    if (!o.pool) await pool.close();
  }
}

/** The optional C++ kernel (native/), built by `npm install` when a compiler is present. */
export interface NativeDense {
  /** Same contract as spdInverseInPlace (upper triangle in, full inverse out); throws on a non-positive pivot. */
  spdInverseUpper(a: Float64Array, n: number, threads: number): void;
}

let native: NativeDense | null | undefined;

/** The native dense kernel (see native.ts) if it was built; undefined otherwise or when CURIO_NATIVE=0. */
export function loadNativeDense(): NativeDense | undefined {
  if (native === undefined) {
    const addon = nativeAddon();
    native = addon
      ? {
          spdInverseUpper(a, n, threads) {
            if (a.length < n * n) throw new RangeError(`matrix has ${a.length} values, ${n}x${n} needs ${n * n}`);
            const bad = addon.spdInverseUpper(a, n, threads);
            if (bad >= 0) checkStatus(Int32Array.of(0, 0, bad + 1));
          },
        }
      : null;
  }
  return native ?? undefined;
}

// ---------------------------------------------------------------- WASM SIMD tile kernel
//
// Plain JavaScript tops out near 4 GFLOP/s per core here (scalar float64, 16 registers), so the update's
// inner loop is a small WebAssembly function using 128-bit f64x2 vectors, about 3x faster. There is no WASM
// toolchain in the build, so the module is emitted below from its opcodes: one exported function `upd`
// (the TileRunKernel contract), importing a shared memory that holds the matrix and the packed panels.

interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}
interface WasmApi {
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: object) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
}
const Wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
const WASM_PAGE = 65536;
const WASM_MAX_PAGES = 65536;

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

/** The kernel module's bytes: f64x2 accumulators for a 4 x 4 tile (8 vectors), W broadcast by load64_splat. */
export function tileKernelWasm(): Uint8Array {
  const I32 = 0x7f, V128 = 0x7b;
  const section = (id: number, bytes: number[]) => [id, ...leb(bytes.length), ...bytes];
  const vec = (items: number[][]) => [...leb(items.length), ...items.flat()];
  const name = (s: string) => [...leb(s.length), ...[...s].map((c) => c.charCodeAt(0))];
  const get = (i: number) => [0x20, ...leb(i)], set = (i: number) => [0x21, ...leb(i)];
  const i32 = (v: number) => [0x41, ...leb(v)]; // small non-negative constants only (sleb == leb below 64)
  const simd = (op: number) => [0xfd, ...leb(op)];
  const load = (off: number) => [...simd(0x00), 3, ...leb(off)];
  const store = (off: number) => [...simd(0x0b), 3, ...leb(off)];
  const splat = (off: number) => [...simd(0x0a), 3, ...leb(off)];
  const add = simd(0xf0), sub = simd(0xf1), mul = simd(0xf2);
  const zero = [...simd(0x0c), ...new Array<number>(16).fill(0)];
  // params 0 w, 1 v, 2 c, 3 b, 4 count, 5 stride, 6 panelBytes, 7 cStep; locals 8 p, 9 q, 10 end, 11 row; 12..19 sums, 20 va, 21 vb, 22 ws
  const P = 8, Q = 9, END = 10, ROW = 11, SUM = 12, VA = 20, VB = 21, WS = 22;
  const body: number[] = [];
  body.push(0x02, 0x40, 0x03, 0x40); // block { loop {            over tiles
  body.push(...get(4), 0x45, 0x0d, 1); //   if count == 0 break
  for (let q = 0; q < 8; q++) body.push(...zero, ...set(SUM + q));
  body.push(...get(0), ...set(P), ...get(1), ...set(Q), ...get(0), ...get(3), ...i32(32), 0x6c, 0x6a, ...set(END));
  body.push(0x02, 0x40, 0x03, 0x40); //   block { loop {          over k
  body.push(...get(P), ...get(END), 0x4f, 0x0d, 1); // if p >= end break
  body.push(...get(Q), ...load(0), ...set(VA), ...get(Q), ...load(16), ...set(VB));
  for (let r = 0; r < 4; r++) {
    body.push(...get(P), ...splat(8 * r), ...set(WS));
    body.push(...get(SUM + 2 * r), ...get(WS), ...get(VA), ...mul, ...add, ...set(SUM + 2 * r));
    body.push(...get(SUM + 2 * r + 1), ...get(WS), ...get(VB), ...mul, ...add, ...set(SUM + 2 * r + 1));
  }
  body.push(...get(P), ...i32(32), 0x6a, ...set(P), ...get(Q), ...i32(32), 0x6a, ...set(Q));
  body.push(0x0c, 0, 0x0b, 0x0b); //   } }
  body.push(...get(2), ...set(ROW));
  for (let r = 0; r < 4; r++) {
    body.push(...get(ROW), ...get(ROW), ...load(0), ...get(SUM + 2 * r), ...sub, ...store(0));
    body.push(...get(ROW), ...get(ROW), ...load(16), ...get(SUM + 2 * r + 1), ...sub, ...store(16));
    body.push(...get(ROW), ...get(5), 0x6a, ...set(ROW));
  }
  body.push(...get(2), ...get(7), 0x6a, ...set(2), ...get(1), ...get(6), 0x6a, ...set(1), ...get(4), ...i32(1), 0x6b, ...set(4));
  body.push(0x0c, 0, 0x0b, 0x0b, 0x0b); // } } end
  const func = [...vec([[4, I32], [11, V128]]), ...body];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec(new Array<number[]>(8).fill([I32])), 0]])),
    ...section(2, vec([[...name('env'), ...name('mem'), 0x02, 0x03, ...leb(1), ...leb(WASM_MAX_PAGES)]])),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...name('upd'), 0x00, 0]])),
    ...section(10, vec([[...leb(func.length), ...func]])),
  ]);
}

let wasmModule: object | null | undefined;

/** Turns the WASM kernel off (false) or back on (true, if the runtime supports it): for tests and benchmarks. */
export function useWasmKernel(enabled: boolean): void {
  wasmModule = enabled ? undefined : null;
}

/** Whether the WASM SIMD kernel is in use. */
export function wasmKernelActive(): boolean {
  return kernelModule() !== undefined;
}

function kernelModule(): object | undefined {
  if (wasmModule === undefined) {
    wasmModule = null;
    const bytes = tileKernelWasm();
    if (Wasm && process.env.CURIO_WASM !== '0' && Wasm.validate(bytes)) {
      try {
        wasmModule = new Wasm.Module(bytes);
      } catch {
        wasmModule = null;
      }
    }
  }
  return wasmModule ?? undefined;
}

/** The tile kernel bound to `memory` (undefined when WASM SIMD is unavailable or disabled by CURIO_WASM=0). */
export function tileKernelFor(memory: WasmMemory | undefined): TileRunKernel | undefined {
  const mod = kernelModule();
  if (!mod || !memory || !Wasm) return undefined;
  return new Wasm.Instance(mod, { env: { mem: memory } }).exports.upd as TileRunKernel;
}

/** The matrix and sweep buffers, on one shared WASM memory when possible so the SIMD kernel can reach them. */
export interface DenseArena {
  a: Float64Array;
  d: Float64Array;
  dp: Float64Array;
  v: Float64Array;
  w: Float64Array;
  n: number;
  nb: number;
  /** Present when the buffers live in WASM memory; workers bind the kernel to it. */
  memory?: WasmMemory;
}

/**
 * Allocates a zeroed n x n matrix plus sweep buffers on shared memory: one WASM memory (up to 4 GiB, about
 * 22K x 22K) when the SIMD kernel is available, separate SharedArrayBuffers otherwise.
 */
export function denseArena(n: number, nb = DEFAULT_BLOCK): DenseArena {
  const panel = tilesOf(n) * nb * TILE;
  const lengths = [n * n, nb * nb, panel, panel, nb * nb];
  const bytes = lengths.reduce((s, l) => s + Math.ceil((l * 8) / 64) * 64, 0);
  const pages = Math.ceil(bytes / WASM_PAGE);
  if (kernelModule() && Wasm && pages <= WASM_MAX_PAGES) {
    try {
      const memory = new Wasm.Memory({ initial: pages, maximum: pages, shared: true });
      let off = 0;
      const [a, d, v, w, dp] = lengths.map((l) => {
        const x = new Float64Array(memory.buffer, off, l);
        off += Math.ceil((l * 8) / 64) * 64;
        return x;
      }) as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
      return { a, d, v, w, dp, n, nb, memory };
    } catch {
      // Address space refused: fall through to plain shared buffers.
    }
  }
  const { d, v, w } = sweepBuffers(n, nb, true);
  return { a: sharedFloat64(n * n), d, v, w, dp: sharedFloat64(nb * nb), n, nb };
}
