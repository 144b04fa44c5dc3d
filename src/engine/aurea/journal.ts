// The journal summarised once per AUREA cycle: the entries (their shapes in src/api/journal.ts, shared with
// the runtime that collects them) and the runtime's signals become one cycle's figures.
import type { FailureCause, JournalEntry, ObjectRef, RuntimeSignals } from '../../api/journal.js';
import { operatorHealth } from './health.js';

export {
  FailureCauses,
  type ControllerSignals,
  type DecidedEntry,
  type FailureCause,
  type ForbiddenRequest,
  type JournalEntry,
  type Measure,
  type ObjectRef,
  type RuntimeSignals,
} from '../../api/journal.js';

/** One cycle of the loop, as the seed's CycleMetrics and the `autopilot_aurea_*` metrics have it. */
export interface CycleSummary {
  cycle: number;
  at: number;
  durationMs: number;
  /** Measurements reported this cycle. */
  observations: number;
  decisions: number;
  actionsExecuted: number;
  actionsSuccessful: number;
  actionsFailed: number;
  failuresByCause: Partial<Record<FailureCause, number>>;
  reconciles: number;
  reconcileErrors: number;
  queueDepth: number;
  apiLatencyMs: number;
  /** The operator's health, 0–100. */
  healthScore: number;
  /** decision_success_rate at the end of the cycle; undefined before any decision was judged. */
  successRate?: number;
  /** Decisions behind successRate (at most the last 100). */
  judged: number;
  patternsDetected: number;
  goalsAchieved: number;
  goalsSet: number;
  learnings: number;
}

/**
 * One cycle's summary from the journal's entries and the runtime's signals. The loop's later steps
 * (outcomes, patterns, goals, learning) fill in successRate, judged, patternsDetected, goals and learnings.
 */
export function summarizeCycle(
  entries: readonly JournalEntry[],
  signals: RuntimeSignals,
  cycle: { number: number; startedAt: number; now: number },
): CycleSummary {
  const failuresByCause: Partial<Record<FailureCause, number>> = {};
  let observations = 0;
  let decisions = 0;
  let actionsSuccessful = 0;
  let actionsFailed = 0;
  for (const entry of entries) {
    if (entry.type === 'Measured') observations++;
    else if (entry.type === 'Decided') decisions++;
    else if (entry.type === 'Succeeded') actionsSuccessful++;
    else if (entry.type === 'Failed') {
      actionsFailed++;
      failuresByCause[entry.cause] = (failuresByCause[entry.cause] ?? 0) + 1;
    }
  }
  // An action is executed once it finished, either way; Started alone is still running.
  const actionsExecuted = actionsSuccessful + actionsFailed;
  return {
    cycle: cycle.number,
    at: cycle.now,
    durationMs: Math.max(0, cycle.now - cycle.startedAt),
    observations,
    decisions,
    actionsExecuted,
    actionsSuccessful,
    actionsFailed,
    failuresByCause,
    reconciles: signals.reconciles,
    reconcileErrors: signals.reconcileErrors,
    queueDepth: signals.queueDepth,
    apiLatencyMs: signals.apiLatencyMs,
    healthScore: operatorHealth(signals, { executed: actionsExecuted, failed: actionsFailed }).score,
    judged: 0,
    patternsDetected: 0,
    goalsAchieved: 0,
    goalsSet: 0,
    learnings: 0,
  };
}

/** The key of an object in maps: kind/namespace/name. */
export const refKey = (ref: ObjectRef): string => `${ref.kind}/${ref.namespace}/${ref.name}`;
