// Outcome rules per kind on crafted journals: judged after their window, failures at once, missing data unjudged.
import { describe, expect, it } from '@jest/globals';
import type { JournalEntry, ObjectRef } from './journal.js';
import {
  emptyOutcomes,
  JUDGED_WINDOW,
  judgeOutcomes,
  successRate,
  UNEXECUTED_MAX_AGE_MS,
  type OutcomeState,
} from './outcomes.js';

const T0 = Date.UTC(2026, 10, 1);
const MIN = 60_000;
const shop: ObjectRef = { kind: 'Venture', namespace: 'shops', name: 'shop' };
const cafe: ObjectRef = { kind: 'Venture', namespace: 'shops', name: 'cafe' };

const decided = (
  id: string,
  object: ObjectRef,
  action: string,
  at: number,
  extra: object = {},
): JournalEntry => ({
  type: 'Decided',
  id,
  object,
  action,
  reason: 'test',
  at,
  ...extra,
});
const measured = (
  object: ObjectRef,
  measure: 'health' | 'profit' | 'healthy' | 'score' | 'trainingSuccess',
  value: number,
  at: number,
): JournalEntry => ({
  type: 'Measured',
  object,
  measure,
  value,
  at,
});
const succeeded = (id: string, at: number): JournalEntry => ({ type: 'Succeeded', id, at });

/** Runs cycles of entries, each judged at its own `now`. */
function cycles(steps: [JournalEntry[], number][], start: OutcomeState = emptyOutcomes()) {
  let state = start;
  const judged = [];
  for (const [entries, now] of steps) {
    const step = judgeOutcomes(state, entries, now);
    state = step.state;
    judged.push(...step.judged);
  }
  return { state, judged };
}

describe('judgeOutcomes', () => {
  it('judges a Scale by the venture’s health after its window: not lower is a success', () => {
    const { judged } = cycles([
      [
        [
          measured(shop, 'health', 80, T0),
          decided('scale-1', shop, 'Scale', T0, { judgeAfterMs: 10 * MIN }),
          succeeded('scale-1', T0 + MIN),
        ],
        T0 + MIN,
      ],
      [[measured(shop, 'health', 70, T0 + 5 * MIN)], T0 + 5 * MIN], // inside the window: not yet
      [[measured(shop, 'health', 82, T0 + 11 * MIN)], T0 + 11 * MIN],
    ]);
    expect(judged).toEqual([
      expect.objectContaining({ id: 'scale-1', key: 'Venture/Scale', success: true, why: 'health 80 → 82' }),
    ]);
  });

  it('judges a Scale a failure when health is lower after the window', () => {
    const { judged } = cycles([
      [
        [
          measured(shop, 'health', 80, T0),
          decided('s', shop, 'Scale', T0, { judgeAfterMs: MIN }),
          succeeded('s', T0),
        ],
        T0,
      ],
      [[measured(shop, 'health', 60, T0 + 2 * MIN)], T0 + 2 * MIN],
    ]);
    expect(judged[0]).toMatchObject({ success: false, why: 'health 80 → 60' });
  });

  it('judges a failed execution at once, with its cause', () => {
    const { judged, state } = cycles([
      [
        [
          decided('s', shop, 'Scale', T0),
          { type: 'Started', id: 's', at: T0 },
          { type: 'Failed', id: 's', at: T0 + 1, cause: 'Permission', message: 'forbidden' },
        ],
        T0 + 1,
      ],
    ]);
    expect(judged).toEqual([expect.objectContaining({ success: false, cause: 'Permission' })]);
    expect(state.pending.size).toBe(0);
  });

  it('judges a Terminate by the namespace’s profit, the terminated venture no longer reporting', () => {
    const { judged } = cycles([
      [
        [
          measured(shop, 'profit', -500, T0),
          measured(cafe, 'profit', 300, T0),
          decided('t', shop, 'Terminate', T0, { judgeAfterMs: 10 * MIN }),
          succeeded('t', T0 + MIN),
        ],
        T0 + MIN,
      ],
      [[measured(cafe, 'profit', 350, T0 + 11 * MIN)], T0 + 11 * MIN],
    ]);
    expect(judged[0]).toMatchObject({
      key: 'Venture/Terminate',
      success: true,
      why: 'namespace profit -200 → 350',
    });
  });

  it('judges a failover by the new target staying healthy, and fails it as soon as it is not', () => {
    const protocol: ObjectRef = { kind: 'FallbackProtocol', namespace: 'pay', name: 'gateway' };
    const backup: ObjectRef = { kind: 'Target', namespace: 'pay', name: 'backup' };
    const failover = decided('f', protocol, 'Failover', T0, { subject: backup, judgeAfterMs: 10 * MIN });
    const stayed = cycles([
      [[failover, succeeded('f', T0), measured(backup, 'healthy', 1, T0 + MIN)], T0 + MIN],
      [[measured(backup, 'healthy', 1, T0 + 10 * MIN)], T0 + 10 * MIN],
    ]);
    expect(stayed.judged[0]).toMatchObject({ success: true });
    const fell = cycles([
      [[failover, succeeded('f', T0), measured(backup, 'healthy', 0, T0 + MIN)], T0 + MIN],
    ]);
    expect(fell.judged[0]).toMatchObject({ success: false, why: 'healthy fell to 0 (< 1)' });
  });

  it('judges a spawn by the child reaching its baseline, and a training by its measured success', () => {
    const population: ObjectRef = { kind: 'AgentSpawn', namespace: 'ai', name: 'agents' };
    const child: ObjectRef = { kind: 'Pod', namespace: 'ai', name: 'agent-7' };
    const { judged } = cycles([
      [
        [
          decided('spawn', population, 'Spawn', T0, { subject: child, expect: 0.81, judgeAfterMs: 10 * MIN }),
          succeeded('spawn', T0),
        ],
        T0,
      ],
      [
        [measured(child, 'score', 0.7, T0 + 2 * MIN), measured(child, 'score', 0.83, T0 + 4 * MIN)],
        T0 + 4 * MIN,
      ],
      [
        [
          decided('train', population, 'Train', T0 + 5 * MIN, {
            subject: child,
            expect: 0.7,
            judgeAfterMs: 10 * MIN,
          }),
          succeeded('train', T0 + 5 * MIN),
          measured(child, 'trainingSuccess', 0.6, T0 + 6 * MIN),
        ],
        T0 + 6 * MIN,
      ],
      [[], T0 + 16 * MIN],
    ]);
    expect(judged.map((j) => [j.id, j.success])).toEqual([
      ['spawn', true],
      ['train', false],
    ]);
  });

  it('never takes missing measurements as a failure: the decision is dropped unjudged', () => {
    let state = emptyOutcomes();
    state = judgeOutcomes(
      state,
      [
        measured(shop, 'health', 80, T0),
        decided('s', shop, 'Scale', T0, { judgeAfterMs: MIN }),
        succeeded('s', T0),
      ],
      T0,
    ).state;
    const later = judgeOutcomes(state, [], T0 + 30 * MIN);
    expect(later.judged).toEqual([]);
    expect(later.unjudged).toBe(1);
    expect(successRate(later.state.judged)).toBeUndefined();
  });

  it('forgets decisions never carried out (Observe, unapproved) after a day, and does not judge rule-less actions', () => {
    const step = judgeOutcomes(
      emptyOutcomes(),
      [decided('s', shop, 'Scale', T0), decided('o', shop, 'Optimize', T0), succeeded('o', T0)],
      T0,
    );
    expect(step.state.pending.size).toBe(1);
    const dayLater = judgeOutcomes(step.state, [], T0 + UNEXECUTED_MAX_AGE_MS + 1);
    expect(dayLater.unjudged).toBe(1);
    expect(dayLater.state.pending.size).toBe(0);
  });

  it('judges a decision reported again (after a restart) once', () => {
    const entries = [
      decided('s', shop, 'Scale', T0),
      { type: 'Failed', id: 's', at: T0, cause: 'Conflict', message: 'x' } as JournalEntry,
    ];
    const { judged } = cycles([
      [entries, T0],
      [entries, T0 + MIN],
    ]);
    expect(judged).toHaveLength(1);
  });

  it('leaves the previous state as it was', () => {
    const first = judgeOutcomes(
      emptyOutcomes(),
      [
        measured(shop, 'health', 80, T0),
        decided('s', shop, 'Scale', T0, { judgeAfterMs: MIN }),
        succeeded('s', T0),
      ],
      T0,
    ).state;
    const snapshot = JSON.stringify([...first.pending.values()]);
    judgeOutcomes(first, [measured(shop, 'health', 90, T0 + 2 * MIN)], T0 + 2 * MIN);
    expect(JSON.stringify([...first.pending.values()])).toBe(snapshot);
    expect(first.judged).toEqual([]);
  });

  it('computes the success rate over the last 100 judged decisions', () => {
    // 50 failures, then 100 successes: the failures have left the window.
    const entries: JournalEntry[] = [];
    for (let i = 0; i < 150; i++) {
      entries.push(decided(`d${i}`, shop, 'Scale', T0 + i));
      entries.push(
        i < 50
          ? { type: 'Failed', id: `d${i}`, at: T0 + i, cause: 'Timeout', message: 't' }
          : succeeded(`d${i}`, T0 + i),
      );
      if (i >= 50) entries.push(measured(shop, 'health', 80, T0 + i));
    }
    let state = judgeOutcomes(
      emptyOutcomes(),
      [measured(shop, 'health', 80, T0 - 1), ...entries],
      T0 + 200,
    ).state;
    state = judgeOutcomes(state, [measured(shop, 'health', 80, T0 + 60 * MIN)], T0 + 60 * MIN).state;
    expect(state.judged).toHaveLength(JUDGED_WINDOW);
    expect(successRate(state.judged)).toBe(1);
    expect(state.byAction['Venture/Scale']).toHaveLength(20);
  });
});
