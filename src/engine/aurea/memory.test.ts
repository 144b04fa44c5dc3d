// The memory ConfigMap: a round trip continues the loop, junk decodes to an empty memory with a reason, size is bounded.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { emptyAureaState, type AureaState } from './cycle.js';
import { decodeMemory, encodeMemory, MEMORY_KEY, MEMORY_MAX_BYTES, restoreState } from './memory.js';
import type { Judgement } from './outcomes.js';

const T0 = Date.UTC(2026, 10, 1);
const judgement = (i: number, why = 'health 80 → 82'): Judgement => ({
  id: `scale-${i}`,
  key: 'Venture/Scale',
  object: 'shops/shop',
  at: T0 + i,
  decidedAt: T0 + i,
  success: i % 3 !== 0,
  why,
  ...(i % 3 === 0 ? { cause: 'Permission' as const } : {}),
});

function remembered(): AureaState {
  const state = emptyAureaState();
  state.cycle = 42;
  state.decisionsMade = 310;
  state.selfImprovementActions = 3;
  state.outcomes.judged = Array.from({ length: 30 }, (_, i) => judgement(i));
  state.outcomes.byAction = { 'Venture/Scale': state.outcomes.judged.slice(-20) };
  state.patterns = [
    {
      type: 'FailureCluster',
      key: 'FailureCluster/Permission',
      cause: 'Permission',
      confidence: 0.8,
      description: '8 of 10',
      firstSeen: '2026-11-01T00:00:00.000Z',
      lastSeen: '2026-11-01T00:05:00.000Z',
      frequency: 10,
      lastCycle: 42,
    },
  ];
  state.adjustments = [{ key: 'Venture/Scale', extraConfirmations: 1, changedAt: T0 }];
  state.learnings = [
    {
      id: 'learning-1',
      at: '2026-11-01T00:05:00.000Z',
      key: 'Venture/Scale',
      parameter: 'extraConfirmations',
      before: 0,
      after: 1,
      change: 'Tighten',
      reason: 'r',
      evidence: { judged: 5, succeeded: 1, decisions: ['scale-1'] },
    },
  ];
  state.causes = { decision_success_rate: { triggeredSince: T0 } };
  state.heal.reported = ['{apiGroups: ["apps"], resources: ["deployments"], verbs: ["patch"]}'];
  return state;
}

describe('memory', () => {
  it('continues where it left off after a round trip', () => {
    const state = remembered();
    const { memory, problems } = decodeMemory(encodeMemory(state, T0));
    expect(problems).toEqual([]);
    const restored = restoreState(memory);
    expect(restored).toMatchObject({
      cycle: 42,
      decisionsMade: 310,
      selfImprovementActions: 3,
      patterns: state.patterns,
      adjustments: state.adjustments,
      learnings: state.learnings,
      causes: state.causes,
    });
    expect(restored.outcomes.judged).toEqual(state.outcomes.judged);
    expect(restored.outcomes.done.has('scale-5')).toBe(true);
    expect(restored.heal.reported).toEqual(state.heal.reported);
  });

  it('starts empty, without a problem, when there is no memory yet', () => {
    expect(decodeMemory(undefined)).toEqual({
      memory: expect.objectContaining({ cycle: 0, judged: [] }),
      problems: [],
    });
  });

  it.each([
    ['not JSON', '{"version": 1, "cycle": ', 'is not JSON'],
    ['an array', '[1, 2]', 'is not a JSON object'],
    ['another version', '{"version": 2, "cycle": 5}', 'has version 2; this operator reads version 1'],
  ])('decodes %s to an empty memory and says why', (_what, text, problem) => {
    const decoded = decodeMemory({ [MEMORY_KEY]: text });
    expect(decoded.memory.cycle).toBe(0);
    expect(decoded.problems).toEqual([expect.stringContaining(problem)]);
  });

  it('keeps what can be trusted of a damaged memory, section by section and entry by entry', () => {
    const saved = JSON.parse(encodeMemory(remembered(), T0)[MEMORY_KEY]!) as Record<string, unknown>;
    saved.cycle = -4;
    (saved.judged as unknown[])[3] = { id: 7 };
    saved.causes = { decision_success_rate: { triggeredSince: 'yesterday' }, error_rate: { clearSince: T0 } };
    const { memory, problems } = decodeMemory({ [MEMORY_KEY]: JSON.stringify(saved) });
    expect(memory.cycle).toBe(0);
    expect(memory.judged).toHaveLength(29);
    expect(memory.causes).toEqual({ error_rate: { clearSince: T0 } });
    expect(memory.adjustments).toEqual(remembered().adjustments);
    expect(problems).toEqual([
      'memory.json: the value in cycle unreadable, left out',
      'memory.json: 1 of 30 entries in judged unreadable, left out',
      'memory.json: 1 of 2 keys in causes unreadable, left out',
    ]);
  });

  it('never throws, whatever the ConfigMap holds (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) =>
            JSON.stringify({
              version: 1,
              ...(typeof v === 'object' && v && !Array.isArray(v) ? v : { judged: v }),
            }),
          ),
        ),
        (text) => {
          const { memory } = decodeMemory({ [MEMORY_KEY]: text });
          expect(() => restoreState(memory)).not.toThrow();
        },
      ),
      { numRuns: 500 },
    );
  });

  it('stays within its size bound, keeping the adjustments', () => {
    const state = remembered();
    const long = 'x'.repeat(4000);
    state.outcomes.judged = Array.from({ length: 100 }, (_, i) => judgement(i, long));
    state.outcomes.byAction = Object.fromEntries(
      Array.from({ length: 40 }, (_, k) => [`Kind${k}/Act`, state.outcomes.judged.slice(-20)]),
    );
    const text = encodeMemory(state, T0)[MEMORY_KEY]!;
    expect(new TextEncoder().encode(text).length).toBeLessThanOrEqual(MEMORY_MAX_BYTES);
    const { memory, problems } = decodeMemory({ [MEMORY_KEY]: text });
    expect(problems).toEqual([]);
    expect(memory.adjustments).toEqual(state.adjustments);
    expect(memory.judged.at(-1)!.id).toBe('scale-99');
  });
});
