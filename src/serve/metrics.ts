import { AggregatorRegistry, Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import type { Peers } from './cluster.ts';
import type { Engines } from './engines.ts';
import type { EventIngest } from './ingest.ts';

/** Route label of a request that matched no route (an unknown path, or a body refused before routing). */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * One server's Prometheus metrics, in a registry of its own (not prom-client's global one): two servers in one
 * process (tests, an app embedding two stores) count apart. Counters that the ingest and the engines keep anyway
 * are read at scrape time rather than incremented a second time on the hot path.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  private readonly duration: Histogram<'method' | 'route' | 'status_class'>;

  constructor(ingest: EventIngest, engines: Engines, historyCache?: () => number) {
    const registers = [this.registry];
    this.duration = new Histogram({
      name: 'curio_http_request_duration_seconds',
      help: 'Time from a request arriving to its answer, by route template (never the raw path) and status class',
      labelNames: ['method', 'route', 'status_class'],
      // Recommendations answer in about a millisecond; the tail up to 10 s shows stalls (commits, swaps, refits).
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers,
    });
    const mirror = (name: string, help: string, read: () => number, aggregator: 'sum' | 'max' = 'sum') => new Counter({
      name, help, registers, aggregator,
      collect() {
        this.reset();
        this.inc(read());
      },
    });
    mirror('curio_events_ingested_total', 'Events committed by POST /v1/events (an idempotent replay adds none)', () => ingest.stats.events);
    mirror('curio_event_commits_total', 'SQLite transactions that committed events (group commit: one can carry many requests)', () => ingest.stats.commits);
    // Every worker of --workers N swaps in the same model: the server's count is any one worker's, not their sum.
    mirror('curio_model_swaps_total', 'Models swapped in since start (reload, rollback, --watch)', () => engines.swaps, 'max');
    new Gauge({
      aggregator: 'max',
      name: 'curio_model_age_seconds',
      help: 'Seconds since the served model was loaded (absent while serving without a model)',
      labelNames: ['version'],
      registers,
      collect() {
        this.reset();
        const g = engines.current;
        if (g.loadedAt) this.set({ version: g.version ?? '' }, (Date.now() - g.loadedAt.getTime()) / 1000);
      },
    });
    if (historyCache) {
      new Gauge({
        name: 'curio_history_cache_events',
        help: 'Events of users\' histories held in memory (each user counting 20 more): a known user\'s request reads none from the store',
        registers,
        collect() {
          this.set(historyCache());
        },
      });
    }
    // The standard names (process_cpu_seconds_total, nodejs_heap_size_used_bytes...) that Node.js dashboards expect.
    collectDefaultMetrics({ register: this.registry });
  }

  /** `route` is the template the router matched ('/v1/items/:id'), so an id never becomes a label value. */
  observe(method: string, route: string, status: number, seconds: number): void {
    this.duration.observe({ method, route, status_class: `${Math.floor(status / 100)}xx` }, seconds);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}

/** The metrics of all workers of `curio serve --workers N`: counters and histograms summed, the model's age and swaps as one. */
export async function clusterMetrics(m: ServerMetrics, peers: Peers): Promise<string> {
  const mine = await m.registry.getMetricsAsJSON();
  const theirs = (await peers.others({ op: 'metrics' })) as MetricObjectWithValues<MetricValue<string>>[][];
  return AggregatorRegistry.aggregate([mine, ...theirs]).metrics();
}
