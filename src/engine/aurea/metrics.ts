// The loop's own series (source: Operator goals, autonomous goal rules, autopilot_aurea_* metrics) from the
// judged decisions and the recent cycles.
import type { OperatorMetric } from '../../api/v1alpha1/aureaGoal.js';
import type { CycleSummary } from './journal.js';
import { JUDGED_WINDOW, successRate, type Judgement } from './outcomes.js';

export interface MetricReading {
  value: number;
  /** What the value stands on: judged decisions, executed actions, reconciles or cycles. */
  evidence: number;
}

export type OperatorReadings = Partial<Record<OperatorMetric, MetricReading>>;

/** Each operator metric over the last `window` cycles (oldest first); a metric with no data is absent. */
export function operatorMetrics(
  judged: readonly Judgement[],
  history: readonly CycleSummary[],
  window: number,
): OperatorReadings {
  const recent = history.slice(-window);
  const latest = recent.at(-1);
  const sum = (pick: (c: CycleSummary) => number) => recent.reduce((total, c) => total + pick(c), 0);
  const readings: OperatorReadings = {};
  const rate = successRate(judged);
  if (rate !== undefined) {
    readings.decision_success_rate = { value: rate, evidence: Math.min(judged.length, JUDGED_WINDOW) };
  }
  const executed = sum((c) => c.actionsExecuted);
  if (executed > 0)
    readings.error_rate = { value: sum((c) => c.actionsFailed) / executed, evidence: executed };
  const reconciles = sum((c) => c.reconciles);
  if (reconciles > 0) {
    readings.reconcile_error_rate = {
      value: sum((c) => c.reconcileErrors) / reconciles,
      evidence: reconciles,
    };
  }
  if (latest) {
    readings.cycle_time_seconds = {
      value: sum((c) => c.durationMs) / recent.length / 1000,
      evidence: recent.length,
    };
    readings.api_latency_seconds = {
      value: sum((c) => c.apiLatencyMs) / recent.length / 1000,
      evidence: recent.length,
    };
    readings.health_score = { value: latest.healthScore, evidence: 1 };
    readings.queue_depth = { value: latest.queueDepth, evidence: 1 };
  }
  return readings;
}
