// What a failover decision changes, as plain data: the routing applications read, the webhook's body,
// the status after a switch and its Event, and the Ready condition.
import type { ObjectEvent } from '../../api/event.js';
import type {
  FailoverDecisionRecord,
  FallbackProtocolSpec,
  FallbackProtocolStatus,
  SwitchRecord,
} from '../../api/v1alpha1/fallbackProtocol.js';
import { isoTime, timeOr } from '../format.js';
import type { FallbackProtocolRef } from './decide.js';
import type { TargetHealth } from './health.js';

/** The objects that publish the active target (each only when spec.routing names it). */
export interface Routing {
  configMap?: { name: string; data: Record<string, string> };
  /** An ExternalName Service: `<name>.<namespace>.svc` resolves to the active target's host. */
  service?: { name: string; externalName: string };
}

/** Where applications are pointed while `target` is active; none when the spec has no such target. */
export function routingFor(spec: FallbackProtocolSpec, target: string): Routing | undefined {
  const chosen = spec.targets.find((t) => t.name === target);
  if (!chosen) return undefined;
  const { configMap, service } = spec.routing ?? {};
  return {
    ...(configMap && {
      configMap: {
        name: configMap.name,
        data: { [configMap.targetKey]: chosen.name, [configMap.urlKey]: chosen.url },
      },
    }),
    ...(service && { service: { name: service.name, externalName: new URL(chosen.url).hostname } }),
  };
}

/** The webhook's JSON body; a receiver drops a repeat by its idempotency key (the decision id). */
export interface FailoverNotification {
  protocol: string;
  event: 'Failover' | 'Failback' | 'AllTargetsDown';
  from: string;
  /** Where traffic went; null when it stayed (all targets down). */
  to: string | null;
  reason: string;
  detectedAt: string | null;
  decidedAt: string;
  /** When routing pointed at `to`; null when nothing was switched. */
  appliedAt: string | null;
  idempotencyKey: string;
}

/** The notification a decision sends, or none for a Hold. */
export function notificationFor(
  protocol: FallbackProtocolRef,
  decision: FailoverDecisionRecord,
): FailoverNotification | undefined {
  if (decision.action === 'Hold') return undefined;
  const { namespace, name } = protocol.metadata;
  return {
    protocol: namespace ? `${namespace}/${name}` : name,
    event: decision.action,
    from: decision.from,
    to: decision.to ?? null,
    reason: decision.reason,
    detectedAt: decision.detectedAt ?? null,
    decidedAt: decision.decidedAt,
    appliedAt: decision.appliedAt ?? null,
    idempotencyKey: decision.id,
  };
}

/** The transitions carried out and not yet acknowledged by the webhook, oldest first: each is told once. */
export const unnotified = (
  history: readonly FailoverDecisionRecord[] | undefined,
): FailoverDecisionRecord[] =>
  (history ?? []).filter((d) => d.action !== 'Hold' && d.state === 'Applied' && !d.notifiedAt).reverse();

/** The switch a Failover or Failback made once routing points at its target, with how long it took. */
export function switchRecord(decision: FailoverDecisionRecord, appliedAt: number): SwitchRecord | undefined {
  if ((decision.action !== 'Failover' && decision.action !== 'Failback') || !decision.to) return undefined;
  const detectedAt = timeOr(decision.detectedAt, timeOr(decision.decidedAt, appliedAt));
  return {
    action: decision.action,
    decisionId: decision.id,
    from: decision.from,
    to: decision.to,
    reason: decision.reason,
    detectedAt: isoTime(detectedAt),
    decidedAt: decision.decidedAt,
    appliedAt: isoTime(appliedAt),
    durationSeconds: Math.max(0, (appliedAt - detectedAt) / 1000),
  };
}

/** A switch told to humans: a failover is a Warning (a gateway broke), a failback Normal; one series per decision. */
export function switchEvent(record: SwitchRecord): ObjectEvent {
  const failover = record.action === 'Failover';
  return {
    type: failover ? 'Warning' : 'Normal',
    reason: failover ? 'GatewayFailover' : 'GatewayFailback',
    note: `${record.from} → ${record.to} in ${record.durationSeconds.toFixed(2)}s from detection: ${record.reason}`,
    series: record.decisionId,
  };
}

/** Status after a switch: the new active target, its start, the counters and lastFailover. */
export function afterSwitch(
  status: FallbackProtocolStatus,
  record: SwitchRecord,
): Pick<FallbackProtocolStatus, 'activeTarget' | 'activeSince' | 'failovers' | 'failbacks' | 'lastFailover'> {
  const failover = record.action === 'Failover';
  return {
    activeTarget: record.to,
    activeSince: record.appliedAt,
    failovers: (status.failovers ?? 0) + (failover ? 1 : 0),
    failbacks: (status.failbacks ?? 0) + (failover ? 0 : 1),
    lastFailover: record,
  };
}

export interface Readiness {
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

/** Ready: the active target is up. */
export function readiness(active: string, health: readonly TargetHealth[]): Readiness {
  const current = health.find((t) => t.name === active);
  if (health.length > 0 && health.every((t) => t.state === 'Down')) {
    return {
      status: 'False',
      reason: 'AllTargetsDown',
      message: `every target is down; staying on ${active}`,
    };
  }
  if (!current)
    return { status: 'False', reason: 'ActiveTargetRemoved', message: `${active} is not in spec.targets` };
  const message = `${active}: ${current.reason ?? current.state}`;
  if (current.state === 'Up') return { status: 'True', reason: 'ActiveTargetUp', message };
  if (current.state === 'Down') return { status: 'False', reason: 'ActiveTargetDown', message };
  return { status: 'Unknown', reason: 'AwaitingProbes', message };
}
