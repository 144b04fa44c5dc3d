// A work queue of object keys with client-go's semantics: a key queued twice runs once, a key never
// runs on two workers at once, and delayed or rate-limited adds wait on the clock.
import { realClock, type Clock } from './clock.js';
import { defaultRateLimiter, type RateLimiter } from './rateLimiter.js';

export interface QueueObserver {
  depth(n: number): void;
  added(): void;
  retried(): void;
  /** Seconds a key waited between being added and being handed to a worker. */
  waited(seconds: number): void;
}

const quiet: QueueObserver = { depth() {}, added() {}, retried() {}, waited() {} };

export class WorkQueue {
  private readonly ready: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly addedAt = new Map<string, number>();
  private readonly delayed = new Map<string, { at: number; handle: unknown }>();
  private wakers: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly clock: Clock = realClock,
    private readonly limiter: RateLimiter = defaultRateLimiter(clock),
    private readonly observer: QueueObserver = quiet,
  ) {}

  add(key: string): void {
    if (this.closed || this.dirty.has(key)) return;
    this.dirty.add(key);
    this.addedAt.set(key, this.clock.now());
    this.observer.added();
    // A key being processed goes back in the queue when its worker calls done().
    if (!this.processing.has(key)) this.push(key);
  }

  /** Adds the key after `ms`; an earlier pending add of the same key wins. */
  addAfter(key: string, ms: number): void {
    if (this.closed) return;
    if (ms <= 0) return this.add(key);
    const at = this.clock.now() + ms;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    if (pending) this.clock.clearTimeout(pending.handle);
    const handle = this.clock.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, handle });
  }

  /** Adds the key after its backoff: failures so far and the global bucket decide how long. */
  addRateLimited(key: string): void {
    this.observer.retried();
    this.addAfter(key, this.limiter.when(key));
  }

  /** Clears the key's failure count (after a success). */
  forget(key: string): void {
    this.limiter.forget(key);
  }

  failures(key: string): number {
    return this.limiter.failures(key);
  }

  /** The next key to work on, or undefined once the queue is shut down. Call done(key) after. */
  async get(): Promise<string | undefined> {
    while (this.ready.length === 0) {
      if (this.closed) return undefined;
      await new Promise<void>((wake) => this.wakers.push(wake));
    }
    const key = this.ready.shift()!;
    this.processing.add(key);
    this.dirty.delete(key);
    this.observer.depth(this.ready.length);
    this.observer.waited((this.clock.now() - (this.addedAt.get(key) ?? this.clock.now())) / 1000);
    this.addedAt.delete(key);
    return key;
  }

  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) this.push(key);
  }

  get length(): number {
    return this.ready.length;
  }

  get busy(): number {
    return this.processing.size;
  }

  /** Stops handing out keys: waiting get() calls return undefined; delayed adds are dropped. */
  shutDown(): void {
    this.closed = true;
    for (const { handle } of this.delayed.values()) this.clock.clearTimeout(handle);
    this.delayed.clear();
    this.ready.length = 0;
    this.wake(Infinity);
  }

  private push(key: string): void {
    this.ready.push(key);
    this.observer.depth(this.ready.length);
    this.wake(1);
  }

  private wake(n: number): void {
    for (const wake of this.wakers.splice(0, n)) wake();
  }
}
