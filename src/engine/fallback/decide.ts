// decideFailover: Failover, Failback, AllTargetsDown or Hold from each target's health, with a stable id.
// Traffic moves only to a target that is healthy now; back to a preferred one only once it has proven
// itself (healthy probes in a row) and the current one has been held for the minimum time.
import { REASON_LIMIT } from '../../api/decision.js';
import type {
  FailoverActions,
  FailoverDecisionRecord,
  FallbackProtocolSpec,
  FallbackProtocolStatus,
} from '../../api/v1alpha1/fallbackProtocol.js';
import { parseDuration } from '../../api/duration.js';
import { clip, duration, isoTime, timeOr } from '../format.js';
import { shortHash } from '../decisions.js';
import type { TargetHealth } from './health.js';

export type FailoverAction = (typeof FailoverActions)[number];

/** A decision as the engine makes it; the controller adds `state` from the mode. */
export type FailoverDecision = Omit<FailoverDecisionRecord, 'state'>;

/** What decideFailover needs of the object: its identity (for ids) and its spec. */
export interface FallbackProtocolRef {
  metadata: { namespace?: string; name: string; uid?: string };
  spec: FallbackProtocolSpec;
}

/** The target traffic goes to: status says, and before any switch it is the primary. */
export const activeTargetOf = (
  spec: FallbackProtocolSpec,
  status: FallbackProtocolStatus | undefined,
): string => status?.activeTarget ?? spec.targets[0]!.name;

/**
 * The same protocol, action, move and basis (the time the fact decided on was first seen) give the same id:
 * deciding again on the same facts, after a restart or in the next reconcile, never makes a second decision,
 * and the webhook receiver sees one idempotency key per transition.
 */
export function failoverDecisionId(
  protocol: FallbackProtocolRef,
  action: FailoverAction,
  from: string,
  to: string | undefined,
  basis: string,
): string {
  const { namespace = '', name, uid = '' } = protocol.metadata;
  return `${action.toLowerCase()}-${shortHash([namespace, name, uid, action, from, to ?? '', basis].join('\n'))}`;
}

/** When the minimum hold on the active target ends: failback waits for it. */
const holdEndsAt = (spec: FallbackProtocolSpec, status: FallbackProtocolStatus | undefined, now: number) =>
  timeOr(status?.activeSince, now) + parseDuration(spec.failback.minimumHold);

/** Without traffic to read, health changes arrive from the prober: a periodic look only refreshes status. */
export const QUIET_LOOK_MS = 30_000;

/** When to look again: at the probe interval with traffic to read, and just after a minimum hold ends. */
export function nextLookMs(
  spec: FallbackProtocolSpec,
  status: FallbackProtocolStatus | undefined,
  now: number,
): number {
  const interval = parseDuration(spec.probe.interval);
  const next = spec.trigger.traffic ? interval : Math.max(interval, QUIET_LOOK_MS);
  if (!spec.failback.enabled || activeTargetOf(spec, status) === spec.targets[0]!.name) return next;
  const holdLeft = holdEndsAt(spec, status, now) - now;
  return holdLeft > 0 ? Math.min(next, holdLeft + 100) : next;
}

const describe = (t: TargetHealth) => `${t.name} ${t.state.toLowerCase()}${t.reason ? ` (${t.reason})` : ''}`;

export function decideFailover(
  protocol: FallbackProtocolRef,
  status: FallbackProtocolStatus | undefined,
  health: readonly TargetHealth[],
  now: number,
): FailoverDecision {
  const { spec } = protocol;
  const active = activeTargetOf(spec, status);
  const order = spec.targets.map((t) => t.name);
  const rank = order.indexOf(active);
  const of = (name: string) => health.find((t) => t.name === name);
  const current = of(active);
  const decided = (
    action: FailoverAction,
    reason: string,
    basis: string,
    extra: { to?: string; detectedAt?: number } = {},
  ): FailoverDecision => ({
    id: failoverDecisionId(protocol, action, active, extra.to, basis),
    action,
    reason: clip(reason, REASON_LIMIT),
    decidedAt: isoTime(now),
    from: active,
    ...(extra.to !== undefined && { to: extra.to }),
    ...(extra.detectedAt !== undefined && { detectedAt: isoTime(extra.detectedAt) }),
  });
  const hold = (cause: string, reason: string) => decided('Hold', reason, cause);

  // A target that is Up now; one more preferred than the active target must also have proven itself, so
  // traffic never returns to a target that only just came back.
  const eligible = (t: TargetHealth) =>
    t.state === 'Up' && (rank < 0 || order.indexOf(t.name) > rank || t.proven);

  if (rank >= 0 && (!current || current.state === 'Unknown')) {
    return hold(
      'WarmingUp',
      `not deciding until ${active} has fresh probes: ${current?.reason ?? 'no health'}`,
    );
  }

  if (rank < 0 || current?.state === 'Down') {
    const why = current
      ? `${active} is down: ${current.reason ?? ''}`
      : `${active} is no longer in spec.targets`;
    const next = health.find((t) => t.name !== active && eligible(t));
    if (next) {
      const seen = current ? timeOr(current.downSince, now) : now;
      return decided('Failover', `${why}; ${next.name} is healthy: ${next.reason ?? ''}`, isoTime(seen), {
        to: next.name,
        detectedAt: seen,
      });
    }
    if (health.length === order.length && health.every((t) => t.state === 'Down')) {
      // One outage of all targets is one decision: its basis is when each target went down.
      const since = health.map((t) => timeOr(t.downSince, now));
      return decided(
        'AllTargetsDown',
        `every target is down, staying on ${active}: ${health.map(describe).join('; ')}`,
        health.map((t, i) => `${t.name}@${isoTime(since[i]!)}`).join(','),
        { detectedAt: Math.max(...since) },
      );
    }
    const others = health.filter((t) => t.name !== active).map(describe);
    return hold('NoHealthyTarget', `${why}; no healthy target to move to: ${others.join('; ')}`);
  }

  // The active target is Up: fail back to a more preferred one that has proven itself, after the hold.
  const preferred = health.filter((t) => order.indexOf(t.name) < rank);
  if (!spec.failback.enabled || preferred.length === 0) return hold('Healthy', `${active} is healthy`);
  const back = preferred.find((t) => t.state === 'Up' && t.proven);
  if (!back) {
    return hold(
      'AwaitingProof',
      `${active} is healthy; no preferred target has proven itself (${spec.failback.healthyProbes} healthy probes in a row): ${preferred.map(describe).join('; ')}`,
    );
  }
  const holdUntil = holdEndsAt(spec, status, now);
  if (now < holdUntil) {
    return hold(
      'MinimumHold',
      `${back.name} has proven itself; failback after the minimum hold of ${spec.failback.minimumHold} on ${active}, in ${duration(holdUntil - now)}`,
    );
  }
  const eligibleSince = Math.max(timeOr(back.provenSince, now), holdUntil);
  return decided(
    'Failback',
    `${back.name} is healthy again (${back.reason ?? ''}) and ${active} has been active for ${spec.failback.minimumHold} or more`,
    isoTime(eligibleSince),
    { to: back.name, detectedAt: eligibleSince },
  );
}

export type Resumption =
  { verdict: 'finish' } | { verdict: 'wait'; reason: string } | { verdict: 'supersede'; reason: string };

/**
 * What to do with a recorded decision that was not carried out yet (Applying after a restart, or just
 * approved): finish it while its destination is still healthy, wait while its health is not known yet
 * (a new leader's empty windows), drop it for a fresh decision once the destination is down or gone.
 */
export function resumeDecision(
  decision: Pick<FailoverDecisionRecord, 'action' | 'to'>,
  health: readonly TargetHealth[],
): Resumption {
  if (decision.action !== 'Failover' && decision.action !== 'Failback') return { verdict: 'finish' };
  const to = health.find((t) => t.name === decision.to);
  if (!to)
    return { verdict: 'supersede', reason: `${decision.to ?? 'its target'} is no longer in spec.targets` };
  if (to.state === 'Up') return { verdict: 'finish' };
  if (to.state === 'Unknown') return { verdict: 'wait', reason: `${to.name}: ${to.reason ?? 'unknown'}` };
  return { verdict: 'supersede', reason: `${to.name} is down: ${to.reason ?? ''}` };
}
