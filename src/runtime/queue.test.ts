// Work queue semantics, as client-go defines them.
import { describe, expect, it } from '@jest/globals';
import { ManualClock } from './manualClock.js';
import { WorkQueue } from './queue.js';
import { ExponentialBackoff, TokenBucket, defaultRateLimiter } from './rateLimiter.js';

const queueOn = (clock = new ManualClock()) => ({
  clock,
  queue: new WorkQueue(clock, defaultRateLimiter(clock)),
});

describe('WorkQueue', () => {
  it('runs a key queued twice once', async () => {
    const { queue } = queueOn();
    queue.add('ns/a');
    queue.add('ns/a');
    queue.add('ns/b');
    expect(queue.length).toBe(2);
    expect(await queue.get()).toBe('ns/a');
    expect(await queue.get()).toBe('ns/b');
  });

  it('never hands a key to a second worker while the first still has it', async () => {
    const { queue } = queueOn();
    queue.add('k');
    const key = await queue.get();
    queue.add('k'); // changed again while being processed
    expect(queue.length).toBe(0);
    let second: string | undefined;
    void queue.get().then((k) => (second = k));
    await Promise.resolve();
    expect(second).toBeUndefined();
    queue.done(key!);
    await new Promise((r) => setImmediate(r));
    expect(second).toBe('k');
  });

  it('backs a failing key off exponentially, and forgets after a success', async () => {
    const { clock, queue } = queueOn();
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      const before = clock.now();
      queue.addRateLimited('k');
      while (queue.length === 0) await clock.advance(1);
      delays.push(clock.now() - before);
      queue.done((await queue.get())!);
    }
    expect(delays).toEqual([5, 10, 20, 40, 80]);
    expect(queue.failures('k')).toBe(5);
    queue.forget('k');
    expect(queue.failures('k')).toBe(0);
  });

  it('delays requeueAfter keys, keeping the earliest of two', async () => {
    const { clock, queue } = queueOn();
    queue.addAfter('k', 10_000);
    queue.addAfter('k', 3_000);
    queue.addAfter('k', 20_000);
    await clock.advance(2_999);
    expect(queue.length).toBe(0);
    await clock.advance(1);
    expect(queue.length).toBe(1);
    expect(await queue.get()).toBe('k');
    queue.done('k');
    await clock.advance(30_000);
    expect(queue.length).toBe(0);
  });

  it('hands waiting workers undefined on shutdown', async () => {
    const { queue } = queueOn();
    const waiting = queue.get();
    queue.shutDown();
    expect(await waiting).toBeUndefined();
    queue.add('late');
    expect(queue.length).toBe(0);
  });
});

describe('rate limiters', () => {
  it('cap per-key backoff at 1000 s', () => {
    const backoff = new ExponentialBackoff(5, 1_000_000);
    const delays = Array.from({ length: 30 }, () => backoff.when('k'));
    expect(delays.slice(0, 3)).toEqual([5, 10, 20]);
    expect(delays.at(-1)).toBe(1_000_000);
    expect(backoff.when('other')).toBe(5);
  });

  it('let a burst of 100 through, then 10 per second', () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket(clock, 10, 100);
    const delays = Array.from({ length: 102 }, () => bucket.when());
    expect(delays.slice(0, 100).every((d) => d === 0)).toBe(true);
    expect(delays[100]).toBeCloseTo(100);
    expect(delays[101]).toBeCloseTo(200);
  });
});
