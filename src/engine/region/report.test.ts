// The Ready condition and the Event a RegionPair's decision gives, for each kind of decision.
import { describe, expect, it } from '@jest/globals';
import type { RegionPairDecision } from '../../api/v1alpha1/regionPair.js';
import { decisionEvent, readiness } from './report.js';

const decision = (fields: Partial<RegionPairDecision>): RegionPairDecision => ({
  id: 'failover-0123456789ab',
  action: 'Hold',
  reason: 'why',
  state: 'Applied',
  decidedAt: '2026-11-30T12:00:00.000Z',
  ...fields,
});

describe('readiness', () => {
  it('is True while serving or standing by, Unknown while gathering a view, False on a hold to look at', () => {
    expect(readiness(decision({}), 'Serving')).toMatchObject({ status: 'True', reason: 'Serving' });
    expect(readiness(decision({}), 'Standby')).toMatchObject({ status: 'True', reason: 'Standby' });
    expect(readiness(decision({}), 'ColdStart')).toMatchObject({ status: 'Unknown', reason: 'ColdStart' });
    expect(readiness(decision({}), 'PartitionSuspected')).toMatchObject({
      status: 'False',
      reason: 'PartitionSuspected',
      message: 'why',
    });
    expect(readiness(decision({}), 'FencingUnavailable')).toMatchObject({ status: 'False' });
  });

  it('is False while a move is carried out or waits for a human, True once it is applied', () => {
    expect(readiness(decision({ action: 'Failover', state: 'Applying' }), undefined)).toMatchObject({
      status: 'False',
      reason: 'FailoverInProgress',
    });
    expect(readiness(decision({ action: 'Failover', state: 'PendingApproval' }), undefined)).toMatchObject({
      status: 'False',
      reason: 'FailoverPendingApproval',
    });
    expect(readiness(decision({ action: 'Failback', state: 'Applied' }), undefined)).toMatchObject({
      status: 'True',
      reason: 'Failback',
    });
  });
});

describe('decisionEvent', () => {
  it('warns about holds a human should look at, and says nothing about quiet ones', () => {
    expect(decisionEvent(decision({}), 'PartitionSuspected', 'shop')).toEqual({
      type: 'Warning',
      reason: 'PartitionSuspected',
      note: 'why',
    });
    expect(decisionEvent(decision({}), 'Standby', 'shop')).toBeUndefined();
    expect(decisionEvent(decision({}), 'ColdStart', 'shop')).toBeUndefined();
  });

  it('tells a recommended move, and how to approve a pending one', () => {
    expect(
      decisionEvent(decision({ action: 'Failover', state: 'Recommended' }), undefined, 'shop'),
    ).toMatchObject({
      type: 'Normal',
      reason: 'DecisionRecommended',
    });
    expect(
      decisionEvent(decision({ action: 'Failover', state: 'PendingApproval' }), undefined, 'shop')?.note,
    ).toContain('kubectl annotate regionpair shop autopilot.ventures/approve=failover-0123456789ab');
    // A move being made is told when it starts and ends, by the controller.
    expect(
      decisionEvent(decision({ action: 'Failover', state: 'Applied' }), undefined, 'shop'),
    ).toBeUndefined();
  });
});
