// The per-cycle summary of the journal and the operator's health score.
import { describe, expect, it } from '@jest/globals';
import { operatorHealth } from './health.js';
import { summarizeCycle, type JournalEntry, type RuntimeSignals } from './journal.js';

const T0 = Date.UTC(2026, 10, 1);
const shop = { kind: 'Venture', namespace: 'shops', name: 'shop' };
const quiet: RuntimeSignals = {
  reconciles: 20,
  reconcileErrors: 0,
  queueDepth: 0,
  apiCalls: 40,
  apiLatencyMs: 30,
  controllers: [],
  watches: [],
};

describe('summarizeCycle', () => {
  it('counts observations, decisions and finished actions by outcome and cause', () => {
    const entries: JournalEntry[] = [
      { type: 'Measured', at: T0, object: shop, measure: 'health', value: 80 },
      { type: 'Measured', at: T0, object: shop, measure: 'profit', value: 100 },
      { type: 'Decided', at: T0, id: 'a', object: shop, action: 'Scale', reason: '' },
      { type: 'Decided', at: T0, id: 'b', object: shop, action: 'Scale', reason: '' },
      { type: 'Started', at: T0, id: 'a' },
      { type: 'Started', at: T0, id: 'b' },
      { type: 'Succeeded', at: T0, id: 'a' },
      { type: 'Failed', at: T0, id: 'b', cause: 'Timeout', message: 'deadline exceeded' },
      { type: 'Started', at: T0, id: 'c' },
    ];
    const summary = summarizeCycle(entries, quiet, { number: 7, startedAt: T0 - 250, now: T0 });
    expect(summary).toMatchObject({
      cycle: 7,
      durationMs: 250,
      observations: 2,
      decisions: 2,
      actionsExecuted: 2,
      actionsSuccessful: 1,
      actionsFailed: 1,
      failuresByCause: { Timeout: 1 },
      healthScore: 88,
    });
  });
});

describe('operatorHealth', () => {
  it('is 100 when nothing is wrong and says which part costs points', () => {
    expect(operatorHealth(quiet, { executed: 0, failed: 0 }).score).toBe(100);
    const troubled = operatorHealth(
      { ...quiet, reconcileErrors: 10, queueDepth: 100, apiLatencyMs: 1050 },
      { executed: 4, failed: 1 },
    );
    expect(troubled.components).toEqual({ reconciles: 50, actions: 75, queue: 50, latency: 50 });
    expect(troubled.score).toBe(56);
  });

  it('stays within 0–100 on nonsense signals', () => {
    const odd = operatorHealth(
      { reconciles: 0, reconcileErrors: 5, queueDepth: -3, apiLatencyMs: Number.NaN },
      { executed: 1, failed: 9 },
    );
    expect(odd.score).toBeGreaterThanOrEqual(0);
    expect(odd.score).toBeLessThanOrEqual(100);
  });
});
