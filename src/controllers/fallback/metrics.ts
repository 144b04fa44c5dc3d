// Prometheus metrics about fallback protocols: each target's health, the active target, and every
// switch with how long it took from detection to routing applied.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { SwitchRecord } from '../../api/v1alpha1/fallbackProtocol.js';
import type { TargetHealth } from '../../engine/fallback/health.js';

type Labels = { namespace: string; protocol: string };

export function fallbackMetrics(registry: Registry) {
  const up = new Gauge({
    name: 'autopilot_fallback_target_up',
    help: 'A target’s health from the operator’s probes and traffic: 1 up, 0 down (absent while unknown).',
    labelNames: ['namespace', 'protocol', 'target'] as const,
    registers: [registry],
  });
  const active = new Gauge({
    name: 'autopilot_fallback_active_target',
    help: 'The target traffic goes to: 1 for the active target, 0 for the others.',
    labelNames: ['namespace', 'protocol', 'target'] as const,
    registers: [registry],
  });
  const switches = new Counter({
    name: 'autopilot_fallback_failovers_total',
    help: 'Switches of the active target, by action (Failover, Failback).',
    labelNames: ['namespace', 'protocol', 'action'] as const,
    registers: [registry],
  });
  const failoverDuration = new Histogram({
    name: 'autopilot_fallback_failover_duration_seconds',
    help: 'Time from detection (the old target first seen down, or the preferred one eligible again) to routing applied.',
    labelNames: ['action'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [registry],
  });
  return {
    observe(labels: Labels, health: readonly TargetHealth[], activeTarget: string) {
      for (const target of health) {
        const series = { ...labels, target: target.name };
        if (target.state === 'Unknown') up.remove(series);
        else up.set(series, target.state === 'Up' ? 1 : 0);
        active.set(series, target.name === activeTarget ? 1 : 0);
      }
    },
    switched(labels: Labels, record: SwitchRecord) {
      switches.inc({ ...labels, action: record.action });
      failoverDuration.observe({ action: record.action }, record.durationSeconds);
    },
    forget(labels: Labels, targets: readonly string[]) {
      for (const target of targets) {
        up.remove({ ...labels, target });
        active.remove({ ...labels, target });
      }
    },
  };
}
