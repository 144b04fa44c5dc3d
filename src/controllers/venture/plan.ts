// What the operator would do for one venture right now: read metrics, audit, decide, guard, and how far
// the mode lets the decision go. The controller acts on it; `autopilot plan` only prints it.
import { parseDuration } from '../../api/duration.js';
import type { VentureResource } from '../../api/v1alpha1/index.js';
import type { Decision } from '../../api/v1alpha1/venture.js';
import { auditVenture, type VentureAudit } from '../../engine/audit.js';
import { decideVenture, type HoldCause, type Verdict, type VentureDecision } from '../../engine/decision.js';
import {
  guardCircuitBreaker,
  guardPortfolioSeen,
  guardProtected,
  guardRateLimit,
  isProtected,
} from '../../engine/guards.js';
import { APPROVE_ANNOTATION, decisionState, nextDecision, type Mode } from '../../engine/mode.js';
import type { KubeClient } from '../../runtime/client.js';
import { readVentureMetrics, type MetricsRead } from './observe.js';
import { TerminationLedger } from './ledger.js';
import { containersOf, type Deployment } from './workload.js';

export const HOUR_MS = 3_600_000;

export interface PlanSettings {
  defaultMode: Mode;
  prometheusAddress?: string;
  terminationsPerHour: number;
  circuitBreakerShare: number;
}

export interface VenturePlan {
  read: MetricsRead;
  audit: VentureAudit;
  verdict: Verdict;
  /** The decision to record: guarded, with its state under the mode (a pending one kept). */
  decision: Decision;
  /** Why a Hold holds, when that is news (an Event). */
  cause?: HoldCause;
}

export interface PlanContext {
  /** The venture's namespace as the caller sees it. */
  portfolio: readonly VentureResource[];
  settings: PlanSettings;
  now: number;
  /** The venture's Deployment, if it exists: the containers whose requests a Scale raises. */
  deployment?: Deployment;
  /** The operator's terminations; a Terminate to be applied is reserved in it. None: status only. */
  ledger?: TerminationLedger;
}

export async function planVenture(
  client: KubeClient,
  venture: VentureResource,
  { portfolio, settings, now, deployment, ledger = new TerminationLedger(HOUR_MS) }: PlanContext,
): Promise<VenturePlan> {
  const { namespace, name, uid } = venture.metadata;
  const { spec, status = {} } = venture;
  const read = await readVentureMetrics(client, venture, settings.prometheusAddress);
  const audit = auditVenture(
    {
      observation: read.observation,
      history: status.auditHistory,
      policy: spec.policy,
      maxSampleAge: parseDuration(spec.metrics.maxSampleAge),
      periodMs: parseDuration(spec.policy.period),
      window: spec.policy.trendWindow,
    },
    now,
  );
  const verdict = decideVenture(
    {
      venture: { namespace, name, uid },
      audit,
      policy: spec.policy,
      scaling: spec.scaling,
      cooldownMs: parseDuration(spec.scaling.cooldown ?? spec.policy.period),
      replicas: spec.replicas,
      containers: containersOf(venture, deployment),
      previous: {
        failingAudits: status.failingAudits,
        failingSince: status.failingSince,
        auditedAt: status.metrics?.observedAt,
        scaledAt: status.lastScaleTime,
      },
    },
    now,
  );
  // From the guard to the reservation nothing awaits: no other audit can take the same slot meanwhile.
  const guarded = guard(venture, verdict, portfolio, settings, now, ledger);
  if (read.problem && !audit.metricsAvailable) guarded.reason = `holding: ${read.problem.message}`;
  const mode = spec.mode ?? settings.defaultMode;
  const state = decisionState(guarded, mode, venture.metadata.annotations?.[APPROVE_ANNOTATION]);
  if (guarded.action === 'Terminate' && state === 'Applied') ledger.reserve(namespace, name, now);
  return {
    read,
    audit,
    verdict,
    decision: nextDecision(status.lastDecision, asStatusDecision(guarded, state)),
    ...(guarded.cause && { cause: guarded.cause }),
  };
}

/**
 * An approved termination passes the guards again (the namespace may have used its slot meanwhile) and
 * takes its slot; the reason it may not go yet, or undefined.
 */
export function approveTermination(
  venture: VentureResource,
  decision: Decision,
  portfolio: readonly VentureResource[],
  settings: PlanSettings,
  now: number,
  ledger: TerminationLedger,
): string | undefined {
  const verdict = { decision, failingAudits: venture.status?.failingAudits ?? 0 };
  const guarded = guard(venture, verdict, portfolio, settings, now, ledger);
  if (guarded.action !== 'Terminate') return guarded.reason;
  ledger.reserve(venture.metadata.namespace, venture.metadata.name, now);
  return undefined;
}

/**
 * Protected, then the namespace's circuit breaker (once every venture was audited since this one began
 * failing), then its termination rate limit.
 */
function guard(
  venture: VentureResource,
  { decision, failingSince }: Verdict,
  portfolio: readonly VentureResource[],
  settings: PlanSettings,
  now: number,
  ledger: TerminationLedger,
): VentureDecision {
  const { name, namespace } = venture.metadata;
  const active = portfolio.filter(
    (v) => v.metadata.name !== name && v.status?.phase !== 'Terminated' && v.status?.phase !== 'Terminating',
  );
  const seen = guardPortfolioSeen(
    guardProtected(decision, {
      protected: venture.spec.protected,
      annotations: venture.metadata.annotations,
    }),
    failingSince ?? venture.status?.failingSince,
    active.map((v) => ({ name: v.metadata.name, lastAuditTime: v.status?.lastAuditTime })),
  );
  const recent = ledger.recent(namespace, portfolio, now);
  const others = portfolio
    .filter(
      (v) => v.metadata.name !== name && (v.status?.phase !== 'Terminated' || recent.has(v.metadata.name)),
    )
    .map((v) => ({ name: v.metadata.name, decision: atRisk(v, recent.has(v.metadata.name)) }));
  const planned = guardCircuitBreaker([...others, { name, decision: seen }], {
    maxShare: settings.circuitBreakerShare,
    minTerminations: 2,
    windowMs: HOUR_MS,
  });
  return guardRateLimit(planned.at(-1)!.decision, [...recent.values()], now, {
    terminations: settings.terminationsPerHour,
    perMs: HOUR_MS,
  });
}

/**
 * Another venture as the circuit breaker counts it: a Terminate when it is failing (under review, it may
 * be the next to go), terminating, or was terminated within the window; protected ones never go.
 */
function atRisk(v: VentureResource, terminatedRecently: boolean): VentureDecision {
  const failing =
    (v.status?.failingAudits ?? 0) > 0 &&
    !isProtected({ protected: v.spec.protected, annotations: v.metadata.annotations });
  const decided = v.status?.lastDecision;
  return {
    id: decided?.id ?? 'none',
    action: failing || terminatedRecently || v.status?.phase === 'Terminating' ? 'Terminate' : 'Hold',
    reason: decided?.reason ?? '',
    decidedAt: decided?.decidedAt ?? '',
  };
}

/** Numbers in status at 4 decimals: enough for margins and money, readable in kubectl's columns. */
export function rounded<T extends object>(snapshot: T): T {
  return Object.fromEntries(
    Object.entries(snapshot).map(([k, v]) => [k, typeof v === 'number' ? Math.round(v * 1e4) / 1e4 : v]),
  ) as T;
}

function asStatusDecision(d: VentureDecision, state: Decision['state']): Decision {
  const { id, action, reason, decidedAt, metrics, targetReplicas, targetRequests, drivers } = d;
  return {
    id,
    action,
    reason,
    state,
    decidedAt,
    ...(metrics && { metrics: rounded(metrics) }),
    ...(targetReplicas !== undefined && { targetReplicas }),
    ...(targetRequests && { targetRequests }),
    ...(drivers && { drivers }),
  };
}
