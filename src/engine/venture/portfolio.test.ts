// redistribute: proportional to health, bounded by the limit and maxReplicas, in whole replicas that add up.
import { describe, expect, it } from '@jest/globals';
import { apportion, redistribute, type PortfolioVenture } from './portfolio.js';

const venture = (name: string, score: number | undefined, replicas: number, plannedReplicas = replicas) =>
  ({ name, score, replicas, plannedReplicas, maxReplicas: 10 }) satisfies PortfolioVenture;

describe('redistribute', () => {
  const portfolio = (): PortfolioVenture[] => [
    { ...venture('alpha', 20, 4, 0), budget: 1000 }, // terminated
    venture('bravo', 90, 2),
    venture('charlie', 80, 2),
    venture('delta', 60, 3), // not healthy enough to receive
  ];

  it('gives freed replicas and budget to healthy ventures in proportion to their score', () => {
    // 4 replicas × 90/170 = 2.12 and × 80/170 = 1.88 → 2 and 1, the spare one to the larger remainder.
    // 1000.00 × 90/170 = 529.41 and × 80/170 = 470.59.
    expect(redistribute(portfolio(), Infinity)).toEqual({
      grants: [
        { name: 'bravo', replicas: 2, budget: 529.41, from: ['alpha'] },
        { name: 'charlie', replicas: 2, budget: 470.59, from: ['alpha'] },
      ],
      unallocated: { replicas: 0, budget: 0 },
    });
  });

  it('never exceeds the portfolio limit', () => {
    // Planned 0 + 2 + 2 + 3 = 7; a limit of 9 leaves room for 2.
    const result = redistribute(portfolio(), 9);
    expect(result.grants.map((g) => [g.name, g.replicas])).toEqual([
      ['bravo', 1],
      ['charlie', 1],
    ]);
    expect(result.unallocated.replicas).toBe(2);
  });

  it('grants no replicas when the portfolio is already at or over its limit', () => {
    const result = redistribute(portfolio(), 5);
    expect(result.grants.map((g) => g.replicas)).toEqual([0, 0]);
    expect(result.grants.map((g) => g.budget)).toEqual([529.41, 470.59]);
    expect(result.unallocated.replicas).toBe(4);
  });

  it('caps each venture at its maxReplicas and gives the rest to the others', () => {
    const ventures = portfolio().map((v) => (v.name === 'bravo' ? { ...v, maxReplicas: 3 } : v));
    expect(redistribute(ventures, Infinity).grants.map((g) => [g.name, g.replicas])).toEqual([
      ['bravo', 1],
      ['charlie', 3],
    ]);
  });

  it('frees the share of budget that matches the replicas a shrunk venture gives up', () => {
    const result = redistribute(
      [{ ...venture('alpha', 50, 4, 2), budget: 1000 }, venture('bravo', 95, 1)],
      Infinity,
    );
    expect(result.grants).toEqual([{ name: 'bravo', replicas: 2, budget: 500, from: ['alpha'] }]);
  });

  it('keeps everything unallocated without a healthy recipient', () => {
    const result = redistribute(
      [{ ...venture('alpha', 10, 3, 0), budget: 300 }, venture('bravo', undefined, 2)],
      Infinity,
    );
    expect(result).toEqual({ grants: [], unallocated: { replicas: 3, budget: 300 } });
  });

  it('gives nothing to a venture that is itself shrinking or scaled to zero', () => {
    const result = redistribute(
      [venture('alpha', 90, 4, 2), venture('bravo', 90, 0, 0), venture('charlie', 75, 1, 1)],
      Infinity,
    );
    expect(result.grants.map((g) => g.name)).toEqual(['charlie']);
  });

  it('lists every donor', () => {
    const result = redistribute(
      [venture('zulu', 0, 1, 0), venture('alpha', 0, 1, 0), venture('bravo', 80, 1)],
      Infinity,
    );
    expect(result.grants[0]?.from).toEqual(['alpha', 'zulu']);
  });

  it('is the same whatever order the portfolio comes in', () => {
    expect(redistribute([...portfolio()].reverse(), 10)).toEqual(redistribute(portfolio(), 10));
  });

  it('treats an unreadable limit as no room', () => {
    expect(redistribute(portfolio(), NaN).unallocated.replicas).toBe(4);
  });
});

describe('apportion', () => {
  it('rounds by largest remainder, ties to the earlier index', () => {
    expect(apportion(10, [1, 1, 1], [Infinity, Infinity, Infinity])).toEqual([4, 3, 3]);
  });

  it('gives ties in remainder to the larger weight', () => {
    expect(apportion(1, [1, 2, 1], [Infinity, Infinity, Infinity])).toEqual([0, 1, 0]);
  });

  it('hands out no more than the caps allow', () => {
    expect(apportion(10, [1, 1], [2, 3])).toEqual([2, 3]);
  });

  it('skips zero weights', () => {
    expect(apportion(5, [0, 1], [Infinity, Infinity])).toEqual([0, 5]);
  });
});
