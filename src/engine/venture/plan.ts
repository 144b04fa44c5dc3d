// What the operator would do for one venture right now, from what it read: audit, decide, guard, and
// how far the mode lets the decision go. Pure: the controller acts on the plan, `autopilot plan` prints it.
import { parseDuration } from '../../api/duration.js';
import type { VentureResource } from '../../api/v1alpha1/index.js';
import type { Decision } from '../../api/v1alpha1/venture.js';
import { APPROVE_ANNOTATION, decisionState, effectiveMode, nextDecision, type Mode } from '../mode.js';
import { auditVenture, type VentureAudit } from './audit.js';
import { decideVenture, type HoldCause, type Verdict, type VentureDecision } from './decision.js';
import { guardTermination, isProtected } from './guards.js';
import type { MetricsObservation } from './metrics.js';
import type { ContainerResources } from './requests.js';

export const HOUR_MS = 3_600_000;

/** The operator-level settings of Ventures (`autopilot run` flags). */
export interface VentureSettings {
  defaultMode: Mode;
  terminationsPerHour: number;
  circuitBreakerShare: number;
  /** Replicas a namespace's ventures may reach through redistribution, below any ResourceQuota. */
  portfolioMaxReplicas: number;
}

/** What the provider read: the samples, or why nothing could be read (a reason code and a message). */
export interface MetricsRead {
  observation: MetricsObservation;
  problem?: { reason: string; message: string };
}

export interface VenturePlan {
  audit: VentureAudit;
  verdict: Verdict;
  /** The decision to record: guarded, with its state under the mode (a pending one kept). */
  decision: Decision;
  /** Why a Hold holds, when that is news (an Event). */
  cause?: HoldCause;
  /** A termination to carry out now: the caller takes its slot in the namespace's rate limit. */
  terminates: boolean;
}

export interface PlanContext {
  /** The venture's namespace as the caller sees it. */
  portfolio: readonly VentureResource[];
  settings: VentureSettings;
  now: number;
  /** The containers as the Deployment runs them: those whose requests a Scale raises. */
  containers?: readonly ContainerResources[];
  /** Terminations the caller decided that status may not show yet, by venture name (epoch ms). */
  reserved: ReadonlyMap<string, number>;
  /** Qualifying audits in a row a Scale needs: 1 unless AUREA learned to ask for more (extraConfirmations). */
  scaleConfirmations?: number;
}

export function planVenture(
  venture: VentureResource,
  read: MetricsRead,
  { portfolio, settings, now, containers, reserved, scaleConfirmations }: PlanContext,
): VenturePlan {
  const { namespace, name, uid } = venture.metadata;
  const { spec, status = {} } = venture;
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
      containers,
      ...(read.problem && { unavailableBecause: read.problem.reason }),
      ...(scaleConfirmations !== undefined && { scaleConfirmations }),
      previous: {
        failingAudits: status.failingAudits,
        failingSince: status.failingSince,
        qualifyingAudits: status.qualifyingAudits,
        auditedAt: status.metrics?.observedAt,
        scaledAt: status.lastScaleTime,
      },
    },
    now,
  );
  const guarded = guard(venture, verdict.decision, verdict.failingSince, portfolio, settings, now, reserved);
  const mode = effectiveMode(spec, settings.defaultMode);
  const state = decisionState(guarded, mode, venture.metadata.annotations?.[APPROVE_ANNOTATION]);
  return {
    audit,
    verdict,
    decision: nextDecision(status.lastDecision, asStatusDecision(guarded, state)),
    ...(guarded.cause && { cause: guarded.cause }),
    terminates: guarded.action === 'Terminate' && state === 'Applied',
  };
}

/**
 * An approved termination passes the guards again (the namespace may have used its slot meanwhile):
 * the reason it may not go yet, or undefined when it may (the caller then takes its slot).
 */
export function approvedTerminationWaits(
  venture: VentureResource,
  decision: Decision,
  portfolio: readonly VentureResource[],
  settings: VentureSettings,
  now: number,
  reserved: ReadonlyMap<string, number>,
): string | undefined {
  const guarded = guard(venture, decision, venture.status?.failingSince, portfolio, settings, now, reserved);
  return guarded.action === 'Terminate' ? undefined : guarded.reason;
}

/** The engine's termination guards over the venture's namespace as the caller sees it. */
function guard(
  venture: VentureResource,
  decision: VentureDecision,
  failingSince: string | undefined,
  portfolio: readonly VentureResource[],
  settings: VentureSettings,
  now: number,
  reserved: ReadonlyMap<string, number>,
): VentureDecision {
  const { name, annotations } = venture.metadata;
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
    reserved,
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
