// Training: who trains whom, within the bounds, and a session's outcome measured from the trainee's score.
import { describe, expect, it } from '@jest/globals';
import type { SessionRecord } from '../../api/v1alpha1/agentSpawn.js';
import { isoTime } from '../format.js';
import { membersOf, type AgentObservation } from './agents.js';
import { validateKnowledge } from './knowledge.js';
import { rankAgents } from './ranking.js';
import { agent, identity, NOW, spec } from './testing.js';
import { concludeSessions, pairSessions, sessionId, successRate } from './training.js';

const MINUTE = 60_000;

function pair(
  observations: AgentObservation[],
  o: { overrides?: Record<string, unknown>; sessions?: SessionRecord[] } = {},
) {
  const s = spec(o.overrides);
  const { ranked } = rankAgents(membersOf(observations, s, identity), s, 300_000, NOW);
  return pairSessions({
    identity,
    spec: s,
    ranked,
    sessions: o.sessions ?? [],
    validation: validateKnowledge(ranked, s.knowledge),
    sessionsStarted: 0,
    evaluationWindowMs: 5 * MINUTE,
    now: NOW,
  });
}
const pairs = (p: ReturnType<typeof pair>) =>
  p.sessions.map((s) => `${s.record.trainer}→${s.record.trainee}`);

const session = (over: Partial<SessionRecord>): SessionRecord => ({
  id: 'session-1',
  trainer: 'strong',
  trainee: 'weak',
  agentType: 'marketing',
  type: 'KnowledgeTransfer',
  keys: ['pricing.segment-a'],
  phase: 'Running',
  startedAt: isoTime(NOW - 10 * MINUTE),
  evaluateAfter: isoTime(NOW - 5 * MINUTE),
  trainerScore: 0.9,
  scoreBefore: 0.4,
  ...over,
});

describe('pairSessions', () => {
  it('pairs the weakest trainee with the strongest trainer, and copies the trainer’s entries', () => {
    const plan = pair([
      agent('t1', 0.85),
      agent('t2', 0.95),
      agent('s1', 0.6),
      agent('s2', 0.3),
      agent('mid', 0.75),
    ]);
    expect(pairs(plan)).toEqual(['t2→s2', 't1→s1']);
    const [first] = plan.sessions;
    expect(first?.record).toMatchObject({
      id: sessionId(identity, 't2', 's2', 0),
      phase: 'Running',
      trainerScore: 0.95,
      scoreBefore: 0.3,
      keys: ['pricing.segment-a'],
      startedAt: isoTime(NOW),
      evaluateAfter: isoTime(NOW + 5 * MINUTE),
    });
    expect(first?.copy).toEqual({
      from: 't2-knowledge',
      to: 's2-knowledge',
      data: { 'pricing.segment-a': 'arm-t2' },
    });
  });

  it('pairs only agents of the same type', () => {
    const plan = pair([
      agent('sales-pro', 0.95, { type: 'sales' }),
      agent('mk-weak', 0.3),
      agent('mk-pro', 0.82),
    ]);
    expect(pairs(plan)).toEqual(['mk-pro→mk-weak']);
  });

  it('keeps running sessions within maxConcurrentSessions, one session per agent', () => {
    const running = [session({ trainer: 'x', trainee: 'y' })];
    const plan = pair(
      [
        agent('t1', 0.9),
        agent('t2', 0.91),
        agent('t3', 0.92),
        agent('s1', 0.1),
        agent('s2', 0.2),
        agent('s3', 0.3),
        agent('x', 0.95),
        agent('y', 0.2),
      ],
      { overrides: { training: { maxConcurrentSessions: 3 } }, sessions: running },
    );
    expect(pairs(plan)).toEqual(['t3→s1', 't2→s2']);
    expect(
      pair([agent('x', 0.95), agent('y', 0.2)], {
        overrides: { training: { maxConcurrentSessions: 1 } },
        sessions: running,
      }).why,
    ).toBe('all 1 session slots are in use');
  });

  it('needs a lead of minGain and entries the trainee lacks', () => {
    expect(
      pair([agent('t', 0.8), agent('s', 0.75)], { overrides: { training: { traineeMaxScore: 0.78 } } })
        .sessions,
    ).toEqual([]);
    const same = { 'pricing.segment-a': 'arm-1' };
    expect(pair([agent('t', 0.9, { knowledge: same }), agent('s', 0.3, { knowledge: same })]).why).toMatch(
      /no free trainer leads/,
    );
  });

  it('never trains or teaches without a fresh score or a knowledge ConfigMap', () => {
    expect(pairs(pair([agent('t', 0.95, { age: 10 * MINUTE }), agent('s', 0.3)]))).toEqual([]);
    expect(pairs(pair([agent('t', 0.95), agent('s', undefined)]))).toEqual([]);
    expect(pairs(pair([agent('t', 0.95, { knowledge: null }), agent('s', 0.3)]))).toEqual([]);
    expect(pairs(pair([agent('t', 0.95), agent('s', 0.3, { knowledge: null })]))).toEqual([]);
  });

  it('lets a labelled former trainee train below the trainer score, but not a pair that just failed', () => {
    expect(pairs(pair([agent('grad', 0.72, { trainer: true }), agent('s', 0.4)]))).toEqual(['grad→s']);
    expect(pairs(pair([agent('plain', 0.72), agent('s', 0.4)]))).toEqual([]);
    const failed = session({
      trainer: 't',
      trainee: 's',
      phase: 'Failed',
      finishedAt: isoTime(NOW - MINUTE),
    });
    expect(pairs(pair([agent('t', 0.9), agent('s', 0.4)], { sessions: [failed] }))).toEqual([]);
    const retried = session({
      trainer: 't',
      trainee: 's',
      phase: 'Succeeded',
      startedAt: isoTime(NOW - MINUTE),
    });
    expect(pairs(pair([agent('t', 0.9), agent('s', 0.4)], { sessions: [failed, retried] }))).toEqual(['t→s']);
  });

  it('gives the same session the same id, and the next one another', () => {
    expect(sessionId(identity, 'a', 'b', 3)).toBe(sessionId(identity, 'a', 'b', 3));
    expect(sessionId(identity, 'a', 'b', 4)).not.toBe(sessionId(identity, 'a', 'b', 3));
    expect(sessionId({ ...identity, uid: 'uid-2' }, 'a', 'b', 3)).not.toBe(sessionId(identity, 'a', 'b', 3));
  });

  it('says when training is disabled', () => {
    expect(
      pair([agent('t', 0.9), agent('s', 0.3)], { overrides: { training: { enabled: false } } }).why,
    ).toBe('training is disabled');
  });
});

describe('successRate', () => {
  it('is the share of the trainer’s lead the trainee closed', () => {
    expect(successRate(0.4, 0.75, 0.9)).toBeCloseTo(0.7);
    expect(successRate(0.4, 0.4, 0.9)).toBe(0);
    expect(successRate(0.4, 0.3, 0.9)).toBe(0);
    expect(successRate(0.4, 0.95, 0.9)).toBe(1);
    expect(successRate(0.9, 0.95, 0.9)).toBe(1);
  });
});

describe('concludeSessions', () => {
  const training = spec().training;
  const conclude = (sessions: SessionRecord[], observations: AgentObservation[]) => {
    const s = spec();
    const members = membersOf(observations, s, identity);
    const ranking = rankAgents(members, s, 300_000, NOW);
    return concludeSessions(
      sessions,
      new Set(members.map((m) => m.name)),
      ranking,
      training,
      5 * MINUTE,
      NOW,
    );
  };

  it('succeeds when the trainee closed 70 % of the lead and gained at least 0.1', () => {
    const { sessions, concluded } = conclude([session({})], [agent('weak', 0.76)]);
    expect(concluded).toEqual(sessions);
    expect(concluded[0]).toMatchObject({
      phase: 'Succeeded',
      scoreAfter: 0.76,
      gain: 0.36,
      successRate: 0.72,
      finishedAt: isoTime(NOW),
    });
    expect(concluded[0]?.reason).toBe(
      'succeeded: 0.4→0.76 (gain 0.36), closed 72% of the lead to strong at 0.9',
    );
  });

  it('fails a session whose gain or share falls short', () => {
    const { concluded } = conclude([session({})], [agent('weak', 0.7)]);
    expect(concluded[0]).toMatchObject({ phase: 'Failed', successRate: 0.6 });
    expect(concluded[0]?.reason).toMatch(/a success needs 70% and a gain of 0.1$/);
    // Closing the whole of a tiny lead is no success without the gain.
    expect(conclude([session({ trainerScore: 0.45 })], [agent('weak', 0.46)]).concluded[0]?.phase).toBe(
      'Failed',
    );
  });

  it('waits for the window and for a score measured after it', () => {
    const early = session({ evaluateAfter: isoTime(NOW + MINUTE) });
    expect(conclude([early], [agent('weak', 0.9)]).concluded).toEqual([]);
    // The score is fresh but older than the window's end: it measures the trainee before the copy took.
    const recent = session({ evaluateAfter: isoTime(NOW - 2 * MINUTE) });
    expect(conclude([recent], [agent('weak', 0.9, { age: 3 * MINUTE })]).concluded).toEqual([]);
  });

  it('abandons a session it cannot measure, never failing it on a guess', () => {
    const late = session({ evaluateAfter: isoTime(NOW - 6 * MINUTE) });
    expect(conclude([late], [agent('weak', undefined)]).concluded[0]).toMatchObject({ phase: 'Abandoned' });
    expect(conclude([session({})], []).concluded[0]).toMatchObject({
      phase: 'Abandoned',
      reason: 'trainee weak left the population',
    });
  });

  it('leaves finished sessions as they are', () => {
    const done = session({ phase: 'Succeeded' });
    expect(conclude([done], [agent('weak', 0.1)])).toEqual({ sessions: [done], concluded: [] });
  });
});
