// What the operator would do for one venture right now: read metrics, audit, decide, guard, and how far
// the mode lets the decision go. The controller acts on it; `autopilot plan` only prints it.
import { parseDuration } from '../../api/duration.js';
import type { VentureResource } from '../../api/v1alpha1/index.js';
import type { Decision } from '../../api/v1alpha1/venture.js';
import { auditVenture, type VentureAudit } from '../../engine/audit.js';
import { decideVenture, type HoldCause, type Verdict, type VentureDecision } from '../../engine/decision.js';
import { guardCircuitBreaker, guardProtected, guardRateLimit } from '../../engine/guards.js';
import { APPROVE_ANNOTATION, decisionState, nextDecision, type Mode } from '../../engine/mode.js';
import type { KubeClient } from '../../runtime/client.js';
import { readVentureMetrics, type MetricsRead } from './observe.js';
import { containersOf, type Deployment } from './workload.js';

const HOUR_MS = 3_600_000;

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
  /** Termination times the caller knows of that the portfolio's status may not show yet. */
  terminations?: readonly number[];
}

export async function planVenture(
  client: KubeClient,
  venture: VentureResource,
  { portfolio, settings, now, deployment, terminations = [] }: PlanContext,
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
        auditedAt: status.metrics?.observedAt,
        scaledAt: status.lastScaleTime,
      },
    },
    now,
  );
  const guarded = guard(venture, verdict.decision, portfolio, settings, now, terminations);
  if (read.problem && !audit.metricsAvailable) guarded.reason = `holding: ${read.problem.message}`;
  const mode = spec.mode ?? settings.defaultMode;
  const state = decisionState(guarded, mode, venture.metadata.annotations?.[APPROVE_ANNOTATION]);
  return {
    read,
    audit,
    verdict,
    decision: nextDecision(status.lastDecision, asStatusDecision(guarded, state)),
    ...(guarded.cause && { cause: guarded.cause }),
  };
}

/** Protected, then the namespace's circuit breaker, then its termination rate limit. */
function guard(
  venture: VentureResource,
  decision: VentureDecision,
  portfolio: readonly VentureResource[],
  settings: PlanSettings,
  now: number,
  terminations: readonly number[],
): VentureDecision {
  const { name } = venture.metadata;
  const guarded = guardProtected(decision, {
    protected: venture.spec.protected,
    annotations: venture.metadata.annotations,
  });
  const others = portfolio
    .filter((v) => v.metadata.name !== name && v.status?.phase !== 'Terminated')
    .map((v) => ({ name: v.metadata.name, decision: wouldTerminate(v) }));
  const planned = guardCircuitBreaker([...others, { name, decision: guarded }], {
    maxShare: settings.circuitBreakerShare,
    minTerminations: 2,
  });
  const times = [
    ...portfolio.flatMap((v) => (v.status?.terminatedAt ? [v.status.terminatedAt] : [])),
    ...terminations,
  ];
  return guardRateLimit(planned.at(-1)!.decision, times, now, {
    terminations: settings.terminationsPerHour,
    perMs: HOUR_MS,
  });
}

/** What a venture's status says it will do: a termination counts once its review period is full. */
function wouldTerminate(v: VentureResource): VentureDecision {
  const full = (v.status?.failingAudits ?? 0) >= v.spec.policy.reviewPeriod;
  const decided = v.status?.lastDecision;
  return {
    id: decided?.id ?? 'none',
    action: full || v.status?.phase === 'Terminating' ? 'Terminate' : 'Hold',
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
  const { id, action, reason, decidedAt, metrics, targetReplicas, targetRequests } = d;
  return {
    id,
    action,
    reason,
    state,
    decidedAt,
    ...(metrics && { metrics: rounded(metrics) }),
    ...(targetReplicas !== undefined && { targetReplicas }),
    ...(targetRequests && { targetRequests }),
  };
}
