// What the operator would do for one venture right now: read metrics, audit, decide, guard, and how far
// the mode lets the decision go. The controller acts on it; `autopilot plan` only prints it.
import { parseDuration } from '../../api/duration.js';
import type { VentureResource } from '../../api/v1alpha1/index.js';
import type { Decision } from '../../api/v1alpha1/venture.js';
import { auditVenture, type VentureAudit } from '../../engine/venture/audit.js';
import {
  decideVenture,
  type HoldCause,
  type Verdict,
  type VentureDecision,
} from '../../engine/venture/decision.js';
import { guardTermination, isProtected } from '../../engine/venture/guards.js';
import {
  APPROVE_ANNOTATION,
  decisionState,
  effectiveMode,
  nextDecision,
  type Mode,
} from '../../engine/mode.js';
import type { KubeClient } from '../../runtime/client.js';
import { readVentureMetrics, type MetricsRead } from './observe.js';
import type { TerminationLedger } from './ledger.js';
import { containersOf, type Deployment } from './workload.js';

export const HOUR_MS = 3_600_000;

/** The operator-level settings of Ventures (`autopilot run` flags). */
export interface VentureSettings {
  defaultMode: Mode;
  prometheusAddress?: string;
  terminationsPerHour: number;
  circuitBreakerShare: number;
  /** Replicas a namespace's ventures may reach through redistribution, below any ResourceQuota. */
  portfolioMaxReplicas: number;
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
  settings: VentureSettings;
  now: number;
  /** The venture's Deployment, if it exists: the containers whose requests a Scale raises. */
  deployment?: Deployment;
  /** The caller's terminations status may not show yet; a Terminate to be applied is reserved in it. */
  ledger: TerminationLedger;
}

export async function planVenture(
  client: KubeClient,
  venture: VentureResource,
  { portfolio, settings, now, deployment, ledger }: PlanContext,
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
      ...(read.problem && { readError: read.problem.message }),
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
  const guarded = guard(venture, verdict.decision, verdict.failingSince, portfolio, settings, now, ledger);
  const mode = effectiveMode(spec, settings.defaultMode);
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
  settings: VentureSettings,
  now: number,
  ledger: TerminationLedger,
): string | undefined {
  const guarded = guard(venture, decision, venture.status?.failingSince, portfolio, settings, now, ledger);
  if (guarded.action !== 'Terminate') return guarded.reason;
  ledger.reserve(venture.metadata.namespace, venture.metadata.name, now);
  return undefined;
}

/** The engine's termination guards over the venture's namespace as the cache and the ledger show it. */
function guard(
  venture: VentureResource,
  decision: VentureDecision,
  failingSince: string | undefined,
  portfolio: readonly VentureResource[],
  settings: VentureSettings,
  now: number,
  ledger: TerminationLedger,
): VentureDecision {
  const { name, namespace, annotations } = venture.metadata;
  const neighbours = portfolio
    .filter((v) => v.metadata.name !== name)
    .map((v) => ({
      name: v.metadata.name,
      phase: v.status?.phase,
      failingAudits: v.status?.failingAudits,
      protected: isProtected({ protected: v.spec.protected, annotations: v.metadata.annotations }),
      lastAuditTime: v.status?.lastAuditTime,
      terminatedAt: v.status?.terminatedAt,
    }));
  return guardTermination(
    decision,
    { name, protected: venture.spec.protected, annotations, failingSince },
    neighbours,
    ledger.reservations(namespace, now),
    now,
    {
      rateLimit: { terminations: settings.terminationsPerHour, perMs: HOUR_MS },
      maxShare: settings.circuitBreakerShare,
    },
  );
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
