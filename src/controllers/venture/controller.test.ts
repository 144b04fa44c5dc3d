// The Venture controller's own rules, on the in-memory API server: what it writes for unusable metrics
// (and how often it says so), the requeue floor, finishing a decision recorded before a restart once,
// approvals, and the end of a termination. Metric reads that need numbers are covered e2e.
import { afterEach, describe, expect, it } from '@jest/globals';
import type { KubeObject } from '../../api/meta.js';
import { DEPLOYMENTS } from '../../api/resources.js';
import { VENTURES, type VentureResource } from '../../api/v1alpha1/index.js';
import { SEED_POLICY, type VentureStatus } from '../../api/v1alpha1/venture.js';
import { APPROVE_ANNOTATION } from '../../engine/mode.js';
import { ControllerHarness } from '../../runtime/testing/harness.js';
import { ventureController } from './controller.js';

const NOW = Date.parse('2026-11-30T12:00:00Z');
const settings = {
  defaultMode: 'Autonomous' as const,
  terminationsPerHour: 1,
  circuitBreakerShare: 0.5,
  portfolioMaxReplicas: Infinity,
};

function venture(
  name: string,
  status?: VentureStatus,
  extra: { interval?: string; annotations?: Record<string, string> } = {},
) {
  const object: VentureResource = {
    apiVersion: 'autopilot.ventures/v1alpha1',
    kind: 'Venture',
    metadata: { name, namespace: 'shop', ...(extra.annotations && { annotations: extra.annotations }) },
    spec: {
      replicas: 1,
      scaling: { minReplicas: 1, maxReplicas: 4, factor: 2 },
      workload: { template: { spec: { containers: [{ name: 'app', image: 'example/app:1' }] } } },
      // No address here and none given to the operator: every read fails without I/O, as NoPrometheusAddress.
      metrics: {
        provider: 'prometheus',
        interval: extra.interval ?? '10s',
        maxSampleAge: '5m',
        prometheus: { queries: { revenue: 'r', costs: 'c' } },
      },
      policy: { ...SEED_POLICY, gracePeriod: '30s' },
      protected: false,
    },
    ...(status && { status }),
  };
  return { type: VENTURES, object };
}

let harness: ControllerHarness | undefined;
afterEach(() => harness?.stop());

async function start(...objects: { type: typeof VENTURES; object: KubeObject }[]) {
  harness = await ControllerHarness.start({
    objects,
    now: NOW,
    setup: (m) => void m.add(ventureController(m, settings)),
  });
  return harness;
}
const read = (h: ControllerHarness, name = 'v') => h.client.peek<VentureResource>(VENTURES, 'shop', name)!;
const eventWrites = (h: ControllerHarness) => h.client.requests.filter((r) => r.resource === 'events');

describe('the Venture controller on unusable metrics', () => {
  it('holds, says why in a condition, owns the Deployment, and audits again after the interval', async () => {
    const h = await start(venture('v'));
    expect(await h.reconcile('venture', 'shop/v')).toEqual({ requeueAfterMs: 10_000 });
    const v = read(h);
    expect(v.status).toMatchObject({ phase: 'Pending', lastDecision: { action: 'Hold', state: 'Applied' } });
    expect(v.status?.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'MetricsAvailable', status: 'False', reason: 'NoPrometheusAddress' }),
        expect.objectContaining({ type: 'WorkloadReady', status: 'True', reason: 'Applied' }),
        expect.objectContaining({ type: 'Ready', status: 'False', reason: 'MetricsUnavailable' }),
      ]),
    );
    const deployment = h.client.peek<KubeObject & { spec: { replicas: number } }>(DEPLOYMENTS, 'shop', 'v')!;
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'Venture',
      name: 'v',
      controller: true,
    });
  });

  it('tells the outage in one Warning whose series counts every unusable audit', async () => {
    const h = await start(venture('v'));
    for (let i = 0; i < 4; i++) {
      await h.reconcile('venture', 'shop/v');
      await h.clock.advance(10_000);
    }
    const writes = eventWrites(h);
    expect(
      writes.filter((r) => r.verb === 'create').map((r) => (r.body as { reason: string }).reason),
    ).toEqual(['MetricsUnavailable']);
    expect(
      writes
        .filter((r) => r.verb === 'patch')
        .map((r) => (r.body as { series: { count: number } }).series.count),
    ).toEqual([2, 3, 4]);
    // The hold keeps one id while the outage lasts: history has it once.
    expect(read(h).status?.history).toHaveLength(1);
  });

  it('never audits a 0s interval in a loop: the runtime floor holds', async () => {
    const h = await start(venture('v', undefined, { interval: '0s' }));
    expect(await h.reconcile('venture', 'shop/v')).toEqual({ requeueAfterMs: 1000 });
  });
});

describe('decisions the Venture controller carries out', () => {
  const scale = {
    id: 'scale-abc',
    action: 'Scale' as const,
    reason: 'winning',
    decidedAt: new Date(NOW - 5000).toISOString(),
    targetReplicas: 2,
  };

  it('finishes a decision recorded as Applying before a restart, once', async () => {
    const h = await start(
      venture('v', {
        lastDecision: { ...scale, state: 'Applying' },
        history: [{ ...scale, state: 'Applying' }],
      }),
    );
    await h.reconcile('venture', 'shop/v');
    await h.clock.advance(10_000);
    await h.reconcile('venture', 'shop/v');
    const v = read(h);
    expect(v.spec.replicas).toBe(2);
    expect(v.status?.history?.find((d) => d.id === 'scale-abc')?.state).toBe('Applied');
    expect(h.client.requests.filter((r) => r.subresource === 'scale')).toHaveLength(1);
    expect(
      h.client.peek<KubeObject & { spec: { replicas: number } }>(DEPLOYMENTS, 'shop', 'v')!.spec.replicas,
    ).toBe(2);
  });

  it('carries out a pending decision once the approve annotation names it, and not before', async () => {
    // Audited just now: the approval is what this reconcile is about (a new audit could replace the decision).
    const pending = {
      lastAuditTime: new Date(NOW).toISOString(),
      lastDecision: { ...scale, state: 'PendingApproval' as const },
      history: [{ ...scale, state: 'PendingApproval' as const }],
    };
    const h = await start(
      venture('v', pending, { annotations: { [APPROVE_ANNOTATION]: 'scale-other' } }),
      venture('w', pending, { annotations: { [APPROVE_ANNOTATION]: 'scale-abc' } }),
    );
    await h.reconcile('venture', 'shop/v');
    await h.reconcile('venture', 'shop/w');
    expect(read(h, 'v').spec.replicas).toBe(1);
    expect(read(h, 'w').spec.replicas).toBe(2);
  });

  it('deletes the Deployment when the grace period is over and keeps the venture, Terminated', async () => {
    const h = await start(
      venture('v', { phase: 'Terminating', terminatedAt: new Date(NOW - 31_000).toISOString() }),
    );
    await h.client.create(DEPLOYMENTS, 'shop', {
      metadata: { name: 'v', namespace: 'shop' },
      spec: { replicas: 0 },
    });
    expect(await h.reconcile('venture', 'shop/v')).toEqual({});
    expect(h.client.peek(DEPLOYMENTS, 'shop', 'v')).toBeUndefined();
    expect(read(h).status).toMatchObject({ phase: 'Terminated' });
    expect(read(h).status?.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'Ready', status: 'False', reason: 'Terminated' }),
      ]),
    );
  });

  it('starts the grace period now when a Terminating venture has no time, and comes back when it ends', async () => {
    const h = await start(venture('v', { phase: 'Terminating' }));
    expect(await h.reconcile('venture', 'shop/v')).toEqual({ requeueAfterMs: 30_000 });
    expect(read(h).status?.terminatedAt).toBe(new Date(NOW).toISOString());
  });
});
