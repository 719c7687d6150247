import { createHash } from 'node:crypto';
import { nativeAddon, type NativeAddon } from '../linalg/native.ts';

/**
 * Token buckets, one per API key: `rate` requests per second sustained, bursts of up to `burst`. A bucket
 * refills lazily when asked, so idle keys cost nothing but their map entry.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(readonly rate: number, readonly burst: number, private readonly clock: () => number = () => performance.now()) {
    if (!(rate > 0) || !(burst >= 1)) throw new RangeError(`rate limit needs rate > 0 and burst >= 1, got ${rate}, ${burst}`);
  }

  /** The seconds until `key` has a token (0: it has one now), taking none. */
  peek(key: string): number {
    const b = this.buckets.get(key);
    if (!b) return 0;
    const tokens = Math.min(this.burst, b.tokens + ((this.clock() - b.at) / 1000) * this.rate);
    return tokens >= 1 ? 0 : (1 - tokens) / this.rate;
  }

  /** Takes a token for `key`: 0 when allowed, else the seconds until one is available. */
  take(key: string): number {
    const now = this.clock();
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size > 100_000) this.buckets.clear();
      b = { tokens: this.burst, at: now };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.rate);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return (1 - b.tokens) / this.rate;
  }
}

/** What the server asks of a rate limiter: RateLimiter in one process, SharedRateLimiter across workers. */
export type Limiter = Pick<RateLimiter, 'take' | 'peek'>;

/** A key's bucket number in the shared table: 52 bits of its SHA-256 (exact in a double). */
function bucketKey(key: string): number {
  const h = createHash('sha256').update(key).digest();
  return h.readUIntBE(0, 6) * 16 + (h[6]! >> 4);
}

/**
 * The same token buckets in a file mapping that every worker of `curio serve --workers N` opens (native/shared.cc):
 * a key's limit holds for the server as a whole. Needs the native addon; `open` returns undefined without it.
 */
export class SharedRateLimiter implements Limiter {
  private constructor(private readonly table: ArrayBuffer, private readonly native: Required<Pick<NativeAddon, 'sharedBucketsTake'>>, readonly rate: number, readonly burst: number) {}

  static open(path: string, rate: number, burst: number, slots = 1 << 16): SharedRateLimiter | undefined {
    if (!(rate > 0) || !(burst >= 1)) throw new RangeError(`rate limit needs rate > 0 and burst >= 1, got ${rate}, ${burst}`);
    const native = nativeAddon();
    if (!native?.sharedBucketsOpen || !native.sharedBucketsTake) return undefined;
    return new SharedRateLimiter(native.sharedBucketsOpen(path, slots), native as Required<Pick<NativeAddon, 'sharedBucketsTake'>>, rate, burst);
  }

  /** Bucket numbers of the keys seen (API key ids and login addresses: few), hashed once each. */
  private readonly slots = new Map<string, number>();

  private slot(key: string): number {
    let s = this.slots.get(key);
    if (s === undefined) {
      if (this.slots.size > 100_000) this.slots.clear();
      this.slots.set(key, (s = bucketKey(key)));
    }
    return s;
  }

  peek(key: string): number {
    return this.native.sharedBucketsTake(this.table, this.slot(key), this.rate, this.burst, false);
  }

  take(key: string): number {
    return this.native.sharedBucketsTake(this.table, this.slot(key), this.rate, this.burst, true);
  }
}
