import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { makeShop, serveShop, call, type Shop } from './testing.ts';
import { jsonLogger } from './log.ts';
import { loadModelFile, saveModelFile } from '../pipeline/model-file.ts';
import { trainFromStore } from '../pipeline/train.ts';
import { openStore } from '../store/registry.ts';
import { defaultModelPath, type Trainer } from './retrain.ts';

const shops: Shop[] = [];
after(async () => {
  for (const s of shops) await s.store.close();
});
async function shop(): Promise<Shop> {
  const s = await makeShop();
  shops.push(s);
  return s;
}

/** Polls the retrain status until no retrain runs. */
async function settled(base: string, admin: string): Promise<any> {
  for (;;) {
    const s = (await call(base, 'GET', '/v1/model/retrain', { key: admin })).body;
    if (!s.running) return s;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Trains in this process (fast, and lets a test act between the snapshot and the swap); the default is a child process. */
const inProcess = (between?: () => Promise<void>): Trainer => async (job, onPhase) => {
  const store = await openStore(job.db, { readonly: true });
  try {
    onPhase('snapshot');
    const storeEvents = (await store.stats()).interactions;
    const t = await trainFromStore(store, job.config);
    await between?.();
    t.info = { ...t.info, storeEvents, retrain: { trigger: job.trigger, startedAt: job.startedAt } };
    await saveModelFile(job.out, t);
  } finally {
    await store.close();
  }
};

test('POST /v1/model/retrain: a child process retrains on the store without the erased user, the server swaps it in, requests keep succeeding', async () => {
  const s = await shop();
  const srv = await serveShop(s);
  const { admin, read } = s.keys;
  try {
    const before = (await call(srv.url, 'GET', '/v1/model', { key: read })).body;
    assert.equal(before.source, 'file');
    assert.equal(before.eventsAtTraining, null, 'curio train does not record the store\'s event count');
    assert.ok((await loadModelFile(s.models[0])).users.has('b1'));
    // GDPR: erased through the API, so absent from every model trained after.
    assert.equal((await call(srv.url, 'DELETE', '/v1/users/b1', { key: admin })).body.inModel, true);

    let stop = false, ok = 0;
    const failed: string[] = [];
    const load = (async () => {
      while (!stop) {
        const r = await call(srv.url, 'POST', '/v1/recommend', { key: read, body: { user: 'b0', k: 3 } });
        if (r.status === 200) ok++; else failed.push(`${r.status} ${JSON.stringify(r.body)}`);
        await new Promise((r) => setTimeout(r, 5)); // a steady load that leaves the (low-priority) training process CPU
      }
    })();
    const started = await call(srv.url, 'POST', '/v1/model/retrain', { key: admin });
    assert.equal(started.status, 202);
    assert.equal(started.body.started, true);
    assert.equal(started.body.status.running, true);
    assert.equal(started.body.status.trigger, 'api');
    const again = await call(srv.url, 'POST', '/v1/model/retrain', { key: admin });
    assert.equal(again.body.started, false, 'one retrain at a time');
    const status = await settled(srv.url, admin);
    stop = true;
    await load;
    assert.deepEqual(failed, []);
    assert.ok(ok > 0);
    assert.equal(status.last.outcome, 'swapped', JSON.stringify(status.last));
    assert.equal(status.runs, 1);

    const path = status.last.path as string;
    assert.equal(dirname(path), dirname(s.models[0]), 'written beside the served model');
    assert.match(basename(path), /^knn\.r\d{8}T\d{9}Z\.bin$/);
    const file = await loadModelFile(path);
    assert.equal(file.users.has('b1'), false, 'the erased user is not in the new model file');
    assert.ok(file.users.has('b0') && file.users.size === 14);
    assert.equal(file.model.kind, 'itemknn', 'the same kind and parameters as the served model');
    assert.deepEqual(file.model.config, (await loadModelFile(s.models[0])).model.config);

    const now = (await call(srv.url, 'GET', '/v1/model', { key: read })).body;
    assert.equal(now.version, status.last.version);
    assert.equal(now.previous, before.version, 'the replaced model is kept for rollback');
    assert.equal(now.source, 'retrain');
    assert.equal(now.eventsAtTraining, 31 - 2, 'the shop\'s 31 events less b1\'s 2');
    assert.ok(Date.parse(now.trainedAt) >= Date.parse(status.last.startedAt));
    assert.equal((await call(srv.url, 'DELETE', '/v1/users/b2', { key: admin })).body.inModel, true);
    assert.equal((await call(srv.url, 'DELETE', '/v1/users/b1', { key: admin })).body.inModel, false);
    const rec = await call(srv.url, 'POST', '/v1/recommend', { key: read, body: { user: 'b0', k: 3 } });
    assert.equal(rec.body.model, now.version);
    // The replaced model was trained with b1, erased since: a rollback must not serve them again.
    const back = await call(srv.url, 'POST', '/v1/model/rollback', { key: admin });
    assert.deepEqual([back.status, back.body.error?.code], [409, 'previous_model_erased']);
    assert.equal((await call(srv.url, 'GET', '/v1/model', { key: read })).body.version, now.version);
  } finally {
    await srv.close();
  }
});

test('a failed retrain logs one line, keeps serving the old model, and says why in the status', async () => {
  const s = await shop();
  const lines: string[] = [];
  const srv = await serveShop(s, { logger: jsonLogger((l) => lines.push(l)), retrain: { config: { model: { kind: 'ials', config: {} }, data: { types: ['rating'] } } } });
  const { admin, read } = s.keys;
  try {
    const before = (await call(srv.url, 'GET', '/v1/model', { key: read })).body.version;
    await call(srv.url, 'POST', '/v1/model/retrain', { key: admin });
    const status = await settled(srv.url, admin);
    assert.equal(status.last.outcome, 'failed');
    assert.match(status.last.error, /no interactions left to train on/);
    assert.equal(status.failures, 1);
    assert.equal((await call(srv.url, 'GET', '/v1/model', { key: read })).body.version, before);
    assert.equal((await call(srv.url, 'POST', '/v1/recommend', { key: read, body: { user: 'b0', k: 3 } })).status, 200);
    const errors = lines.map((l) => JSON.parse(l)).filter((l) => l.level === 50);
    assert.equal(errors.length, 1);
    assert.match(errors[0].msg, new RegExp(`^retrain failed; still serving model ${before}: no interactions left to train on`));
    assert.ok(!errors[0].msg.includes('\n') && !/\.ts:\d+/.test(errors[0].msg), 'one line, no stack');
    assert.deepEqual(readdirSync(s.dir).filter((f) => /\.r\d/.test(f)), [], 'no file left behind');
    // Retraining is an admin's.
    assert.equal((await call(srv.url, 'POST', '/v1/model/retrain', { key: s.keys.write })).status, 403);
    assert.equal((await call(srv.url, 'GET', '/v1/model/retrain', { key: s.keys.read })).status, 403);
    assert.equal((await call(srv.url, 'POST', '/v1/model/retrain')).status, 401);
    assert.equal((await call(srv.url, 'GET', '/v1/model/retrain', { key: admin })).body.runs, 1);
  } finally {
    await srv.close();
  }
});

test('a user erased after the snapshot was taken: that model is discarded and the retrain runs again without them', async () => {
  const s = await shop();
  const { admin, read } = s.keys;
  let erase: (() => Promise<void>) | undefined;
  let first = true;
  const srv = await serveShop(s, {
    retrain: { trainer: inProcess(async () => { if (first) { first = false; await erase!(); } }) },
  });
  try {
    erase = async () => { assert.equal((await call(srv.url, 'DELETE', '/v1/users/c0', { key: admin })).body.deleted, true); };
    await call(srv.url, 'POST', '/v1/model/retrain', { key: admin });
    const status = await settled(srv.url, admin);
    assert.equal(status.runs, 2);
    assert.equal(status.failures, 1);
    assert.equal(status.last.outcome, 'swapped');
    assert.equal((await loadModelFile(status.last.path)).users.has('c0'), false);
    const served = await call(srv.url, 'DELETE', '/v1/users/c0', { key: admin });
    assert.equal(served.body.inModel, false, 'the served model does not hold the erased user');
    assert.equal((await call(srv.url, 'GET', '/v1/model', { key: read })).body.version, status.last.version);
    assert.equal(readdirSync(s.dir).filter((f) => /\.r\d/.test(f)).length, 1, 'the discarded file was removed');
  } finally {
    await srv.close();
  }
});

test('--retrain-after: new events start a retrain; retrained files beyond keep are pruned, the served and previous kept', async () => {
  const s = await shop();
  const { admin, write } = s.keys;
  const srv = await serveShop(s, { retrain: { afterEvents: 3, keep: 2, trainer: inProcess() } });
  const versions = () => readdirSync(s.dir).filter((f) => /^knn\.r\d/.test(f)).sort();
  try {
    const seen: string[] = [];
    for (let round = 0; round < 4; round++) {
      await call(srv.url, 'POST', '/v1/events', { key: write, body: { events: [0, 1].map((e) => ({ user: `n${round}`, item: 'ABCDEFGH'[e]!, type: 'purchase' })) } });
      assert.equal((await call(srv.url, 'GET', '/v1/model/retrain', { key: admin })).body.running, false, '2 new events: below the threshold');
      await call(srv.url, 'POST', '/v1/events', { key: write, body: { user: `n${round}`, item: 'H', type: 'purchase' } });
      await new Promise((r) => setTimeout(r, 20));
      const status = await settled(srv.url, admin);
      assert.equal(status.runs, round + 1);
      assert.equal(status.last.trigger, 'events');
      assert.equal(status.newEvents, 0);
      assert.ok((await loadModelFile(status.last.path)).users.has(`n${round}`), 'the new events are in the new model');
      seen.push(basename(status.last.path));
      assert.deepEqual(versions(), seen.slice(-2));
      // A millisecond apart at least: versions are named by their start time.
      await new Promise((r) => setTimeout(r, 2));
    }
    assert.ok(readdirSync(s.dir).includes('knn.bin'), 'the file the server started with is not the retrainer\'s to prune');
  } finally {
    await srv.close();
  }
});

test('--retrain-every: the schedule retrains a model older than the period', async () => {
  const s = await shop();
  const srv = await serveShop(s, { retrain: { everyMs: 50, trainer: inProcess() } });
  try {
    let status;
    do {
      await new Promise((r) => setTimeout(r, 50));
      status = await settled(srv.url, s.keys.admin);
    } while (status.runs === 0);
    assert.ok(status.runs >= 1);
    assert.equal(status.last.trigger, 'schedule');
    assert.equal(status.last.outcome, 'swapped');
    assert.equal(status.schedule.everyMs, 50);
  } finally {
    await srv.close();
  }
});

test('retrained models go beside the store file when no model is served, never under a "sqlite:" folder', () => {
  assert.equal(defaultModelPath('sqlite:/data/shop.db'), join('/data', 'curio-model.bin'));
  assert.equal(defaultModelPath('/data/shop.db'), join('/data', 'curio-model.bin'));
  assert.equal(defaultModelPath('sqlite::memory:'), join(process.cwd(), 'curio-model.bin'));
});
