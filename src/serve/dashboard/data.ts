import type { DataStore, ImportRecord, StoreStats } from '../../store/types.ts';
import type { Engines, Generation } from '../engines.ts';
import { withTables } from '../sqlite-tables.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Events per hour over the `hours` hours that end with the newest event (a store of old data still shows its last week). */
export interface EventsPerHour {
  /** Start of each hour, ms since epoch, oldest first. */
  hours: number[];
  counts: number[];
  /** The newest event's time, or null for a store without events. */
  newest: number | null;
}

export async function eventsPerHour(store: DataStore, hours = 168): Promise<EventsPerHour> {
  return eventsPer(store, HOUR, hours);
}

/**
 * Events per day over the store's whole history (at most the last `maxDays` days, 20 years): the hourly chart shows the
 * last week only, which one fresh event can leave nearly empty when the rest of the data is old.
 */
export async function eventsPerDay(store: DataStore, maxDays = 7305): Promise<EventsPerHour> {
  const span = await withTables(store, (db) => db.prepare('SELECT min(ts), max(ts) FROM interactions').raw().get() as [number | null, number | null]);
  if (span[0] === null || span[1] === null) return { hours: [], counts: [], newest: null };
  const days = Math.min(maxDays, Math.floor(span[1] / DAY) - Math.floor(span[0] / DAY) + 1);
  return eventsPer(store, DAY, days);
}

/** Event counts in `n` buckets of `bucketMs` (on multiples of it since the epoch), the last one holding the newest event. */
function eventsPer(store: DataStore, bucketMs: number, n: number): Promise<EventsPerHour> {
  return withTables(store, (db) => {
    const newest = db.prepare('SELECT max(ts) FROM interactions').pluck().get() as number | null;
    if (newest === null) return { hours: [], counts: [], newest: null };
    const last = Math.floor(newest / bucketMs) * bucketMs;
    const first = last - (n - 1) * bucketMs;
    const counts = new Array<number>(n).fill(0);
    // better-sqlite3 binds JS numbers as REAL, so the division is a real one: the cast floors it (ts >= first).
    const rows = db.prepare('SELECT CAST((ts - ?) / ? AS INTEGER) AS b, count(*) AS n FROM interactions WHERE ts >= ? GROUP BY b').raw().all(first, bucketMs, first) as [number, number][];
    for (const [b, c] of rows) if (b >= 0 && b < n) counts[b] = c;
    return { hours: Array.from({ length: n }, (_, q) => first + q * bucketMs), counts, newest };
  });
}

/** Items ranked by their number of events, most first: the popularity long tail. */
export interface LongTail {
  /** Events of the item at each rank (rank 1 first). */
  counts: number[];
  /** Share of all events that go to the most popular 20% of the items with events. */
  top20Share: number;
  /** Items of the catalogue with no event at all. */
  itemsWithoutEvents: number;
  /** The most popular items (id, title, events), for the table beside the chart. */
  top: { id: string; title: string | null; events: number }[];
}

export async function longTail(store: DataStore, topN = 10): Promise<LongTail> {
  return withTables(store, (db) => {
    const rows = db.prepare('SELECT item_id, count(*) AS n FROM interactions GROUP BY item_id ORDER BY n DESC, item_id').raw().all() as [number, number][];
    const items = db.prepare('SELECT count(*) FROM items').pluck().get() as number;
    const counts = rows.map((r) => r[1]);
    const total = counts.reduce((a, b) => a + b, 0);
    const head = Math.ceil(counts.length * 0.2);
    let headEvents = 0;
    for (let q = 0; q < head; q++) headEvents += counts[q]!;
    const title = db.prepare('SELECT ext, title FROM items WHERE id = ?');
    const top = rows.slice(0, topN).map(([id, n]) => {
      const r = title.get(id) as { ext: string; title: string | null };
      return { id: r.ext, title: r.title, events: n };
    });
    return { counts, top20Share: total ? headEvents / total : 0, itemsWithoutEvents: items - counts.length, top };
  });
}

/** One model version the server holds (the current one, the one a rollback returns to, and any the engines keep). */
export interface ModelVersion {
  role: string;
  version: string | null;
  kind: string | null;
  path: string | null;
  loadedAt: string | null;
  trainedAt: string | null;
  users: number;
  items: number;
}

/** The served model: what it is, how it was trained, and its evaluation figures when its file records them. */
export interface ModelSummary {
  current: ModelVersion;
  config: Record<string, unknown>;
  /** Scalar training facts from the model file's info (interactions, fitSeconds...). */
  training: [string, string][];
  /** Evaluation metrics recorded in the model file (`info.evaluation.metrics`), metric name to value. */
  evaluation: { source: string | null; metric: string | null; metrics: [string, number | null][] } | null;
  versions: ModelVersion[];
}

function version(role: string, g: Generation): ModelVersion {
  const t = g.trained;
  const trainedAt = t?.info.trainedAt;
  return {
    role, version: g.version, kind: t?.model.kind ?? null, path: g.path, loadedAt: g.loadedAt?.toISOString() ?? null,
    trainedAt: typeof trainedAt === 'string' ? trainedAt : null, users: t?.users.size ?? 0, items: t?.items.size ?? 0,
  };
}

/** A generation-like entry of a history the engines may keep (older versions than `previous`). */
function isGeneration(x: unknown): x is Generation {
  return typeof x === 'object' && x !== null && 'version' in x && 'engine' in x;
}

export function modelSummary(engines: Engines): ModelSummary {
  const g = engines.current;
  const info = g.trained?.info ?? {};
  const training: [string, string][] = [];
  for (const [k, v] of Object.entries(info)) {
    if (k === 'evaluation') continue;
    if (typeof v === 'number') training.push([k, Number.isInteger(v) ? String(v) : v.toFixed(3)]);
    else if (typeof v === 'string' || typeof v === 'boolean') training.push([k, String(v)]);
    else if (v !== null && typeof v === 'object') training.push([k, JSON.stringify(v)]);
  }
  let evaluation: ModelSummary['evaluation'] = null;
  const ev = info.evaluation as { report?: unknown; metric?: unknown; metrics?: unknown } | undefined;
  if (ev && typeof ev === 'object' && ev.metrics && typeof ev.metrics === 'object') {
    evaluation = {
      source: typeof ev.report === 'string' ? ev.report : null,
      metric: typeof ev.metric === 'string' ? ev.metric : null,
      metrics: Object.entries(ev.metrics as Record<string, unknown>).map(([m, v]) => [m, typeof v === 'number' ? v : null] as [string, number | null]),
    };
  }
  const versions = [version('current', g)];
  if (engines.previous) versions.push(version('previous (rollback)', engines.previous));
  // Engines that keep a longer history (background retraining) expose it as `history`, newest first.
  const history = (engines as unknown as { history?: unknown }).history;
  if (Array.isArray(history)) {
    const seen = new Set(versions.map((v) => v.version));
    for (const h of history) if (isGeneration(h) && !seen.has(h.version)) { seen.add(h.version); versions.push(version('earlier', h)); }
  }
  return { current: versions[0]!, config: { ...(g.trained?.model.config ?? {}) }, training, evaluation, versions };
}

export interface Overview {
  stats: StoreStats;
  perHour: EventsPerHour;
  perDay: EventsPerHour;
  tail: LongTail;
  model: ModelSummary;
  /** Newest first. */
  imports: ImportRecord[];
  recipes: string[];
}

export async function overview(store: DataStore, engines: Engines): Promise<Overview> {
  const [stats, perHour, perDay, tail, imports] = [await store.stats(), await eventsPerHour(store), await eventsPerDay(store), await longTail(store), await store.imports()];
  return { stats, perHour, perDay, tail, model: modelSummary(engines), imports: imports.slice(-20).reverse(), recipes: engines.current.engine.recipeNames() };
}
