// Whether a region is up or down by this cluster's own health checks (the seed's regional trigger),
// and when too few fresh checks exist to tell (a cold start never counts as down).
import type { RegionPairSpec } from '../../api/v1alpha1/regionPair.js';
import { num, pct } from '../format.js';

/** What this process's checks of one region endpoint saw (the prober's window, as plain numbers). */
export interface RegionChecks {
  /** Checks this process made itself since it started (or became leader): a cold start has few. */
  checks: number;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  /** Checks in the availability window (at most healthCheck.window). */
  windowChecks: number;
  /** Share of successful checks in the window; undefined before the first check. */
  availability?: number;
  /** When the first failed check of the current run of failures was made (ms). */
  failingSince?: number;
}

export type HealthCheck = RegionPairSpec['healthCheck'];

export type RegionState = 'Up' | 'Down' | 'Unknown';

export interface RegionVerdict {
  state: RegionState;
  /** Quotes the numbers it was judged on. */
  reason: string;
}

/**
 * Down on `failureThreshold` failed checks in a row, or on availability below its threshold over a
 * full window; Unknown until this process made `failureThreshold` checks of its own; Up otherwise
 * when the last check passed (a region that just failed once is neither: Unknown, "failing").
 */
export function judgeRegion(
  name: string,
  checks: RegionChecks | undefined,
  healthCheck: HealthCheck,
): RegionVerdict {
  const need = healthCheck.failureThreshold;
  if (!checks || checks.checks < need) {
    return {
      state: 'Unknown',
      reason: `${name}: ${checks?.checks ?? 0} of ${need} fresh checks so far (cold start)`,
    };
  }
  if (checks.consecutiveFailures >= need) {
    return {
      state: 'Down',
      reason: `${name}: ${checks.consecutiveFailures} failed checks in a row (threshold ${need})`,
    };
  }
  const fullWindow = checks.windowChecks >= healthCheck.window;
  if (fullWindow && checks.availability !== undefined && checks.availability < healthCheck.availability) {
    return {
      state: 'Down',
      reason: `${name}: availability ${pct(checks.availability)} over ${checks.windowChecks} checks < ${pct(healthCheck.availability)}`,
    };
  }
  if (checks.consecutiveFailures > 0) {
    return {
      state: 'Unknown',
      reason: `${name}: failing, ${checks.consecutiveFailures} of ${need} failed checks in a row`,
    };
  }
  return { state: 'Up', reason: `${name}: up, ${num(checks.consecutiveSuccesses)} healthy checks in a row` };
}
