/**
 * Seeded randomness for splits and tuning. mulberry32: 32-bit state, fast, and good enough for shuffling
 * (it is not for cryptography). The same seed gives the same stream on every platform, which is what
 * makes a split reproducible from the number printed in a report.
 */
export type RandomFn = () => number;

/** Uniform floats in [0, 1) from a 32-bit seed. */
export function mulberry32(seed: number): RandomFn {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Integer in [0, n). */
export function randInt(rng: RandomFn, n: number): number {
  return Math.floor(rng() * n);
}

/** Fisher–Yates shuffle of a[from..to) in place. */
export function shuffleRange(a: Int32Array, from: number, to: number, rng: RandomFn): void {
  for (let i = to - 1; i > from; i--) {
    const j = from + randInt(rng, i - from + 1);
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}

/** Derives an independent seed for a sub-task (e.g. trial t of a search) so streams do not overlap by accident. */
export function deriveSeed(seed: number, salt: number): number {
  let h = (seed ^ Math.imul(salt + 0x9e3779b9, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** The same mulberry32 stream as an object, for code that also wants normals and typed-array shuffles. */
export class Rng {
  /** Uniform in [0, 1). */
  readonly next: () => number;
  constructor(seed = 42) {
    this.next = mulberry32(seed >>> 0 || 0x9e3779b9);
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
  /** Fisher-Yates shuffle of a typed array in place. */
  shuffle<T extends Int32Array | Float32Array | Uint32Array>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
    return a;
  }
}
