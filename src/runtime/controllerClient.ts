// One controller's own view of the API client: its calls and timeouts counted (what AUREA's heal rules read)
// and paced by its own request rate, which the loop lowers while its calls keep timing out and restores after.
import type { KubeObject, ResourceType } from '../api/meta.js';
import type { ControllerSignals } from '../api/journal.js';
import type { Client, ObjectList, Query, WatchEvent } from './client.js';
import { sleep, type Clock } from './clock.js';
import { failureOf } from './journal.js';
import { TokenBucket } from './rateLimiter.js';

export class ControllerClient implements Client {
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
    private readonly client: Client,
    private readonly clock: Clock,
    /** Requests per second; Infinity (or 0) is no limit. */
    private readonly configured = Infinity,
  ) {
    if (!(configured > 0)) this.configured = Infinity;
    this.since = clock.now();
    this.limit = this.configured;
    this.ceiling = this.configured;
    this.bucket = this.bucketFor(this.limit);
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

  get<T>(type: ResourceType, namespace: string | undefined, name: string): Promise<T> {
    return this.call(() => this.client.get<T>(type, namespace, name));
  }

  find<T>(type: ResourceType, namespace: string | undefined, name: string): Promise<T | undefined> {
    return this.call(() => this.client.find<T>(type, namespace, name));
  }

  list<T>(type: ResourceType, namespace?: string, query?: Query): Promise<ObjectList<T>> {
    return this.call(() => this.client.list<T>(type, namespace, query));
  }

  create<T>(type: ResourceType, namespace: string | undefined, body: unknown): Promise<T> {
    return this.call(() => this.client.create<T>(type, namespace, body));
  }

  update<T>(type: ResourceType, namespace: string | undefined, name: string, body: unknown): Promise<T> {
    return this.call(() => this.client.update<T>(type, namespace, name, body));
  }

  apply<T>(type: ResourceType, object: KubeObject, subresource?: string): Promise<T> {
    return this.call(() => this.client.apply<T>(type, object, subresource));
  }

  mergePatch<T>(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    subresource?: string,
  ): Promise<T> {
    return this.call(() => this.client.mergePatch<T>(type, namespace, name, patch, subresource));
  }

  delete(type: ResourceType, namespace: string | undefined, name: string, propagationPolicy?: string) {
    return this.call(() => this.client.delete(type, namespace, name, propagationPolicy));
  }

  watch<T>(
    type: ResourceType,
    namespace: string | undefined,
    query: Query,
    onEvent: (event: WatchEvent<T>) => void,
    signal: AbortSignal,
  ): Promise<void> {
    return this.client.watch(type, namespace, query, onEvent, signal);
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
