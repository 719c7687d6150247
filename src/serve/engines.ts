import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { watchFile, unwatchFile } from 'node:fs';
import { Engine, type PipelineConfig } from '../engine/index.ts';
import { prepareExplanations } from '../explain/contributions.ts';
import { Catalog } from '../catalog/index.ts';
import { loadModelFile, type TrainedModel } from '../pipeline/model-file.ts';
import type { DataStore } from '../store/types.ts';
import { CurioError } from '../errors.ts';
import { HttpError } from './http-error.ts';
import { Refitter } from './refit.ts';
import type { FittedParts } from '../engine/engine.ts';

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
  /**
   * Where aggregate recipes are refitted after new events: 'worker' (default for a store in a file: a worker
   * thread, see refit.ts) or 'inline' (on the event loop, by the next request that needs them; an in-memory store).
   */
  refit?: 'worker' | 'inline';
  /** Test hook: each refit takes at least this long (in the worker, or blocking the event loop when inline). */
  refitSlowMs?: number;
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
  private refitter: Refitter | undefined;
  /** The background refit running, if any. */
  refitting: Promise<void> | undefined;

  private constructor(private readonly o: EnginesOptions) {}

  static async open(o: EnginesOptions): Promise<Engines> {
    const e = new Engines(o);
    const file = /^sqlite:(.+)$/.exec(o.store.url)?.[1];
    if ((o.refit ?? 'worker') === 'worker' && file && file !== ':memory:') e.refitter = new Refitter(file, { slowMs: o.refitSlowMs });
    e.current = o.model ? await e.load(o.model, undefined) : await e.generation(undefined, null, null, undefined);
    return e;
  }

  private async generation(trained: TrainedModel | undefined, version: string | null, path: string | null, catalog: Catalog | undefined): Promise<Generation> {
    const engine = await Engine.open({
      store: this.o.store, model: trained, config: this.o.config, catalog, allowOtherStore: this.o.allowOtherStore, onWarning: this.o.onWarning,
      // The first aggregate request's snapshot is read, and its component fitted, in the refit worker (here only
      // if the worker fails).
      ...(this.refitter ? { snapshotSource: (keys: string[]) => this.refitParts(keys) } : {}),
    });
    return { engine, version, path, loadedAt: trained ? new Date() : null, trained };
  }

  private async load(path: string, catalog: Catalog | undefined): Promise<Generation> {
    const bytes = await readFile(path).catch((e: NodeJS.ErrnoException) => {
      throw new HttpError(400, 'model_unreadable', `cannot read model file ${path}: ${e.code === 'ENOENT' ? 'no such file' : e.code ?? 'read failed'}`, 'path');
    });
    const version = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
    await new Promise((r) => setImmediate(r));
    const { warnings, ...trained } = await loadModelFile(path, { store: this.o.store, allowOtherStore: this.o.allowOtherStore }).catch((e: unknown) => {
      // Not a model file, another store's model, a newer format: the admin's request is at fault, the served model stays.
      if (e instanceof CurioError && !(e instanceof HttpError)) throw new HttpError(400, 'model_unreadable', e.message, 'path');
      throw e;
    });
    for (const w of warnings) this.o.onWarning?.(w);
    // What the first requests on this model would build, built now, each step its own turn of the event loop: a
    // swap then delays requests by one step at a time, not by all of them inside one request.
    const turn = () => new Promise((r) => setImmediate(r));
    await turn();
    trained.model.prepareServing?.();
    await turn();
    prepareExplanations(trained.model);
    await turn();
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
      next.engine.adopt(Promise.resolve(this.current.engine.fittedParts())); // the same store and catalogue: nothing to refit
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
      next.engine.adopt(Promise.resolve(this.current.engine.fittedParts()));
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
      next.engine.adopt(this.refitParts(c.engine.fittedKeys())); // the item's events are gone: refitted, off the event loop
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

  /**
   * With a refit worker, the refit runs there while requests keep being answered with the parts fitted before
   * (at most one refit at a time; events arriving meanwhile start the next); the new parts are swapped in as a new
   * generation (one assignment, as a model swap), so a request never mixes old and new. Inline, the next request
   * that needs a part refits it on the event loop.
   */
  refreshIfDue(everyMs: number): void {
    const now = performance.now();
    if (this.stale && !this.refitting && now - this.lastRefresh >= everyMs) {
      this.stale = false;
      this.lastRefresh = now;
      const engine = this.current.engine;
      if (!this.refitter || !engine.snapshotIfLoaded()) {
        // Nothing fitted yet (the first request fits on fresh data anyway), or no worker: dropped, refitted lazily.
        if (!this.refitter) this.slowInline();
        engine.refresh();
        return;
      }
      const refit = this.refitter.fit(engine.fittedKeys()).then((parts) => this.serial(async () => {
        const c = this.current;
        const next = await this.generation(c.trained, c.version, c.path, c.engine.catalog);
        next.engine.adopt(Promise.resolve(parts));
        next.loadedAt = c.loadedAt;
        this.current = next;
      }), (e: unknown) => {
        this.o.onWarning?.(`background refit failed; refitting on the next request instead: ${e instanceof Error ? e.message : String(e)}`);
        this.current.engine.refresh();
      });
      this.refitting = refit.finally(() => { this.refitting = undefined; });
    }
  }

  /**
   * Drops what was fitted from the store's events now (a GDPR erasure: no answer may use them again) and refits in
   * the worker; requests that need the parts wait for it, the others are answered meanwhile.
   */
  refitNow(): void {
    const engine = this.current.engine;
    if (!this.refitter) { engine.refresh(); return; }
    engine.adopt(this.refitParts(engine.fittedKeys()));
  }

  /** Parts fitted in the worker; undefined (fit here, lazily) without a worker or when it fails. */
  private refitParts(keys: string[]): Promise<FittedParts | undefined> {
    if (!this.refitter) return Promise.resolve(undefined);
    return this.refitter.fit(keys).catch((e: unknown) => {
      this.o.onWarning?.(`background refit failed; refitting on the event loop instead: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    });
  }

  /** The test hook's inline half: the event loop held as long as a refit on a big store would hold it. */
  private slowInline(): void {
    if (this.o.refitSlowMs) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, this.o.refitSlowMs);
  }

  /** Refits done in the worker. */
  get refits(): number {
    return this.refitter?.done ?? 0;
  }

  /** Stops the refit worker. */
  async close(): Promise<void> {
    await this.refitting;
    await this.refitter?.close();
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
