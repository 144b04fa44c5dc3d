// Which Event tells a population decision or a finished session, and when nothing is news.
import { describe, expect, it } from '@jest/globals';
import type { PopulationDecisionRecord, SessionRecord } from '../../api/v1alpha1/agentSpawn.js';
import { decisionEvent, sessionEvent } from './events.js';

const decision = (over: Partial<PopulationDecisionRecord>): PopulationDecisionRecord => ({
  id: 'spawn-1',
  action: 'Spawn',
  reason: '1 child(ren): x of star',
  state: 'Recommended',
  decidedAt: '2026-11-30T12:00:00.000Z',
  ...over,
});
const fresh = { same: false, repeat: false, scoresUnavailable: false };

describe('decisionEvent', () => {
  it('tells a recommendation and a decision waiting for approval once, with the line that approves it', () => {
    expect(decisionEvent('agents', decision({}), fresh)).toEqual({
      type: 'Normal',
      reason: 'DecisionRecommended',
      note: 'Spawn (Observe mode, not applied): 1 child(ren): x of star',
    });
    expect(decisionEvent('agents', decision({ state: 'PendingApproval' }), fresh)?.note).toBe(
      'Spawn: 1 child(ren): x of star; approve with: kubectl annotate agentspawn agents autopilot.ventures/approve=spawn-1',
    );
    expect(decisionEvent('agents', decision({}), { ...fresh, same: true })).toBeUndefined();
  });

  it('tells the start of a run of Holds, not each Hold of it', () => {
    const hold = decision({ id: 'hold-1', action: 'Hold', state: 'Applied', reason: 'nothing to do' });
    expect(decisionEvent('agents', hold, fresh)).toMatchObject({ reason: 'PopulationHolding' });
    expect(decisionEvent('agents', hold, { ...fresh, repeat: true })).toBeUndefined();
  });

  it('counts every cycle of a score outage in one series, and starts a new series for the next outage', () => {
    const hold = decision({
      id: 'hold-2',
      action: 'Hold',
      state: 'Applied',
      reason: 'scores unavailable: x',
    });
    const outage = { ...fresh, repeat: true, same: true, scoresUnavailable: true };
    const first = decisionEvent('agents', hold, { ...outage, runHead: { id: 'hold-2', decidedAt: 'T1' } });
    expect(first).toEqual({
      type: 'Warning',
      reason: 'ScoresUnavailable',
      note: hold.reason,
      series: 'hold-2@T1',
    });
    const later = decisionEvent('agents', hold, { ...outage, runHead: { id: 'hold-2', decidedAt: 'T9' } });
    expect(later?.series).toBe('hold-2@T9');
  });

  it('leaves decisions that are carried out to the Events of what they do', () => {
    expect(decisionEvent('agents', decision({ state: 'Applying' }), fresh)).toBeUndefined();
    expect(decisionEvent('agents', decision({ state: 'Applied', action: 'Train' }), fresh)).toBeUndefined();
  });
});

describe('sessionEvent', () => {
  const session = (phase: SessionRecord['phase']): SessionRecord => ({
    id: 'session-1',
    trainer: 'star',
    trainee: 'weak',
    agentType: 'marketing',
    type: 'KnowledgeTransfer',
    keys: ['pricing.segment-a'],
    phase,
    startedAt: '2026-11-30T12:00:00.000Z',
    evaluateAfter: '2026-11-30T12:05:00.000Z',
    trainerScore: 0.95,
    scoreBefore: 0.35,
    reason: 'succeeded: 0.35→0.9',
  });

  it('tells each outcome with its numbers; a failure or an unmeasured session is a Warning', () => {
    expect(sessionEvent(session('Succeeded'))).toEqual({
      type: 'Normal',
      reason: 'TrainingSucceeded',
      note: 'session session-1, star → weak: succeeded: 0.35→0.9',
    });
    expect(sessionEvent(session('Failed'))).toMatchObject({ type: 'Warning', reason: 'TrainingFailed' });
    expect(sessionEvent(session('Abandoned'))).toMatchObject({
      type: 'Warning',
      reason: 'TrainingAbandoned',
    });
    expect(sessionEvent(session('Running'))).toBeUndefined();
  });
});
