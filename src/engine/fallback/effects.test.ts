// What a decision changes: routing data, the webhook body, the switch with its duration, Ready.
import { describe, expect, it } from '@jest/globals';
import type { FailoverDecisionRecord } from '../../api/v1alpha1/fallbackProtocol.js';
import {
  afterSwitch,
  notificationFor,
  readiness,
  routingFor,
  switchEvent,
  switchRecord,
  unnotified,
} from './effects.js';
import { T0, down, protocol, protocolSpec, unknown, up } from './testing.js';

const iso = (ms: number) => new Date(ms).toISOString();
const failover: FailoverDecisionRecord = {
  id: 'failover-0123456789ab',
  action: 'Failover',
  reason: 'stripe is down: 3 failed probes in a row',
  state: 'Applied',
  decidedAt: iso(T0),
  from: 'stripe',
  to: 'adyen',
  detectedAt: iso(T0 - 1_500),
  appliedAt: iso(T0 + 300),
};

describe('routingFor', () => {
  it('publishes the target’s name and URL in the ConfigMap and its host in the ExternalName Service', () => {
    const spec = protocolSpec({
      routing: {
        configMap: { name: 'payments-gateway', targetKey: 'gateway', urlKey: 'gatewayUrl' },
        service: { name: 'payments-gateway' },
      },
    });
    expect(routingFor(spec, 'adyen')).toEqual({
      configMap: {
        name: 'payments-gateway',
        data: { gateway: 'adyen', gatewayUrl: 'https://adyen.example.com:8443/v1' },
      },
      service: { name: 'payments-gateway', externalName: 'adyen.example.com' },
    });
  });

  it('writes only what routing names, and nothing for an unknown target', () => {
    const spec = protocolSpec({ routing: { service: { name: 'gw' } } });
    expect(routingFor(spec, 'stripe')).toEqual({
      service: { name: 'gw', externalName: 'stripe.example.com' },
    });
    expect(routingFor(protocolSpec(), 'stripe')).toEqual({});
    expect(routingFor(spec, 'square')).toBeUndefined();
  });
});

describe('notificationFor', () => {
  it('says what happened, when, and the decision id as the idempotency key', () => {
    expect(notificationFor(protocol(), failover)).toEqual({
      protocol: 'shop/payments',
      event: 'Failover',
      from: 'stripe',
      to: 'adyen',
      reason: 'stripe is down: 3 failed probes in a row',
      detectedAt: iso(T0 - 1_500),
      decidedAt: iso(T0),
      appliedAt: iso(T0 + 300),
      idempotencyKey: 'failover-0123456789ab',
    });
  });

  it('has no target and no appliedAt when all targets are down, and nothing for a Hold', () => {
    const allDown = { ...failover, action: 'AllTargetsDown' as const, to: undefined, appliedAt: undefined };
    expect(notificationFor(protocol(), allDown)).toMatchObject({
      event: 'AllTargetsDown',
      to: null,
      appliedAt: null,
    });
    expect(notificationFor(protocol(), { ...failover, action: 'Hold' })).toBeUndefined();
  });
});

describe('unnotified', () => {
  it('owes a notification for each transition carried out and not acknowledged, oldest first', () => {
    const told = { ...failover, id: 'failover-told', notifiedAt: iso(T0 + 400) };
    const failback = {
      ...failover,
      id: 'failback-1',
      action: 'Failback' as const,
      from: 'adyen',
      to: 'stripe',
    };
    const allDown = { ...failover, id: 'alltargetsdown-1', action: 'AllTargetsDown' as const, to: undefined };
    const hold = { ...failover, id: 'hold-1', action: 'Hold' as const, to: undefined };
    const pending = { ...failover, id: 'failover-pending', state: 'PendingApproval' as const };
    const applying = { ...failover, id: 'failover-applying', state: 'Applying' as const };
    // Status keeps history newest first.
    const history = [hold, failback, pending, applying, allDown, told, failover];
    expect(unnotified(history).map((d) => d.id)).toEqual([failover.id, allDown.id, failback.id]);
    expect(unnotified(undefined)).toEqual([]);
  });
});

describe('switchRecord and afterSwitch', () => {
  it('times a switch from detection to routing applied, and moves the active target', () => {
    const record = switchRecord(failover, T0 + 300)!;
    expect(record).toEqual({
      action: 'Failover',
      decisionId: failover.id,
      from: 'stripe',
      to: 'adyen',
      reason: failover.reason,
      detectedAt: iso(T0 - 1_500),
      decidedAt: iso(T0),
      appliedAt: iso(T0 + 300),
      durationSeconds: 1.8,
    });
    expect(afterSwitch({ failovers: 2 }, record)).toEqual({
      activeTarget: 'adyen',
      activeSince: iso(T0 + 300),
      failovers: 3,
      failbacks: 0,
      lastFailover: record,
    });
    const back = switchRecord({ ...failover, action: 'Failback', from: 'adyen', to: 'stripe' }, T0 + 300)!;
    expect(afterSwitch({ failovers: 3, failbacks: 1 }, back)).toMatchObject({ failovers: 3, failbacks: 2 });
  });

  it('tells a failover as a Warning and a failback as Normal, one series per decision', () => {
    const record = switchRecord(failover, T0 + 300)!;
    expect(switchEvent(record)).toEqual({
      type: 'Warning',
      reason: 'GatewayFailover',
      note: `stripe → adyen in 1.80s from detection: ${failover.reason}`,
      series: failover.id,
    });
    const back = switchRecord({ ...failover, action: 'Failback', from: 'adyen', to: 'stripe' }, T0 + 300)!;
    expect(switchEvent(back)).toMatchObject({ type: 'Normal', reason: 'GatewayFailback' });
  });

  it('records no switch for decisions that do not move traffic', () => {
    expect(switchRecord({ ...failover, action: 'AllTargetsDown' }, T0)).toBeUndefined();
    expect(switchRecord({ ...failover, action: 'Hold' }, T0)).toBeUndefined();
  });
});

describe('readiness', () => {
  it('is True while the active target is up, False when it or every target is down, Unknown while cold', () => {
    expect(readiness('stripe', [up('stripe'), down('paypal')])).toMatchObject({
      status: 'True',
      reason: 'ActiveTargetUp',
    });
    expect(readiness('stripe', [down('stripe'), up('paypal')])).toMatchObject({
      status: 'False',
      reason: 'ActiveTargetDown',
    });
    expect(readiness('stripe', [down('stripe'), down('paypal')])).toEqual({
      status: 'False',
      reason: 'AllTargetsDown',
      message: 'every target is down; staying on stripe',
    });
    expect(readiness('stripe', [unknown('stripe'), up('paypal')])).toMatchObject({
      status: 'Unknown',
      reason: 'AwaitingProbes',
    });
  });
});
