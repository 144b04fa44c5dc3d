// Decision states under Observe, Supervised and Autonomous.
import { describe, expect, it } from '@jest/globals';
import type { Decision } from '../api/v1alpha1/venture.js';
import type { VentureDecision } from './venture/decision.js';
import { decisionState, nextDecision } from './mode.js';

const scale: VentureDecision = {
  id: 'scale-1',
  action: 'Scale',
  reason: 'r',
  decidedAt: '2026-11-21T00:00:00Z',
};
const withState = (d: VentureDecision, state: Decision['state']): Decision => ({ ...d, state });

describe('decisionState', () => {
  it('records, waits for approval, or applies by mode', () => {
    expect(decisionState(scale, 'Observe', undefined)).toBe('Recommended');
    expect(decisionState(scale, 'Supervised', undefined)).toBe('PendingApproval');
    expect(decisionState(scale, 'Supervised', 'scale-0')).toBe('PendingApproval');
    expect(decisionState(scale, 'Supervised', 'scale-1')).toBe('Applied');
    expect(decisionState(scale, 'Autonomous', undefined)).toBe('Applied');
  });

  it('marks guarded terminations Blocked whatever the mode', () => {
    const blocked = {
      ...scale,
      action: 'Hold' as const,
      blocked: { by: 'Protected' as const, action: 'Terminate' as const },
    };
    expect(decisionState(blocked, 'Autonomous', undefined)).toBe('Blocked');
  });
});

describe('nextDecision', () => {
  it('keeps a pending decision while audits reach the same action, and replaces it when the action changes', () => {
    const pending = withState(scale, 'PendingApproval');
    expect(nextDecision(pending, withState({ ...scale, id: 'scale-2' }, 'PendingApproval'))).toBe(pending);
    const hold = withState({ ...scale, id: 'hold-3', action: 'Hold' }, 'Applied');
    expect(nextDecision(pending, hold)).toBe(hold);
  });
});
