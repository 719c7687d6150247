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
