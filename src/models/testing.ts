/** Test helpers shared by the model, evaluation and re-ranking tests (not part of the package's API). */
import type { Ranked } from '../linalg/topk.ts';
import type { FitData, Recommender } from './types.ts';

/**
 * A model whose scores are a hand-written table (one row per user), so a test can compute every metric by hand.
 * History scoring uses `history(items, values)`; `calls` records fit/score calls in order.
 */
export class TableModel implements Recommender {
  readonly kind = 'table';
  readonly config = {};
  calls: string[] = [];
  fitted: FitData | undefined;
  constructor(private readonly table: number[][], readonly nItems: number,
    private readonly history?: (items: Int32Array, values: Float32Array) => number[]) {}
  get nUsers() { return this.table.length; }
  async fit(d: FitData) { this.fitted = d; this.calls.push(`fit ${d.matrix.rows}x${d.matrix.cols}`); return { seconds: 0 }; }
  scoreUser(u: number, out: Float32Array) { this.calls.push(`user ${u}`); out.set(this.table[u]!); }
  scoreHistory(items: Int32Array, values: Float32Array, out: Float32Array) {
    if (!this.history) throw new Error('TableModel: no history scorer given');
    this.calls.push(`history ${[...items].join(',')}`);
    out.set(this.history(items, values));
  }
  recommend(): Ranked { throw new Error('not used'); }
  recommendHistory(): Ranked { throw new Error('not used'); }
  similarItems(): Ranked { throw new Error('not used'); }
  toArtifact(): never { throw new Error('not used'); }
}
