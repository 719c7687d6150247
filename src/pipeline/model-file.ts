import { IdMap } from '../data/ids.ts';
import { ArtifactError, CurioError } from '../errors.ts';
import { loadArtifact, saveArtifact } from '../models/artifact.ts';
import { modelFromArtifact } from '../models/registry.ts';
import type { Recommender } from '../models/types.ts';
import type { DataStore, StoreInfo } from '../store/types.ts';

/** A trained model with the external ids its dense indices stand for. */
export interface TrainedModel {
  model: Recommender;
  users: IdMap;
  items: IdMap;
  /** The store the model was trained from; absent for models fitted outside a store or by an older Curio. */
  store?: StoreInfo;
  /** Free provenance: data source, split, training time... */
  info: Record<string, unknown>;
}

export async function saveModelFile(path: string, t: TrainedModel): Promise<void> {
  if (t.users.size !== t.model.nUsers || t.items.size !== t.model.nItems) {
    throw new ArtifactError(`cannot save ${path}: the id maps (${t.users.size} users, ${t.items.size} items) do not match the model (${t.model.nUsers} × ${t.model.nItems})`);
  }
  await saveArtifact(path, t.model.toArtifact(), {
    users: t.users.toArray(), items: t.items.toArray(), ...(t.store ? { store: t.store } : {}), info: t.info,
  });
}

/** An id map read from a model file: a list of distinct strings, one per model row (users) or column (items). */
function idMapFrom(value: unknown, field: 'users' | 'items', expected: number, path: string): IdMap {
  if (!Array.isArray(value)) throw new ArtifactError(`${path}: header field "extra.${field}" (the ${field.slice(0, -1)} id map) is missing: the file was not written by saveModelFile`);
  if (value.length !== expected) {
    throw new ArtifactError(`${path}: header field "extra.${field}" has ${value.length} ids but the model has ${expected} ${field}: the file is corrupted`);
  }
  const bad = value.findIndex((id) => typeof id !== 'string');
  if (bad >= 0) throw new ArtifactError(`${path}: header field "extra.${field}"[${bad}] is ${JSON.stringify(value[bad])}, not a string id`);
  const map = IdMap.from(value as string[]);
  if (map.size !== value.length) throw new ArtifactError(`${path}: header field "extra.${field}" repeats an id, so its rows cannot be told apart: the file is corrupted`);
  return map;
}

function storeInfoFrom(value: unknown, path: string): StoreInfo | undefined {
  if (value === undefined) return undefined;
  const v = value as Partial<StoreInfo> | null;
  if (typeof v !== 'object' || v === null || typeof v.id !== 'string' || !v.id || typeof v.url !== 'string' || typeof v.schemaVersion !== 'number') {
    throw new ArtifactError(`${path}: header field "extra.store" must be {id, url, schemaVersion}, got ${JSON.stringify(value)}`);
  }
  return { id: v.id, url: v.url, schemaVersion: v.schemaVersion };
}

export interface LoadModelOptions {
  /** The store the model will be used with (titles, histories): checked to be the one it was trained from. */
  store?: DataStore;
  /** Use the model with another store anyway, matching users and items by external id (a warning says so). */
  allowOtherStore?: boolean;
}

/**
 * Reads a model file written by `saveModelFile`. Every header field is validated (an ArtifactError names the
 * field). With `store`, the model is bound to it (see `bindModelToStore`); `warnings` holds what the caller
 * should show the user.
 */
export async function loadModelFile(path: string, o: LoadModelOptions = {}): Promise<TrainedModel & { warnings: string[] }> {
  const { artifact, extra } = await loadArtifact(path);
  let model: Recommender;
  try {
    model = modelFromArtifact(artifact);
  } catch (e) {
    if (e instanceof ArtifactError) throw new ArtifactError(`${path}: ${e.message}`, { cause: e });
    // a ConfigError here names a header field ("ials.factors: ...") of a file Curio did not write
    if (e instanceof CurioError) throw new ArtifactError(`${path}: header field "config" or "kind" is invalid: ${e.message}`, { cause: e });
    throw e;
  }
  const info = extra.info;
  if (info !== undefined && (typeof info !== 'object' || info === null || Array.isArray(info))) throw new ArtifactError(`${path}: header field "extra.info" must be an object`);
  const t: TrainedModel = {
    model,
    users: idMapFrom(extra.users, 'users', model.nUsers, path),
    items: idMapFrom(extra.items, 'items', model.nItems, path),
    ...(extra.store !== undefined ? { store: storeInfoFrom(extra.store, path)! } : {}),
    info: (info as Record<string, unknown> | undefined) ?? {},
  };
  const warnings = o.store ? await bindModelToStore(t, o.store, { ...o, source: path }) : [];
  return { ...t, warnings };
}

/**
 * Checks that a model is used with the store it was trained from: external ids mean different things in
 * different stores ("42" is one film in ml-100k and another in ml-latest), so a model used with another store
 * would show wrong titles and fold in strangers' histories. The same store (also a copy of its file, or after
 * more imports) maps by external id: items added since training are simply unknown to the model.
 *
 * Another store is an ArtifactError saying which stores differ and what to do, unless `allowOtherStore`, which
 * maps by external id and returns a warning. A model that does not record its store (fitted through the API,
 * or written by an older Curio) cannot be checked: it is mapped by external id, with a warning.
 * Returns the warnings for the caller to show.
 */
export async function bindModelToStore(t: TrainedModel, store: DataStore, o: { allowOtherStore?: boolean; source?: string } = {}): Promise<string[]> {
  const source = o.source ?? 'the model';
  const here = await store.info();
  if (!t.store) {
    return [`${source} does not record the store it was trained from, so it cannot be checked against ${here.url}: users and items are matched by external id (retrain with \`curio train --db ${here.url}\` to record it)`];
  }
  if (t.store.id === here.id) return [];
  if (o.allowOtherStore) {
    return [`${source} was trained from another store (${t.store.url}, id ${t.store.id}) than ${here.url} (id ${here.id}): users and items are matched by external id, so titles and histories are only right if both stores use the same ids`];
  }
  throw new ArtifactError(
    `${source} was trained from the store ${t.store.url} (id ${t.store.id}), not ${here.url} (id ${here.id}): its item ids would be read against another catalogue; ` +
    `use --db ${t.store.url}, or retrain on this store with \`curio train --db ${here.url}\``,
  );
}
