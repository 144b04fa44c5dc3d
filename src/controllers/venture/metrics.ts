// Prometheus metrics about ventures: health, margin, decisions and audit time.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { VentureResource } from '../../api/v1alpha1/index.js';

export function ventureMetrics(registry: Registry) {
  const health = new Gauge({
    name: 'autopilot_venture_health_score',
    help: 'Health score of a venture, 0–100, from its last audit.',
    labelNames: ['namespace', 'venture'] as const,
    registers: [registry],
  });
  const margin = new Gauge({
    name: 'autopilot_venture_profit_margin',
    help: 'Profit margin of a venture from its last audit (0.3 = 30 %).',
    labelNames: ['namespace', 'venture'] as const,
    registers: [registry],
  });
  return {
    decisions: new Counter({
      name: 'autopilot_venture_decisions_total',
      help: 'Decisions made, by action and state (Applied, Recommended, PendingApproval, Blocked).',
      labelNames: ['action', 'state'] as const,
      registers: [registry],
    }),
    auditDuration: new Histogram({
      name: 'autopilot_venture_audit_duration_seconds',
      help: 'Time to read a venture’s metrics and audit it.',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    observe(venture: VentureResource, score: number, profitMargin: number | undefined) {
      const labels = { namespace: venture.metadata.namespace, venture: venture.metadata.name };
      health.set(labels, score);
      if (profitMargin !== undefined) margin.set(labels, profitMargin);
    },
  };
}
