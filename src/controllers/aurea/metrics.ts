// The autopilot_aurea_* metrics: each cycle's summary as counters (rates in PromQL), the loop's own series
// as gauges (what source-Operator goals read), goals by phase, and what the loop learned and healed.
import { Counter, Gauge, type Registry } from 'prom-client';
import { OperatorMetrics as OperatorMetricNames } from '../../api/v1alpha1/aureaGoal.js';
import type { GoalView } from '../../engine/aurea/autonomousGoals.js';
import type { CycleResult } from '../../engine/aurea/cycle.js';
import type { Adjustment } from '../../engine/aurea/learning.js';

export function aureaMetrics(registry: Registry) {
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Counter({ name: `autopilot_aurea_${name}`, help, labelNames, registers: [registry] });
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Gauge({ name: `autopilot_aurea_${name}`, help, labelNames, registers: [registry] });

  const cycles = counter('cycles_total', 'AUREA cycles completed.');
  const cycleDuration = gauge(
    'cycle_duration_seconds',
    'Duration of the latest cycle: draining the journal, reading the runtime signals, the engine.',
  );
  const observations = counter('observations_total', 'Measurements controllers reported to the journal.');
  const decisions = counter('decisions_total', 'Decisions controllers reported to the journal.');
  const actions = counter('actions_total', 'Decisions carried out, by result (succeeded, failed).', [
    'result',
  ]);
  const failures = counter('action_failures_total', 'Failed actions by cause.', ['cause']);
  const judged = counter('judged_decisions_total', 'Decisions judged by their outcome rule.', [
    'key',
    'result',
  ]);
  const patterns = counter('patterns_detected_total', 'Patterns newly detected, by type.', ['type']);
  const learnings = counter(
    'learnings_total',
    'Learnings recorded, by change (Tighten, Relax, Bound, Reset).',
    ['change'],
  );
  const healing = counter('self_improvement_actions_total', 'Heal actions applied, by type.', ['action']);
  const goalsSet = counter('goals_set_total', 'Goals the loop created (or recommended in Observe).');
  const goals = gauge('goals', 'AureaGoals in the operator’s namespace, by phase and origin.', [
    'phase',
    'origin',
  ]);
  const extra = gauge('extra_confirmations', 'Extra confirmations learning asks for now, per Kind/Action.', [
    'key',
  ]);
  const health = gauge(
    'health_score',
    "The operator's health, 0–100, at the latest cycle: reconcile error rate, queue depth, API latency.",
  );
  // Absent until a decision was judged: no data must not read as a 0 % success rate (and fire an alert).
  const successRate = gauge(
    'decision_success_rate',
    'Decisions judged a success ÷ decisions judged, over the last 100 judged (0–1).',
  );
  // Labelled, so a metric without data yet (no decision judged) is absent rather than a 0 that reads as failure.
  const readings = gauge(
    'operator_metric',
    `The loop's own series (${OperatorMetricNames.join(', ')}), as source-Operator goals read them.`,
    ['metric'],
  );

  return {
    observe(result: CycleResult, goalViews: readonly GoalView[], adjustments: readonly Adjustment[]) {
      const { summary } = result;
      cycles.inc();
      cycleDuration.set(summary.durationMs / 1000);
      health.set(summary.healthScore);
      const rate = result.readings.decision_success_rate;
      if (rate) successRate.set(rate.value);
      else successRate.reset();
      observations.inc(summary.observations);
      decisions.inc(summary.decisions);
      actions.inc({ result: 'succeeded' }, summary.actionsSuccessful);
      actions.inc({ result: 'failed' }, summary.actionsFailed);
      for (const [cause, n] of Object.entries(summary.failuresByCause)) failures.inc({ cause }, n ?? 0);
      for (const j of result.judged) judged.inc({ key: j.key, result: j.success ? 'success' : 'failure' });
      for (const p of result.freshPatterns) patterns.inc({ type: p.type });
      for (const l of result.learnings) learnings.inc({ change: l.change });
      for (const h of result.heal) healing.inc({ action: h.type });
      goalsSet.inc(result.goals.propose.length);
      goals.reset();
      for (const g of goalViews) goals.inc({ phase: g.phase ?? 'New', origin: g.origin });
      extra.reset();
      for (const a of adjustments) extra.set({ key: a.key }, a.extraConfirmations);
      readings.reset();
      for (const [metric, reading] of Object.entries(result.readings))
        readings.set({ metric }, reading.value);
    },
  };
}
