import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Command } from '../main.ts';
import { intOption, parse, splitList } from '../args.ts';
import { ConfigError } from '../../errors.ts';
import { openStore } from '../../store/registry.ts';
import { defaultDb, defaultModel } from './paths.ts';
import { durationMs } from '../../engine/schema.ts';
import { LLM_FLAGS, LLM_USAGE } from '../../llm/cli.ts';
import { resolveLlmConfig } from '../../llm/config.ts';

export const serveCommand: Command = {
  summary: 'the HTTP API: recommendations, events, items, users, model reloads (API keys: curio keys)',
  usage: `curio serve [--db curio.db] [--model curio-model.bin] [--port 8080] [--host 127.0.0.1] [--config pipeline.json]
  [--watch] [--rate 1000] [--burst 2000] [--body-limit 1048576] [--cors https://shop.example,...] [--refresh-ms 2000]
  [--no-auth] [--allow-other-store] [--metrics-public] [--retrain-every 6h] [--retrain-after 10000] [--keep-models 3]
  [--exact-model] [--encoder use|tfidf|none] [--llm-url URL] [--llm-model NAME] [--workers 1|N|auto]

Binds 127.0.0.1 unless --host says otherwise. Every /v1 route needs an API key (Authorization: Bearer <key>) of
scope read (recommendations, items, model info), write (also events, items, users) or admin (also user deletion and
export, model reload and rollback): create them with \`curio keys create --scope read\`. --no-auth (only on
127.0.0.1) serves without keys. --watch reloads the model file when it changes; POST /v1/model/reload does on demand.
The routes and their schemas: GET /openapi.json, or /docs in a browser. Logs are JSON lines on stdout.
Prometheus metrics (request latency per route, events ingested, commits, model age and swaps, process) are at
GET /metrics with an admin key; --metrics-public serves them without a key (for a scraper on a private network).
--retrain-every (a duration: 30m, 6h, 1d) and --retrain-after (new events) retrain in the background, in a child
process on a snapshot of the store, the same model kind and parameters as the one served; the new model file is
written beside it (NAME.rTIMESTAMP.bin), swapped in, the previous kept for rollback, files beyond --keep-models
pruned. POST /v1/model/retrain (admin) retrains now; GET /v1/model/retrain says how it went.
A restart serves the newest valid model of --model's family (NAME.bin and the NAME.rTIMESTAMP.bin retrains beside
it): newest by the time in the name (NAME.bin: its modification time), skipping files that do not load, were
trained on another store, or hold a user erased from the store since; --exact-model serves the file named.
POST /v1/ask and /v1/search answer as curio ask / curio search; --encoder picks their text vectors (as curio ask),
and with ${LLM_USAGE} an LLM reads /v1/ask requests (the parser answers whenever it fails).
--workers N (auto: one per core) answers in N processes on the one port, each with its own copy of the model and
history cache (memory grows about N-fold); item writes, erasures, model swaps and dashboard logins made through one
reach the others before the request is answered, a key's rate limit holds across all of them, /metrics sums them,
and worker 0 alone retrains. A worker that dies is started again.`,
  async run(argv) {
    const { values: v } = parse(argv, {
      db: { type: 'string' }, model: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, config: { type: 'string' },
      watch: { type: 'boolean' }, rate: { type: 'string' }, burst: { type: 'string' }, 'body-limit': { type: 'string' }, cors: { type: 'string' },
      'refresh-ms': { type: 'string' }, 'no-auth': { type: 'boolean' }, 'allow-other-store': { type: 'boolean' },
      'metrics-public': { type: 'boolean' }, 'retrain-every': { type: 'string' }, 'retrain-after': { type: 'string' }, 'keep-models': { type: 'string' },
      'exact-model': { type: 'boolean' }, encoder: { type: 'string' }, workers: { type: 'string' }, ...LLM_FLAGS,
    }, 'serve');
    const retrainEvery = v['retrain-every'] === undefined ? undefined : durationMs(v['retrain-every'], '--retrain-every');
    if (retrainEvery !== undefined && !(retrainEvery >= 1000)) throw new ConfigError('--retrain-every', `"${v['retrain-every']}" is too short to train in; give a period such as 30m, 6h or 1d`);
    const retrainAfter = v['retrain-after'] === undefined ? undefined : intOption(v['retrain-after'], 'retrain-after', 0, 1);
    const host = v.host ?? '127.0.0.1';
    if (v['no-auth'] && host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') {
      throw new ConfigError('--no-auth', `refused with --host ${host}: without keys anyone who reaches the port could write and delete; create keys with curio keys create`);
    }
    const port = intOption(v.port, 'port', 8080, 0);
    if (port > 65535) throw new ConfigError('--port', `${port} is not a port (0..65535)`);
    const workers = v.workers === 'auto' ? availableParallelism() : intOption(v.workers, 'workers', 1, 1);
    if (workers > 64) throw new ConfigError('--workers', `${workers} is more processes than this makes sense for; give at most the number of cores (auto)`);
    const model = v.model ?? (existsSync(defaultModel()) ? defaultModel() : undefined);
    if (v.watch && !model) throw new ConfigError('--watch', 'there is no model file to watch: pass --model');
    const { Engines } = await import('../../serve/engines.ts');
    const { startServer } = await import('../../serve/server.ts');
    const { jsonLogger } = await import('../../serve/log.ts');
    const { ApiKeys } = await import('../../serve/keys.ts');
    const { workerPeers, workerReady, runPrimary } = await import('../../serve/cluster.ts');
    const peers = workerPeers();
    // A worker's channel to the primary would keep it alive after it stopped, or failed to start.
    if (peers) return serveWorker().finally(() => process.disconnect?.());
    return serveWorker();
    async function serveWorker(): Promise<number> {
      const log = peers ? jsonLogger(undefined, { base: { worker: peers.index }, batchBytes: 4000 }) : jsonLogger();
      const store = await openStore(v.db ?? defaultDb());
      if (workers > 1 && !peers) {
        // The primary: the store is opened (and migrated) once here, before the workers open it.
        const warnNoKeys = !v['no-auth'] && !(await new ApiKeys(store).list()).some((k) => k.revokedAt === null);
        await store.close();
        if (warnNoKeys) log.warn(`no API keys in ${v.db ?? defaultDb()}: every /v1 request will be refused; create one with curio keys create --scope read --db ${v.db ?? defaultDb()}`);
        await runPrimary(workers, log);
        return 0;
      }
      const { newestModel } = await import('../../serve/model-versions.ts');
      const chosen = model && !v['exact-model'] ? await newestModel(model, store, { allowOtherStore: v['allow-other-store'] === true }) : undefined;
      for (const s of chosen?.skipped ?? []) log.warn(`not serving the newer model ${s.path}: ${s.why}`);
      if (chosen && chosen.path !== model) log.info('serving the newest model of the family', { given: model, path: chosen.path });
      const engines = await Engines.open({
        store, model: chosen?.path ?? model, config: v.config, allowOtherStore: v['allow-other-store'] === true, onWarning: (w) => log.warn(w),
      });
      // A bad --llm-url (or pipeline "llm" section) is refused now, not at the first /v1/ask.
      resolveLlmConfig(engines.current.engine.config.llm, { ...(v['llm-url'] !== undefined ? { url: v['llm-url'] } : {}), ...(v['llm-model'] !== undefined ? { model: v['llm-model'] } : {}) });
      if (!peers && !v['no-auth'] && !(await new ApiKeys(store).list()).some((k) => k.revokedAt === null)) {
        log.warn(`no API keys in ${store.url}: every /v1 request will be refused; create one with curio keys create --scope read --db ${v.db ?? defaultDb()}`);
      }
      const server = await startServer({
        store, engines, host, port, logger: log, auth: !v['no-auth'], ...(peers ? { peers } : {}),
        rateLimit: { rate: intOption(v.rate, 'rate', 1000), burst: intOption(v.burst, 'burst', 2000) },
        bodyLimit: intOption(v['body-limit'], 'body-limit', 1 << 20),
        corsOrigins: v.cors ? splitList(v.cors, '--cors') : undefined,
        refreshMs: intOption(v['refresh-ms'], 'refresh-ms', 2000, 0),
        metricsPublic: v['metrics-public'] === true,
        retrain: { everyMs: retrainEvery, afterEvents: retrainAfter, keep: intOption(v['keep-models'], 'keep-models', 3, 2) },
        ask: {
          ...(v.encoder !== undefined ? { encoder: v.encoder === 'none' ? false : v.encoder } : {}),
          llm: { ...(v['llm-url'] !== undefined ? { url: v['llm-url'] } : {}), ...(v['llm-model'] !== undefined ? { model: v['llm-model'] } : {}) },
        },
      });
      const unwatch = v.watch ? engines.watch((g) => (g instanceof Error ? log.error('model reload failed; still serving the previous model', { error: g.message }) : log.info('model swapped', { version: g.version }))) : undefined;
      const t = engines.current.trained;
      if (peers) workerReady(server.url);
      log.info(peers ? 'worker serving' : 'curio serving', {
        url: server.url, store: store.url, model: engines.current.version, path: engines.current.path, docs: `${server.url}/docs`, dashboard: `${server.url}/dashboard`,
        trainedAt: t?.info.trainedAt ?? null, eventsAtTraining: t?.info.storeEvents ?? null, newEvents: server.retrainer.newEvents(),
        retrain: { every: v['retrain-every'] ?? null, after: retrainAfter ?? null },
      });
      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = (signal: string) => {
          if (stopping) return;
          stopping = true;
          log.info('shutting down', { signal });
          unwatch?.();
          // In-flight requests finish (their events are committed) before the store closes.
          server.close().then(() => store.close()).then(resolve, resolve);
        };
        process.once('SIGINT', () => stop('SIGINT'));
        process.once('SIGTERM', () => stop('SIGTERM'));
      });
      return 0;
    }
  },
};
