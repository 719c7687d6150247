/**
 * The worker thread of background recipe refits (see refit.ts): it keeps its own read-only connection to the store,
 * and for each job takes a fresh events snapshot, fits the asked components on it and hands them back, their typed
 * arrays transferred (not copied). The server's event loop does none of the SQL reading or fitting.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openStore } from '../store/registry.ts';
import { fitPart, loadEventSnapshot } from '../engine/engine.ts';
import type { RefitReply, RefitRequest } from './refit.ts';

const port = parentPort!;
const store = await openStore((workerData as { db: string }).db, { readonly: true, create: false });

/** Every ArrayBuffer under `v` (typed arrays in plain objects and arrays), each once. */
function buffers(v: unknown, out: Set<ArrayBuffer>): Set<ArrayBuffer> {
  if (ArrayBuffer.isView(v)) { if (v.buffer instanceof ArrayBuffer) out.add(v.buffer); } else if (v && typeof v === 'object') for (const x of Object.values(v)) buffers(x, out);
  return out;
}

port.on('message', async (m: RefitRequest) => {
  let reply: RefitReply;
  try {
    const x = await loadEventSnapshot(store);
    const fitted = m.keys.map((k) => [k, { ...fitPart(k, x) }] as [string, unknown]);
    // The test hook: a fit as slow as on a big store, holding this thread (not the server's).
    if (m.slowMs) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, m.slowMs);
    const { users, items, ...columns } = x;
    reply = { id: m.id, ok: true, x: { ...columns, users: users.toArray(), items: items.toArray() }, fitted };
  } catch (e) {
    reply = { id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) };
  }
  port.postMessage(reply, reply.ok ? [...buffers(reply, new Set())] : []);
});
port.postMessage({ id: -1, ok: true } satisfies Partial<RefitReply>);
