// The passive signal end to end: the sample payments app sends real charges to local gateways and exports
// per-gateway counters to a real Prometheus; a Prometheus outage changes nothing, and an error rate over
// 5 % fails over while every health probe still passes.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { closeGateways } from '../../../hack/lib/gateways.js';
import { LocalPrometheus } from '../../../hack/lib/prometheus.js';
import { startExampleApp } from '../../../hack/lib/ventureApp.js';
import { installCrds } from '../support/crds.js';
import {
  FallbackNamespace,
  startFallbackOperator,
  startGatewaysOnOwnHosts,
  type Gateway,
} from '../support/fallback.js';
import { useNamespace } from '../support/kube.js';
import type { OperatorProcess } from '../support/operator.js';

const ns = useNamespace('e2e-fbp-traffic');
const protocols = new FallbackNamespace(ns);
let gateways: Gateway[] = [];
let app: ChildProcess | undefined;
let prometheus: LocalPrometheus;
let operator: OperatorProcess;

const perGateway = (counter: string) => `sum(increase(${counter}{gateway="{{target}}"}[10s]))`;

beforeAll(async () => {
  await installCrds();
  gateways = await startGatewaysOnOwnHosts(['stripe', 'paypal']);
  const started = await startExampleApp('examples/payments-app/server.ts', {
    GATEWAYS: JSON.stringify(Object.fromEntries(gateways.map((g) => [g.name, g.url]))),
    RATE: '10',
  });
  app = started.child;
  prometheus = await LocalPrometheus.start([started.target]);
  operator = await startFallbackOperator(ns.name, 'fbp-traffic-op');
}, 120_000);

afterAll(async () => {
  operator?.child.kill('SIGTERM');
  await operator?.exited;
  app?.kill('SIGTERM');
  await prometheus?.close();
  await closeGateways(gateways);
});

describe('FallbackProtocol traffic', () => {
  it('holds through a Prometheus outage, then fails over on the traffic error rate while probes pass', async () => {
    const [stripe] = gateways;
    await protocols.create('passive', gateways, {
      trigger: {
        errorRate: 0.05,
        traffic: {
          address: prometheus.address,
          errorRateQuery: `${perGateway('payments_gateway_errors_total')} / ${perGateway('payments_gateway_requests_total')}`,
          requestCountQuery: perGateway('payments_gateway_requests_total'),
          minimumRequests: 20,
        },
      },
    });
    await protocols.until(
      'passive',
      'traffic read for both gateways',
      (p) => p.status?.targets?.every((t) => (t.trafficRequests ?? 0) >= 20 && t.state === 'Up') ?? false,
    );

    // Prometheus goes away: nothing is judged from traffic, nothing moves.
    await prometheus.stop();
    const blind = await protocols.until(
      'passive',
      'TrafficObserved False',
      (p) => p.status?.conditions?.some((c) => c.type === 'TrafficObserved' && c.status === 'False') ?? false,
    );
    expect(blind.status!.conditions!.find((c) => c.type === 'TrafficObserved')!.message).toMatch(
      /unreachable/,
    );
    await new Promise((done) => setTimeout(done, 4_000));
    const held = await protocols.read('passive');
    expect(held.status!.activeTarget).toBe('stripe');
    expect(held.status!.targets!.every((t) => t.state === 'Up')).toBe(true);
    await prometheus.resume();
    await protocols.until(
      'passive',
      'TrafficObserved True again',
      (p) => p.status?.conditions?.some((c) => c.type === 'TrafficObserved' && c.status === 'True') ?? false,
    );

    // One charge in five fails; the health endpoint stays fine.
    stripe!.charges({ failEvery: 5 });
    const over = await protocols.until(
      'passive',
      'failed over to paypal',
      (p) => p.status?.activeTarget === 'paypal',
    );
    expect(over.status!.lastFailover!.reason).toMatch(/traffic error rate/);
    const stripeHealth = over.status!.targets!.find((t) => t.name === 'stripe')!;
    expect(stripeHealth.consecutiveFailures).toBe(0);
    expect(stripeHealth.trafficErrorRate).toBeGreaterThan(0.05);
    expect((await protocols.routing('passive')).data?.target).toBe('paypal');
  }, 240_000);
});
