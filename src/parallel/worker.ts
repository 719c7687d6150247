/**
 * Generic worker entry: imports the kernel module named in workerData, builds its handler from the
 * shared init data once, then answers one message per task. The pool keeps workers alive across tasks,
 * so module loading and SharedArrayBuffer mapping happen once per fit, not per iteration.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { KernelModule, TaskMessage, ReplyMessage } from './pool.ts';

const port = parentPort!;
const { module, init } = workerData as { module: string; init: unknown };
const mod = (await import(module)) as KernelModule<unknown, unknown, unknown>;
const handle = mod.createKernel(init);
port.on('message', async (msg: TaskMessage) => {
  let reply: ReplyMessage;
  try {
    // a handler may answer with a promise (the text encoders run on WebAssembly asynchronously)
    reply = { id: msg.id, ok: true, result: await handle(msg.task) };
  } catch (e) {
    reply = { id: msg.id, ok: false, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
  port.postMessage(reply);
});
port.postMessage({ id: -1, ok: true, result: 'ready' } satisfies ReplyMessage);
