// Prometheus metrics about agent populations: agents per tier, mean score, decisions, sessions, children
// and cycle time.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { CycleStatus } from '../../engine/population/cycle.js';
import type { TierCounts } from '../../engine/population/tiers.js';

const TIERS: Record<keyof TierCounts, string> = {
  excellent: 'Excellent',
  good: 'Good',
  average: 'Average',
  poor: 'Poor',
  failing: 'Failing',
  unranked: 'Unranked',
};

export function populationMetrics(registry: Registry) {
  const agents = new Gauge({
    name: 'autopilot_agentspawn_agents',
    help: 'Agents of a population by tier of their fresh score; Unranked have none.',
    labelNames: ['namespace', 'agentspawn', 'tier'] as const,
    registers: [registry],
  });
  const meanScore = new Gauge({
    name: 'autopilot_agentspawn_mean_score',
    help: 'Mean fresh score of a population’s ranked agents, 0–1.',
    labelNames: ['namespace', 'agentspawn'] as const,
    registers: [registry],
  });
  return {
    decisions: new Counter({
      name: 'autopilot_agentspawn_decisions_total',
      help: 'Population decisions recorded, by action and state (Applied, Recommended, PendingApproval).',
      labelNames: ['action', 'state'] as const,
      registers: [registry],
    }),
    sessions: new Counter({
      name: 'autopilot_agentspawn_sessions_total',
      help: 'Training sessions by outcome: Started, Succeeded, Failed, Abandoned.',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    spawned: new Counter({
      name: 'autopilot_agentspawn_children_spawned_total',
      help: 'Child Pods created from Excellent or Good parents (replacements included).',
      registers: [registry],
    }),
    cycleDuration: new Histogram({
      name: 'autopilot_agentspawn_cycle_duration_seconds',
      help: 'Time of one cycle: listing the population, reading scores, deciding (acting not included).',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    observe(namespace: string, agentspawn: string, status: CycleStatus) {
      for (const [key, tier] of Object.entries(TIERS))
        agents.set({ namespace, agentspawn, tier }, status.tiers[key as keyof TierCounts]);
      if (status.meanScore === undefined) meanScore.remove({ namespace, agentspawn });
      else meanScore.set({ namespace, agentspawn }, status.meanScore);
    },
    forget(namespace: string, agentspawn: string) {
      for (const tier of Object.values(TIERS)) agents.remove({ namespace, agentspawn, tier });
      meanScore.remove({ namespace, agentspawn });
    },
  };
}

export type PopulationMetrics = ReturnType<typeof populationMetrics>;
