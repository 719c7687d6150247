import { z } from 'zod';
import { strictObject } from '../config.ts';
import { selectInteractions, type Interactions } from '../data/interactions.ts';
import { INTERACTION_TYPES, NON_SIGNAL_TYPES, TYPE_CODE } from '../data/types.ts';
import { decayByTime } from '../data/weighting.ts';

/** Which events become training signal. Applied to a store snapshot before any split or model. */
export const DataConfigSchema = strictObject({
  /** Keep only these interaction types (default: all that the user did, i.e. not impressions). */
  types: z.array(z.enum(INTERACTION_TYPES)).optional(),
  /** Keep only events whose value is at least this (e.g. 3 for "ratings >= 3 are positives"). */
  minValue: z.number().optional(),
  /** Drop events whose value is not positive (cancellations, negative quantities). */
  positiveOnly: z.boolean().default(true),
  /** Turn every kept value into 1 (implicit feedback), as an evaluation preset with `positives.binarize` does. */
  binarize: z.boolean().optional(),
  /** Halve an event's weight every this many days before the latest event (time decay). */
  halfLifeDays: z.number().positive().optional(),
});
export type DataConfig = z.infer<typeof DataConfigSchema>;

export interface PrepareReport {
  kept: number;
  droppedByType: number;
  droppedByValue: number;
}

export function prepareInteractions(d: Interactions, c: DataConfig): { data: Interactions; report: PrepareReport } {
  // Impressions are what we showed, not what the user wanted: never signal unless named.
  const allowed = new Uint8Array(256);
  for (const t of c.types ?? INTERACTION_TYPES.filter((t) => !NON_SIGNAL_TYPES.includes(t))) allowed[TYPE_CODE[t]] = 1;
  const keep = new Int32Array(d.length);
  let n = 0, byType = 0, byValue = 0;
  for (let k = 0; k < d.length; k++) {
    if (!allowed[d.type[k]!]) { byType++; continue; }
    const v = d.value[k]!;
    if ((c.minValue !== undefined && v < c.minValue) || (c.positiveOnly && !(v > 0))) { byValue++; continue; }
    keep[n++] = k;
  }
  let data = n === d.length ? d : selectInteractions(d, keep.subarray(0, n));
  if (c.binarize) data = { ...data, value: new Float32Array(data.length).fill(1) };
  if (c.halfLifeDays) data = decayByTime(data, c.halfLifeDays);
  return { data, report: { kept: n, droppedByType: byType, droppedByValue: byValue } };
}
