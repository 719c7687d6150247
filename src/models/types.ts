import type { Csr } from '../data/csr.ts';
import type { Interactions } from '../data/interactions.ts';
import type { Ranked } from '../linalg/topk.ts';
import type { ItemTexts } from '../text/item-text.ts';

export type { Ranked };

export interface RecOptions {
  k: number;
  /** Leave out items the user already interacted with in training (default true). */
  excludeSeen?: boolean;
  /** Item indices never to return. */
  exclude?: Int32Array;
  /** Only these item indices may be returned. */
  candidates?: Int32Array;
}

export interface FitData {
  /** User × item matrix of raw values (ratings, counts); the model applies its own weighting. */
  matrix: Csr;
  /** The events behind the matrix, for models that use time or order. */
  interactions?: Interactions;
  /** Item text by external item id (for content and hybrid models; matched to columns through interactions.items). */
  itemText?: ItemTexts;
}

export interface FitProgress {
  epoch: number;
  epochs: number;
  seconds: number;
  loss?: number;
}

export interface FitOptions {
  seed?: number;
  signal?: AbortSignal;
  onProgress?: (p: FitProgress) => void;
  /** Worker threads for parallel kernels (default: available cores). */
  threads?: number;
}

export interface FitReport {
  seconds: number;
  epochs?: number;
  loss?: number[];
}

/** A model file's content: JSON-able metadata plus named typed arrays. Loading never evaluates code. */
export interface ModelArtifact {
  kind: string;
  config: object;
  meta: Record<string, unknown>;
  arrays: Record<string, Float32Array | Float64Array | Int32Array | Uint8Array>;
}

/**
 * Every model: dense indices in, typed arrays out. External ids live in the caller's id maps.
 * Scores are "higher is better"; NaN means the model cannot score that item.
 */
/** The k best candidates of a factor model's scores, in catalogue indices, and how many candidates there were. */
export interface TopCandidates {
  /** Catalogue indices, best first (ties to the lower index). */
  items: Int32Array;
  scores: Float32Array;
  /** Allowed catalogue items the model scored (finite or +inf): the candidates a full-array ranking would see. */
  count: number;
  /** Rows scored in float after the int8 first pass (when it ran): the rest were ruled out by its bound. */
  exactlyScored?: number;
}

export interface Recommender<C extends object = object> {
  readonly kind: string;
  readonly config: Readonly<C>;
  readonly nUsers: number;
  readonly nItems: number;
  fit(data: FitData, o?: FitOptions): Promise<FitReport>;
  /** Scores of every item for a training user, written into `out` (length nItems). */
  scoreUser(user: number, out: Float32Array): void;
  /** Scores of every item for a history of (item, raw value) pairs: fold-in of a user unseen in training. */
  scoreHistory(items: Int32Array, values: Float32Array, out: Float32Array): void;
  recommend(user: number, o: RecOptions): Ranked;
  recommendHistory(items: Int32Array, values: Float32Array, o: RecOptions): Ranked;
  similarItems(item: number, k: number): Ranked;
  toArtifact(): ModelArtifact;
  /**
   * toArtifact()'s result, made once and kept until the model is fitted again: for readers that only look at it
   * (explanations read the model's arrays on every request). Never modify it; save with toArtifact().
   */
  artifactView?(): ModelArtifact;
  /**
   * Serving shortcut of the models that have one (iALS): the k best items for a training user among the allowed
   * catalogue items (model item j is catalogue item toCatalog[j], -1: none), with the scores scoreUser gives and
   * topK's order, without a catalogue-sized score array.
   */
  topForUser?(user: number, toCatalog: Int32Array, allowed: Uint8Array, k: number): TopCandidates;
  /** Builds now what topForUser builds on first use (a server does so before it swaps a model in). */
  prepareServing?(): void;
}

export interface ModelFactory<M extends Recommender = Recommender> {
  readonly kind: string;
  /** The model reads item text (FitData.itemText): pipelines load it from the store for these models. */
  readonly needsItemText?: boolean;
  /** Validates `config` (throws ConfigError naming the field) and makes an unfitted model. */
  create(config?: unknown): M;
  fromArtifact(a: ModelArtifact): M;
}
