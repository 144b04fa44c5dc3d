// A whole cycle: decisions in order with stable ids, holds on missing data, and status that stays bounded.
import { describe, expect, it } from '@jest/globals';
import {
  PopulationLimits,
  type AgentSpawnStatus,
  type SessionRecord,
} from '../../api/v1alpha1/agentSpawn.js';
import { isoTime } from '../format.js';
import type { AgentObservation } from './agents.js';
import {
  boundSessions,
  commitDecision,
  cycleDueIn,
  decidePopulation,
  recordOf,
  type PopulationDecision,
} from './cycle.js';
import { planChild } from './spawn.js';
import { agent, identity, NOW, spec } from './testing.js';
import { sessionCopy } from './training.js';

const MINUTE = 60_000;
const population: AgentObservation[] = [
  agent('star', 0.95),
  agent('pro', 0.85),
  agent('mid', 0.6),
  agent('weak', 0.35),
  agent('kid', 0.8, { child: { generation: 2 } }),
  agent('new', undefined, { phase: 'Pending' }),
];
const decide = (
  over: {
    status?: AgentSpawnStatus;
    observations?: AgentObservation[];
    scoresUnavailable?: string;
    now?: number;
  } = {},
) =>
  decidePopulation({
    identity,
    spec: spec({ spawn: { maxPopulation: 10 } }),
    status: over.status,
    observations: over.observations ?? population,
    scoresUnavailable: over.scoresUnavailable,
    now: over.now ?? NOW,
  });
const actions = (decisions: PopulationDecision[]) => decisions.map((d) => d.action);
const applyAll = (status: AgentSpawnStatus, decisions: PopulationDecision[]) =>
  decisions.reduce((s, d) => commitDecision(s, d, NOW), status);

describe('decidePopulation', () => {
  it('trains, then spawns, and summarizes the population', () => {
    const plan = decide();
    expect(actions(plan.decisions)).toEqual(['Train', 'Spawn']);
    const [train, spawn] = plan.decisions as [
      Extract<PopulationDecision, { action: 'Train' }>,
      Extract<PopulationDecision, { action: 'Spawn' }>,
    ];
    expect(train.sessions.map((s) => `${s.record.trainer}→${s.record.trainee}`)).toEqual([
      'star→weak',
      'pro→mid',
    ]);
    expect(train.reason).toBe(
      '2 session(s): star (0.95) → weak (0.35): 1 entries, 0 validated; pro (0.85) → mid (0.6): 1 entries, 0 validated',
    );
    expect(spawn.children.map((c) => c.parent)).toEqual(['star', 'pro']);
    expect(spawn.children.map((c) => c.generation)).toEqual([1, 1]);
    expect(plan.status).toMatchObject({
      population: 6,
      ranked: 5,
      tiers: { excellent: 1, good: 2, average: 1, poor: 1, failing: 0, unranked: 1 },
      meanScore: 0.71,
      children: 1,
      lineageDepth: 2,
      knowledge: { entries: 5, validated: 0, top: [] },
      lastCycleTime: isoTime(NOW),
    });
  });

  it('holds everything while the score source is down, and says why', () => {
    const plan = decide({ scoresUnavailable: 'Prometheus at http://prom:9090 refused the connection' });
    expect(plan.decisions).toEqual([
      expect.objectContaining({
        action: 'Hold',
        reason:
          'scores unavailable: Prometheus at http://prom:9090 refused the connection; nothing is trained, spawned or replaced',
      }),
    ]);
    expect(plan.status).toMatchObject({ population: 6, ranked: 0, tiers: { unranked: 6 } });
    expect(plan.status.meanScore).toBeUndefined();
  });

  it('holds when no score is fresh, naming an unranked agent', () => {
    const stale = population.map((o) => ({ ...o, score: o.score && { ...o.score, at: NOW - 10 * MINUTE } }));
    expect(decide({ observations: stale }).decisions[0]?.reason).toBe(
      'no agent has a fresh score: 6 of 6 unranked (e.g. star: score is stale: 10m0s old, max age 5m0s)',
    );
  });

  it('holds with the reasons of each part when there is nothing to do', () => {
    const plan = decide({ observations: [agent('a', 0.6), agent('b', 0.55)] });
    expect(plan.decisions).toEqual([
      expect.objectContaining({
        action: 'Hold',
        reason:
          'training: no free trainer leads any of 2 trainee(s) by 0.1 with entries to teach; spawning: no Excellent or Good parent with a fresh score and knowledge',
      }),
    ]);
  });

  it('decides the same facts with the same ids, and after acting on them never decides them again', () => {
    const first = decide();
    expect(decide().decisions).toEqual(first.decisions);
    const status = applyAll({ ...first.status }, first.decisions);
    expect(status).toMatchObject({ sessionsStarted: 2, spawned: 2 });
    const next = decide({ status });
    const ids = (d: PopulationDecision[]) => d.map((x) => x.id);
    expect(ids(next.decisions).filter((id) => ids(first.decisions).includes(id))).toEqual([]);
    // The running sessions keep their four agents busy: no session starts twice.
    expect(actions(next.decisions)).toEqual(['Spawn']);
  });

  it('rebuilds an interrupted decision’s copies and children from what status recorded', () => {
    const plan = decide();
    const [train, spawn] = plan.decisions as [
      Extract<PopulationDecision, { action: 'Train' }>,
      Extract<PopulationDecision, { action: 'Spawn' }>,
    ];
    for (const session of train.sessions) {
      const trainer = population.find((o) => o.name === session.record.trainer)!;
      expect(sessionCopy(session.record, trainer, '{pod}-knowledge')).toEqual(session.copy);
    }
    const record = recordOf(spawn, 'Applying');
    expect(record.children).toHaveLength(2);
    for (const child of record.children!) {
      const parent = population.find((o) => o.name === child.parent)!;
      const again = planChild(
        spec({ spawn: { maxPopulation: 10 } }),
        { name: parent.name, agentType: 'marketing', knowledge: parent.knowledge },
        child,
      );
      expect(again).toEqual(spawn.children.find((c) => c.name === child.name));
    }
  });

  it('measures sessions that are due and counts their outcomes', () => {
    const running: SessionRecord = {
      id: 'session-x',
      trainer: 'star',
      trainee: 'weak',
      agentType: 'marketing',
      type: 'KnowledgeTransfer',
      keys: ['pricing.segment-a'],
      phase: 'Running',
      startedAt: isoTime(NOW - 6 * MINUTE),
      evaluateAfter: isoTime(NOW - MINUTE),
      trainerScore: 0.4,
      scoreBefore: 0.2,
    };
    // weak scores 0.35 now: it closed 75 % of a 0.2 lead and gained 0.15.
    const plan = decide({ status: { sessions: [running], sessionsSucceeded: 4, sessionsFailed: 1 } });
    expect(plan.concluded.map((s) => [s.id, s.phase])).toEqual([['session-x', 'Succeeded']]);
    expect(plan.status).toMatchObject({ sessionsSucceeded: 5, sessionsFailed: 1 });
  });

  it('replaces nothing on the operator’s first cycle', () => {
    const kid = agent('kid', 0.1, { child: { generation: 1 } });
    const plan = decidePopulation({
      identity,
      spec: spec({ exploit: { enabled: true }, training: { enabled: false } }),
      status: { failingChildren: [{ name: 'kid', since: isoTime(NOW - 2 * 60 * MINUTE) }] },
      observations: [kid, agent('star', 0.95)],
      firstCycle: true,
      now: NOW,
    });
    expect(actions(plan.decisions)).toEqual(['Spawn']);
    const later = decidePopulation({
      identity,
      spec: spec({ exploit: { enabled: true }, training: { enabled: false } }),
      status: { failingChildren: [{ name: 'kid', since: isoTime(NOW - 2 * 60 * MINUTE) }] },
      observations: [kid, agent('star', 0.95)],
      now: NOW,
    });
    expect(actions(later.decisions)).toEqual(['Replace']);
    expect(
      commitDecision({ failingChildren: later.status.failingChildren }, later.decisions[0]!, NOW),
    ).toEqual({
      failingChildren: [],
      replacedAt: [isoTime(NOW)],
      spawned: 1,
    });
  });
});

describe('recordOf', () => {
  it('keeps what a restart needs: session ids, children with parent and baseline, replaced children', () => {
    const [train, spawn] = decide().decisions;
    expect(recordOf(train!, 'Applying')).toEqual({
      id: train!.id,
      action: 'Train',
      reason: train!.reason,
      decidedAt: isoTime(NOW),
      state: 'Applying',
      sessions: [expect.stringMatching(/^session-/), expect.stringMatching(/^session-/)],
    });
    expect(recordOf(spawn!, 'Recommended').children?.[0]).toEqual({
      name: expect.stringMatching(/^marketing-g1-/),
      parent: 'star',
      generation: 1,
      baselineScore: 0.855,
    });
  });
});

describe('boundSessions', () => {
  it('keeps every running session and the newest finished ones', () => {
    const make = (i: number, phase: SessionRecord['phase']): SessionRecord => ({
      id: `s-${i}`,
      trainer: 't',
      trainee: `x${i}`,
      agentType: 'marketing',
      type: 'KnowledgeTransfer',
      keys: [],
      phase,
      startedAt: isoTime(NOW),
      evaluateAfter: isoTime(NOW),
      trainerScore: 0.9,
      scoreBefore: 0.1,
      ...(phase !== 'Running' && { finishedAt: isoTime(NOW + i) }),
    });
    const sessions = [...Array.from({ length: 30 }, (_, i) => make(i, 'Failed')), make(99, 'Running')];
    const bounded = boundSessions(sessions);
    expect(bounded).toHaveLength(1 + PopulationLimits.finishedSessions);
    expect(bounded[0]?.id).toBe('s-99');
    expect(bounded[1]?.id).toBe('s-29');
  });
});

describe('cycleDueIn', () => {
  const status = (over: Partial<AgentSpawnStatus> = {}): AgentSpawnStatus => ({
    observedGeneration: 1,
    lastCycleTime: isoTime(NOW - 4_000),
    ...over,
  });
  const due = (s: AgentSpawnStatus, over: { generation?: number; approved?: string } = {}) =>
    cycleDueIn(s, { intervalMs: 10_000, generation: 1, now: NOW, ...over });

  it('is one interval after the last cycle', () => {
    expect(due(status())).toBe(6_000);
    expect(due(status({ lastCycleTime: isoTime(NOW - 60_000) }))).toBe(0);
  });

  it('is now for a first cycle, a changed spec, or an approval of a waiting decision', () => {
    expect(due({})).toBe(0);
    expect(due(status({ lastCycleTime: 'not a time' }))).toBe(0);
    expect(due(status(), { generation: 2 })).toBe(0);
    const waiting = {
      id: 'spawn-1',
      action: 'Spawn' as const,
      reason: 'r',
      decidedAt: isoTime(NOW),
      state: 'PendingApproval' as const,
    };
    expect(due(status({ history: [waiting] }), { approved: 'spawn-1' })).toBe(0);
    expect(due(status({ history: [waiting] }), { approved: 'spawn-0' })).toBe(6_000);
    expect(due(status({ history: [{ ...waiting, state: 'Applied' }] }), { approved: 'spawn-1' })).toBe(6_000);
  });
});
