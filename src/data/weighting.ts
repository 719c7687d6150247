import { z } from 'zod';
import { strictObject } from '../config.ts';
import type { Csr } from './csr.ts';
import type { Interactions } from './interactions.ts';

/**
 * How raw interaction values become matrix weights before a model sees them.
 * - none: values as they are (ratings, counts).
 * - binary: every observed entry is 1.
 * - threshold: entries with value >= min become 1, others are dropped (ratings -> positives).
 * - confidence: 1 + alpha * value (Hu, Koren & Volinsky 2008).
 * - bm25 / tfidf: items treated as terms, users as documents; down-weights very popular items.
 * Time decay works on timestamped events, so it is a separate step (`decayByTime`).
 */
export const WeightingSchema = z.discriminatedUnion('kind', [
  strictObject({ kind: z.literal('none') }),
  strictObject({ kind: z.literal('binary') }),
  strictObject({ kind: z.literal('threshold'), min: z.number() }),
  strictObject({ kind: z.literal('confidence'), alpha: z.number().positive() }),
  strictObject({ kind: z.literal('bm25'), k1: z.number().positive().default(1.2), b: z.number().min(0).max(1).default(0.75) }),
  strictObject({ kind: z.literal('tfidf') }),
]);
export type WeightingSpec = z.infer<typeof WeightingSchema>;

/** A weighting with the statistics it learned from training data (idf per item, mean row length). */
export interface FittedWeighting {
  spec: WeightingSpec;
  idf?: Float32Array;
  avgRowSum?: number;
}

export function fitWeighting(spec: WeightingSpec, m: Csr): FittedWeighting {
  if (spec.kind !== 'bm25' && spec.kind !== 'tfidf') return { spec };
  const df = new Float64Array(m.cols);
  const n = m.indptr[m.rows]!;
  for (let p = 0; p < n; p++) df[m.indices[p]!]!++;
  const idf = new Float32Array(m.cols);
  for (let j = 0; j < m.cols; j++) {
    idf[j] = spec.kind === 'bm25' ? Math.log(1 + (m.rows - df[j]! + 0.5) / (df[j]! + 0.5)) : Math.log(m.rows / Math.max(1, df[j]!));
  }
  let total = 0;
  for (let p = 0; p < n; p++) total += m.data[p]!;
  return { spec, idf, avgRowSum: m.rows ? total / m.rows : 0 };
}

/** Weights one row (a user's history) in place-free fashion; returns new values (NaN marks dropped entries). */
export function weightRow(w: FittedWeighting, items: Int32Array, values: Float32Array): Float32Array {
  const out = new Float32Array(values.length);
  const s = w.spec;
  let rowSum = 0;
  if (s.kind === 'bm25' || s.kind === 'tfidf') for (let q = 0; q < values.length; q++) rowSum += values[q]!;
  for (let q = 0; q < values.length; q++) {
    const v = values[q]!;
    switch (s.kind) {
      case 'none': out[q] = v; break;
      case 'binary': out[q] = 1; break;
      case 'threshold': out[q] = v >= s.min ? 1 : NaN; break;
      case 'confidence': out[q] = 1 + s.alpha * v; break;
      case 'tfidf': out[q] = v * (w.idf![items[q]!] ?? 0); break;
      case 'bm25': {
        const norm = s.k1 * (1 - s.b + (s.b * rowSum) / Math.max(1e-12, w.avgRowSum!));
        out[q] = ((v * (s.k1 + 1)) / (v + norm)) * (w.idf![items[q]!] ?? 0);
        break;
      }
    }
  }
  return out;
}

/** Applies a fitted weighting to a whole matrix; entries dropped by a threshold are removed. */
export function applyWeighting(w: FittedWeighting, m: Csr): Csr {
  if (w.spec.kind === 'none') return m;
  const data = new Float32Array(m.data.length);
  let dropped = 0;
  for (let r = 0; r < m.rows; r++) {
    const s = m.indptr[r]!, e = m.indptr[r + 1]!;
    const row = weightRow(w, m.indices.subarray(s, e), m.data.subarray(s, e));
    data.set(row, s);
    for (let q = 0; q < row.length; q++) if (Number.isNaN(row[q])) dropped++;
  }
  if (!dropped) return { ...m, data };
  const indptr = new Int32Array(m.rows + 1);
  const indices = new Int32Array(m.data.length - dropped);
  const kept = new Float32Array(m.data.length - dropped);
  let o = 0;
  for (let r = 0; r < m.rows; r++) {
    for (let p = m.indptr[r]!, e = m.indptr[r + 1]!; p < e; p++) {
      if (!Number.isNaN(data[p])) { indices[o] = m.indices[p]!; kept[o] = data[p]!; o++; }
    }
    indptr[r + 1] = o;
  }
  return { rows: m.rows, cols: m.cols, indptr, indices, data: kept };
}

/**
 * Multiplies each event's value by 0.5^(age / halfLife): recent behaviour counts more.
 * `now` defaults to the latest timestamp in the data, so results do not depend on the wall clock.
 */
export function decayByTime(d: Interactions, halfLifeDays: number, now?: number): Interactions {
  let ref = now ?? 0;
  if (now === undefined) for (let k = 0; k < d.length; k++) if (d.time[k]! > ref) ref = d.time[k]!;
  const hl = halfLifeDays * 86_400_000;
  const value = new Float32Array(d.length);
  for (let k = 0; k < d.length; k++) {
    const age = Math.max(0, ref - d.time[k]!);
    value[k] = d.value[k]! * Math.pow(0.5, age / hl);
  }
  return { ...d, value };
}
