// What controllers report to the AUREA journal and what the runtime observes of itself: the contract between
// the runtime, which collects both, and the AUREA engine, which judges them (src/engine/aurea).

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
  /** The object the decision is about (the runtime's journal fills it in). */
  object?: ObjectRef;
}

/** Carrying a decision out failed. */
export interface FailedEntry {
  type: 'Failed';
  at: number;
  id: string;
  cause: FailureCause;
  message: string;
  /** The object the decision is about: where a missing permission is reported (the runtime fills it in). */
  object?: ObjectRef;
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

/**
 * What AUREA learned, as controllers apply it: extra confirmations a kind of decision (`Kind/Action`, e.g.
 * `Venture/Scale`) needs beyond its spec's own. Never negative: learning only makes decisions more careful.
 */
export interface LearnedAdjustment {
  key: string;
  extraConfirmations: number;
}
