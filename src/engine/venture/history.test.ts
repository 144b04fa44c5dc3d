// The stored audit history: one entry per period, never going backwards, and the least-squares slope.
import { describe, expect, it } from '@jest/globals';
import {
  earlierPeriods,
  leastSquaresSlope,
  MONTH_MS,
  periodSettings,
  recordAudit,
  type AuditSnapshot,
} from './history.js';

const T = Date.UTC(2026, 5, 15);
const entry = (at: number, revenue = 100): AuditSnapshot => ({
  observedAt: new Date(at).toISOString(),
  revenue,
  costs: 50,
});

describe('recordAudit', () => {
  it('does not record an audit older than the newest entry', () => {
    const history = [entry(T)];
    expect(recordAudit(history, entry(T - 1000, 1))).toEqual(history);
  });

  it('keeps only what later audits read', () => {
    const recorded = recordAudit([], {
      ...entry(T),
      roi: 1,
      burnRate: 0,
      growthRate: 0.1,
      customerSatisfaction: 1,
    });
    expect(recorded).toEqual([entry(T)]);
  });
});

describe('earlierPeriods', () => {
  it('keeps the latest entry of each earlier period, oldest first', () => {
    const periods = earlierPeriods(
      [entry(T - MONTH_MS + 1, 2), entry(T - 2 * MONTH_MS, 1), entry(T - MONTH_MS, 3), entry(T, 4)],
      T,
      MONTH_MS,
    );
    expect(periods.map((p) => p.snapshot.revenue)).toEqual([1, 2]);
  });
});

describe('periodSettings', () => {
  it('falls back to a month and six periods on unusable options', () => {
    expect(periodSettings({ periodMs: 0, window: 1 })).toEqual({ periodMs: MONTH_MS, window: 6 });
    expect(periodSettings({ periodMs: 1000, window: 3 })).toEqual({ periodMs: 1000, window: 3 });
  });
});

describe('leastSquaresSlope', () => {
  it('fits a line', () => {
    expect(
      leastSquaresSlope([
        { x: 0, y: 1 },
        { x: 1, y: 3 },
        { x: 2, y: 5 },
      ]),
    ).toBeCloseTo(2);
    expect(
      leastSquaresSlope([
        { x: 0, y: 1 },
        { x: 1, y: 2 },
        { x: 2, y: 1 },
      ]),
    ).toBeCloseTo(0);
  });

  it('needs two distinct x', () => {
    expect(leastSquaresSlope([{ x: 1, y: 1 }])).toBeUndefined();
    expect(
      leastSquaresSlope([
        { x: 1, y: 1 },
        { x: 1, y: 2 },
      ]),
    ).toBeUndefined();
  });
});
