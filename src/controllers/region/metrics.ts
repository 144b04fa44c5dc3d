// Prometheus metrics of region failovers (how long each took, detection to the DNS answering) and of
// configuration replication (how long a change of the primary took to reach its mirror in the backup).
import { Histogram, type Registry } from 'prom-client';

export function regionMetrics(registry: Registry) {
  return {
    failoverDuration: new Histogram({
      name: 'autopilot_region_failover_duration_seconds',
      help: 'Time from detecting a region down (or a failback decision) to the DNS record answering with the new region (to the DNS write when no name servers are asked), by action (Failover, Failback).',
      labelNames: ['action'] as const,
      // The seed's objectives (30, 45, 60 s) are bucket bounds: the chart's alert subtracts the bucket at its objective.
      buckets: [1, 2, 3, 5, 7.5, 10, 15, 20, 30, 45, 60, 90, 120, 300],
      registers: [registry],
    }),
    replicationLag: new Histogram({
      name: 'autopilot_region_replication_lag_seconds',
      help: "Time from a primary ConfigMap's or Secret's last change (the newest managedFields time, by the primary's API server, in whole seconds) to its mirror written in the backup (by the backup's clock), by kind; deletions are not timed.",
      labelNames: ['kind'] as const,
      // The default interval is 30 s: a change waits up to one interval, plus the writes.
      buckets: [0.5, 1, 2, 5, 10, 15, 20, 30, 45, 60, 120, 300, 600],
      registers: [registry],
    }),
  };
}
