// The seed's performance tiers: Excellent, Good, Average, Poor and Failing, from a score and the spec's bounds.
import type { AgentSpawnSpec, Tier } from '../../api/v1alpha1/agentSpawn.js';

export type TierBounds = AgentSpawnSpec['tiers'];
export type TierCounts = Record<'excellent' | 'good' | 'average' | 'poor' | 'failing' | 'unranked', number>;

export function tierOf(score: number, bounds: TierBounds): Tier {
  if (score >= bounds.excellent) return 'Excellent';
  if (score >= bounds.good) return 'Good';
  if (score >= bounds.average) return 'Average';
  if (score >= bounds.poor) return 'Poor';
  return 'Failing';
}

export const tierKey = (tier: Tier) => tier.toLowerCase() as Lowercase<Tier>;

export function countTiers(tiers: readonly Tier[], unranked: number): TierCounts {
  const counts: TierCounts = { excellent: 0, good: 0, average: 0, poor: 0, failing: 0, unranked };
  for (const tier of tiers) counts[tierKey(tier)] += 1;
  return counts;
}
