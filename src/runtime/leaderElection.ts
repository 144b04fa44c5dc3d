// Leader election on a coordination.k8s.io/v1 Lease with client-go's rules: a lease is taken over only
// after it went unrenewed for its duration as timed by our own clock, and a leader that cannot renew
// within the renew deadline stops leading.
import type { Logger } from 'pino';
import { isConflict, type Client } from './client.js';
import type { ObjectMeta } from '../api/meta.js';
import { LEASES } from '../api/resources.js';
import { realClock, sleep, withTimeout, type Clock } from './clock.js';
import { microTime } from '../api/time.js';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease {
  metadata: ObjectMeta;
  spec: LeaseSpec;
}

/** Where the lease lives; the Kubernetes one below, or an in-memory one in unit tests. */
export interface LeaseStore {
  get(): Promise<Lease | undefined>;
  create(spec: LeaseSpec): Promise<Lease>;
  /** Fails with a 409 ApiError when `lease.metadata.resourceVersion` is stale. */
  update(lease: Lease): Promise<Lease>;
}

export function kubernetesLeaseStore(client: Client, namespace: string, name: string): LeaseStore {
  return {
    get: () => client.find<Lease>(LEASES, namespace, name),
    create: (spec) => client.create<Lease>(LEASES, namespace, { metadata: { name, namespace }, spec }),
    update: (lease) => client.update<Lease>(LEASES, namespace, name, lease),
  };
}

export interface LeaderElectionOptions {
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  clock?: Clock;
  logger?: Logger;
}

export class LeaderElector {
  readonly identity: string;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly clock: Clock;
  private observed: { holder?: string; renewTime?: string; at: number } = { at: 0 };
  private current: Lease | undefined;
  private leading = false;

  constructor(
    private readonly store: LeaseStore,
    private readonly options: LeaderElectionOptions,
  ) {
    this.identity = options.identity;
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    this.clock = options.clock ?? realClock;
    if (this.renewDeadlineMs >= this.leaseDurationMs)
      throw new Error('renew deadline must be shorter than the lease');
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Resolves once this process leads, or with false when `signal` aborts first. */
  async acquire(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      if (await this.tryAcquireOrRenew()) {
        this.leading = true;
        this.options.logger?.info({ identity: this.identity }, 'became leader');
        return true;
      }
      await sleep(this.clock, this.retryPeriodMs * (1 + Math.random() * 0.2), signal);
    }
    return false;
  }

  /** Renews every retry period; resolves when leadership is lost (or `signal` aborts). */
  async holdUntilLost(signal: AbortSignal): Promise<void> {
    let renewed = this.clock.now();
    while (!signal.aborted && this.leading) {
      await sleep(this.clock, this.retryPeriodMs, signal);
      if (signal.aborted) return;
      const left = this.renewDeadlineMs - (this.clock.now() - renewed);
      const ok = left > 0 && (await withTimeout(this.clock, this.tryAcquireOrRenew(), left));
      if (ok) renewed = this.clock.now();
      else if (this.clock.now() - renewed >= this.renewDeadlineMs) {
        this.leading = false;
        this.options.logger?.error(
          { identity: this.identity },
          'leader election lost: could not renew the lease',
        );
      }
    }
  }

  /** Gives the lease up so another process can take it at once (on shutdown). */
  async release(): Promise<void> {
    if (!this.leading || !this.current) return;
    this.leading = false;
    const now = microTime(this.clock.now());
    try {
      await this.store.update({
        ...this.current,
        spec: {
          ...this.current.spec,
          holderIdentity: '',
          leaseDurationSeconds: 1,
          renewTime: now,
          acquireTime: now,
        },
      });
    } catch (err) {
      this.options.logger?.warn({ err: String(err) }, 'could not release the lease');
    }
  }

  /** One attempt (client-go's tryAcquireOrRenew). */
  async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.clock.now();
    const spec: LeaseSpec = {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };
    try {
      const lease = await this.store.get();
      if (!lease) {
        this.current = await this.store.create(spec);
        this.observe(this.current, now);
        return true;
      }
      const held = lease.spec;
      if (held.holderIdentity !== this.observed.holder || held.renewTime !== this.observed.renewTime) {
        this.observe(lease, now);
      }
      const heldByOther = Boolean(held.holderIdentity) && held.holderIdentity !== this.identity;
      const durationMs = (held.leaseDurationSeconds ?? 0) * 1000;
      if (heldByOther && this.observed.at + durationMs > now) return false;

      const renewing = held.holderIdentity === this.identity;
      this.current = await this.store.update({
        metadata: lease.metadata,
        spec: {
          ...spec,
          acquireTime: renewing ? held.acquireTime : spec.acquireTime,
          leaseTransitions: (held.leaseTransitions ?? 0) + (renewing ? 0 : 1),
        },
      });
      this.observe(this.current, now);
      return true;
    } catch (err) {
      if (!isConflict(err)) this.options.logger?.warn({ err: String(err) }, 'lease request failed');
      return false;
    }
  }

  private observe(lease: Lease, at: number): void {
    this.observed = { holder: lease.spec.holderIdentity, renewTime: lease.spec.renewTime, at };
  }
}

/** The promise's value, or false if it takes longer than `ms`. */
