import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NotPositiveDefiniteError, loadNativeDense, sharedFloat64, spdInverse, spdInverseInPlace, useWasmKernel, wasmKernelActive } from './dense.ts';

/** Random SPD matrix M M^T / n + I (well conditioned, full). */
function randomSpd(n: number, seed: number, out: Float64Array<ArrayBufferLike> = new Float64Array(n * n)): Float64Array<ArrayBufferLike> {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 0.5;
  const m = Float64Array.from({ length: n * n }, rnd);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += m[i * n + k]! * m[j * n + k]!;
      const x = sum / n + (i === j ? 1 : 0);
      out[i * n + j] = x;
      out[j * n + i] = x;
    }
  }
  return out;
}

/** max |A X - I| over all entries. */
function residual(a: Float64Array, x: Float64Array, n: number): number {
  let worst = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += a[i * n + k]! * x[k * n + j]!;
      worst = Math.max(worst, Math.abs(sum - (i === j ? 1 : 0)));
    }
  }
  return worst;
}

for (const kernel of ['javascript', 'wasm'] as const) {
  test(`spdInverseInPlace (${kernel} kernel): A A^-1 = I for sizes around tile and block edges`, (t) => {
    useWasmKernel(kernel === 'wasm');
    try {
      if (kernel === 'wasm' && !wasmKernelActive()) return t.skip('no WebAssembly SIMD in this runtime');
      for (const n of [1, 2, 3, 4, 5, 7, 8, 17, 63, 64, 65, 97, 130]) {
        for (const nb of [4, 8, 96]) {
          const a = randomSpd(n, n * 31 + nb);
          const inv = spdInverseInPlace(a.slice(), n, nb);
          assert.ok(residual(a, inv, n) < 1e-10, `n=${n} nb=${nb}`);
          for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) assert.equal(inv[i * n + j], inv[j * n + i]);
        }
      }
    } finally {
      useWasmKernel(true);
    }
  });
}

test('wasm and javascript kernels agree', (t) => {
  if (!wasmKernelActive()) return t.skip('no WebAssembly SIMD in this runtime');
  const n = 203;
  const a = randomSpd(n, 4);
  const viaWasm = spdInverseInPlace(a.slice(), n, 64);
  useWasmKernel(false);
  const viaJs = spdInverseInPlace(a.slice(), n, 64);
  useWasmKernel(true);
  for (let q = 0; q < n * n; q++) assert.ok(Math.abs(viaWasm[q]! - viaJs[q]!) < 1e-12);
});

test('spdInverseInPlace: reads only the upper triangle', () => {
  const n = 9;
  const a = randomSpd(n, 5);
  const garbage = a.slice();
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) garbage[i * n + j] = 1e6 * (i - j);
  assert.ok(residual(a, spdInverseInPlace(garbage, n, 4), n) < 1e-10);
});

test('spdInverseInPlace: 2x2 by hand', () => {
  // [[4, 2], [2, 3]]^-1 = [[3, -2], [-2, 4]] / 8
  const inv = spdInverseInPlace(Float64Array.of(4, 2, 2, 3), 2, 4);
  assert.deepEqual(Array.from(inv), [3 / 8, -2 / 8, -2 / 8, 4 / 8]);
});

test('spdInverseInPlace: rejects a matrix that is not positive definite', () => {
  assert.throws(() => spdInverseInPlace(Float64Array.of(1, 2, 2, 1), 2, 4), NotPositiveDefiniteError);
  assert.throws(() => spdInverseInPlace(Float64Array.of(1, 0, 0, -1), 2, 4), NotPositiveDefiniteError);
});

test('spdInverse: two workers give the same inverse as one thread', async () => {
  const n = 700; // above PARALLEL_MIN_N, with a ragged last block and tile
  const a = sharedFloat64(n * n);
  randomSpd(n, 11, a);
  const serial = spdInverseInPlace(a.slice(), n, 64);
  const par = await spdInverse(a, n, { threads: 2, block: 64 });
  let diff = 0;
  for (let q = 0; q < n * n; q++) diff = Math.max(diff, Math.abs(par[q]! - serial[q]!));
  assert.ok(diff < 1e-12, `max difference ${diff}`);
});

test('native kernel (when built) matches the TypeScript inverse', (t) => {
  const native = loadNativeDense();
  if (!native) return t.skip('native/ not built (npm install builds it when a C++ compiler is present)');
  for (const n of [1, 7, 64, 130, 301]) {
    const a = randomSpd(n, n + 2);
    const ts = spdInverseInPlace(a.slice(), n, 64);
    const c = a.slice();
    native.spdInverseUpper(c, n, 2);
    let diff = 0;
    for (let q = 0; q < n * n; q++) diff = Math.max(diff, Math.abs(c[q]! - ts[q]!));
    assert.ok(diff < 1e-10, `n=${n}: max difference ${diff}`);
    assert.ok(residual(a, c, n) < 1e-10, `n=${n}`);
  }
  assert.throws(() => native.spdInverseUpper(Float64Array.of(1, 2, 2, 1), 2, 1), NotPositiveDefiniteError);
});
