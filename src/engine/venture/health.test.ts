// Tiers at their boundaries and the scale of each health component.
import { describe, expect, it } from '@jest/globals';
import { SEED_POLICY, type VentureSpec } from '../../api/v1alpha1/venture.js';
import { scaleBetween, scoreHealth, tierOf } from './health.js';

const policy: VentureSpec['policy'] = SEED_POLICY;

describe('tierOf', () => {
  it.each([
    [100, 'Excellent'],
    [90, 'Excellent'],
    [89, 'Good'],
    [70, 'Good'],
    [69, 'Average'],
    [50, 'Average'],
    [49, 'Poor'],
    [30, 'Poor'],
    [29, 'Failing'],
    [0, 'Failing'],
  ])('puts score %i in tier %s', (score, tier) => {
    expect(tierOf(score)).toBe(tier);
  });
});

describe('scoreHealth', () => {
  it('scores the termination threshold 0 and the scale threshold 100', () => {
    expect(scoreHealth({ revenue: 1, costs: 1.2, profitMargin: -0.2, roi: -0.5 }, policy).components).toEqual(
      {
        profitability: 0,
        efficiency: 0,
      },
    );
    expect(scoreHealth({ revenue: 1, costs: 0.7, profitMargin: 0.3, roi: 1.0 }, policy).score).toBe(100);
  });

  it('clamps components to 0–100', () => {
    const health = scoreHealth({ revenue: 1, costs: 0.1, profitMargin: 0.9, roi: 9, growthRate: -5 }, policy);
    expect(health.components).toEqual({ profitability: 100, efficiency: 100, growth: 0 });
  });

  it('scores no revenue against costs as the worst profitability', () => {
    expect(scoreHealth({ revenue: 0, costs: 10, roi: -1 }, policy)).toEqual({
      score: 0,
      tier: 'Failing',
      components: { profitability: 0, efficiency: 0 },
    });
  });

  it('scores revenue without costs as full efficiency', () => {
    expect(scoreHealth({ revenue: 10, costs: 0, profitMargin: 1 }, policy).components.efficiency).toBe(100);
  });

  it('scales growth symmetrically around zero', () => {
    expect(
      scoreHealth({ revenue: 1, costs: 1, profitMargin: 0, roi: 0, growthRate: 0.1 }, policy).components
        .growth,
    ).toBe(75);
  });
});

describe('scaleBetween', () => {
  it('handles equal ends', () => {
    expect([scaleBetween(1, 0, 0), scaleBetween(0, 0, 0), scaleBetween(-1, 0, 0)]).toEqual([100, 50, 0]);
  });
});
