// Each target's health from the prober's window and the real traffic's error rate: Up, Down or Unknown,
// with the numbers and the time the outage was first seen. Missing, stale or thin data is never "down".
import { REASON_LIMIT } from '../../api/decision.js';
import type { FallbackProtocolSpec, TargetHealthStatus } from '../../api/v1alpha1/fallbackProtocol.js';
import { parseDuration } from '../../api/duration.js';
import { clip, duration, isoTime, num, pct, timeOr } from '../format.js';
import { isStale, type ProbeRules, type ProbeSummary } from '../probes.js';
import type { Sample } from '../venture/metrics.js';

/** The traffic's error rate for one target, from trigger.traffic's two queries. */
export interface TrafficReading {
  /** None when the query returned no series (no traffic, or the exporter is gone). */
  errorRate?: Sample;
  requests?: Sample;
  /** The queries failed (Prometheus unreachable, bad PromQL): nothing is judged. */
  error?: string;
}

export interface TargetObservation {
  /** The prober's summary of the target's window; none when the prober has not probed it. */
  probes?: ProbeSummary;
  traffic?: TrafficReading;
}

/** A target's status entry, and whether it has proven itself healthy enough to fail back to. */
export interface TargetHealth extends TargetHealthStatus {
  proven: boolean;
}

/** Status entries are written back as they are; `proven` is the engine's own. */
export const targetStatus = ({ proven: _proven, ...entry }: TargetHealth): TargetHealthStatus => entry;

/** Health as status recorded it (what `autopilot plan` decides from): proven exactly when provenSince was written. */
export const recordedHealth = (entries: readonly TargetHealthStatus[] | undefined): TargetHealth[] =>
  (entries ?? []).map((entry) => ({
    ...entry,
    proven: entry.state === 'Up' && entry.provenSince !== undefined,
  }));

/** The kind's trigger and failback as the prober's rules. */
export const probeRules = (spec: FallbackProtocolSpec): ProbeRules => ({
  window: spec.trigger.window,
  consecutiveFailures: spec.trigger.consecutiveFailures,
  errorRate: spec.trigger.errorRate,
  healthyProbes: spec.failback.healthyProbes,
  timeoutMs: parseDuration(spec.trigger.timeout),
});

/**
 * Judges the traffic's error rate, or says why it cannot be judged. Clocks of Prometheus and the operator
 * differ a little; a sample up to a minute in the future still counts.
 */
function judgeTraffic(
  reading: TrafficReading | undefined,
  spec: FallbackProtocolSpec,
  now: number,
): { down: boolean; note?: string; errorRate?: number; requests?: number } {
  const traffic = spec.trigger.traffic;
  if (!traffic || !reading) return { down: false };
  if (reading.error) return { down: false, note: `traffic not judged: ${reading.error}` };
  const { errorRate, requests } = reading;
  if (!errorRate || !requests) return { down: false, note: 'traffic not judged: no data' };
  const maxAge = parseDuration(traffic.maxSampleAge);
  const age = now - Math.min(errorRate.at, requests.at);
  if (!(age <= maxAge) || !(age >= -60_000)) {
    return {
      down: false,
      note: `traffic not judged: sample ${duration(age)} old, max age ${traffic.maxSampleAge}`,
    };
  }
  if (!Number.isFinite(requests.value) || !(requests.value >= traffic.minimumRequests)) {
    return {
      down: false,
      note: `traffic not judged: ${num(requests.value)} requests < minimumRequests ${traffic.minimumRequests}`,
    };
  }
  if (!Number.isFinite(errorRate.value) || errorRate.value < 0) {
    return { down: false, note: `traffic not judged: error rate ${String(errorRate.value)} is not a rate` };
  }
  const observed = { errorRate: errorRate.value, requests: requests.value };
  const verdict = `traffic error rate ${pct(errorRate.value)} of ${num(requests.value)} requests`;
  return errorRate.value > spec.trigger.errorRate
    ? { down: true, note: `${verdict} > ${pct(spec.trigger.errorRate)}`, ...observed }
    : { down: false, ...observed };
}

/** One target's health at `now`; `previous` is its entry in status, which carries downSince across reconciles. */
export function assessTarget(
  spec: FallbackProtocolSpec,
  name: string,
  observation: TargetObservation | undefined,
  previous: TargetHealthStatus | undefined,
  now: number,
): TargetHealth {
  const probes = observation?.probes;
  const intervalMs = parseDuration(spec.probe.interval);
  const timeoutMs = parseDuration(spec.trigger.timeout);
  const counts = {
    name,
    probes: probes?.probes ?? 0,
    consecutiveFailures: probes?.consecutiveFailures ?? 0,
    consecutiveSuccesses: probes?.consecutiveSuccesses ?? 0,
    ...(probes?.errorRate !== undefined && { errorRate: probes.errorRate }),
    ...(probes?.last && {
      latencyMs: Math.round(probes.last.latencyMs),
      lastProbeTime: isoTime(probes.last.startedAt),
    }),
    ...(probes?.lastFailure && { lastError: clip(probes.lastFailure.error, REASON_LIMIT) }),
  };
  const unknown = (reason: string): TargetHealth => ({
    ...counts,
    state: 'Unknown',
    reason: clip(reason, REASON_LIMIT),
    proven: false,
  });
  if (!probes) return unknown('not probed yet');
  if (isStale(probes, intervalMs, timeoutMs, now)) {
    const age = probes.last
      ? `the last probe started ${duration(now - probes.last.startedAt)} ago`
      : 'no probes';
    return unknown(`probes are stale: ${age}`);
  }
  // Cold start: until the prober's own window says something, the traffic alone decides nothing either.
  if (probes.state === 'Unknown') return unknown(`waiting for fresh probes: ${probes.reason}`);

  const traffic = judgeTraffic(observation?.traffic, spec, now);
  const withTraffic = {
    ...counts,
    ...(traffic.errorRate !== undefined && { trafficErrorRate: traffic.errorRate }),
    ...(traffic.requests !== undefined && { trafficRequests: traffic.requests }),
  };
  if (probes.state === 'Down' || traffic.down) {
    const reasons = [probes.state === 'Down' ? probes.reason : undefined, traffic.note].filter(Boolean);
    // The earliest sighting of this outage: the previous reconcile's, or the window's (a new leader's is later).
    const seen = Math.min(
      previous?.state === 'Down' ? timeOr(previous.downSince, now) : now,
      probes.state === 'Down' ? (probes.downSince ?? now) : now,
    );
    return {
      ...withTraffic,
      state: 'Down',
      reason: clip(reasons.join('; '), REASON_LIMIT),
      downSince: isoTime(seen),
      proven: false,
    };
  }
  return {
    ...withTraffic,
    state: 'Up',
    reason: clip([probes.reason, traffic.note].filter(Boolean).join('; '), REASON_LIMIT),
    proven: probes.proven,
    ...(probes.proven && { provenSince: isoTime(probes.provenSince ?? now) }),
  };
}

/** Every target's health, in spec order. */
export function assessTargets(
  spec: FallbackProtocolSpec,
  observations: Readonly<Record<string, TargetObservation | undefined>>,
  previous: readonly TargetHealthStatus[] | undefined,
  now: number,
): TargetHealth[] {
  return spec.targets.map((target) =>
    assessTarget(
      spec,
      target.name,
      observations[target.name],
      previous?.find((entry) => entry.name === target.name),
      now,
    ),
  );
}
