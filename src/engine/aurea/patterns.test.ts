// Each pattern detector on crafted cycle series, with the cases it must not fire on.
import { describe, expect, it } from '@jest/globals';
import type { CycleSummary } from './journal.js';
import { DEFAULT_PATTERN_SETTINGS, detectPatterns, recordPatterns } from './patterns.js';

const T0 = Date.UTC(2026, 10, 1);

/** Cycles 1..n from per-cycle overrides. */
const series = (n: number, each: (i: number) => Partial<CycleSummary>): CycleSummary[] =>
  Array.from({ length: n }, (_, i) => ({
    cycle: i + 1,
    at: T0 + i * 30_000,
    durationMs: 200,
    observations: 10,
    decisions: 2,
    actionsExecuted: 2,
    actionsSuccessful: 2,
    actionsFailed: 0,
    failuresByCause: {},
    reconciles: 10,
    reconcileErrors: 0,
    queueDepth: 0,
    apiLatencyMs: 20,
    healthScore: 100,
    judged: 50,
    patternsDetected: 0,
    goalsAchieved: 0,
    goalsSet: 0,
    learnings: 0,
    ...each(i),
  }));

const types = (cycles: CycleSummary[]) => detectPatterns(cycles).map((d) => d.key);

describe('detectPatterns', () => {
  it('sees a declining success rate, with a confidence from the fit', () => {
    const [found] = detectPatterns(series(10, (i) => ({ successRate: 0.95 - 0.02 * i })));
    expect(found).toMatchObject({ type: 'DecliningSuccessRate', confidence: 1 });
    expect(found!.description).toContain('fell 18.0 points over 9 cycles (95.0% → 77.0%');
  });

  it('does not call noise or a small dip a decline', () => {
    expect(types(series(10, (i) => ({ successRate: i % 2 ? 0.8 : 0.9 })))).not.toContain(
      'DecliningSuccessRate',
    );
    expect(types(series(10, (i) => ({ successRate: 0.95 - 0.003 * i })))).not.toContain(
      'DecliningSuccessRate',
    );
    expect(types(series(4, (i) => ({ successRate: 0.95 - 0.05 * i })))).not.toContain('DecliningSuccessRate');
  });

  it('sees cycle latency rising, not a steady or spiky one', () => {
    expect(types(series(10, (i) => ({ durationMs: 100 + 50 * i })))).toContain('RisingCycleLatency');
    expect(types(series(10, () => ({ durationMs: 300 })))).not.toContain('RisingCycleLatency');
    expect(types(series(10, (i) => ({ durationMs: i === 5 ? 3000 : 100 })))).not.toContain(
      'RisingCycleLatency',
    );
  });

  it('sees consistently high performance only when every cycle is high on enough judged decisions', () => {
    expect(types(series(10, () => ({ successRate: 0.97 })))).toContain('ConsistentlyHighPerformance');
    expect(types(series(10, (i) => ({ successRate: i === 7 ? 0.9 : 0.97 })))).not.toContain(
      'ConsistentlyHighPerformance',
    );
    expect(types(series(10, () => ({ successRate: 1, judged: 3 })))).not.toContain(
      'ConsistentlyHighPerformance',
    );
  });

  it('clusters failures by cause when one cause is most of them', () => {
    const cycles = series(10, (i) => ({
      actionsFailed: 1,
      failuresByCause: i % 5 === 0 ? { Conflict: 1 } : { Permission: 1 },
    }));
    const clusters = detectPatterns(cycles).filter((d) => d.type === 'FailureCluster');
    expect(clusters).toEqual([
      expect.objectContaining({ key: 'FailureCluster/Permission', cause: 'Permission', confidence: 0.8 }),
    ]);
    expect(clusters[0]!.description).toBe(
      '8 of 10 failed actions in the last 10 cycles were permission failures (0.8 per cycle)',
    );
    expect(types(series(10, (i) => ({ failuresByCause: i < 2 ? { Timeout: 1 } : {} })))).toEqual([]);
  });
});

describe('recordPatterns', () => {
  const decline = {
    type: 'DecliningSuccessRate' as const,
    key: 'DecliningSuccessRate',
    confidence: 0.9,
    description: 'd',
  };

  it('reports a pattern once when it starts, counts its cycles, and again after it was gone a window', () => {
    const first = recordPatterns([], [decline], 1, T0);
    expect(first.fresh).toHaveLength(1);
    const second = recordPatterns(first.patterns, [decline], 2, T0 + 1000);
    expect(second.fresh).toEqual([]);
    expect(second.patterns[0]).toMatchObject({
      frequency: 2,
      firstSeen: new Date(T0).toISOString(),
      lastCycle: 2,
    });
    const back = recordPatterns(
      second.patterns,
      [decline],
      2 + DEFAULT_PATTERN_SETTINGS.window + 1,
      T0 + 9000,
    );
    expect(back.fresh).toHaveLength(1);
    expect(back.patterns[0]!.frequency).toBe(1);
  });

  it('keeps a bounded number of patterns, the most recently seen', () => {
    let patterns = recordPatterns([], [decline], 1, T0).patterns;
    for (let i = 0; i < 40; i++) {
      patterns = recordPatterns(patterns, [{ ...decline, key: `k${i}` }], 2 + i, T0 + i).patterns;
    }
    expect(patterns).toHaveLength(DEFAULT_PATTERN_SETTINGS.maxPatterns);
    expect(patterns[0]!.key).toBe('k39');
  });
});
