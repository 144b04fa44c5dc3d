// metav1.Condition updates: the transition time moves only when the status flips.
import { describe, expect, it } from '@jest/globals';
import { microTime } from '../api/time.js';
import { setCondition } from './conditions.js';

const t0 = Date.parse('2026-11-21T10:00:00.000Z');

describe('setCondition', () => {
  it('adds a condition with the time and generation', () => {
    const [ready] = setCondition(
      undefined,
      { type: 'Ready', status: 'True', reason: 'Synced', message: 'ok' },
      3,
      t0,
    );
    expect(ready).toEqual({
      type: 'Ready',
      status: 'True',
      reason: 'Synced',
      message: 'ok',
      lastTransitionTime: '2026-11-21T10:00:00.000Z',
      observedGeneration: 3,
    });
  });

  it('keeps lastTransitionTime while the status stays, and moves it when the status flips', () => {
    const first = setCondition([], { type: 'Ready', status: 'True', reason: 'A', message: 'a' }, 1, t0);
    const same = setCondition(
      first,
      { type: 'Ready', status: 'True', reason: 'B', message: 'b' },
      2,
      t0 + 60_000,
    );
    expect(same[0]).toMatchObject({
      reason: 'B',
      observedGeneration: 2,
      lastTransitionTime: '2026-11-21T10:00:00.000Z',
    });
    const flipped = setCondition(
      same,
      { type: 'Ready', status: 'False', reason: 'C', message: 'c' },
      2,
      t0 + 120_000,
    );
    expect(flipped[0]?.lastTransitionTime).toBe('2026-11-21T10:02:00.000Z');
  });

  it('leaves other conditions and their order alone', () => {
    let list = setCondition([], { type: 'Ready', status: 'True', reason: 'R', message: '' }, 1, t0);
    list = setCondition(list, { type: 'MetricsAvailable', status: 'False', reason: 'M', message: '' }, 1, t0);
    list = setCondition(list, { type: 'Ready', status: 'False', reason: 'R2', message: '' }, 1, t0);
    expect(list.map((c) => [c.type, c.status])).toEqual([
      ['Ready', 'False'],
      ['MetricsAvailable', 'False'],
    ]);
  });

  it('formats Kubernetes times', () => {
    expect(microTime(t0 + 123)).toBe('2026-11-21T10:00:00.123000Z');
  });
});
