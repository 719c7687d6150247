import { applyWeighting, fitWeighting, weightRow, WeightingSchema, type FittedWeighting, type WeightingSpec } from '../data/weighting.ts';
import type { Csr } from '../data/csr.ts';
import { topK, type Ranked } from '../linalg/topk.ts';
import { ArtifactError, CurioError, ModelFitError } from '../errors.ts';
import type { FitData, FitOptions, FitReport, ModelArtifact, RecOptions, Recommender } from './types.ts';

export class NotFittedError extends CurioError {
  override readonly code = 'NOT_FITTED';
}

/**
 * Shared plumbing for models: weighting, the training matrix (for "exclude seen" and histories),
 * filtering and top-k. A model supplies `fitWeighted`, `scoreUser`/`scoreHistory` and `similarItems`.
 */
export abstract class BaseRecommender<C extends { weighting?: WeightingSpec }> implements Recommender<C> {
  abstract readonly kind: string;
  readonly config: Readonly<C>;
  protected weighting: FittedWeighting | undefined;
  /** Weighted user × item training matrix. */
  protected train: Csr | undefined;

  constructor(config: C) {
    this.config = Object.freeze({ ...config });
  }

  get nUsers(): number {
    return this.train?.rows ?? 0;
  }

  get nItems(): number {
    return this.train?.cols ?? 0;
  }

  protected get matrix(): Csr {
    if (!this.train) throw new NotFittedError(`${this.kind} is not fitted: call fit() or load a model file first`);
    return this.train;
  }

  async fit(data: FitData, o: FitOptions = {}): Promise<FitReport> {
    const t0 = performance.now();
    if (data.matrix.rows === 0 || data.matrix.cols === 0) throw new ModelFitError(`${this.kind}: training data is empty`);
    this.view = undefined;
    try {
      this.weighting = fitWeighting(this.config.weighting ?? { kind: 'none' }, data.matrix);
      this.train = applyWeighting(this.weighting, data.matrix);
      const report = await this.fitWeighted(this.train, o, data);
      return { ...report, seconds: (performance.now() - t0) / 1000 };
    } finally {
      this.view = undefined; // one read while the fit ran saw the arrays before it
    }
  }

  /** toArtifact()'s result until the next fit (see Recommender.artifactView). */
  private view: ModelArtifact | undefined;

  artifactView(): ModelArtifact {
    return (this.view ??= this.toArtifact());
  }

  protected abstract fitWeighted(m: Csr, o: FitOptions, data: FitData): Promise<Omit<FitReport, 'seconds'>> | Omit<FitReport, 'seconds'>;
  abstract scoreUser(user: number, out: Float32Array): void;
  /** `values` are already weighted. */
  protected abstract scoreWeightedHistory(items: Int32Array, values: Float32Array, out: Float32Array): void;
  abstract similarItems(item: number, k: number): Ranked;
  abstract toArtifact(): ModelArtifact;

  scoreHistory(items: Int32Array, values: Float32Array, out: Float32Array): void {
    const w = this.weighting ? weightRow(this.weighting, items, values) : values;
    let keep = 0;
    for (let q = 0; q < w.length; q++) if (!Number.isNaN(w[q])) keep++;
    if (keep === w.length) return this.scoreWeightedHistory(items, w, out);
    const ki = new Int32Array(keep), kv = new Float32Array(keep);
    for (let q = 0, o = 0; q < w.length; q++) if (!Number.isNaN(w[q])) { ki[o] = items[q]!; kv[o++] = w[q]!; }
    this.scoreWeightedHistory(ki, kv, out);
  }

  recommend(user: number, o: RecOptions): Ranked {
    const m = this.matrix;
    if (user < 0 || user >= m.rows) throw new RangeError(`user index ${user} outside 0..${m.rows - 1}`);
    const out = new Float32Array(m.cols);
    this.scoreUser(user, out);
    if (o.excludeSeen !== false) for (let p = m.indptr[user]!, e = m.indptr[user + 1]!; p < e; p++) out[m.indices[p]!] = -Infinity;
    return this.finish(out, o);
  }

  recommendHistory(items: Int32Array, values: Float32Array, o: RecOptions): Ranked {
    const out = new Float32Array(this.matrix.cols);
    this.scoreHistory(items, values, out);
    if (o.excludeSeen !== false) for (let q = 0; q < items.length; q++) out[items[q]!] = -Infinity;
    return this.finish(out, o);
  }

  protected finish(scores: Float32Array, o: RecOptions): Ranked {
    if (o.exclude) for (let q = 0; q < o.exclude.length; q++) scores[o.exclude[q]!] = -Infinity;
    return topK(scores, o.k, o.candidates);
  }

  /** Artifact of the shared state; models add their own arrays and meta. */
  protected baseArtifact(meta: Record<string, unknown>, arrays: ModelArtifact['arrays']): ModelArtifact {
    const m = this.matrix;
    const a: ModelArtifact = {
      kind: this.kind,
      config: this.config,
      meta: { ...meta, rows: m.rows, cols: m.cols, weighting: this.weighting?.spec, avgRowSum: this.weighting?.avgRowSum },
      arrays: { ...arrays, 'train.indptr': m.indptr, 'train.indices': m.indices, 'train.data': m.data },
    };
    if (this.weighting?.idf) a.arrays['weighting.idf'] = this.weighting.idf;
    return a;
  }

  /** Restores the shared state from an artifact written by `baseArtifact`. */
  protected restoreBase(a: ModelArtifact): void {
    const rows = expectCount(a, 'rows'), cols = expectCount(a, 'cols');
    this.train = expectCsr(a, 'train', rows, cols);
    const spec = (a.meta.weighting as WeightingSpec | undefined) ?? { kind: 'none' };
    const r = WeightingSchema.safeParse(spec);
    if (!r.success) throw new ArtifactError(`${a.kind} model file: meta.weighting is not a valid weighting (${r.error.issues[0]!.message})`);
    const idf = a.arrays['weighting.idf'] === undefined ? undefined : expectArray(a, 'weighting.idf', Float32Array);
    if (idf && idf.length !== cols) throw new ArtifactError(`${a.kind} model file: array "weighting.idf" has ${idf.length} values for ${cols} items`);
    const avgRowSum = a.meta.avgRowSum;
    if (avgRowSum !== undefined && !(typeof avgRowSum === 'number' && Number.isFinite(avgRowSum))) throw new ArtifactError(`${a.kind} model file: meta.avgRowSum must be a number`);
    this.weighting = { spec: r.data, idf, avgRowSum };
  }
}

export function expectArray<T extends Float32Array | Float64Array | Int32Array | Uint8Array>(
  a: ModelArtifact,
  name: string,
  type: new (...args: never[]) => T,
): T {
  const arr = a.arrays[name];
  if (!(arr instanceof type)) throw new ArtifactError(`${a.kind} model file has no ${type.name} named "${name}"`);
  return arr;
}

/** A non-negative integer from the artifact's meta, e.g. `rows`, named in the error when it is not one. */
export function expectCount(a: ModelArtifact, field: string, max = 0x7fffffff): number {
  const v = a.meta[field];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > max) {
    throw new ArtifactError(`${a.kind} model file: meta.${field} must be an integer in 0..${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

/**
 * A CSR matrix stored as `<prefix>.indptr/indices/data`, checked for shape: indptr has rows + 1 non-decreasing
 * entries from 0 to nnz, and every column index lies in 0..cols-1 (so scoring never reads outside an array).
 */
export function expectCsr(a: ModelArtifact, prefix: string, rows: number, cols: number): Csr {
  const indptr = expectArray(a, `${prefix}.indptr`, Int32Array);
  const indices = expectArray(a, `${prefix}.indices`, Int32Array);
  const data = expectArray(a, `${prefix}.data`, Float32Array);
  const bad = (why: string): never => { throw new ArtifactError(`${a.kind} model file: ${why}`); };
  if (indptr.length !== rows + 1) bad(`array "${prefix}.indptr" has ${indptr.length} entries; ${rows} rows need ${rows + 1}`);
  if (indices.length !== data.length) bad(`arrays "${prefix}.indices" and "${prefix}.data" differ in length (${indices.length} vs ${data.length})`);
  if (indptr[0] !== 0 || indptr[rows] !== indices.length) bad(`array "${prefix}.indptr" must run from 0 to ${indices.length}`);
  for (let r = 0; r < rows; r++) if (indptr[r + 1]! < indptr[r]!) bad(`array "${prefix}.indptr" decreases at row ${r}`);
  for (let p = 0; p < indices.length; p++) {
    const j = indices[p]!;
    if (j < 0 || j >= cols) bad(`array "${prefix}.indices" holds column ${j} outside 0..${cols - 1}`);
  }
  return { rows, cols, indptr, indices, data };
}
