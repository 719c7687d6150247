import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { watchFile, unwatchFile } from 'node:fs';
import { Engine, type PipelineConfig } from '../engine/index.ts';
import { Catalog } from '../catalog/index.ts';
import { loadModelFile, type TrainedModel } from '../pipeline/model-file.ts';
import type { DataStore } from '../store/types.ts';
import { CurioError } from '../errors.ts';
import { HttpError } from './http-error.ts';

/** One loaded model (or none) and the engine that serves with it. */
export interface Generation {
  engine: Engine;
  /** The model file's content hash (12 hex digits), or null when serving without a model. */
  version: string | null;
  path: string | null;
  loadedAt: Date | null;
  trained: TrainedModel | undefined;
}

export interface EnginesOptions {
  store: DataStore;
  model?: string;
  config?: string | PipelineConfig;
  allowOtherStore?: boolean;
  onWarning?: (message: string) => void;
}

/**
 * The engine a request uses. A request takes `current` once and keeps it to the end, so swapping in another model
 * (reload, rollback) or catalogue is one assignment: no request fails or sees half of a swap. The generation
 * replaced last is kept for `rollback`.
 */
export class Engines {
  current!: Generation;
  previous: Generation | undefined;
  /** Models swapped in (reload or rollback) since start, for the metrics. */
  swaps = 0;
  private swapping: Promise<unknown> = Promise.resolve();
  /** Users erased through this server (GDPR): a kept model trained with one of them is never served again. */
  private readonly erased = new Set<string>();
  private stale = false;
  private lastRefresh = 0;

  private constructor(private readonly o: EnginesOptions) {}

  static async open(o: EnginesOptions): Promise<Engines> {
    const e = new Engines(o);
    e.current = o.model ? await e.load(o.model, undefined) : await e.generation(undefined, null, null, undefined);
    return e;
  }

  private async generation(trained: TrainedModel | undefined, version: string | null, path: string | null, catalog: Catalog | undefined): Promise<Generation> {
    const engine = await Engine.open({
      store: this.o.store, model: trained, config: this.o.config, catalog, allowOtherStore: this.o.allowOtherStore, onWarning: this.o.onWarning,
    });
    return { engine, version, path, loadedAt: trained ? new Date() : null, trained };
  }

  private async load(path: string, catalog: Catalog | undefined): Promise<Generation> {
    const bytes = await readFile(path).catch((e: NodeJS.ErrnoException) => {
      throw new HttpError(400, 'model_unreadable', `cannot read model file ${path}: ${e.code === 'ENOENT' ? 'no such file' : e.code ?? 'read failed'}`, 'path');
    });
    const version = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
    const { warnings, ...trained } = await loadModelFile(path, { store: this.o.store, allowOtherStore: this.o.allowOtherStore }).catch((e: unknown) => {
      // Not a model file, another store's model, a newer format: the admin's request is at fault, the served model stays.
      if (e instanceof CurioError && !(e instanceof HttpError)) throw new HttpError(400, 'model_unreadable', e.message, 'path');
      throw e;
    });
    for (const w of warnings) this.o.onWarning?.(w);
    return this.generation(trained, version, path, catalog);
  }

  /** Runs swaps one at a time. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.swapping.then(fn);
    this.swapping = p.catch(() => undefined);
    return p;
  }

  /**
   * Loads a model file (default: the one served now) and swaps it in; the one it replaces is kept for rollback.
   * `accept` may refuse the loaded model (by throwing) before it is swapped in.
   */
  reload(path?: string, accept?: (next: Generation) => void): Promise<Generation> {
    return this.serial(async () => {
      const file = path ?? this.current.path ?? this.o.model;
      if (!file) throw new HttpError(400, 'invalid_request', 'no model file to reload: give path', 'path');
      // Same catalogue: items upserted meanwhile stay served.
      const next = await this.load(file, this.current.engine.catalog);
      accept?.(next);
      this.previous = this.current;
      this.current = next;
      this.swaps++;
      return next;
    });
  }

  /** Swaps back to the generation replaced last. */
  rollback(): Promise<Generation> {
    return this.serial(async () => {
      const back = this.previous;
      if (!back) throw new HttpError(409, 'no_previous_model', 'there is no previous model to roll back to');
      const who = this.erasedIn(back);
      if (who !== undefined) {
        throw new HttpError(409, 'previous_model_erased', `the previous model was trained with user "${who}", erased since; it is not served again (retrain, or reload a model trained after the erasure)`);
      }
      // The previous engine may have an outdated catalogue or fitted recipes: rebuild it on today's.
      const next = await this.generation(back.trained, back.version, back.path, this.current.engine.catalog);
      next.loadedAt = back.loadedAt;
      this.previous = this.current;
      this.current = next;
      this.swaps++;
      return next;
    });
  }

  /**
   * Records a GDPR erasure. The model served now may still hold the user's factors until the next training (the
   * delete answer says so), but a rollback never brings back an older one that holds them.
   */
  erase(user: string): void {
    this.erased.add(user);
  }

  private erasedIn(g: Generation): string | undefined {
    if (!g.trained) return undefined;
    for (const u of this.erased) if (g.trained.users.has(u)) return u;
    return undefined;
  }

  /** A new engine on the same model over a catalogue read again from the store (after an item was deleted). */
  rebuildCatalog(): Promise<Generation> {
    return this.serial(async () => {
      const c = this.current;
      const next = await this.generation(c.trained, c.version, c.path, await Catalog.fromStore(this.o.store));
      next.loadedAt = c.loadedAt;
      this.current = next;
      return next;
    });
  }

  /**
   * New events change what aggregate recipes (popular, trending, co-occurrence) are fitted on: they are refitted on
   * the next request at most every `everyMs`. A user's own history is read per request and needs no refresh.
   */
  eventsWritten(everyMs: number): void {
    this.stale = true;
    this.refreshIfDue(everyMs);
  }

  refreshIfDue(everyMs: number): void {
    const now = performance.now();
    if (this.stale && now - this.lastRefresh >= everyMs) {
      this.stale = false;
      this.lastRefresh = now;
      this.current.engine.refresh();
    }
  }

  /** Reloads the model file whenever it changes on disk (polled: works across editors' rename-and-replace). */
  watch(onSwap: (g: Generation | Error) => void, intervalMs = 1000): () => void {
    const path = this.current.path;
    if (!path) throw new HttpError(400, 'invalid_request', 'no model file to watch: start with --model', 'model');
    let last = 0;
    void stat(path).then((s) => { last = s.mtimeMs; }, () => undefined);
    const listener = (cur: { mtimeMs: number }) => {
      if (cur.mtimeMs === last || cur.mtimeMs === 0) return;
      last = cur.mtimeMs;
      this.reload(path).then(onSwap, (e: Error) => onSwap(e));
    };
    watchFile(path, { interval: intervalMs }, listener);
    return () => unwatchFile(path, listener);
  }
}
