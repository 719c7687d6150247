import { z } from 'zod';
import { parseConfig, strictObject } from '../config.ts';
import { transpose, type Csr } from '../data/csr.ts';
import { Rng } from '../data/random.ts';
import { WeightingSchema } from '../data/weighting.ts';
import { AbortedError, ArtifactError, ModelFitError } from '../errors.ts';
import { AlsScratch, solveRowCholesky, type AlsProblem } from '../linalg/cg.ts';
import type { Ranked } from '../linalg/topk.ts';
import { nativeAddon, type NativeAddon } from '../linalg/native.ts';
import { gramian, mirrorUpper } from '../linalg/vec.ts';
import { createKernel, type AlsKernelInit, type AlsTask, type SparseRows } from '../parallel/als-kernel.ts';
import { balancedSplit, defaultThreads, sharedArray, WorkerPool } from '../parallel/pool.ts';
import { BaseRecommender, expectArray } from './base.ts';
import { assertFinite, cosineNeighbours, initFactors, quantizeRows, rowNorms, scoreAll, topKFactors, type QuantizedRows } from './mf.ts';
import type { FitOptions, ModelArtifact, ModelFactory, TopCandidates } from './types.ts';

export const IalsConfigSchema = strictObject({
  factors: z.number().int().positive().max(1024).default(64),
  /** λ. With frequencyScaledReg the effective penalty is λ·(|I_u| + α0·|I|)^ν, so good values are much smaller. */
  regularization: z.number().min(0).default(0.05),
  /** Confidence of an observed entry: 1 + alpha · value. */
  alpha: z.number().min(0).default(1),
  iterations: z.number().int().positive().default(15),
  /** Conjugate-gradient steps per row and half-step (warm-started, so 3 is plenty). */
  cgSteps: z.number().int().positive().default(3),
  solver: z.enum(['cg', 'cholesky']).default('cg'),
  /** Rendle et al. 2022 frequency-scaled regularization; see src/linalg/cg.ts for the formula. */
  frequencyScaledReg: z.boolean().default(false),
  /** ν of frequency-scaled regularization (1 = proportional to the number of loss terms of the row). */
  regularizationExponent: z.number().min(0).default(1),
  /** α0: weight of every unobserved (user, item) pair; 1 is the classic Hu et al. model. */
  unobservedWeight: z.number().positive().default(1),
  seed: z.number().int().default(42),
  weighting: WeightingSchema.optional(),
});
export type IalsConfig = z.infer<typeof IalsConfigSchema>;

/** Below this many nonzeros × factors, starting workers costs more than it saves. */
const MIN_PARALLEL_WORK = 2_000_000;

/**
 * Implicit-feedback matrix factorisation by alternating least squares (Hu, Koren & Volinsky 2008),
 * solved per row with warm-started conjugate gradient (Takács et al. 2011) or exactly by Cholesky.
 * The native kernel (native/factors.cc, OpenMP) runs when it was built; otherwise users and items are split
 * across worker threads by nonzeros, with factors in SharedArrayBuffers. Both give the same model.
 */
export class Ials extends BaseRecommender<IalsConfig> {
  readonly kind = 'ials';
  userFactors: Float32Array = new Float32Array(0);
  /** int8 copy of the item factors for serving (topForUser), made on first use, for the array it was made of. */
  private quantized: (QuantizedRows & { of: Float32Array }) | undefined;
  itemFactors: Float32Array = new Float32Array(0);
  private itemGram: Float64Array | undefined;
  private itemNorms: Float32Array | undefined;

  get f(): number {
    return this.config.factors;
  }

  /** Use the native kernel (native/factors.cc) when it was built; false forces the TypeScript workers. */
  preferNative = true;

  protected async fitWeighted(m: Csr, o: FitOptions) {
    const c = this.config;
    const threads = Math.max(1, Math.min(o.threads ?? defaultThreads(), 64));
    const native = this.preferNative ? nativeAddon() : undefined;
    const rng = new Rng(o.seed ?? c.seed);
    const runner = native ? nativeRunner(native, m, c, threads, rng) : await workerRunner(m, c, threads, rng);
    try {
      const t0 = performance.now();
      for (let epoch = 1; epoch <= c.iterations; epoch++) {
        if (o.signal?.aborted) throw new AbortedError(`${this.kind}: fit aborted in iteration ${epoch}`);
        const failed = await runner.iteration();
        if (failed) throw new ModelFitError(`${this.kind}: ${failed} least-squares systems were not positive definite in iteration ${epoch}: raise regularization`);
        assertFinite(this.kind, 'user', runner.X, epoch);
        assertFinite(this.kind, 'item', runner.Y, epoch);
        o.onProgress?.({ epoch, epochs: c.iterations, seconds: (performance.now() - t0) / 1000 });
      }
    } finally {
      await runner.close();
    }
    // Plain copies: the model should not pin SharedArrayBuffers, and artifacts serialise them directly.
    this.userFactors = runner.X.buffer instanceof ArrayBuffer ? runner.X : runner.X.slice();
    this.itemFactors = runner.Y.buffer instanceof ArrayBuffer ? runner.Y : runner.Y.slice();
    this.itemGram = undefined;
    this.itemNorms = undefined;
    return { epochs: c.iterations };
  }

  scoreUser(user: number, out: Float32Array): void {
    const nU = this.nUsers;
    if (user < 0 || user >= nU) throw new RangeError(`user index ${user} outside 0..${nU - 1}`);
    scoreAll(this.itemFactors, this.nItems, this.f, this.userFactors, user * this.f, out);
  }

  /**
   * The k best allowed items for a training user, in catalogue space (see topKFactors): the serving path that
   * needs no catalogue-sized score array. The same list and scores as scoreUser, mapped, masked and ranked.
   */
  topForUser(user: number, toCatalog: Int32Array, allowed: Uint8Array, k: number): TopCandidates {
    const nU = this.nUsers;
    if (user < 0 || user >= nU) throw new RangeError(`user index ${user} outside 0..${nU - 1}`);
    this.prepareServing();
    return topKFactors(this.itemFactors, this.nItems, this.f, this.userFactors, user * this.f, toCatalog, allowed, k, this.quantized);
  }

  prepareServing(): void {
    if (this.quantized?.of !== this.itemFactors) this.quantized = { of: this.itemFactors, ...quantizeRows(this.itemFactors, this.nItems, this.f) };
  }

  /** The user vector ALS would compute for this history with the item factors fixed (exact solve). */
  foldIn(items: Int32Array, values: Float32Array): Float32Array {
    const c = this.config, f = this.f, nI = this.matrix.cols;
    if (!this.itemGram) {
      const g = gramian(this.itemFactors, nI, f);
      for (let k = 0; k < g.length; k++) g[k] = g[k]! * c.unobservedWeight;
      this.itemGram = g;
    }
    for (let q = 0; q < items.length; q++) if (!(items[q]! >= 0 && items[q]! < nI)) throw new RangeError(`item index ${items[q]} outside 0..${nI - 1}`);
    const x = new Float32Array(f);
    const pr: AlsProblem = {
      f, Y: this.itemFactors, G: this.itemGram, X: x,
      indptr: Int32Array.of(0, items.length), indices: items, data: values,
      alpha: c.alpha, alpha0: c.unobservedWeight, lambda: c.regularization,
      nu: c.frequencyScaledReg ? c.regularizationExponent : null, nOther: nI,
    };
    if (!solveRowCholesky(pr, 0, new AlsScratch(f))) throw new ModelFitError(`${this.kind}: fold-in system is not positive definite: raise regularization`);
    return x;
  }

  protected scoreWeightedHistory(items: Int32Array, values: Float32Array, out: Float32Array): void {
    scoreAll(this.itemFactors, this.nItems, this.f, this.foldIn(items, values), 0, out);
  }

  similarItems(item: number, k: number): Ranked {
    this.itemNorms ??= rowNorms(this.itemFactors, this.nItems, this.f);
    return cosineNeighbours(this.itemFactors, this.itemNorms, this.f, item, k);
  }

  toArtifact(): ModelArtifact {
    return this.baseArtifact({ factors: this.f }, { userFactors: this.userFactors, itemFactors: this.itemFactors });
  }

  static fromArtifact(a: ModelArtifact): Ials {
    const m = new Ials(parseConfig(IalsConfigSchema, a.config, 'ials'));
    m.restoreBase(a);
    m.userFactors = expectArray(a, 'userFactors', Float32Array);
    m.itemFactors = expectArray(a, 'itemFactors', Float32Array);
    if (m.userFactors.length !== m.nUsers * m.f || m.itemFactors.length !== m.nItems * m.f) {
      throw new ArtifactError(`ials model file: factor arrays do not match ${m.nUsers} users × ${m.nItems} items × ${m.f} factors`);
    }
    return m;
  }
}

/** One fit's state and its way of running an iteration (users half-step, then items). */
interface AlsRunner {
  X: Float32Array;
  Y: Float32Array;
  /** Runs one iteration; resolves to the number of systems that were not positive definite. */
  iteration(): Promise<number>;
  close(): Promise<void>;
}

/** The initial factors: one generator, user factors first (bench/agreement.ts hands the same draw to numpy). */
export function initialFactors(nU: number, nI: number, f: number, rng: Rng, alloc: (n: number) => Float32Array) {
  return { X: initFactors(alloc(nU * f), rng, 0.01), Y: initFactors(alloc(nI * f), rng, 0.01) };
}

/** The C++ kernel: each half-step runs on OpenMP threads off the JavaScript thread. */
function nativeRunner(native: NativeAddon, m: Csr, c: IalsConfig, threads: number, rng: Rng): AlsRunner {
  const { X, Y } = initialFactors(m.rows, m.cols, c.factors, rng, (n) => new Float32Array(n));
  const byItem = transpose(m);
  const params = Float64Array.of(c.factors, c.alpha, c.unobservedWeight, c.regularization, c.frequencyScaledReg ? c.regularizationExponent : -1, c.cgSteps, c.solver === 'cholesky' ? 1 : 0, threads);
  return {
    X, Y,
    async iteration() {
      const a = await native.alsHalfStep(Y, X, m.indptr, m.indices, m.data, params);
      return a + await native.alsHalfStep(X, Y, byItem.indptr, byItem.indices, byItem.data, params);
    },
    async close() {},
  };
}

/** The TypeScript kernel (src/linalg/cg.ts), on worker threads over SharedArrayBuffers when the data is big enough. */
async function workerRunner(m: Csr, c: IalsConfig, threads: number, rng: Rng): Promise<AlsRunner> {
  const f = c.factors, nU = m.rows, nI = m.cols;
  const parallel = threads > 1 && m.indptr[nU]! * f >= MIN_PARALLEL_WORK;
  const alloc32 = (n: number) => (parallel ? sharedArray(Float32Array, n) : new Float32Array(n));
  const share = (r: Csr): SparseRows => parallel
    ? { indptr: sharedArray(Int32Array, r.indptr.length, r.indptr), indices: sharedArray(Int32Array, r.indices.length, r.indices), data: sharedArray(Float32Array, r.data.length, r.data) }
    : r;
  const { X, Y } = initialFactors(nU, nI, f, rng, alloc32);
  const nParts = parallel ? threads : 1;
  const alloc64 = (n: number) => (parallel ? sharedArray(Float64Array, n) : new Float64Array(n));
  const G = alloc64(f * f);
  const parts = Array.from({ length: nParts }, () => alloc64(f * f));
  const byUser = share(m);
  const byItem = share(transpose(m));
  const base: Omit<AlsKernelInit, 'part'> = {
    f, alpha: c.alpha, alpha0: c.unobservedWeight, lambda: c.regularization,
    nu: c.frequencyScaledReg ? c.regularizationExponent : null,
    solver: c.solver, cgSteps: c.cgSteps,
    userFactors: X, itemFactors: Y, byUser, byItem, G,
  };
  // Row ranges per thread: solving costs about (2f·nnz_row + f²) per CG step, so balance nnz + f/2.
  const split = (rows: SparseRows, n: number) => balancedSplit(n, nParts, (r) => rows.indptr[r + 1]! - rows.indptr[r]! + f / 2);
  const solveBounds = { users: split(byUser, nU), items: split(byItem, nI) };
  const gramBounds = { users: balancedSplit(nI, nParts, () => 1), items: balancedSplit(nU, nParts, () => 1) };

  let pool: WorkerPool<AlsTask, number> | undefined;
  let run: (tasks: AlsTask[]) => Promise<number[]>;
  if (parallel) {
    // Each worker gets its own partial-Gramian buffer; the rest of the state is shared.
    pool = await WorkerPool.start<AlsTask, number>(nParts, new URL('../parallel/als-kernel.ts', import.meta.url), (w) => ({ ...base, part: parts[w]! }));
    run = (tasks) => pool!.run(tasks);
  } else {
    const kernel = createKernel({ ...base, part: parts[0]! });
    run = async (tasks) => tasks.map(kernel);
  }
  return {
    X, Y,
    async iteration() {
      let failed = 0;
      for (const side of ['users', 'items'] as const) {
        const gb = gramBounds[side];
        await run(parts.map((_, w) => ({ op: 'gram', side, start: gb[w]!, end: gb[w + 1]! })));
        G.fill(0);
        for (const p of parts) for (let k = 0; k < f * f; k++) G[k] = G[k]! + c.unobservedWeight * p[k]!;
        mirrorUpper(G, f);
        const sb = solveBounds[side];
        const r = await run(parts.map((_, w) => ({ op: 'solve', side, start: sb[w]!, end: sb[w + 1]! })));
        for (const x of r) failed += x;
      }
      return failed;
    },
    close: async () => { await pool?.close(); },
  };
}

export const ials: ModelFactory<Ials> = {
  kind: 'ials',
  create: (config) => new Ials(parseConfig(IalsConfigSchema, config, 'ials')),
  fromArtifact: Ials.fromArtifact,
};
