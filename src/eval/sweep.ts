/**
 * The accuracy / beyond-accuracy trade-off as data: a grid of re-ranking knob values (`--sweep diversity=0:1:0.1`)
 * crossed with re-rankers (`--rerank dpp,mmr,calibrated`), each point the VALIDATION figures of the fitted model
 * re-ranked with that knob (src/rerank/reranked-model.ts), plus the Pareto front of any two figures.
 * Validation, never test: a product owner picks an operating point from these curves, and picking on test
 * would leak it.
 */
import { toMatrix } from '../data/interactions.ts';
import { ConfigError } from '../errors.ts';
import type { Recommender } from '../models/types.ts';
import { DIVERSITY_METHODS, type DiversityMethod, type RerankContext } from '../rerank/knobs.ts';
import { RerankedModel } from '../rerank/reranked-model.ts';
import type { BeyondOptions } from './beyond.ts';
import { evaluate } from './evaluate.ts';
import type { Split } from './splits.ts';

export const SWEEP_KNOBS = ['diversity', 'novelty'] as const;
export type SweepKnob = (typeof SWEEP_KNOBS)[number];
/** Largest grid (knob values × re-rankers) a sweep runs: each point is a full validation evaluation. */
export const MAX_SWEEP_POINTS = 200;

export interface SweepGrid {
  knob: SweepKnob;
  values: number[];
}

/**
 * "diversity=0:1:0.1" (start:stop:step, stop included when the steps reach it) or "novelty=0,0.25,0.5"; every
 * value in [0, 1]. ConfigError naming `field` for a bad knob, an empty or too large grid, or a value outside [0, 1].
 */
export function parseSweep(spec: string, field = '--sweep'): SweepGrid {
  const eq = spec.indexOf('=');
  if (eq < 0) throw new ConfigError(field, `expected knob=start:stop:step or knob=v1,v2,..., got "${spec}"`);
  const knob = spec.slice(0, eq).trim(), body = spec.slice(eq + 1).trim();
  if (!(SWEEP_KNOBS as readonly string[]).includes(knob)) throw new ConfigError(field, `unknown knob "${knob}" (known: ${SWEEP_KNOBS.join(', ')})`);
  const num = (s: string) => {
    const v = Number(s);
    if (s.trim() === '' || !Number.isFinite(v)) throw new ConfigError(field, `"${s}" is not a number in "${spec}"`);
    return v;
  };
  let values: number[];
  if (body.includes(':')) {
    const parts = body.split(':');
    if (parts.length !== 3) throw new ConfigError(field, `a range is start:stop:step, got "${body}"`);
    const [start, stop, step] = parts.map(num) as [number, number, number];
    if (!(step > 0)) throw new ConfigError(field, `the step must be > 0, got ${step}`);
    if (stop < start) throw new ConfigError(field, `the grid ${body} is empty (stop < start)`);
    const n = Math.floor((stop - start) / step + 1e-9) + 1;
    if (n > MAX_SWEEP_POINTS) throw new ConfigError(field, `the grid ${body} has ${n} points; at most ${MAX_SWEEP_POINTS}`);
    // computed from the index, rounded, so 0.1 steps give 0.3 rather than 0.30000000000000004
    values = Array.from({ length: n }, (_, i) => Math.round((start + i * step) * 1e9) / 1e9);
  } else {
    values = body.split(',').map((s) => s.trim()).filter((s) => s !== '').map(num);
  }
  if (!values.length) throw new ConfigError(field, `the grid "${body}" is empty`);
  if (new Set(values).size > MAX_SWEEP_POINTS) throw new ConfigError(field, `the grid lists ${new Set(values).size} values; at most ${MAX_SWEEP_POINTS}`);
  const bad = values.find((v) => !(v >= 0 && v <= 1));
  if (bad !== undefined) throw new ConfigError(field, `${knob} must be in [0, 1], got ${bad}`);
  return { knob: knob as SweepKnob, values: [...new Set(values)] };
}

/** "dpp,mmr,calibrated": distinct, known re-rankers; ConfigError naming `field` otherwise. */
export function parseRerankers(spec: string, field = '--rerank'): DiversityMethod[] {
  const names = spec.split(',').map((s) => s.trim()).filter(Boolean);
  if (!names.length) throw new ConfigError(field, 'names no re-ranker');
  for (const n of names) if (!(DIVERSITY_METHODS as readonly string[]).includes(n)) throw new ConfigError(field, `unknown re-ranker "${n}" (known: ${DIVERSITY_METHODS.join(', ')})`);
  return [...new Set(names)] as DiversityMethod[];
}

export interface SweepPoint {
  /** The re-ranker ('longtail' for the novelty knob, which has one). */
  method: DiversityMethod | 'longtail';
  knob: SweepKnob;
  value: number;
  /** Validation means keyed "ndcg@10", "ild@10", ... */
  means: Record<string, number>;
}

export interface SweepOptions {
  grid: SweepGrid;
  /** Re-rankers for the diversity knob (ignored for novelty). */
  methods: readonly DiversityMethod[];
  /** Similarity, categories and tail mask the re-rankers need. */
  context: Omit<RerankContext, 'history'>;
  k?: number;
  /** Beyond-accuracy metrics to compute at each point. */
  beyond?: BeyondOptions;
  candidates?: number;
  onPoint?: (p: SweepPoint, index: number, total: number) => void;
}

/** Evaluates `model` (fitted on the split's train) on validation at every grid point of every re-ranker. */
export function runSweep(model: Recommender, split: Pick<Split, 'train' | 'valid' | 'test'>, o: SweepOptions): SweepPoint[] {
  if (!split.valid) throw new ConfigError('--sweep', 'needs a split with a validation part');
  const k = o.k ?? 10;
  const methods = o.grid.knob === 'novelty' ? (['longtail'] as const) : o.methods;
  const total = methods.length * o.grid.values.length;
  if (!total) throw new ConfigError('--rerank', 'names no re-ranker');
  if (total > MAX_SWEEP_POINTS) throw new ConfigError('--sweep', `${o.grid.values.length} values × ${methods.length} re-rankers = ${total} points; at most ${MAX_SWEEP_POINTS}`);
  const seen = toMatrix(split.train, 'max');
  const out: SweepPoint[] = [];
  for (const method of methods) {
    for (const value of o.grid.values) {
      const knobs = o.grid.knob === 'novelty' ? { novelty: value } : { diversity: value, method: method as DiversityMethod };
      const m = new RerankedModel(model, { seen, k, knobs, context: o.context, ...(o.candidates ? { candidates: o.candidates } : {}) });
      const r = evaluate(m, split, { target: 'valid', ks: [k], metrics: ['ndcg', 'recall'], ...(o.beyond ? { beyond: o.beyond } : {}) });
      const p: SweepPoint = { method, knob: o.grid.knob, value, means: r.means };
      out.push(p);
      o.onPoint?.(p, out.length - 1, total);
    }
  }
  return out;
}

/**
 * Pareto-optimal points of (x, y): a point is on the front when no other point is at least as good on both and
 * strictly better on one. `higherX`/`higherY` say which direction is better (calibration KL: lower). NaN points
 * are never on the front.
 */
export function paretoFront(xs: ArrayLike<number>, ys: ArrayLike<number>, higherX = true, higherY = true): Uint8Array {
  const n = xs.length, front = new Uint8Array(n);
  const sx = higherX ? 1 : -1, sy = higherY ? 1 : -1;
  for (let p = 0; p < n; p++) {
    const px = sx * xs[p]!, py = sy * ys[p]!;
    if (!(Number.isFinite(px) && Number.isFinite(py))) continue;
    let dominated = false;
    for (let q = 0; q < n && !dominated; q++) {
      const qx = sx * xs[q]!, qy = sy * ys[q]!;
      if (q !== p && qx >= px && qy >= py && (qx > px || qy > py)) dominated = true;
    }
    if (!dominated) front[p] = 1;
  }
  return front;
}
