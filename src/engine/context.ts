import { ConfigError } from '../errors.ts';
import type { Interactions } from '../data/interactions.ts';
import { NON_SIGNAL_TYPES, type InteractionType } from '../data/types.ts';
import type { DataStore } from '../store/types.ts';
import type { TrainedModel } from '../pipeline/model-file.ts';
import type { DataConfig } from '../pipeline/prepare.ts';
import type { Catalog } from '../catalog/index.ts';
import type { BoughtTogether, CoOccurrence } from '../recipes/index.ts';
import type { ParsedRequest } from './schema.ts';

/** One event of a user's history. `type` is undefined for a request history given as bare item ids. */
export interface HistoryEvent {
  item: string;
  type: InteractionType | undefined;
  value: number;
  timestamp: number;
}

/** The store snapshot recipes are fitted on, with maps between its item index and the catalogue's. */
export interface SnapshotView {
  readonly x: Interactions;
  /** Snapshot item -> catalogue index (-1 when the catalogue lacks it). */
  readonly toCatalog: Int32Array;
  /** Catalogue index -> snapshot item (-1 when it has no events). */
  readonly fromCatalog: Int32Array;
  /** Just after the latest event: "now" for trends over historical data (windows end exclusive). */
  readonly endTime: number;
  toSnapshot(catalogItems: Int32Array): Int32Array;
  /** Copies finite snapshot-space scores into catalogue space; returns how many. */
  toCatalogScores(buf: Float32Array, out: Float32Array): number;
}

/** What stages may use of the engine: its catalogue, model and lazily fitted recipe components. */
export interface EngineParts {
  readonly store: DataStore;
  readonly catalog: Catalog;
  readonly trained: TrainedModel | undefined;
  readonly modelToCatalog: Int32Array | undefined;
  readonly catalogToModel: Int32Array | undefined;
  /** At most this many of a user's newest stored events are read (undefined = all). */
  readonly historyLimit: number | undefined;
  requireModel(what: string): TrainedModel;
  snapshot(): Promise<SnapshotView>;
  snapshotIfLoaded(): SnapshotView | undefined;
  coOccurrence(types?: InteractionType[]): Promise<CoOccurrence>;
  coOccurrenceIfLoaded(types?: InteractionType[]): CoOccurrence | undefined;
  boughtTogether(minSupport?: number): Promise<BoughtTogether>;
  boughtTogetherIfLoaded(minSupport?: number): BoughtTogether | undefined;
  /** Events per snapshot item with since <= time < until (cached): the evidence of trend and popularity reasons. */
  counts(since: number, until: number): Promise<Int32Array>;
  countsIfLoaded(since: number, until: number): Int32Array | undefined;
  /** Trending scores per snapshot item for a (now, window) (cached with the snapshot, as counts). */
  trending(now: number, windowMs: number): Promise<Float32Array>;
}

export interface UserHistory {
  /** What the user did, newest first (impressions excluded). */
  signal: HistoryEvent[];
  /** What was shown to the user, newest first. */
  impressions: HistoryEvent[];
}

/** Trending compares its window with this many windows before it (the baseline). */
export const TRENDING_BASELINE_WINDOWS = 4;

/** One request in flight: the parsed request, its seed items and the user's history (read once, on first use). */
export class RequestContext {
  private historyP: Promise<UserHistory> | undefined;

  constructor(
    readonly parts: EngineParts,
    readonly req: ParsedRequest,
    readonly recipe: string,
    /** Catalogue indices of the context item and the request's items. */
    readonly seeds: Int32Array,
    /** The user's clock (ms): for "3 days ago" and impression windows. */
    readonly now: number,
    /** Run once the request is answered (or failed): scratch lent to it goes back (the engine runs them). */
    readonly atEnd: (() => void)[] = [],
  ) {}

  /** The user's index in the trained model, or -1. */
  get modelUser(): number {
    return this.req.user && this.parts.trained ? this.parts.trained.users.get(this.req.user) : -1;
  }

  requireSeeds(): void {
    if (!this.seeds.length) {
      throw new ConfigError('context.item', `the "${this.recipe}" recipe needs an item: give context.item (--item) or items (--items)`);
    }
  }

  /** The request's history when it carries one, else the user's stored events (newest first). */
  history(): Promise<UserHistory> {
    return (this.historyP ??= this.loadHistory());
  }

  private async loadHistory(): Promise<UserHistory> {
    const signal: HistoryEvent[] = [];
    const impressions: HistoryEvent[] = [];
    if (this.req.history) {
      for (const h of this.req.history) {
        signal.push(typeof h === 'string'
          ? { item: h, type: undefined, value: 1, timestamp: 0 }
          : { item: h.item, type: h.type, value: h.value ?? 1, timestamp: h.timestamp ?? 0 });
      }
      signal.sort((a, b) => b.timestamp - a.timestamp);
    }
    if (this.req.user) {
      const limit = this.parts.historyLimit;
      const rows = await this.parts.store.history(this.req.user, limit === undefined ? {} : { limit });
      for (const r of rows) {
        const e = { item: r.item, type: r.type, value: r.value, timestamp: r.timestamp };
        if (NON_SIGNAL_TYPES.includes(r.type)) impressions.push(e);
        else if (!this.req.history) signal.push(e);
      }
    }
    return { signal, impressions };
  }

  /**
   * The history as the model was trained to read it: only the event types and values its training kept
   * (model file `info.data`), summed per item like the training matrix.
   */
  async modelHistory(): Promise<{ items: Int32Array; values: Float32Array; events: number }> {
    const t = this.parts.trained!;
    const data = t.info.data as Partial<DataConfig> | undefined;
    const acc = new Map<number, number>();
    let events = 0;
    for (const e of (await this.history()).signal) {
      if (e.type && data?.types && !data.types.includes(e.type)) continue;
      if (data?.minValue !== undefined && e.value < data.minValue) continue;
      if (data?.positiveOnly !== false && !(e.value > 0)) continue;
      const mi = t.items.get(e.item);
      if (mi < 0) continue;
      acc.set(mi, (acc.get(mi) ?? 0) + e.value);
      events++;
    }
    return { items: Int32Array.from(acc.keys()), values: Float32Array.from(acc.values()), events };
  }
}
