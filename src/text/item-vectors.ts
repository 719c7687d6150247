import type { IdMap } from '../data/ids.ts';
import { ModelFitError } from '../errors.ts';
import type { FitData } from '../models/types.ts';
import type { FittableTextEncoder } from './encoder.ts';
import type { ItemTexts } from './item-text.ts';
import { createEncoder, type EncoderSpec } from './registry.ts';

export interface ItemVectors {
  /** nItems × dimension, row-major, unit rows (zero rows for items without text). */
  vectors: Float32Array;
  dimension: number;
  /** Items that have text. */
  withText: number;
  encoderKey: string;
  encodeSeconds: number;
}

// Tuning fits the same model many times on one catalogue: encode it once per (texts, catalogue, encoder).
const memo = new WeakMap<ItemTexts, WeakMap<IdMap, Map<string, ItemVectors>>>();

/** The text of each column of the training matrix, in column order ('' for items without text). */
export function columnTexts(data: FitData, kind: string): string[] {
  if (!data.itemText) throw new ModelFitError(`${kind}: needs item text (FitData.itemText): train from a store whose items have titles or descriptions, or pass itemText`);
  if (!data.interactions) throw new ModelFitError(`${kind}: needs FitData.interactions to match item text to the matrix columns`);
  const items = data.interactions.items;
  if (items.size !== data.matrix.cols) throw new ModelFitError(`${kind}: ${items.size} item ids for ${data.matrix.cols} matrix columns`);
  const out = new Array<string>(items.size);
  for (let j = 0; j < items.size; j++) out[j] = data.itemText.get(items.id(j)) ?? '';
  return out;
}

/** Vectors of the training matrix's items with the given encoder (fitted on these items' texts when it learns). */
export async function encodeItems(data: FitData, spec: EncoderSpec, kind: string): Promise<ItemVectors> {
  const texts = columnTexts(data, kind);
  const items = data.interactions!.items;
  let byItems = memo.get(data.itemText!);
  if (!byItems) memo.set(data.itemText!, (byItems = new WeakMap()));
  let bySpec = byItems.get(items);
  if (!bySpec) byItems.set(items, (bySpec = new Map()));
  const key = JSON.stringify(spec);
  const hit = bySpec.get(key);
  if (hit) return hit;
  const t0 = performance.now();
  const enc = createEncoder(spec);
  if ('fit' in enc) (enc as FittableTextEncoder).fit(texts.filter((t) => t.length > 0));
  const vectors = await enc.encode(texts);
  let withText = 0;
  for (const t of texts) if (t) withText++;
  if (withText === 0) throw new ModelFitError(`${kind}: none of the ${texts.length} items has text`);
  const r: ItemVectors = { vectors, dimension: enc.dimension, withText, encoderKey: enc.key, encodeSeconds: (performance.now() - t0) / 1000 };
  bySpec.set(key, r);
  return r;
}
