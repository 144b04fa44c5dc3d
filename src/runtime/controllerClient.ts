// One controller's own view of the API client: its calls and timeouts counted (what AUREA's heal rules read)
// and paced by its own request rate, which the loop lowers while its calls keep timing out and restores after.
import type { ControllerSignals } from '../api/journal.js';
import type { Client } from './client.js';
import { sleep, type Clock } from './clock.js';
import { failureOf } from './journal.js';
import { TokenBucket } from './rateLimiter.js';

export class ControllerClient {
  /** The client the controller uses: each request counted and paced; a watch, a stream, goes straight. */
  readonly client: Client;
  private calls = 0;
  private timeouts = 0;
  private since: number;
  /** The rate it runs at now; Infinity is no limit. */
  private limit: number;
  /** The rate a restore goes back to: the configured one, or for an unlimited controller the rate it had when lowered. */
  private ceiling: number;
  private bucket: TokenBucket | undefined;

  constructor(
    readonly name: string,
    api: Client,
    private readonly clock: Clock,
    /** Requests per second; Infinity (or 0) is no limit. */
    private readonly configured = Infinity,
  ) {
    if (!(configured > 0)) this.configured = Infinity;
    this.since = clock.now();
    this.limit = this.configured;
    this.ceiling = this.configured;
    this.bucket = this.bucketFor(this.limit);
    this.client = through(api, (request) => this.call(request));
  }

  /**
   * Sets the request rate; a rate at or above the ceiling restores the configured one (no limit for an
   * unlimited controller). Lowering an unlimited controller remembers the rate it ran at as its ceiling.
   */
  setRequestRate(rps: number, runningAt = this.limit): void {
    if (!(rps > 0)) return;
    if (this.limit === Infinity && rps < runningAt) this.ceiling = Math.min(this.configured, runningAt);
    this.limit = rps >= this.ceiling ? this.configured : rps;
    if (this.limit === this.configured && this.configured === Infinity) this.ceiling = Infinity;
    this.bucket = this.bucketFor(this.limit);
  }

  /**
   * What the controller did since the last call: its API calls, how many timed out, the rate it runs at
   * (for an unlimited one, the rate it made calls at) and the rate a restore goes back to.
   */
  takeSignals(): ControllerSignals {
    const now = this.clock.now();
    const observed = this.calls / Math.max(0.001, (now - this.since) / 1000);
    const running = this.limit === Infinity ? observed : this.limit;
    const signals: ControllerSignals = {
      name: this.name,
      apiCalls: this.calls,
      apiTimeouts: this.timeouts,
      requestsPerSecond: running,
      configuredRequestsPerSecond: this.ceiling === Infinity ? running : this.ceiling,
    };
    this.calls = 0;
    this.timeouts = 0;
    this.since = now;
    return signals;
  }

  /** The rate it runs at now (Infinity: no limit). */
  get requestRate(): number {
    return this.limit;
  }

  private async call<R>(request: () => Promise<R>): Promise<R> {
    const wait = this.bucket?.when() ?? 0;
    if (wait > 0) await sleep(this.clock, wait);
    this.calls++;
    try {
      return await request();
    } catch (err) {
      if (failureOf(err, this.name).cause === 'Timeout') this.timeouts++;
      throw err;
    }
  }

  private bucketFor(rps: number): TokenBucket | undefined {
    // A second's worth of requests may go at once, as client-go's burst lets them.
    return rps === Infinity ? undefined : new TokenBucket(this.clock, rps, Math.max(1, Math.ceil(rps)));
  }
}

/** `client` with each request made through `call`. */
function through(client: Client, call: <R>(request: () => Promise<R>) => Promise<R>): Client {
  return {
    get: (...args) => call(() => client.get(...args)),
    find: (...args) => call(() => client.find(...args)),
    list: (...args) => call(() => client.list(...args)),
    create: (...args) => call(() => client.create(...args)),
    update: (...args) => call(() => client.update(...args)),
    apply: (...args) => call(() => client.apply(...args)),
    mergePatch: (...args) => call(() => client.mergePatch(...args)),
    delete: (...args) => call(() => client.delete(...args)),
    watch: (...args) => client.watch(...args),
  };
}
