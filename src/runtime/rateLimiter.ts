// Retry delays with client-go's semantics: per-key exponential backoff under a global token bucket.
import type { Clock } from './clock.js';

export interface RateLimiter {
  /** Delay before the key may be retried; each call counts one more failure. */
  when(key: string): number;
  forget(key: string): void;
  failures(key: string): number;
}

/** base × 2^failures, capped (client-go's ItemExponentialFailureRateLimiter). */
export class ExponentialBackoff implements RateLimiter {
  private readonly counts = new Map<string, number>();
  constructor(
    private readonly baseMs = 5,
    private readonly maxMs = 1_000_000,
  ) {}
  when(key: string): number {
    const n = this.counts.get(key) ?? 0;
    this.counts.set(key, n + 1);
    return Math.min(this.baseMs * 2 ** n, this.maxMs);
  }
  forget(key: string): void {
    this.counts.delete(key);
  }
  failures(key: string): number {
    return this.counts.get(key) ?? 0;
  }
}

/** A token bucket of `qps` refilled continuously, `burst` deep (client-go's BucketRateLimiter). */
export class TokenBucket implements RateLimiter {
  private tokens: number;
  private last: number;
  constructor(
    private readonly clock: Clock,
    private readonly qps = 10,
    private readonly burst = 100,
  ) {
    this.tokens = burst;
    this.last = clock.now();
  }
  when(): number {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
    this.tokens -= 1; // reserve a token, possibly in the future
    return this.tokens >= 0 ? 0 : (-this.tokens / this.qps) * 1000;
  }
  forget(): void {}
  failures(): number {
    return 0;
  }
}

/** The longest delay of several limiters (client-go's MaxOfRateLimiter). */
export class MaxOf implements RateLimiter {
  private readonly limiters: RateLimiter[];
  constructor(...limiters: RateLimiter[]) {
    this.limiters = limiters;
  }
  when(key: string): number {
    return Math.max(...this.limiters.map((l) => l.when(key)));
  }
  forget(key: string): void {
    for (const l of this.limiters) l.forget(key);
  }
  failures(key: string): number {
    return Math.max(...this.limiters.map((l) => l.failures(key)));
  }
}

/** controller-runtime's default: 5 ms → 1000 s per key, 10 qps / 100 burst overall. */
export const defaultRateLimiter = (clock: Clock): RateLimiter =>
  new MaxOf(new ExponentialBackoff(5, 1_000_000), new TokenBucket(clock, 10, 100));
