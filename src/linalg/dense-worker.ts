/**
 * Worker side of DensePool: every worker runs the same job on shared memory, split by its `tid`, and
 * meets the others at Atomics barriers. Jobs carry only SharedArrayBuffer-backed arrays, so nothing is copied.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { atomicsBarrier, finishInverse, runSweep, tileKernelFor, type PoolJob } from './dense.ts';
import { gramUpperRows } from './gram.ts';

const { tid, parties, ctl } = workerData as { tid: number; parties: number; ctl: Int32Array };
const barrier = atomicsBarrier(ctl, parties);

export function runJob(job: PoolJob, id: number, count: number, wait: () => void, control: Int32Array): void {
  switch (job.kind) {
    case 'gram': {
      // Dynamic row chunks: item popularity makes equal chunks very unequal in work.
      const n = job.x.cols;
      const step = Math.max(1, Math.ceil(n / job.chunks));
      for (;;) {
        const c = Atomics.add(control, 3, 1);
        const r0 = c * step;
        if (r0 >= n) break;
        gramUpperRows(job.x, job.out, r0, Math.min(n, r0 + step));
      }
      return;
    }
    case 'sweep':
      runSweep({ ...job.state, ctl: control, upd: tileKernelFor(job.memory) }, id, count, wait);
      return;
    case 'finish':
      finishInverse(job.a, job.n, id, count);
      return;
  }
}

parentPort!.on('message', (job: PoolJob) => {
  try {
    runJob(job, tid, parties, barrier, ctl);
    parentPort!.postMessage({ ok: true });
  } catch (e) {
    parentPort!.postMessage({ ok: false, message: (e as Error).message });
  }
});
