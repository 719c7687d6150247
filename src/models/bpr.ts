import { z } from 'zod';
import { parseConfig, strictObject } from '../config.ts';
import type { Csr } from '../data/csr.ts';
import { Rng } from '../data/random.ts';
import { WeightingSchema } from '../data/weighting.ts';
import { AbortedError, ArtifactError, ModelFitError } from '../errors.ts';
import type { Ranked } from '../linalg/topk.ts';
import { createKernel, rowHas, type BprKernelInit, type BprResult, type BprTask } from '../parallel/bpr-kernel.ts';
import { defaultThreads, sharedArray, WorkerPool } from '../parallel/pool.ts';
import { nativeAddon } from '../linalg/native.ts';
import { BaseRecommender, expectArray } from './base.ts';
import { assertFinite, cosineNeighbours, initFactors, rowNorms, scoreAll } from './mf.ts';
import type { FitOptions, ModelArtifact, ModelFactory } from './types.ts';

export const BprConfigSchema = strictObject({
  factors: z.number().int().positive().max(1024).default(64),
  learningRate: z.number().positive().default(0.05),
  regularization: z.number().min(0).default(0.0025),
  /** Epochs; each draws `samplesPerEpoch` (user, positive, negative) triples. */
  iterations: z.number().int().positive().default(50),
  /** Default: the number of stored interactions. */
  samplesPerEpoch: z.number().int().positive().optional(),
  seed: z.number().int().default(42),
  weighting: WeightingSchema.optional(),
});
export type BprConfig = z.infer<typeof BprConfigSchema>;

/** Below this many samples × factors per epoch, workers cost more than they save. */
const MIN_PARALLEL_WORK = 20_000_000;
/** SGD passes over the history when folding in a new user. */
const FOLD_IN_EPOCHS = 40;

/**
 * Bayesian personalised ranking with matrix factorisation (Rendle, Freudenthaler, Gantner & Schmidt-Thieme
 * 2009): maximises Σ ln σ(x_u·(y_i − y_j) + b_i − b_j) over sampled (user, seen i, unseen j) triples by SGD.
 * Every stored entry is a positive; values are ignored (use a threshold weighting to drop weak ones).
 * Epochs run in the native kernel when it was built, else in TypeScript (on workers for large data). With more
 * than one thread the updates are lock-free (Hogwild) and not bit-reproducible; with one they are, per seed.
 */
export class Bpr extends BaseRecommender<BprConfig> {
  readonly kind = 'bpr';
  userFactors: Float32Array = new Float32Array(0);
  itemFactors: Float32Array = new Float32Array(0);
  itemBias: Float32Array = new Float32Array(0);
  private itemNorms: Float32Array | undefined;

  get f(): number {
    return this.config.factors;
  }

  /** Use the native kernel (native/factors.cc) when it was built; false forces the TypeScript kernel. */
  preferNative = true;

  protected async fitWeighted(m: Csr, o: FitOptions) {
    const c = this.config, f = c.factors, nU = m.rows, nI = m.cols;
    const nnz = m.indptr[nU]!;
    if (nnz === 0) throw new ModelFitError(`${this.kind}: no positive interactions to learn from`);
    const samples = c.samplesPerEpoch ?? nnz;
    const threads = Math.max(1, Math.min(o.threads ?? defaultThreads(), 64));
    const native = this.preferNative ? nativeAddon() : undefined;
    // Small fits stay on one thread, so they are reproducible per seed (lock-free threads are not).
    const big = threads > 1 && samples * f >= MIN_PARALLEL_WORK;
    const parallel = !native && big;
    const f32 = (n: number) => (parallel ? sharedArray(Float32Array, n) : new Float32Array(n));
    const i32 = (n: number, from?: Int32Array) => (parallel ? sharedArray(Int32Array, n, from) : from ?? new Int32Array(n));

    const seed = o.seed ?? c.seed;
    const rng = new Rng(seed);
    const X = initFactors(f32(nU * f), rng, 0.1), Y = initFactors(f32(nI * f), rng, 0.1), B = f32(nI);
    const rowOf = i32(nnz);
    for (let u = 0; u < nU; u++) rowOf.fill(u, m.indptr[u]!, m.indptr[u + 1]!);
    const init: BprKernelInit = {
      f, learningRate: c.learningRate, regularization: c.regularization,
      userFactors: X, itemFactors: Y, itemBias: B,
      indptr: i32(nU + 1, m.indptr), indices: i32(nnz, m.indices), rowOf,
    };
    // One epoch: the native kernel on OpenMP threads, else TypeScript on workers (large data) or in-process.
    let epochRun: (epoch: number) => Promise<BprResult[]>;
    let pool: WorkerPool<BprTask, BprResult> | undefined;
    const tasks = (epoch: number, parts: number) => Array.from({ length: parts }, (_, w) => ({
      samples: Math.floor(samples / parts) + (w < samples % parts ? 1 : 0),
      seed: (seed * 1_000_003 + epoch * 7919 + w) >>> 0,
    }));
    if (native) {
      epochRun = async (epoch) => {
        const params = Float64Array.of(f, c.learningRate, c.regularization, samples, tasks(epoch, 1)[0]!.seed, big ? threads : 1);
        const [logLik, correct, done] = await native.bprEpoch(X, Y, B, m.indptr, m.indices, rowOf, params);
        return [{ logLik, correct, samples: done }];
      };
    } else if (parallel) {
      pool = await WorkerPool.start<BprTask, BprResult>(threads, new URL('../parallel/bpr-kernel.ts', import.meta.url), () => init);
      epochRun = (epoch) => pool!.run(tasks(epoch, threads));
    } else {
      const kernel = createKernel(init);
      epochRun = async (epoch) => tasks(epoch, 1).map(kernel);
    }
    const loss: number[] = [];
    try {
      const t0 = performance.now();
      for (let epoch = 1; epoch <= c.iterations; epoch++) {
        if (o.signal?.aborted) throw new AbortedError(`${this.kind}: fit aborted in epoch ${epoch}`);
        const res = await epochRun(epoch);
        let ll = 0, n = 0;
        for (const r of res) { ll += r.logLik; n += r.samples; }
        assertFinite(this.kind, 'user', X, epoch);
        assertFinite(this.kind, 'item', Y, epoch);
        const epochLoss = n ? -ll / n : 0;
        loss.push(epochLoss);
        o.onProgress?.({ epoch, epochs: c.iterations, seconds: (performance.now() - t0) / 1000, loss: epochLoss });
      }
    } finally {
      await pool?.close();
    }
    this.userFactors = parallel ? X.slice() : X;
    this.itemFactors = parallel ? Y.slice() : Y;
    this.itemBias = parallel ? B.slice() : B;
    this.itemNorms = undefined;
    return { epochs: c.iterations, loss };
  }

  scoreUser(user: number, out: Float32Array): void {
    const nU = this.nUsers;
    if (user < 0 || user >= nU) throw new RangeError(`user index ${user} outside 0..${nU - 1}`);
    this.scoreVector(this.userFactors, user * this.f, out);
  }

  private scoreVector(x: Float32Array, xo: number, out: Float32Array): void {
    const B = this.itemBias;
    scoreAll(this.itemFactors, this.nItems, this.f, x, xo, out);
    for (let j = 0; j < this.nItems; j++) out[j] = out[j]! + B[j]!;
  }

  /**
   * A user vector for an unseen history: the same SGD on the BPR objective with item factors held fixed,
   * from zero, seeded by the config seed so the same history always gives the same vector.
   */
  foldIn(items: Int32Array): Float32Array {
    const f = this.f, nI = this.matrix.cols, Y = this.itemFactors, B = this.itemBias;
    const { learningRate: lr, regularization: reg } = this.config;
    const sorted = Int32Array.from(new Set(items)).sort();
    for (const i of sorted) if (!(i >= 0 && i < nI)) throw new RangeError(`item index ${i} outside 0..${nI - 1}`);
    const x = new Float32Array(f);
    if (!sorted.length || sorted.length >= nI) return x;
    const rng = new Rng(this.config.seed);
    for (let t = 0; t < FOLD_IN_EPOCHS * sorted.length; t++) {
      const i = sorted[rng.int(sorted.length)]!;
      let j = rng.int(nI);
      while (rowHas(sorted, 0, sorted.length, j)) j = rng.int(nI);
      const io = i * f, jo = j * f;
      let s = B[i]! - B[j]!;
      for (let k = 0; k < f; k++) s += x[k]! * (Y[io + k]! - Y[jo + k]!);
      const g = s > 0 ? Math.exp(-s) / (1 + Math.exp(-s)) : 1 / (1 + Math.exp(s));
      for (let k = 0; k < f; k++) x[k] = x[k]! + lr * (g * (Y[io + k]! - Y[jo + k]!) - reg * x[k]!);
    }
    return x;
  }

  protected scoreWeightedHistory(items: Int32Array, _values: Float32Array, out: Float32Array): void {
    this.scoreVector(this.foldIn(items), 0, out);
  }

  similarItems(item: number, k: number): Ranked {
    this.itemNorms ??= rowNorms(this.itemFactors, this.nItems, this.f);
    return cosineNeighbours(this.itemFactors, this.itemNorms, this.f, item, k);
  }

  toArtifact(): ModelArtifact {
    return this.baseArtifact({ factors: this.f }, { userFactors: this.userFactors, itemFactors: this.itemFactors, itemBias: this.itemBias });
  }

  static fromArtifact(a: ModelArtifact): Bpr {
    const m = new Bpr(parseConfig(BprConfigSchema, a.config, 'bpr'));
    m.restoreBase(a);
    m.userFactors = expectArray(a, 'userFactors', Float32Array);
    m.itemFactors = expectArray(a, 'itemFactors', Float32Array);
    m.itemBias = expectArray(a, 'itemBias', Float32Array);
    if (m.userFactors.length !== m.nUsers * m.f || m.itemFactors.length !== m.nItems * m.f || m.itemBias.length !== m.nItems) {
      throw new ArtifactError(`bpr model file: factor arrays do not match ${m.nUsers} users × ${m.nItems} items × ${m.f} factors`);
    }
    return m;
  }
}

export const bpr: ModelFactory<Bpr> = {
  kind: 'bpr',
  create: (config) => new Bpr(parseConfig(BprConfigSchema, config, 'bpr')),
  fromArtifact: Bpr.fromArtifact,
};
