// A venture's life in status: when audits are due, the grace period, what an audit writes, and which
// decisions are told in Events (and how often).
import { describe, expect, it } from '@jest/globals';
import type { Decision } from '../../api/v1alpha1/venture.js';
import { auditDueIn, eventFor, gracePeriod, tellsEvent } from './lifecycle.js';

const NOW = Date.parse('2026-11-30T12:00:00.000Z');
const decision = (over: Partial<Decision>): Decision => ({
  id: 'd-1',
  action: 'Hold',
  reason: 'r',
  state: 'Applied',
  decidedAt: new Date(NOW).toISOString(),
  ...over,
});

describe('auditDueIn', () => {
  it('is due at once without a readable last audit, else when the interval has passed', () => {
    expect(auditDueIn({}, 10_000, NOW)).toBe(0);
    expect(auditDueIn({ lastAuditTime: 'yesterday' }, 10_000, NOW)).toBe(0);
    expect(auditDueIn({ lastAuditTime: new Date(NOW - 4000).toISOString() }, 10_000, NOW)).toBe(6000);
    expect(auditDueIn({ lastAuditTime: new Date(NOW - 10_000).toISOString() }, 10_000, NOW)).toBe(0);
  });
});

describe('gracePeriod', () => {
  it('counts from terminatedAt, or starts now when it is missing or unreadable', () => {
    expect(gracePeriod({ terminatedAt: new Date(NOW - 20_000).toISOString() }, 30_000, NOW).leftMs).toBe(
      10_000,
    );
    expect(gracePeriod({}, 30_000, NOW)).toEqual({
      terminatedAt: new Date(NOW).toISOString(),
      leftMs: 30_000,
    });
    expect(gracePeriod({ terminatedAt: 'soon' }, 30_000, NOW).leftMs).toBe(30_000);
  });
});

describe('eventFor and tellsEvent', () => {
  it('names the Event after what happened to the decision', () => {
    expect(eventFor('shop', decision({ state: 'Blocked' }), undefined)?.reason).toBe('TerminationBlocked');
    expect(
      eventFor('shop', decision({ action: 'Scale', state: 'PendingApproval' }), undefined)?.note,
    ).toMatch(/approve with: kubectl annotate venture shop autopilot.ventures\/approve=d-1$/);
    expect(eventFor('shop', decision({ action: 'Terminate', state: 'Recommended' }), undefined)?.reason).toBe(
      'DecisionRecommended',
    );
    expect(eventFor('shop', decision({ action: 'Terminate' }), undefined)).toMatchObject({
      type: 'Warning',
      reason: 'VentureTerminating',
    });
    expect(eventFor('shop', decision({}), 'MetricsUnavailable')).toMatchObject({
      type: 'Warning',
      reason: 'MetricsUnavailable',
    });
    expect(eventFor('shop', decision({}), 'UnderReview')?.reason).toBe('VentureUnderReview');
    expect(eventFor('shop', decision({}), undefined)?.reason).toBe('VentureHolding');
    expect(eventFor('shop', decision({ action: 'Scale' }), undefined)).toBeUndefined();
  });

  it('tells an outage on every audit, a plain hold when it starts, any other decision once', () => {
    const outage = { type: 'Warning' as const, reason: 'MetricsUnavailable', note: '' };
    const holding = { type: 'Normal' as const, reason: 'VentureHolding', note: '' };
    expect(tellsEvent(outage, true, true)).toBe(true);
    expect(tellsEvent(holding, false, false)).toBe(true);
    expect(tellsEvent(holding, true, false)).toBe(false);
    expect(tellsEvent({ ...outage, reason: 'VentureUnderReview' }, false, true)).toBe(false);
  });
});
