// The manager's leader-only work: runnables and event sources start once this process leads and stop
// with it; keys sent while no controller runs are dropped, not queued for later.
import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import type { ResourceType } from '../api/meta.js';
import { Manager } from './manager.js';
import { OperatorMetrics } from './metrics.js';
import { channelSource } from './sources.js';
import { FakeClient } from './testing/fakeClient.js';

const THINGS: ResourceType = { group: '', version: 'v1', kind: 'Thing', plural: 'things', namespaced: true };

function manager(client = new FakeClient()) {
  return new Manager({
    kubeConfig: undefined as never,
    client,
    logger: pino({ level: 'silent' }),
    metrics: new OperatorMetrics({ processMetrics: false }),
    leaderElection: { enabled: false, namespace: 'default', name: 'test' },
  });
}

describe('Manager', () => {
  it('runs runnables while it leads and aborts them when it stops', async () => {
    const m = manager();
    const events: string[] = [];
    m.runnable({
      name: 'loop',
      run: (signal) =>
        new Promise<void>((done) => {
          events.push('started');
          signal.addEventListener('abort', () => (events.push('stopped'), done()), { once: true });
        }),
    });
    const running = m.start();
    await new Promise((r) => setTimeout(r, 20));
    expect(events).toEqual(['started']);
    m.stop();
    expect(await running).toBe('stopped');
    expect(events).toEqual(['started', 'stopped']);
  });

  it('keeps a failing runnable from stopping the others', async () => {
    const m = manager();
    let other = false;
    m.runnable({ name: 'broken', run: () => Promise.reject(new Error('boom')) });
    m.runnable({
      name: 'fine',
      run: (signal) =>
        new Promise((done) => signal.addEventListener('abort', () => ((other = true), done()))),
    });
    const running = m.start();
    await new Promise((r) => setTimeout(r, 20));
    m.stop();
    await running;
    expect(other).toBe(true);
  });

  it('delivers keys from a channel source to the queue while the controller runs, and drops them before', async () => {
    const m = manager();
    const changes = channelSource('changes');
    const reconciled: string[] = [];
    m.add({
      name: 'things',
      for: THINGS,
      sources: [changes],
      reconcile: (r) => Promise.resolve(void reconciled.push(r.name)),
    });
    changes.send('ns/early');
    const running = m.start();
    await new Promise((r) => setTimeout(r, 20));
    changes.send('ns/late');
    await new Promise((r) => setTimeout(r, 20));
    m.stop();
    await running;
    expect(reconciled).toEqual(['late']);
  });
});
