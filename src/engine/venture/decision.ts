// decideVenture: Terminate, Scale, Optimize or Hold from an audit, with a stable id and a reason that quotes the numbers.
import {
  StatusLimits,
  type Decision,
  type VentureSpec,
  type VentureStatus,
} from '../../api/v1alpha1/venture.js';
import { shortHash } from '../decisions.js';
import { CAC_RISE, type AvailableAudit, type VentureAudit } from './audit.js';
import { clip, duration, epochMs, isoTime, money, num, pct } from '../format.js';
import { raiseRequests, type ContainerResources } from './requests.js';

export type DecisionAction = Decision['action'];
export type Phase = NonNullable<VentureStatus['phase']>;

/** Identity of the venture; the uid keeps a re-created venture of the same name from reusing old ids. */
export interface VentureIdentity {
  namespace: string;
  name: string;
  uid?: string;
}

/** Why a Hold holds, when it is news: the controller turns these into Warning Events. */
export type HoldCause = 'MetricsUnavailable' | 'UnderReview';

/** Why a guard turned a Terminate into a Hold. */
export type BlockedBy = 'Protected' | 'RateLimited' | 'CircuitBreaker';

/** A decision as the engine makes it; the controller adds `state` from the mode (or Blocked). */
export interface VentureDecision extends Omit<Decision, 'state'> {
  /** Hold only: why, when it is news. */
  cause?: HoldCause;
  /** Set when a guard blocked a termination: the controller records the decision as Blocked. */
  blocked?: { by: BlockedBy; action: DecisionAction };
}

export interface DecisionInput {
  venture: VentureIdentity;
  audit: VentureAudit;
  policy: VentureSpec['policy'];
  scaling: Pick<VentureSpec['scaling'], 'minReplicas' | 'maxReplicas' | 'factor' | 'requests'>;
  /** Least time between two Scale decisions; none is no cooldown. */
  cooldownMs?: number;
  /** Replicas the venture runs now (spec.replicas). */
  replicas: number;
  /** The containers as they run now, for raising requests; none leaves requests alone. */
  containers?: readonly ContainerResources[];
  /** The provider's reason when it could read nothing (e.g. PrometheusUnreachable). */
  unavailableBecause?: string;
  /**
   * Qualifying audits in a row a Scale needs: 1, plus the extra confirmations AUREA learned to ask for
   * when Scale decisions kept failing (src/engine/aurea/learning.ts).
   */
  scaleConfirmations?: number;
  /**
   * From status: `failingAudits`, `failingSince`, `qualifyingAudits`, `metrics.observedAt` of the previous
   * audit, `lastScaleTime`.
   */
  previous: {
    failingAudits?: number;
    failingSince?: string;
    qualifyingAudits?: number;
    auditedAt?: string;
    scaledAt?: string;
  };
}

export interface Verdict {
  decision: VentureDecision;
  /** The failing-audit streak to store in status.failingAudits. */
  failingAudits: number;
  /** When the streak began (status.failingSince); none without a streak. */
  failingSince?: string;
  /** Audits in a row that met every scale threshold since the last Scale (status.qualifyingAudits). */
  qualifyingAudits?: number;
}

/**
 * The same venture, audit basis and action always give the same id, so deciding the same audit again
 * (after a restart, or a second reconcile before new samples arrive) never makes a second decision.
 */
export function decisionId(venture: VentureIdentity, basis: string, action: DecisionAction): string {
  const key = [venture.namespace, venture.name, venture.uid ?? '', basis, action].join('\n');
  return `${action.toLowerCase()}-${shortHash(key)}`;
}

/**
 * What the audit was made on: its snapshot time; without one, the outage: why the metrics are unusable
 * (the provider's reason, which samples and how) and since which good snapshot. So a hold keeps its id
 * while an outage lasts, and a new cause or a new outage is a new decision (news, with its own Event).
 */
export function auditBasis(audit: VentureAudit, unavailableBecause?: string, lastGood?: string): string {
  if (audit.metricsAvailable) return audit.snapshot.observedAt;
  const samples = audit.problems.map((p) => `${p.metric}=${p.problem}`).join(',');
  return `unavailable:${unavailableBecause ?? ''}:${samples}:after:${lastGood ?? 'never'}`;
}

export function decideVenture(input: DecisionInput, now: Date | number): Verdict {
  const { audit, policy } = input;
  const streak = count(input.previous.failingAudits);
  const decided = (action: DecisionAction, reason: string, extra: Partial<VentureDecision> = {}) => ({
    id: decisionId(
      input.venture,
      auditBasis(audit, input.unavailableBecause, input.previous.auditedAt),
      action,
    ),
    action,
    reason: clip(reason, StatusLimits.reason),
    decidedAt: isoTime(epochMs(now)),
    ...(audit.metricsAvailable && { metrics: audit.snapshot }),
    ...extra,
  });

  // Unusable metrics are not an audit: the streaks neither advance nor reset.
  if (!audit.metricsAvailable) {
    const qualifying = count(input.previous.qualifyingAudits);
    return {
      decision: decided('Hold', `holding: ${audit.reason}`, { cause: 'MetricsUnavailable' }),
      failingAudits: streak,
      ...(streak > 0 && { failingSince: input.previous.failingSince ?? isoTime(epochMs(now)) }),
      ...(qualifying > 0 && { qualifyingAudits: qualifying }),
    };
  }
  if (audit.failing) {
    // Only samples newer than the last audit's count again, so re-reading the same samples cannot terminate.
    const failingAudits = isNewer(audit.snapshot.observedAt, input.previous.auditedAt) ? streak + 1 : streak;
    const failingSince = (streak > 0 && input.previous.failingSince) || isoTime(epochMs(now));
    const failures = audit.failures.join(' and ');
    if (failingAudits >= policy.reviewPeriod) {
      return {
        decision: decided('Terminate', `${failures} for ${failingAudits} consecutive audits`),
        failingAudits,
        failingSince,
      };
    }
    return {
      decision: decided(
        'Hold',
        `under review: ${failures} (${failingAudits} of ${policy.reviewPeriod} consecutive failing audits)`,
        { cause: 'UnderReview' },
      ),
      failingAudits,
      failingSince,
    };
  }
  return { ...grow(input, audit, decided, epochMs(now)), failingAudits: 0 };
}

/** A streak from status (user-editable): a whole number ≥ 0. */
const count = (value: number | undefined) => Math.max(0, Math.trunc(Number(value) || 0));

/**
 * The phase status shows: Pending until an audit had usable numbers, Terminating once a termination is
 * applied (recommended, pending or blocked ones stay under review), UnderReview during a failing streak.
 */
export function venturePhase(verdict: Verdict, state: Decision['state'] = 'Applied', audited = true): Phase {
  if (!audited) return 'Pending';
  if (verdict.decision.action === 'Terminate' && state === 'Applied') return 'Terminating';
  return verdict.failingAudits > 0 ? 'UnderReview' : 'Active';
}

function isNewer(observedAt: string, previous: string | undefined): boolean {
  if (previous === undefined) return true;
  // An unreadable previous time counts as "not newer": waiting one more audit is the safe mistake.
  return Date.parse(observedAt) > Date.parse(previous);
}

type Decide = (action: DecisionAction, reason: string, extra?: Partial<VentureDecision>) => VentureDecision;

/**
 * A venture that is not failing: scale it, flag it for optimization, or hold. A Scale waits for
 * `scaleConfirmations` qualifying audits in a row; its own audit ends the streak.
 */
function grow(
  input: DecisionInput,
  audit: AvailableAudit,
  decided: Decide,
  now: number,
): Pick<Verdict, 'decision' | 'qualifyingAudits'> {
  const { scale } = input.policy;
  const m = audit.snapshot;
  const checks = [
    check('profit margin', m.profitMargin, scale.profitMargin, pct),
    check('ROI', m.roi, scale.roi, pct),
    check('growth', m.growthRate, scale.growthRate, (x) => `${pct(x)}/period`),
  ];
  const financial = checks.every((c) => c.met);
  const satisfaction =
    m.customerSatisfaction === undefined
      ? undefined
      : check('satisfaction', m.customerSatisfaction, scale.customerSatisfaction, (x) => x.toFixed(2));

  if (financial && (satisfaction?.met ?? true)) {
    const met = [...checks, ...(satisfaction ? [satisfaction] : [])].map((c) => c.text).join(', ');
    // Only samples newer than the last audit's confirm again, as for the failing streak.
    const previous = count(input.previous.qualifyingAudits);
    const qualifyingAudits = isNewer(m.observedAt, input.previous.auditedAt) ? previous + 1 : previous;
    const needed = Math.max(1, Math.trunc(input.scaleConfirmations ?? 1));
    const hold = (reason: string) => ({ decision: decided('Hold', reason), qualifyingAudits });
    const { minReplicas, maxReplicas, factor, requests } = input.scaling;
    const target = Math.min(maxReplicas, Math.max(minReplicas, Math.ceil(input.replicas * factor)));
    const raise = requests && input.containers ? raiseRequests(input.containers, requests) : undefined;
    const steps = [
      ...(target > input.replicas
        ? [`scale from ${input.replicas} to ${target} replicas (max ${maxReplicas})`]
        : []),
      ...(raise?.changes.length ? [`raise requests ${raise.changes.join(', ')}`] : []),
    ];
    if (steps.length) {
      const wait = cooldownLeft(input, now);
      if (wait) return hold(`${met}, but ${wait}`);
      if (needed > 1 && qualifyingAudits < needed) {
        return hold(
          `${met}, but a Scale needs ${needed} qualifying audits in a row (${needed - 1} more than the spec, learned from Scale outcomes): ${qualifyingAudits} of ${needed}`,
        );
      }
      const scale = decided('Scale', `${met}: ${steps.join('; ')}`, {
        targetReplicas: Math.max(target, input.replicas),
        ...(raise?.changes.length && { targetRequests: raise.requests }),
      });
      return { decision: scale, qualifyingAudits: 0 };
    }
    const limit =
      input.replicas >= maxReplicas
        ? `maximum reached: ${input.replicas} replicas, maxReplicas ${maxReplicas}${requests ? ', requests at their caps' : ''}`
        : `factor ${num(factor)} does not raise ${input.replicas} replicas`;
    return hold(`${met}, but ${limit}`);
  }

  const drivers: string[] = [];
  const why: string[] = [];
  const margin = m.profitMargin;
  const declining = audit.trend?.direction === 'Declining' ? audit.trend.slope : undefined;
  if (margin !== undefined && margin <= scale.profitMargin && (margin < 0 || declining !== undefined)) {
    drivers.push('profitMargin', ...(declining !== undefined ? ['trend'] : []));
    const slope =
      declining !== undefined ? `declining ${Math.abs(declining * 100).toFixed(1)} points per period` : '';
    why.push(
      margin < 0
        ? `loss-making: profit margin ${pct(margin)}${slope && `, ${slope}`}`
        : `profit margin ${pct(margin)} below the ${pct(scale.profitMargin)} scale threshold and ${slope}`,
    );
  }
  if (audit.cac && audit.cac.current > audit.cac.previous * (1 + CAC_RISE)) {
    drivers.push('cac');
    const rise = audit.cac.current / audit.cac.previous - 1;
    why.push(`CAC ${money(audit.cac.current)} up ${pct(rise)} from ${money(audit.cac.previous)}`);
  }
  if (financial && satisfaction && !satisfaction.met) {
    drivers.push('customerSatisfaction');
    why.push(`${satisfaction.text} holds back scaling that margin, ROI and growth qualify for`);
  }
  if (drivers.length) return { decision: decided('Optimize', `optimize: ${why.join('; ')}`, { drivers }) };

  return { decision: decided('Hold', `no threshold crossed: ${checks.map((c) => c.shown).join(', ')}`) };
}

/** "cooling down: …" while the last Scale is more recent than the cooldown, else undefined. */
function cooldownLeft(input: DecisionInput, now: number): string | undefined {
  const scaledAt = Date.parse(input.previous.scaledAt ?? '');
  const cooldown = input.cooldownMs ?? 0;
  if (!Number.isFinite(scaledAt)) return undefined;
  const left = scaledAt + cooldown - now;
  if (left <= 0) return undefined;
  return `cooling down: scaled at ${isoTime(scaledAt)}, next Scale possible in ${duration(left)} (cooldown ${duration(cooldown)})`;
}

function check(name: string, value: number | undefined, threshold: number, show: (x: number) => string) {
  const met = value !== undefined && value > threshold;
  const shown = value === undefined ? `${name} unknown` : `${name} ${show(value)}`;
  return { met, shown, text: `${shown} ${met ? '>' : '<='} ${show(threshold)}` };
}
