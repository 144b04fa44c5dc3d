// FallbackProtocol end to end: local gateways the tests break, the real control plane, a local webhook
// receiver. Failover on errors and on hangs, only toward health, all targets down, failback with
// hysteresis, a webhook that fails, and a restart between recording a failover and applying it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { closeGateways } from '../../../hack/lib/gateways.js';
import { FALLBACK_PROTOCOLS } from '../../../src/api/v1alpha1/index.js';
import { installCrds } from '../support/crds.js';
import {
  FallbackNamespace,
  notificationsAbout,
  protocolManifest,
  startFallbackOperator,
  startGatewaysOnOwnHosts,
  WebhookReceiver,
  type Gateway,
} from '../support/fallback.js';
import { useNamespace, waitFor } from '../support/kube.js';
import { AdmissionRefusal } from '../support/admission.js';
import { scrape, sumMetric, type OperatorProcess } from '../support/operator.js';

const ns = useNamespace('e2e-fbp');
const protocols = new FallbackNamespace(ns);
let receiver: WebhookReceiver;
let operator: OperatorProcess;
const gateways: Gateway[] = [];

async function gatewaysFor(...names: string[]): Promise<Gateway[]> {
  const started = await startGatewaysOnOwnHosts(names);
  gateways.push(...started);
  return started;
}

const hostOf = (g: Gateway) => new URL(g.url).hostname;

beforeAll(async () => {
  await installCrds();
  receiver = await WebhookReceiver.start();
  operator = await startFallbackOperator(ns.name, 'fbp-op-1');
}, 120_000);

afterAll(async () => {
  operator?.child.kill('SIGTERM');
  await operator?.exited;
  await receiver?.close();
  await closeGateways(gateways);
});

describe('FallbackProtocol', () => {
  it('fails over to the first backup when the primary answers 500, and says so once', async () => {
    const [stripe, paypal, adyen] = await gatewaysFor('stripe', 'paypal', 'adyen');
    await protocols.create('errors', [stripe!, paypal!, adyen!], { webhookUrl: receiver.url });
    await protocols.warmedUp('errors');
    expect((await protocols.routing('errors')).data).toEqual({ target: 'stripe', url: stripe!.url });

    stripe!.behave({ status: 500 });
    const after = await protocols.until(
      'errors',
      'failed over to paypal',
      (p) => p.status?.activeTarget === 'paypal',
    );
    const last = after.status!.lastFailover!;
    expect(last).toMatchObject({ action: 'Failover', from: 'stripe', to: 'paypal' });
    expect(last.reason).toMatch(/HTTP 500/);
    expect(last.durationSeconds).toBeGreaterThanOrEqual(0);
    expect(Date.parse(last.appliedAt)).toBeGreaterThanOrEqual(Date.parse(last.detectedAt));

    expect(await protocols.routing('errors')).toEqual({
      data: { target: 'paypal', url: paypal!.url },
      externalName: hostOf(paypal!),
    });
    const sent = await waitFor('one notification', () => {
      const found = notificationsAbout(receiver, 'errors');
      return Promise.resolve(found.length > 0 ? found : undefined);
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      protocol: `${ns.name}/errors`,
      event: 'Failover',
      from: 'stripe',
      to: 'paypal',
      idempotencyKey: last.decisionId,
      detectedAt: last.detectedAt,
      appliedAt: last.appliedAt,
    });
    await protocols.until(
      'errors',
      'notifiedAt recorded',
      (p) => p.status?.history?.some((d) => d.id === last.decisionId && d.notifiedAt !== undefined) ?? false,
    );
    expect((await protocols.events('errors')).map((e) => e.reason)).toContain('GatewayFailover');
    const metrics = await scrape(operator);
    expect(
      sumMetric(metrics, 'autopilot_fallback_failover_duration_seconds_count', { action: 'Failover' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sumMetric(metrics, 'autopilot_fallback_active_target', { protocol: 'errors', target: 'paypal' }),
    ).toBe(1);
    expect(sumMetric(metrics, 'autopilot_fallback_target_up', { protocol: 'errors', target: 'stripe' })).toBe(
      0,
    );
  }, 180_000);

  it('counts a primary that hangs past the timeout as failing, and skips a backup that is down too', async () => {
    const [stripe, paypal, adyen] = await gatewaysFor('stripe', 'paypal', 'adyen');
    await protocols.create('hangs', [stripe!, paypal!, adyen!]);
    await protocols.warmedUp('hangs');

    paypal!.behave({ status: 503 });
    stripe!.behave({ hang: true });
    const after = await protocols.until(
      'hangs',
      'failed over to adyen',
      (p) => p.status?.activeTarget === 'adyen',
    );
    expect(after.status!.lastFailover).toMatchObject({ from: 'stripe', to: 'adyen' });
    expect(after.status!.lastFailover!.reason).toMatch(/no answer within 1s/);
    // paypal was never the destination: no decision moved traffic to a target that was down.
    expect(after.status!.history!.filter((d) => d.to === 'paypal')).toEqual([]);
    expect((await protocols.routing('hangs')).data?.target).toBe('adyen');
  }, 180_000);

  it('stays put when every target is down: AllTargetsDown, one Warning, one notification', async () => {
    const [stripe, paypal] = await gatewaysFor('stripe', 'paypal');
    await protocols.create('alldown', [stripe!, paypal!], { webhookUrl: receiver.url });
    await protocols.warmedUp('alldown');

    // The backup goes first, so the primary's outage finds no healthy target.
    paypal!.behave({ status: 500 });
    await protocols.until(
      'alldown',
      'paypal down',
      (p) => p.status?.targets?.some((t) => t.name === 'paypal' && t.state === 'Down') ?? false,
    );
    stripe!.behave({ status: 500 });
    const down = await protocols.until(
      'alldown',
      'Ready False AllTargetsDown',
      (p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.reason === 'AllTargetsDown') ?? false,
    );
    expect(down.status!.activeTarget).toBe('stripe');
    expect(down.status!.failovers ?? 0).toBe(0);
    await waitFor('the AllTargetsDown notification', () =>
      Promise.resolve(
        notificationsAbout(receiver, 'alldown').some((n) => n.event === 'AllTargetsDown') ? true : undefined,
      ),
    );
    // Several more probe rounds: still one decision, one Warning, one notification, no switch.
    await new Promise((done) => setTimeout(done, 5_000));
    const later = await protocols.read('alldown');
    expect(later.status!.activeTarget).toBe('stripe');
    expect(later.status!.history!.filter((d) => d.action === 'AllTargetsDown')).toHaveLength(1);
    expect(notificationsAbout(receiver, 'alldown')).toHaveLength(1);
    expect((await protocols.events('alldown')).filter((e) => e.reason === 'AllTargetsDown')).toHaveLength(1);
    expect((await protocols.routing('alldown')).data?.target).toBe('stripe');
  }, 180_000);

  it('fails back only after the healthy probes and the minimum hold; a flapping primary never moves it', async () => {
    const [stripe, paypal] = await gatewaysFor('stripe', 'paypal');
    await protocols.create('failback', [stripe!, paypal!], { failback: { minimumHold: '8s' } });
    await protocols.warmedUp('failback');
    stripe!.behave({ status: 500 });
    const over = await protocols.until('failback', 'failed over', (p) => p.status?.activeTarget === 'paypal');

    // Every third probe fails: never three healthy probes in a row, never a failback.
    stripe!.behave({ failEvery: 3 });
    await protocols.until(
      'failback',
      'stripe up again',
      (p) => p.status?.targets?.some((t) => t.name === 'stripe' && t.state === 'Up') ?? false,
    );
    await new Promise((done) => setTimeout(done, 12_000));
    const flapping = await protocols.read('failback');
    expect(flapping.status!.activeTarget).toBe('paypal');
    expect(flapping.status!.failbacks ?? 0).toBe(0);

    stripe!.behave({});
    const back = await protocols.until('failback', 'failed back', (p) => p.status?.activeTarget === 'stripe');
    const failback = back.status!.lastFailover!;
    expect(failback).toMatchObject({ action: 'Failback', from: 'paypal', to: 'stripe' });
    // Hysteresis: not before the minimum hold on paypal.
    expect(Date.parse(failback.appliedAt) - Date.parse(over.status!.activeSince!)).toBeGreaterThanOrEqual(
      8_000,
    );
    expect(back.status!.failovers).toBe(1);
    expect(back.status!.failbacks).toBe(1);
    expect((await protocols.routing('failback')).data?.target).toBe('stripe');
    expect((await protocols.events('failback')).map((e) => e.reason)).toContain('GatewayFailback');
  }, 180_000);

  it('switches first and notifies after: a webhook that fails is retried, then accepted once', async () => {
    const [stripe, paypal] = await gatewaysFor('stripe', 'paypal');
    await protocols.create('webhookdown', [stripe!, paypal!], { webhookUrl: receiver.url });
    await protocols.warmedUp('webhookdown');
    const before = receiver.deliveries().length;
    receiver.answerNext(503, 503, 'hang');
    stripe!.behave({ status: 500 });
    await protocols.until('webhookdown', 'failed over', (p) => p.status?.activeTarget === 'paypal');
    expect((await protocols.routing('webhookdown')).data?.target).toBe('paypal');
    const done = await protocols.until(
      'webhookdown',
      'the notification recorded',
      (p) => p.status?.history?.some((d) => d.action === 'Failover' && d.notifiedAt !== undefined) ?? false,
    );
    expect(notificationsAbout(receiver, 'webhookdown')).toHaveLength(1);
    expect(receiver.deliveries().length - before).toBeGreaterThanOrEqual(4);
    expect(done.status!.conditions!.find((c) => c.type === 'Notified')).toMatchObject({ status: 'True' });
  }, 180_000);

  it('answers bad input with a condition and a Warning, and never switches: a missing Secret, a taken ConfigMap', async () => {
    const [stripe, paypal] = await gatewaysFor('stripe', 'paypal');
    // Someone else's ConfigMap under the routing name: never taken over.
    await protocols.core.createNamespacedConfigMap({
      namespace: ns.name,
      body: { metadata: { name: 'taken-gateway' }, data: { owner: 'someone else' } },
    });
    await protocols.create('taken', [stripe!, paypal!]);
    const taken = await protocols.until(
      'taken',
      'Ready False RoutingConflict',
      (p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.reason === 'RoutingConflict') ?? false,
    );
    expect(taken.status!.conditions!.find((c) => c.type === 'RoutingReady')!.message).toMatch(
      /ConfigMap .*taken-gateway exists and was not created by this FallbackProtocol/,
    );
    stripe!.behave({ status: 500 });
    await protocols.until(
      'taken',
      'stripe down',
      (p) => p.status?.targets?.some((t) => t.name === 'stripe' && t.state === 'Down') ?? false,
    );
    await new Promise((done) => setTimeout(done, 3_000));
    const held = await protocols.read('taken');
    expect(held.status!.activeTarget).toBe('stripe');
    expect(held.status!.failovers ?? 0).toBe(0);
    const configMap = await protocols.core.readNamespacedConfigMap({
      namespace: ns.name,
      name: 'taken-gateway',
    });
    expect(configMap.data).toEqual({ owner: 'someone else' });
    expect((await protocols.events('taken')).map((e) => e.reason)).toContain('RoutingConflict');

    // Probe headers from a Secret that does not exist: no probes, no decisions, the Secret named.
    await protocols.client.create(FALLBACK_PROTOCOLS, ns.name, {
      ...protocolManifest('nosecret', [stripe!, paypal!]),
      spec: {
        ...protocolManifest('nosecret', [stripe!, paypal!]).spec,
        probe: { interval: '1s', path: '/healthz', headersSecretRef: { name: 'gateway-headers' } },
      },
    });
    const missing = await protocols.until(
      'nosecret',
      'ProbesConfigured False',
      (p) =>
        p.status?.conditions?.some((c) => c.type === 'ProbesConfigured' && c.status === 'False') ?? false,
    );
    expect(missing.status!.conditions!.find((c) => c.type === 'ProbesConfigured')).toMatchObject({
      reason: 'SecretNotFound',
      message: `Secret ${ns.name}/gateway-headers does not exist`,
    });
    expect(missing.status!.conditions!.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False' });
    expect(missing.status!.activeTarget).toBe('stripe');
    expect((await protocols.events('nosecret')).map((e) => e.reason)).toContain('SecretNotFound');
  }, 180_000);

  it('finishes a failover recorded before a SIGKILL exactly once, after fresh probes of its own', async () => {
    const [stripe, paypal] = await gatewaysFor('stripe', 'paypal');
    await protocols.create('restart', [stripe!, paypal!], { webhookUrl: receiver.url });
    await protocols.warmedUp('restart');
    // Admission refuses changes of this protocol's ConfigMap: the Failover is recorded (Applying) but
    // cannot be carried out until the policy goes.
    const freeze = await AdmissionRefusal.apply({
      name: `e2e-freeze-routing-${ns.name}`,
      namespace: ns.name,
      rule: "{ apiGroups: [''], apiVersions: ['*'], operations: [UPDATE, CREATE], resources: [configmaps] }",
      allowed: "object.metadata.name != 'restart-gateway'",
      message: 'e2e: routing is frozen',
      probe: ['annotate', 'configmap/restart-gateway', 'e2e=1'],
    });
    try {
      await freeze.inForce();
      stripe!.behave({ status: 500 });
      const stuck = await protocols.until(
        'restart',
        'a Failover recorded as Applying',
        (p) => p.status?.lastDecision?.action === 'Failover' && p.status.lastDecision.state === 'Applying',
      );
      const id = stuck.status!.lastDecision!.id;
      expect(stuck.status!.activeTarget).toBe('stripe');
      operator.child.kill('SIGKILL');
      await operator.exited;
      await freeze.lift();
      operator = await startFallbackOperator(ns.name, 'fbp-op-2');

      const finished = await protocols.until(
        'restart',
        'the recorded Failover applied',
        (p) => p.status?.history?.some((d) => d.id === id && d.state === 'Applied') ?? false,
      );
      expect(finished.status!.activeTarget).toBe('paypal');
      expect(finished.status!.failovers).toBe(1);
      expect(finished.status!.history!.filter((d) => d.action === 'Failover').map((d) => d.id)).toEqual([id]);
      expect((await protocols.routing('restart')).data?.target).toBe('paypal');
      expect(
        operator.logs.some((l) => l.msg === 'finishing a decision recorded before' && l.decision === id),
      ).toBe(true);
      // The new operator waited for fresh probes of its own before finishing it (cold start).
      expect(
        operator.logs.some((l) => l.msg === 'recorded decision waits for fresh probes' && l.decision === id),
      ).toBe(true);
      await waitFor('the notification', () =>
        Promise.resolve(notificationsAbout(receiver, 'restart').length > 0 ? true : undefined),
      );
      await new Promise((done) => setTimeout(done, 3_000));
      expect(notificationsAbout(receiver, 'restart')).toHaveLength(1);
    } finally {
      await freeze.remove();
    }
  }, 240_000);
});
