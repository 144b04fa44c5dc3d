// The health score of a venture (0–100) and its tier, from the same thresholds that drive its decisions.
import type { VentureSpec, VentureStatus } from '../../api/v1alpha1/venture.js';

export type Tier = NonNullable<VentureStatus['health']>['tier'];

/**
 * Weights of the components. Profitability weighs most because it alone decides whether a venture pays
 * for itself; growth, efficiency (ROI) and satisfaction say whether that will last. A component that
 * cannot be measured is left out and the others are re-weighted, so a missing optional metric neither
 * helps nor hurts the score.
 */
export const HEALTH_WEIGHTS = {
  profitability: 0.4,
  growth: 0.2,
  efficiency: 0.2,
  satisfaction: 0.2,
} as const;
export type HealthComponent = keyof typeof HEALTH_WEIGHTS;

export interface Health {
  score: number;
  tier: Tier;
  /** Each component 0–100, rounded; status stores them as strings. */
  components: Partial<Record<HealthComponent, number>>;
}

export interface HealthInputs {
  revenue: number;
  costs: number;
  profitMargin?: number;
  roi?: number;
  growthRate?: number;
  customerSatisfaction?: number;
}

/** The seed's tiers, applied to score / 100. */
export function tierOf(score: number): Tier {
  const ratio = score / 100;
  if (ratio >= 0.9) return 'Excellent';
  if (ratio >= 0.7) return 'Good';
  if (ratio >= 0.5) return 'Average';
  if (ratio >= 0.3) return 'Poor';
  return 'Failing';
}

/** 0 at `zero`, 100 at `full`, linear between and clamped: so the score says how far between failing and scaling. */
export function scaleBetween(value: number, zero: number, full: number): number {
  if (full === zero) return value > full ? 100 : value < zero ? 0 : 50;
  return Math.min(100, Math.max(0, ((value - zero) / (full - zero)) * 100));
}

/**
 * Profitability and efficiency run from the termination threshold (0) to the scaling threshold (100);
 * growth from shrinking as fast as the scaling growth rate (0) to growing that fast (100); satisfaction
 * is its value × 100.
 */
export function scoreHealth(inputs: HealthInputs, policy: VentureSpec['policy']): Health {
  const { terminate, scale } = policy;
  const components: Partial<Record<HealthComponent, number>> = {};
  // No revenue against costs is the worst margin there is; no revenue and no costs is break-even.
  const margin = inputs.profitMargin ?? (inputs.costs > 0 ? -Infinity : 0);
  components.profitability = scaleBetween(margin, terminate.profitMargin, scale.profitMargin);
  // No costs with revenue is an unbounded return.
  const roi = inputs.roi ?? (inputs.revenue > 0 ? Infinity : undefined);
  if (roi !== undefined) components.efficiency = scaleBetween(roi, terminate.roi, scale.roi);
  if (inputs.growthRate !== undefined) {
    const pace = Math.abs(scale.growthRate);
    components.growth = scaleBetween(inputs.growthRate, -pace, pace);
  }
  if (inputs.customerSatisfaction !== undefined) components.satisfaction = inputs.customerSatisfaction * 100;

  let weighted = 0;
  let weights = 0;
  for (const [name, value] of Object.entries(components) as [HealthComponent, number][]) {
    weighted += HEALTH_WEIGHTS[name] * value;
    weights += HEALTH_WEIGHTS[name];
  }
  const score = Math.round(weighted / weights);
  const rounded = Object.fromEntries(
    Object.entries(components).map(([name, value]) => [name, Math.round(value)]),
  ) as Partial<Record<HealthComponent, number>>;
  return { score, tier: tierOf(score), components: rounded };
}
