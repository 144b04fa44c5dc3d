// Warm-up: targets from the recorded replicas, never down; ready, or out of time with names.
import { describe, expect, it } from '@jest/globals';
import { planWarmup, warmupProgress } from './warmup.js';

const local = [
  { name: 'web', replicas: 1, readyReplicas: 1 },
  { name: 'api', replicas: 5, readyReplicas: 5 },
  { name: 'worker', replicas: 0, readyReplicas: 0 },
];

describe('planWarmup', () => {
  it('scales to the other region’s last known replicas, never below what runs now', () => {
    expect(
      planWarmup(local, [
        { name: 'web', replicas: 4 },
        { name: 'api', replicas: 2 },
      ]),
    ).toEqual([
      { name: 'api', from: 5, to: 5 },
      { name: 'web', from: 1, to: 4 },
      { name: 'worker', from: 0, to: 0 },
    ]);
  });

  it('uses the override for every Deployment, and keeps replicas without a record', () => {
    expect(planWarmup(local, undefined, 3).map((t) => t.to)).toEqual([5, 3, 3]);
    expect(planWarmup(local, undefined).map((t) => t.to)).toEqual([5, 1, 0]);
  });
});

describe('warmupProgress', () => {
  const targets = planWarmup(local, [{ name: 'web', replicas: 4 }]);

  it('waits for what is not ready before the deadline', () => {
    expect(warmupProgress(targets, local, 1000, 999)).toEqual({ done: false, waiting: ['web'] });
  });

  it('is done when all are ready', () => {
    const ready = local.map((d) => (d.name === 'web' ? { ...d, replicas: 4, readyReplicas: 4 } : d));
    expect(warmupProgress(targets, ready, 1000, 10)).toEqual({
      done: true,
      ready: ['api', 'web', 'worker'],
      notWarmed: [],
      timedOut: false,
    });
  });

  it('does not wait for a target whose scale was refused, and names it', () => {
    expect(warmupProgress(targets, local, 1000, 10, ['web'])).toEqual({
      done: true,
      ready: ['api', 'worker'],
      notWarmed: ['web'],
      timedOut: false,
    });
  });

  it('ends at the deadline naming what was not ready', () => {
    expect(warmupProgress(targets, local, 1000, 1000)).toEqual({
      done: true,
      ready: ['api', 'worker'],
      notWarmed: ['web'],
      timedOut: true,
    });
  });
});
