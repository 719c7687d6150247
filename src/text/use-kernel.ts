/**
 * The worker side of `use` on several threads (src/parallel/pool.ts): each worker loads its own copy of the model
 * once and encodes the texts it is sent with the same code as the main thread (UseEncoder on one thread).
 */
import { UseEncoder } from './use.ts';

export interface UseKernelInit {
  batch: number;
  maxChars: number;
}

export function createKernel(init: UseKernelInit): (texts: string[]) => Promise<Float32Array> {
  const encoder = new UseEncoder({ ...init, threads: 1 });
  return (texts) => encoder.encode(texts);
}
