// recordDecision: runs of Holds collapse, ids stay unique, the newest comes first within the bound.
import { describe, expect, it } from '@jest/globals';
import { StatusLimits, type Decision } from '../api/v1alpha1/venture.js';
import { recordDecision } from './decisions.js';

const d = (id: string, action: Decision['action'], state: Decision['state'] = 'Applied'): Decision => ({
  id,
  action,
  state,
  reason: id,
  decidedAt: '2026-06-15T12:00:00.000Z',
});

describe('recordDecision', () => {
  it('keeps a run of Holds in the same state as its first, and says the rest are repeats', () => {
    const first = recordDecision([d('s', 'Scale')], d('h1', 'Hold'), StatusLimits.history);
    expect(first).toEqual({ history: [d('h1', 'Hold'), d('s', 'Scale')], repeat: false });
    expect(recordDecision(first.history, d('h2', 'Hold'), StatusLimits.history)).toEqual({
      history: first.history,
      repeat: true,
    });
    expect(recordDecision(first.history, d('b', 'Hold', 'Blocked'), StatusLimits.history).repeat).toBe(false);
  });

  it('records a decision again under its id once (a mode change), newest first, within the bound', () => {
    const history = Array.from({ length: StatusLimits.history }, (_, i) => d(`s${i}`, 'Scale'));
    const { history: next } = recordDecision(history, d('s5', 'Scale', 'Applying'), StatusLimits.history);
    expect(next[0]).toEqual(d('s5', 'Scale', 'Applying'));
    expect(next.filter((x) => x.id === 's5')).toHaveLength(1);
    expect(next).toHaveLength(StatusLimits.history);
  });
});
