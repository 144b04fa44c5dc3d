// The journal: what every controller reports (decisions, their execution, the measurements that judge them)
// and what the runtime observes, summarised once per AUREA cycle.
import { operatorHealth } from './health.js';

/** Why an action failed, from the API server's answer: the clusters the failure detector looks for. */
export const FailureCauses = [
  'Timeout',
  'Permission',
  'Conflict',
  'Invalid',
  'Unavailable',
  'Other',
] as const;
export type FailureCause = (typeof FailureCauses)[number];

/** The measurements controllers report, which the outcome rules judge decisions by. */
export const Measures = {
  /** A venture's health score, 0–100. */
  health: 'health',
  /** A venture's profit per month (revenue − costs). */
  profit: 'profit',
  /** A failover target or region: 1 healthy, 0 not. */
  healthy: 'healthy',
  /** An agent's performance score, 0–1. */
  score: 'score',
  /** A training session's measured success, 0–1. */
  trainingSuccess: 'trainingSuccess',
} as const;
export type Measure = (typeof Measures)[keyof typeof Measures];

export interface ObjectRef {
  kind: string;
  namespace: string;
  name: string;
}

/** A decision a controller recorded (any state: recommended, pending, applying). */
export interface DecidedEntry {
  type: 'Decided';
  at: number;
  /** The decision's stable id: reported again after a restart, it is the same decision. */
  id: string;
  object: ObjectRef;
  action: string;
  reason: string;
  /** Whose measurements judge the outcome when not `object`: a failover's new target, a spawned child, a trainee. */
  subject?: ObjectRef;
  /** The value the subject must reach or keep: a spawn's baseline (0.9 × parent), a training's success threshold. */
  expect?: number;
  /** How long after it was carried out the decision is judged (a Scale: N business periods); else the rule's default. */
  judgeAfterMs?: number;
}

/** The controller began carrying a decision out, or finished it. */
export interface ExecutionEntry {
  type: 'Started' | 'Succeeded';
  at: number;
  id: string;
}

/** Carrying a decision out failed. */
export interface FailedEntry {
  type: 'Failed';
  at: number;
  id: string;
  cause: FailureCause;
  message: string;
  /** A permission failure: the request the API server refused, so a condition can name the missing RBAC rule. */
  forbidden?: ForbiddenRequest;
}

export interface ForbiddenRequest {
  controller: string;
  verb: string;
  /** "" for the core group. */
  group: string;
  resource: string;
  namespace?: string;
}

/** A measurement of an object, e.g. a venture's health after an audit. */
export interface MeasuredEntry {
  type: 'Measured';
  at: number;
  object: ObjectRef;
  measure: Measure;
  value: number;
}

export type JournalEntry = DecidedEntry | ExecutionEntry | FailedEntry | MeasuredEntry;

/** What the runtime saw since the last cycle; the loop reads it from the runtime's own counters. */
export interface RuntimeSignals {
  reconciles: number;
  reconcileErrors: number;
  /** Keys waiting in all work queues now. */
  queueDepth: number;
  apiCalls: number;
  /** Mean latency of those API calls, ms. */
  apiLatencyMs: number;
  controllers: ControllerSignals[];
  watches: WatchSignals[];
}

export interface ControllerSignals {
  name: string;
  apiCalls: number;
  apiTimeouts: number;
  /** The request rate the controller runs at now, and the one it was configured with. */
  requestsPerSecond: number;
  configuredRequestsPerSecond: number;
}

export interface WatchSignals {
  /** e.g. "ventures.autopilot.ventures". */
  resource: string;
  /** Watch attempts that failed in a row; 0 once one succeeds. */
  consecutiveFailures: number;
  lastError?: string;
}

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
