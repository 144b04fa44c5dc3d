// Controllers: shutdown (workers stop taking keys on abort; a reconcile that never ends does not hold the
// process past the drain timeout), which updates enqueue, and the workers they get.
import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import type { KubeObject, ResourceType } from '../api/meta.js';
import { realClock } from './clock.js';
import { changesIntent, Controller } from './controller.js';
import { Manager } from './manager.js';
import { FakeClient } from './testing/fakeClient.js';
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

describe('what an update of a reconciled object enqueues', () => {
  const meta = { name: 'w', namespace: 'ns', generation: 1, annotations: { a: '1' } };
  it('ignores status-only writes (our own, mostly), and reacts to spec, annotations, labels and deletion', () => {
    const old = { metadata: { ...meta, resourceVersion: '1' } };
    expect(changesIntent(old, { metadata: { ...meta, resourceVersion: '2' } })).toBe(false);
    expect(changesIntent(old, { metadata: { ...meta, generation: 2 } })).toBe(true);
    expect(changesIntent(old, { metadata: { ...meta, annotations: { a: '2' } } })).toBe(true);
    expect(changesIntent(old, { metadata: { ...meta, labels: { l: 'x' } } })).toBe(true);
    expect(changesIntent(old, { metadata: { ...meta, deletionTimestamp: '2026-11-30T00:00:00Z' } })).toBe(
      true,
    );
    expect(changesIntent(undefined, old)).toBe(true);
  });

  it('reacts to every update of a kind without a generation (a ConfigMap: its data is its intent)', () => {
    const configMap = {
      metadata: { name: 'c', namespace: 'ns', resourceVersion: '1' },
      data: { value: 'v1' },
    };
    const edited = { metadata: { ...configMap.metadata, resourceVersion: '2' }, data: { value: 'v2' } };
    expect(changesIntent(configMap, edited)).toBe(true);
  });
});

describe('Manager.add', () => {
  it("gives a controller the manager's workers unless it sets its own", () => {
    const manager = new Manager({
      kubeConfig: undefined as never,
      client: new FakeClient(),
      logger: pino({ level: 'silent' }),
      metrics: new OperatorMetrics({ processMetrics: false }),
      workers: 3,
      leaderElection: { enabled: false, namespace: 'default', name: 'test' },
    });
    const reconcile = () => Promise.resolve({});
    expect(manager.add({ name: 'a', for: THINGS, reconcile }).spec.workers).toBe(3);
    expect(manager.add({ name: 'b', for: THINGS, workers: 1, reconcile }).spec.workers).toBe(1);
  });
});
