/**
 * Worker entry for `UseWorkers`: loads USE-lite once, then encodes one block of texts a message and sends the
 * rows back (the buffer is transferred, not copied).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { UseEncoder } from './use.ts';

interface Block { id: number; texts: string[] }

const port = parentPort!;
const encoder = new UseEncoder((workerData as { config: unknown }).config);
try {
  await encoder.load();
  port.postMessage({ id: -1, ok: true });
} catch (e) {
  port.postMessage({ id: -1, ok: false, error: e instanceof Error ? e.message : String(e) });
}
// Blocks arrive one at a time per worker (the dispatcher waits for each answer), so they never interleave.
port.on('message', (m: Block) => {
  encoder.encode(m.texts).then(
    (vectors) => port.postMessage({ id: m.id, ok: true, vectors }, [vectors.buffer as ArrayBuffer]),
    (e: unknown) => port.postMessage({ id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) }),
  );
});
