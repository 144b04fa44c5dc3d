// Controller shutdown: workers stop taking keys on abort, and a reconcile that never ends does not hold
// the process past the drain timeout.
import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import type { KubeObject, ResourceType } from '../api/meta.js';
import { realClock } from './clock.js';
import { Controller } from './controller.js';
import type { Informer } from './informer.js';
import { OperatorMetrics } from './metrics.js';

const THINGS: ResourceType = { group: '', version: 'v1', kind: 'Thing', plural: 'things', namespaced: true };

function controller(reconcile: () => Promise<void>, warnings: string[]) {
  const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
  const informer = { on: () => undefined } as unknown as Informer<KubeObject>;
  return new Controller(
    { name: 'things', for: THINGS, reconcile: async () => (await reconcile(), {}) },
    {
      clock: realClock,
      logger,
      metrics: new OperatorMetrics({ processMetrics: false }),
      informer: () => informer,
    },
  );
}

describe('Controller.run', () => {
  it('returns after the drain timeout while a reconcile never finishes, and says so', async () => {
    const warnings: string[] = [];
    let started!: () => void;
    const inReconcile = new Promise<void>((done) => (started = done));
    const c = controller(() => (started(), new Promise<void>(() => undefined)), warnings);
    c.queue.add('ns/stuck');
    const stop = new AbortController();
    const running = c.run(stop.signal, 50);
    await inReconcile;
    stop.abort();
    await running;
    expect(warnings.join('')).toMatch(/"inFlight":1.*shutdown: reconciles still running/);
  });

  it('returns without a warning when in-flight reconciles finish within the timeout', async () => {
    const warnings: string[] = [];
    let release!: () => void;
    let started!: () => void;
    const inReconcile = new Promise<void>((done) => (started = done));
    const c = controller(() => (started(), new Promise<void>((done) => (release = done))), warnings);
    c.queue.add('ns/slow');
    const stop = new AbortController();
    const running = c.run(stop.signal, 60_000);
    await inReconcile;
    stop.abort();
    release();
    await running;
    expect(warnings).toEqual([]);
  });
});
