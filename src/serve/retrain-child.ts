/**
 * The training process of a background retrain (started by `Retrainer`): it opens the store read-only, trains on a
 * snapshot of it and writes the model file, away from the server's event loop and heap. It talks to the server
 * over the IPC channel only: one job in, phases and one outcome out.
 */
import { openStore } from '../store/registry.ts';
import { trainFromStore } from '../pipeline/train.ts';
import { saveModelFile } from '../pipeline/model-file.ts';
import { CurioError } from '../errors.ts';
import type { ChildMessage, RetrainJob } from './retrain.ts';

const send = (m: ChildMessage) => new Promise<void>((resolve) => process.send!(m, undefined, undefined, () => resolve()));

async function run(job: RetrainJob): Promise<void> {
  const store = await openStore(job.db, { readonly: true });
  try {
    await send({ type: 'phase', phase: 'snapshot' });
    // Counted before the snapshot: events written in between are counted as new again, never missed.
    const storeEvents = (await store.stats()).interactions;
    let fitting = false;
    const fit = () => {
      if (!fitting) void send({ type: 'phase', phase: 'fit' });
      fitting = true;
    };
    const t = await trainFromStore(store, job.config, { threads: job.threads, onSnapshot: (done, total) => done >= total && fit(), onProgress: fit });
    await send({ type: 'phase', phase: 'save' });
    t.info = { ...t.info, storeEvents, retrain: { trigger: job.trigger, startedAt: job.startedAt } };
    await saveModelFile(job.out, t); // written to a temporary name and renamed: never seen half-written
    await send({ type: 'done', users: t.users.size, items: t.items.size, interactions: Number(t.info.interactions), storeEvents });
  } finally {
    await store.close();
  }
}

process.once('message', (job: RetrainJob) => {
  run(job).then(
    () => process.exit(0),
    async (e: unknown) => {
      // A CurioError is the user's to read; anything else is a bug, and its stack says where.
      await send({ type: 'error', message: e instanceof CurioError ? e.message : e instanceof Error ? e.stack ?? e.message : String(e) });
      process.exit(1);
    },
  );
});
