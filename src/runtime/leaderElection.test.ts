// Leader election timing on an injected clock and an in-memory lease with optimistic concurrency.
import { describe, expect, it } from '@jest/globals';
import { ApiError } from './client.js';
import { LeaderElector, type Lease, type LeaseSpec, type LeaseStore } from './leaderElection.js';
import { ManualClock } from './manualClock.js';

/** A lease that, like the API server, rejects an update carrying a stale resourceVersion. */
class MemoryLease implements LeaseStore {
  lease: Lease | undefined;
  private version = 0;
  reachable = true;
  get() {
    if (!this.reachable) return Promise.reject(new Error('connection refused'));
    return Promise.resolve(this.lease && structuredClone(this.lease));
  }
  create(spec: LeaseSpec) {
    if (this.lease) return Promise.reject(new ApiError(409, 'AlreadyExists', 'exists'));
    this.lease = { metadata: { name: 'l', resourceVersion: String(++this.version) }, spec };
    return Promise.resolve(structuredClone(this.lease));
  }
  update(lease: Lease) {
    if (!this.reachable) return Promise.reject(new Error('connection refused'));
    if (lease.metadata.resourceVersion !== this.lease?.metadata.resourceVersion) {
      return Promise.reject(new ApiError(409, 'Conflict', 'stale'));
    }
    this.lease = { ...lease, metadata: { ...lease.metadata, resourceVersion: String(++this.version) } };
    return Promise.resolve(structuredClone(this.lease));
  }
}

const elector = (store: LeaseStore, clock: ManualClock, identity: string) =>
  new LeaderElector(store, {
    identity,
    clock,
    leaseDurationMs: 15_000,
    renewDeadlineMs: 10_000,
    retryPeriodMs: 2_000,
  });

describe('LeaderElector', () => {
  it('lets exactly one of two candidates lead', async () => {
    const clock = new ManualClock(1_000_000);
    const store = new MemoryLease();
    const [a, b] = [elector(store, clock, 'a'), elector(store, clock, 'b')];
    expect(await a.tryAcquireOrRenew()).toBe(true);
    expect(await b.tryAcquireOrRenew()).toBe(false);
    expect(store.lease?.spec.holderIdentity).toBe('a');
  });

  it('takes a lease over only after it went unrenewed for the lease duration, by its own clock', async () => {
    const clock = new ManualClock(1_000_000);
    const store = new MemoryLease();
    const [a, b] = [elector(store, clock, 'a'), elector(store, clock, 'b')];
    await a.tryAcquireOrRenew();
    expect(await b.tryAcquireOrRenew()).toBe(false); // b first sees the record now
    await clock.advance(14_999);
    expect(await b.tryAcquireOrRenew()).toBe(false);
    await clock.advance(2);
    expect(await b.tryAcquireOrRenew()).toBe(true);
    expect(store.lease?.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
  });

  it('renews while it leads, so a rival never takes over', async () => {
    const clock = new ManualClock(1_000_000);
    const store = new MemoryLease();
    const [a, b] = [elector(store, clock, 'a'), elector(store, clock, 'b')];
    const stop = new AbortController();
    expect(await a.acquire(stop.signal)).toBe(true);
    const holding = a.holdUntilLost(stop.signal);
    for (let t = 0; t < 60_000; t += 2_000) {
      await clock.advance(2_000);
      expect(await b.tryAcquireOrRenew()).toBe(false);
    }
    expect(a.isLeader).toBe(true);
    stop.abort();
    await holding;
  });

  it('stops leading once it cannot renew within the renew deadline', async () => {
    const clock = new ManualClock(1_000_000);
    const store = new MemoryLease();
    const a = elector(store, clock, 'a');
    const stop = new AbortController();
    await a.acquire(stop.signal);
    const holding = a.holdUntilLost(stop.signal);
    store.reachable = false;
    await clock.advance(8_000);
    expect(a.isLeader).toBe(true);
    await clock.advance(4_000); // 10 s deadline passed at the 10 s retry
    await holding;
    expect(a.isLeader).toBe(false);
  });

  it('releases the lease on shutdown so the next candidate leads at once', async () => {
    const clock = new ManualClock(1_000_000);
    const store = new MemoryLease();
    const [a, b] = [elector(store, clock, 'a'), elector(store, clock, 'b')];
    await a.acquire(new AbortController().signal);
    await a.release();
    expect(store.lease?.spec.holderIdentity).toBe('');
    expect(await b.tryAcquireOrRenew()).toBe(true);
  });
});
