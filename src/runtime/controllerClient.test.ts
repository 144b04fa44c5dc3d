// A controller's own client: calls and timeouts counted per signal window, requests paced at its rate, and
// the rate lowered and restored as AUREA's healing asks (back to the configured rate, or to no limit).
import { describe, expect, it } from '@jest/globals';
import type { ResourceType } from '../api/meta.js';
import { ApiError } from './client.js';
import { ControllerClient } from './controllerClient.js';
import { ManualClock } from './manualClock.js';
import { FakeClient } from './testing/fakeClient.js';

const THINGS: ResourceType = { group: '', version: 'v1', kind: 'Thing', plural: 'things', namespaced: true };
const thing = (name: string) => ({ type: THINGS, object: { metadata: { name, namespace: 'ns' } } });

describe('ControllerClient', () => {
  it('counts its calls and the ones that timed out, per window', async () => {
    const fake = new FakeClient([thing('a')]);
    fake.failWhen((r) => r.name === 'slow', new ApiError(504, 'Timeout', 'too slow'), 2);
    const clock = new ManualClock(0);
    const client = new ControllerClient('things', fake, clock);
    await client.client.get(THINGS, 'ns', 'a');
    for (let i = 0; i < 2; i++)
      await expect(client.client.get(THINGS, 'ns', 'slow')).rejects.toThrow('too slow');
    await expect(client.client.get(THINGS, 'ns', 'missing')).rejects.toThrow();
    await clock.advance(2000);
    expect(client.takeSignals()).toEqual({
      name: 'things',
      apiCalls: 4,
      apiTimeouts: 2,
      // Unlimited: the rate it made calls at, which is also what it would go back to.
      requestsPerSecond: 2,
      configuredRequestsPerSecond: 2,
    });
    expect(client.takeSignals()).toMatchObject({ apiCalls: 0, apiTimeouts: 0 });
  });

  it('paces requests at its rate, a second’s worth at once', async () => {
    const clock = new ManualClock(0);
    const client = new ControllerClient('things', new FakeClient([thing('a')]), clock, 2);
    let done = 0;
    const calls = Array.from({ length: 4 }, () => client.client.get(THINGS, 'ns', 'a').then(() => done++));
    await clock.advance(0);
    expect(done).toBe(2);
    await clock.advance(500);
    expect(done).toBe(3);
    await clock.advance(500);
    expect(done).toBe(4);
    await Promise.all(calls);
  });

  it('lowers a configured rate and restores it, never above it', () => {
    const client = new ControllerClient('things', new FakeClient(), new ManualClock(0), 20);
    client.setRequestRate(10);
    expect(client.takeSignals()).toMatchObject({ requestsPerSecond: 10, configuredRequestsPerSecond: 20 });
    client.setRequestRate(40);
    expect(client.requestRate).toBe(20);
  });

  it('lowers an unlimited controller below the rate it ran at, and lifts the limit once restored to it', () => {
    const client = new ControllerClient('things', new FakeClient(), new ManualClock(0));
    client.setRequestRate(15, 30);
    expect(client.requestRate).toBe(15);
    expect(client.takeSignals()).toMatchObject({ requestsPerSecond: 15, configuredRequestsPerSecond: 30 });
    client.setRequestRate(30, 15);
    expect(client.requestRate).toBe(Infinity);
  });
});
