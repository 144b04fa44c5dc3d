// A venture's life as status shows it: what an audit writes, the phase after it, the soft termination's
// grace period, the Event each decision is told with, and what the AUREA journal measures and when it judges.
import type { Decision, VentureStatus } from '../../api/v1alpha1/venture.js';
import { StatusLimits } from '../../api/v1alpha1/venture.js';
import type { ObjectEvent } from '../../api/event.js';
import { gateEvent } from '../mode.js';
import { isoTime, timeOr } from '../format.js';
import { venturePhase, type HoldCause } from './decision.js';
import { rounded, type MetricsRead, type VenturePlan } from './plan.js';

/** A condition as the engine states it; the controller stamps it with the generation and the time. */
export interface ConditionState {
  status: 'True' | 'False';
  reason: string;
  message: string;
}

/**
 * The status after an audit: its history and streak, the numbers when they were usable (the last usable
 * ones stay otherwise), the phase, and the MetricsAvailable condition.
 */
export function afterAudit(
  status: VentureStatus,
  plan: VenturePlan,
  read: MetricsRead,
  now: number,
): { status: VentureStatus; metricsAvailable: ConditionState } {
  const { audit, verdict, decision } = plan;
  const next: VentureStatus = {
    ...status,
    lastAuditTime: isoTime(now),
    auditHistory: audit.history,
    failingAudits: verdict.failingAudits,
  };
  if (verdict.failingSince) next.failingSince = verdict.failingSince;
  else delete next.failingSince;
  if (verdict.qualifyingAudits) next.qualifyingAudits = verdict.qualifyingAudits;
  else delete next.qualifyingAudits;
  if (audit.metricsAvailable) {
    next.metrics = rounded(audit.snapshot);
    next.health = {
      score: audit.health.score,
      tier: audit.health.tier,
      components: Object.fromEntries(Object.entries(audit.health.components).map(([k, v]) => [k, String(v)])),
    };
    if (audit.trend) next.trend = audit.trend;
    next.risks = audit.risks.slice(0, StatusLimits.risks);
  }
  next.phase = venturePhase(verdict, decision.state, next.metrics !== undefined);
  return {
    status: next,
    metricsAvailable: audit.metricsAvailable
      ? { status: 'True', reason: 'SamplesFresh', message: 'revenue and costs samples are fresh' }
      : {
          status: 'False',
          reason: read.problem?.reason ?? 'SamplesUnusable',
          message: `${audit.reason}; destructive decisions are frozen`,
        },
  };
}

/** The audit is due when the interval has passed since the last one: 0, else how long until it is. */
export function auditDueIn(status: VentureStatus, intervalMs: number, now: number): number {
  const last = Date.parse(status.lastAuditTime ?? '');
  return now - last < intervalMs ? intervalMs - (now - last) : 0;
}

/** Whether the venture still decides: not once its termination was applied. */
export const isDeciding = (status: VentureStatus): boolean =>
  status.phase !== 'Terminating' && status.phase !== 'Terminated';

/** An applied termination starts the grace period: replicas 0 from now, the Deployment deleted after it. */
export const startTermination = (now: number): Pick<VentureStatus, 'phase' | 'terminatedAt'> => ({
  phase: 'Terminating',
  terminatedAt: isoTime(now),
});

/**
 * Where a termination's grace period stands. A missing or unreadable start time starts it now, and is
 * written back so that it stays started.
 */
export function gracePeriod(
  status: VentureStatus,
  graceMs: number,
  now: number,
): { terminatedAt: string; leftMs: number } {
  const since = timeOr(status.terminatedAt, now);
  return { terminatedAt: isoTime(since), leftMs: since + graceMs - now };
}

/**
 * The Event a recorded decision is told with. An applied Scale has none here: its Event (VentureScaled)
 * says what changed, once it has.
 */
export function eventFor(
  venture: string,
  d: Decision,
  cause: HoldCause | undefined,
): ObjectEvent | undefined {
  if (d.state === 'Blocked') return { type: 'Warning', reason: 'TerminationBlocked', note: d.reason };
  const gated = gateEvent('venture', venture, d);
  if (gated) return gated;
  if (d.action === 'Terminate') {
    return {
      type: 'Warning',
      reason: 'VentureTerminating',
      note: `${d.reason}; scaled to 0 for the grace period`,
    };
  }
  if (d.action === 'Optimize') return { type: 'Normal', reason: 'OptimizationRecommended', note: d.reason };
  if (cause === 'MetricsUnavailable')
    return { type: 'Warning', reason: 'MetricsUnavailable', note: d.reason };
  if (cause === 'UnderReview') return { type: 'Warning', reason: 'VentureUnderReview', note: d.reason };
  if (d.action === 'Hold') return { type: 'Normal', reason: 'VentureHolding', note: d.reason };
  return undefined;
}

/**
 * Whether a recorded decision's Event is told: every decision once; a plain Hold only when the venture
 * starts holding (a repeat in a run of Holds is not news); a hold on unusable metrics on every audit,
 * counted in its Event's series, so an outage shows how long it lasted.
 */
export function tellsEvent(event: ObjectEvent, repeat: boolean, sameDecision: boolean): boolean {
  if (event.reason === 'MetricsUnavailable') return true;
  if (sameDecision) return false;
  return !(repeat && event.reason === 'VentureHolding');
}

/** Business periods after which AUREA judges a Scale (health not lower) or a Terminate (the namespace's profit). */
export const OUTCOME_PERIODS = 2;

/** How long after it was carried out AUREA judges a venture's decision: OUTCOME_PERIODS business periods. */
export const judgeAfterMs = (periodMs: number): number => OUTCOME_PERIODS * periodMs;

/** What the journal measures after a usable audit: the venture's health, and its profit for its namespace's. */
export function auditMeasurements(plan: VenturePlan): { health: number; profit: number } | undefined {
  const { audit } = plan;
  if (!audit.metricsAvailable) return undefined;
  const { revenue, costs } = audit.snapshot;
  return { health: audit.health.score, profit: revenue - costs };
}
