import { IdMap } from '../data/ids.ts';
import { ArtifactError } from '../errors.ts';
import { loadArtifact, saveArtifact } from '../models/artifact.ts';
import { modelFromArtifact } from '../models/registry.ts';
import type { Recommender } from '../models/types.ts';

/** A trained model with the external ids its dense indices stand for. */
export interface TrainedModel {
  model: Recommender;
  users: IdMap;
  items: IdMap;
  /** Free provenance: data source, split, training time... */
  info: Record<string, unknown>;
}

export async function saveModelFile(path: string, t: TrainedModel): Promise<void> {
  await saveArtifact(path, t.model.toArtifact(), { users: t.users.toArray(), items: t.items.toArray(), info: t.info });
}

export async function loadModelFile(path: string): Promise<TrainedModel> {
  const { artifact, extra } = await loadArtifact(path);
  if (!Array.isArray(extra.users) || !Array.isArray(extra.items)) throw new ArtifactError(`${path} has no id maps: it was not written by saveModelFile`);
  return {
    model: modelFromArtifact(artifact),
    users: IdMap.from(extra.users as string[]),
    items: IdMap.from(extra.items as string[]),
    info: (extra.info as Record<string, unknown>) ?? {},
  };
}
