// Whether a region is up or down by this cluster's own probes of its endpoint (the shared probe window of
// src/engine/probes.ts under the seed's regional trigger); stale or too few probes are never "down".
import type { RegionPairSpec, RegionPairStatus } from '../../api/v1alpha1/regionPair.js';
import { parseDuration } from '../../api/duration.js';
import { clip, duration, isoTime } from '../format.js';
import { isStale, type ProbeRules, type ProbeSummary } from '../probes.js';

/** The RegionPair's health check and failback as the prober's rules. */
export const regionProbeRules = (spec: RegionPairSpec): ProbeRules => ({
  window: spec.healthCheck.window,
  consecutiveFailures: spec.healthCheck.failureThreshold,
  // Down when availability falls below the threshold over a full window, i.e. the error rate rises above.
  errorRate: 1 - spec.healthCheck.availability,
  healthyProbes: spec.failback.healthyChecks,
  timeoutMs: spec.healthCheck.responseTimeMs,
});

export type RegionState = 'Up' | 'Down' | 'Unknown';

export interface RegionVerdict {
  state: RegionState;
  /** Quotes the numbers it was judged on, starting with the region. */
  reason: string;
  /** Up with failback.healthyChecks successes in a row: fit to fail back to. */
  proven: boolean;
}

/**
 * Down and Up as the probe window says; Unknown when it has not enough fresh probes, when it is stale (the
 * prober stopped or fell behind), and while the last probes failed below the threshold: a region that
 * just failed is neither fit to take traffic nor down.
 */
export function judgeRegion(
  name: string,
  probes: ProbeSummary | undefined,
  spec: RegionPairSpec,
  now: number,
): RegionVerdict {
  const verdict = (state: RegionState, reason: string, proven = false) => ({
    state,
    reason: `${name}: ${reason}`,
    proven,
  });
  if (!probes) return verdict('Unknown', 'not probed yet');
  if (isStale(probes, parseDuration(spec.healthCheck.interval), spec.healthCheck.responseTimeMs, now)) {
    const age = probes.last
      ? `the last probe started ${duration(now - probes.last.startedAt)} ago`
      : 'no probes';
    return verdict('Unknown', `probes are stale: ${age}`);
  }
  if (probes.state === 'Unknown') return verdict('Unknown', `${probes.reason} (cold start)`);
  if (probes.state === 'Down') return verdict('Down', probes.reason);
  if (probes.consecutiveFailures > 0) {
    return verdict(
      'Unknown',
      `failing, ${probes.consecutiveFailures} of ${spec.healthCheck.failureThreshold} failed probes in a row`,
    );
  }
  return verdict('Up', probes.reason, probes.proven);
}

export type RegionHealthStatus = NonNullable<RegionPairStatus['regions']>[number];

/** A region's entry in status.regions, from its probe window and verdict. */
export function regionHealthStatus(
  name: string,
  probes: ProbeSummary | undefined,
  verdict: RegionVerdict,
): RegionHealthStatus {
  return {
    name,
    healthy: verdict.state === 'Up',
    consecutiveFailures: probes?.consecutiveFailures ?? 0,
    consecutiveSuccesses: probes?.consecutiveSuccesses ?? 0,
    ...(probes?.errorRate !== undefined && { availability: 1 - probes.errorRate }),
    ...(probes?.last && {
      responseTimeMs: Math.round(probes.last.latencyMs),
      lastCheckTime: isoTime(probes.last.startedAt),
    }),
    ...(probes?.lastFailure && { lastError: clip(probes.lastFailure.error, 1024) }),
  };
}
