// FencingWatch: a heartbeat is timed by this process's clock, and time it could not read the record is not silence;
// epochOf: the epoch annotation the Lease and the DNSEndpoint carry.
import { describe, expect, it } from '@jest/globals';
import type { FencingRecord } from '../engine/region/fencing.js';
import { EPOCH_ANNOTATION, FencingWatch, epochOf } from './fencing.js';

const record = (renewTime: string): FencingRecord => ({
  holder: 'us-east',
  epoch: 1,
  renewTime,
  resourceVersion: '1',
});

describe('FencingWatch', () => {
  it('notes when it first saw each renewTime, by its own clock', () => {
    const watch = new FencingWatch();
    expect(watch.observe({ record: record('a') }, 1000)).toMatchObject({
      renewSeenAt: 1000,
      watchingSince: 1000,
    });
    expect(watch.observe({ record: record('a') }, 5000)).toMatchObject({ renewSeenAt: 1000 });
    expect(watch.observe({ record: record('b') }, 6000)).toMatchObject({
      renewSeenAt: 6000,
      watchingSince: 1000,
    });
  });

  it('starts over after a time it could not read the record: the holder may have renewed meanwhile', () => {
    const watch = new FencingWatch();
    watch.observe({ record: record('a') }, 1000);
    expect(watch.observe({ error: 'ClusterUnreachable' }, 3000)).toEqual({
      state: 'Unreadable',
      error: 'ClusterUnreachable',
    });
    // Back at 60 s with the same renewTime: not 59 s of silence, a fresh watch.
    expect(watch.observe({ record: record('a') }, 60_000)).toMatchObject({
      state: 'Held',
      renewSeenAt: 60_000,
      watchingSince: 60_000,
    });
  });
});

describe('epochOf', () => {
  const at = (epoch?: string) => ({
    name: 'shop',
    ...(epoch !== undefined && { annotations: { [EPOCH_ANNOTATION]: epoch } }),
  });

  it('reads a positive integer, and nothing else, as an epoch', () => {
    expect(epochOf(at('7'))).toBe(7);
    for (const bad of [undefined, '', '0', '-1', '1.5', 'seven', '9007199254740993']) {
      expect(epochOf(at(bad))).toBeUndefined();
    }
  });
});
