// decideFailover on crafted health: toward the next healthy target only, all-down stays, failback after
// proof and the hold, nothing on a cold window, stable ids; resumeDecision after a restart or an approval;
// nextLookMs, when the controller looks again.
import { describe, expect, it } from '@jest/globals';
import type { FallbackProtocolStatus } from '../../api/v1alpha1/fallbackProtocol.js';
import { QUIET_LOOK_MS, activeTargetOf, decideFailover, nextLookMs, resumeDecision } from './decide.js';
import { T0, down, protocol, protocolSpec, unknown, up } from './testing.js';

const payments = protocol();
const onStripe: FallbackProtocolStatus = {
  activeTarget: 'stripe',
  activeSince: new Date(T0 - 3_600_000).toISOString(),
};
const onPaypal = (sinceMs: number): FallbackProtocolStatus => ({
  activeTarget: 'paypal',
  activeSince: new Date(T0 - sinceMs).toISOString(),
});

describe('decideFailover', () => {
  it('holds while the active target is healthy', () => {
    const decision = decideFailover(payments, onStripe, [up('stripe'), up('paypal'), up('adyen')], T0);
    expect(decision).toMatchObject({ action: 'Hold', from: 'stripe', reason: 'stripe is healthy' });
    expect(decision.to).toBeUndefined();
  });

  it('starts on the primary', () => {
    expect(activeTargetOf(payments.spec, undefined)).toBe('stripe');
    expect(
      decideFailover(payments, undefined, [down('stripe'), up('paypal'), up('adyen')], T0),
    ).toMatchObject({
      action: 'Failover',
      from: 'stripe',
      to: 'paypal',
    });
  });

  it('fails over to the next healthy target, timed from when the outage was first seen', () => {
    const decision = decideFailover(
      payments,
      onStripe,
      [down('stripe', T0 - 4_000), up('paypal'), up('adyen')],
      T0,
    );
    expect(decision).toMatchObject({
      action: 'Failover',
      from: 'stripe',
      to: 'paypal',
      detectedAt: new Date(T0 - 4_000).toISOString(),
      decidedAt: new Date(T0).toISOString(),
    });
    expect(decision.id).toMatch(/^failover-[0-9a-f]{12}$/);
    expect(decision.reason).toMatch(
      /^stripe is down: 3 failed probes in a row .*; paypal is healthy: healthy$/,
    );
  });

  it('skips a backup that is down or not known yet', () => {
    const health = [down('stripe'), down('paypal'), up('adyen')];
    expect(decideFailover(payments, onStripe, health, T0)).toMatchObject({ action: 'Failover', to: 'adyen' });
    const cold = [down('stripe'), unknown('paypal'), up('adyen')];
    expect(decideFailover(payments, onStripe, cold, T0)).toMatchObject({ action: 'Failover', to: 'adyen' });
  });

  it('moves back up the list only to a target that has proven itself', () => {
    const adyenActive = { activeTarget: 'adyen', activeSince: new Date(T0 - 1_000).toISOString() };
    const justBack = [up('stripe', false), down('paypal'), down('adyen')];
    expect(decideFailover(payments, adyenActive, justBack, T0)).toMatchObject({
      action: 'Hold',
      reason: expect.stringMatching(/^adyen is down: .*; no healthy target to move to: stripe up/),
    });
    const proven = [up('stripe'), down('paypal'), down('adyen')];
    // The active one is down: the minimum hold does not apply to leaving it.
    expect(decideFailover(payments, adyenActive, proven, T0)).toMatchObject({
      action: 'Failover',
      to: 'stripe',
    });
  });

  it('stays when every target is down, with one decision for the whole outage', () => {
    const health = [down('stripe', T0 - 9_000), down('paypal', T0 - 6_000), down('adyen', T0 - 3_000)];
    const first = decideFailover(payments, onStripe, health, T0);
    expect(first).toMatchObject({
      action: 'AllTargetsDown',
      from: 'stripe',
      detectedAt: new Date(T0 - 3_000).toISOString(),
    });
    expect(first.to).toBeUndefined();
    expect(first.reason).toMatch(/^every target is down, staying on stripe: stripe down \(/);
    expect(decideFailover(payments, onStripe, health, T0 + 5_000).id).toBe(first.id);
    const again = [down('stripe', T0 + 20_000), down('paypal', T0 - 6_000), down('adyen', T0 - 3_000)];
    expect(decideFailover(payments, onStripe, again, T0 + 25_000).id).not.toBe(first.id);
  });

  it('holds, without deciding, while the active target has no fresh probes (cold start)', () => {
    for (const others of [
      [up('paypal'), up('adyen')],
      [down('paypal'), down('adyen')],
    ]) {
      expect(decideFailover(payments, onStripe, [unknown('stripe'), ...others], T0)).toMatchObject({
        action: 'Hold',
        reason:
          'not deciding until stripe has fresh probes: waiting for fresh probes: 1 of 3 fresh probes so far',
      });
    }
    // Down with backups not known yet is not "all down".
    expect(
      decideFailover(payments, onStripe, [down('stripe'), unknown('paypal'), unknown('adyen')], T0),
    ).toMatchObject({ action: 'Hold' });
  });

  it('fails back only after healthy probes in a row and the minimum hold', () => {
    const notProven = [up('stripe', false), up('paypal'), up('adyen')];
    expect(decideFailover(payments, onPaypal(60_000), notProven, T0)).toMatchObject({
      action: 'Hold',
      reason: expect.stringContaining('no preferred target has proven itself (4 healthy probes in a row)'),
    });
    const proven = [up('stripe', true, T0 - 50_000), up('paypal'), up('adyen')];
    expect(decideFailover(payments, onPaypal(10_000), proven, T0)).toMatchObject({
      action: 'Hold',
      reason: 'stripe has proven itself; failback after the minimum hold of 30s on paypal, in 20s',
    });
    const back = decideFailover(payments, onPaypal(45_000), proven, T0);
    expect(back).toMatchObject({
      action: 'Failback',
      from: 'paypal',
      to: 'stripe',
      // Eligible once the hold was over (T0 − 15 s), later than the proof (T0 − 50 s).
      detectedAt: new Date(T0 - 15_000).toISOString(),
    });
    expect(decideFailover(payments, onPaypal(45_000), proven, T0 + 1_000).id).toBe(back.id);
  });

  it('never fails back when failback is disabled', () => {
    const manual = protocol(
      protocolSpec({ failback: { enabled: false, healthyProbes: 4, minimumHold: '0s' } }),
    );
    const health = [up('stripe'), up('paypal'), up('adyen')];
    expect(decideFailover(manual, onPaypal(3_600_000), health, T0).action).toBe('Hold');
  });

  it('moves off an active target that left spec.targets', () => {
    const gone = { activeTarget: 'square', activeSince: onStripe.activeSince };
    expect(
      decideFailover(payments, gone, [up('stripe', false), up('paypal'), up('adyen')], T0),
    ).toMatchObject({
      action: 'Failover',
      from: 'square',
      to: 'stripe',
      reason: expect.stringMatching(/^square is no longer in spec.targets; stripe is healthy/),
    });
  });

  it('gives the same facts the same id, and other protocols or facts another', () => {
    const health = [down('stripe'), up('paypal'), up('adyen')];
    const id = decideFailover(payments, onStripe, health, T0).id;
    expect(decideFailover(payments, onStripe, health, T0 + 30_000).id).toBe(id);
    const twin = { ...payments, metadata: { ...payments.metadata, uid: 'uid-2' } };
    expect(decideFailover(twin, onStripe, health, T0).id).not.toBe(id);
    expect(
      decideFailover(payments, onStripe, [down('stripe', T0 - 1), up('paypal'), up('adyen')], T0).id,
    ).not.toBe(id);
  });
});

describe('resumeDecision', () => {
  const failover = { action: 'Failover' as const, to: 'paypal' };
  it('finishes a recorded switch while its target is healthy, waits while it is not known yet', () => {
    expect(resumeDecision(failover, [down('stripe'), up('paypal', false)])).toEqual({ verdict: 'finish' });
    expect(resumeDecision(failover, [unknown('stripe'), unknown('paypal')])).toEqual({
      verdict: 'wait',
      reason: 'paypal: waiting for fresh probes: 1 of 3 fresh probes so far',
    });
  });

  it('drops it for a fresh decision once its target is down or gone', () => {
    expect(resumeDecision(failover, [down('stripe'), down('paypal')])).toMatchObject({
      verdict: 'supersede',
    });
    expect(resumeDecision({ action: 'Failover', to: 'square' }, [up('stripe')])).toEqual({
      verdict: 'supersede',
      reason: 'square is no longer in spec.targets',
    });
    expect(resumeDecision({ action: 'AllTargetsDown' }, [])).toEqual({ verdict: 'finish' });
  });
});

describe('nextLookMs', () => {
  const traffic = {
    errorRateQuery: 'rate_of("{{target}}")',
    requestCountQuery: 'count_of("{{target}}")',
    minimumRequests: 20,
    maxSampleAge: '1m',
  };
  it('looks only now and then without traffic to read: the prober tells of health changes', () => {
    expect(nextLookMs(payments.spec, onStripe, T0)).toBe(QUIET_LOOK_MS);
    expect(nextLookMs(payments.spec, undefined, T0)).toBe(QUIET_LOOK_MS);
  });

  it('looks every probe interval when there is traffic to read', () => {
    const spec = protocolSpec({ trigger: { ...payments.spec.trigger, traffic } });
    expect(nextLookMs(spec, onStripe, T0)).toBe(1_000);
  });

  it('looks just after the minimum hold on a backup ends, so failback is not late', () => {
    expect(nextLookMs(payments.spec, onPaypal(20_000), T0)).toBe(10_100);
    expect(nextLookMs(payments.spec, onPaypal(40_000), T0)).toBe(QUIET_LOOK_MS);
    const noFailback = protocolSpec({ failback: { ...payments.spec.failback, enabled: false } });
    expect(nextLookMs(noFailback, onPaypal(20_000), T0)).toBe(QUIET_LOOK_MS);
  });
});
