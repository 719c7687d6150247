import { z } from 'zod';
import { strictObject } from '../config.ts';
import { toMatrix } from '../data/interactions.ts';
import { createModel } from '../models/registry.ts';
import type { FitOptions, FitReport } from '../models/types.ts';
import type { DataStore } from '../store/types.ts';
import { DataConfigSchema, prepareInteractions } from './prepare.ts';
import type { TrainedModel } from './model-file.ts';
import { ModelFitError } from '../errors.ts';

export const ModelSpecSchema = strictObject({
  kind: z.string(),
  config: z.record(z.string(), z.unknown()).default({}),
});
export type ModelSpec = z.infer<typeof ModelSpecSchema>;

export const TrainConfigSchema = strictObject({
  model: ModelSpecSchema,
  data: DataConfigSchema.default({ positiveOnly: true }),
});
export type TrainConfig = z.input<typeof TrainConfigSchema>;

/** Snapshot the store, keep the configured events, fit the model on all of them. */
export async function trainFromStore(
  store: DataStore,
  config: TrainConfig,
  o: FitOptions & { onSnapshot?: (done: number, total: number) => void } = {},
): Promise<TrainedModel & { report: FitReport }> {
  const c = TrainConfigSchema.parse(config);
  const model = createModel(c.model.kind, c.model.config); // validates before the (slow) snapshot
  const snap = await store.snapshot({ types: c.data.types, onProgress: o.onSnapshot });
  const { data, report: prep } = prepareInteractions(snap, c.data);
  if (!data.length) throw new ModelFitError(`no interactions left to train on (${snap.length} in the store, ${prep.droppedByType} dropped by type, ${prep.droppedByValue} by value)`);
  const report = await model.fit({ matrix: toMatrix(data), interactions: data }, o);
  return {
    model, users: data.users, items: data.items, report,
    info: { trainedAt: new Date().toISOString(), store: store.url, interactions: data.length, data: c.data, fitSeconds: report.seconds },
  };
}
