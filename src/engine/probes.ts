// A target's window of recent probes summed up: failures and successes in a row, error rate, and whether it
// is Up, Down or not yet known. One rule for every kind that probes (FallbackProtocol, RegionPair).
import { duration, num, pct } from './format.js';

/** One probe as the prober saw it. */
export interface ProbeResult {
  /** When the probe was sent (epoch ms); the window is ordered by it. */
  startedAt: number;
  /** Time to the answer's status line; a probe that timed out has the timeout as its latency. */
  latencyMs: number;
  ok: boolean;
  /** HTTP status, when there was an answer. */
  status?: number;
  /** Why it failed, e.g. "HTTP 500 (expected 200–399)" or "no answer within 2s". */
  error?: string;
}

/** When a target is down and when it has proven itself healthy (a kind's trigger and failback, mapped). */
export interface ProbeRules {
  /** Probes kept; failures and successes in a row are counted in them. */
  window: number;
  /** Failures in a row that make a target Down; also the probes needed before anything is known. */
  consecutiveFailures: number;
  /** Share of failed probes in a full window above which a target is Down; one failure is never a rate. */
  errorRate: number;
  /** Successes in a row after which an Up target is proven (failback may return to it). */
  healthyProbes: number;
  /** A probe slower than this failed, whatever it answered. */
  timeoutMs: number;
}

export type ProbeState = 'Unknown' | 'Up' | 'Down';

export interface ProbeSummary {
  state: ProbeState;
  /** Why, quoting the numbers. */
  reason: string;
  /** Probes in the window. */
  probes: number;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  /** Share of failed probes in the window; none without probes. */
  errorRate?: number;
  /** Up, with healthyProbes successes in a row and a full window's error rate within the threshold. */
  proven: boolean;
  /** The newest probe. */
  last?: ProbeResult;
  /** The newest failed probe, and why it failed. */
  lastFailure?: ProbeResult & { error: string };
  /** When the window first showed the target Down in the current outage. */
  downSince?: number;
  /** When the target first counted as proven in the current healthy run. */
  provenSince?: number;
}

/** Failures a window must hold before its error rate can make a target Down: one failure is a blip. */
export const MIN_RATE_FAILURES = 2;

/** The window with `result` in start order, keeping the newest `size` probes. */
export function addProbe(window: readonly ProbeResult[], result: ProbeResult, size: number): ProbeResult[] {
  const next = [...window];
  let at = next.length;
  // Probes overlap when the timeout is longer than the interval, so a slow one can finish after a newer one.
  while (at > 0 && next[at - 1]!.startedAt > result.startedAt) at--;
  next.splice(at, 0, result);
  return next.slice(Math.max(0, next.length - size));
}

/** A probe failed when it says so, or when its answer came later than the timeout. */
export const failed = (probe: ProbeResult, rules: Pick<ProbeRules, 'timeoutMs'>): boolean =>
  !probe.ok || probe.latencyMs > rules.timeoutMs;

const why = (probe: ProbeResult, rules: ProbeRules): string =>
  probe.ok
    ? `answered after ${duration(probe.latencyMs)}, past the ${duration(rules.timeoutMs)} timeout`
    : (probe.error ?? 'failed');

/** Probes at the end of `window` that failed (or succeeded) in a row. */
function streak(window: readonly ProbeResult[], rules: ProbeRules, failures: boolean): number {
  let count = 0;
  for (let i = window.length - 1; i >= 0 && failed(window[i]!, rules) === failures; i--) count++;
  return count;
}

/**
 * Sums up `window` (oldest first) at `now`. Nothing is known before `consecutiveFailures` probes: a newly
 * started prober decides nothing on fewer. The error rate counts once the window is full, so one failure
 * among the first few probes is not a 33 % error rate, and once it holds two failures: one failed probe is a
 * blip, not a rate (in a window of 10 it would be 10 %, above the seed's 5 %, and fail a target over on it
 * alone). `previous` carries downSince and provenSince along.
 */
export function summarizeProbes(
  window: readonly ProbeResult[],
  rules: ProbeRules,
  previous: ProbeSummary | undefined,
  now: number,
): ProbeSummary {
  const probes = window.length;
  const consecutiveFailures = streak(window, rules, true);
  const consecutiveSuccesses = streak(window, rules, false);
  const failures = window.filter((p) => failed(p, rules)).length;
  const errorRate = probes ? failures / probes : undefined;
  const last = window.at(-1);
  const failure = window.findLast((p) => failed(p, rules));
  const lastFailure = failure && { ...failure, error: why(failure, rules) };
  const base = { probes, consecutiveFailures, consecutiveSuccesses, errorRate, last, lastFailure };

  if (probes < rules.consecutiveFailures) {
    return {
      ...base,
      state: 'Unknown',
      proven: false,
      reason: `${probes} of ${rules.consecutiveFailures} fresh probes so far`,
    };
  }
  const down: string[] = [];
  if (consecutiveFailures >= rules.consecutiveFailures) {
    down.push(`${consecutiveFailures} failed probes in a row (last: ${lastFailure!.error})`);
  }
  if (probes >= rules.window && failures >= MIN_RATE_FAILURES && errorRate! > rules.errorRate) {
    down.push(`error rate ${pct(errorRate!)} of the last ${probes} probes > ${pct(rules.errorRate)}`);
  }
  if (down.length) {
    const downSince = previous?.state === 'Down' ? (previous.downSince ?? now) : now;
    return { ...base, state: 'Down', proven: false, reason: down.join('; '), downSince };
  }
  // Proven health is held to the stricter rule: a full window's single failure above the rate still
  // keeps traffic from returning (one blip does not fail a target over, nor does it prove one healthy).
  const withinRate = probes < rules.window || errorRate! <= rules.errorRate;
  const proven = consecutiveSuccesses >= rules.healthyProbes && withinRate;
  const provenSince = proven ? (previous?.proven ? (previous.provenSince ?? now) : now) : undefined;
  const latency = last ? `, last answer in ${duration(last.latencyMs)}` : '';
  return {
    ...base,
    state: 'Up',
    proven,
    provenSince,
    reason: `${consecutiveSuccesses} healthy probes in a row, error rate ${pct(errorRate!)} of ${num(probes)}${latency}`,
  };
}

/** What in a summary is news to a controller: a change of state, or of proven health. */
export const probeSignal = (summary: ProbeSummary | undefined): string =>
  summary ? `${summary.state}${summary.proven ? '+proven' : ''}` : 'none';

/**
 * A window whose newest probe started longer ago than two intervals and a timeout is stale: the prober
 * stopped or fell behind, and what it says is no longer news about the target.
 */
export const isStale = (summary: ProbeSummary, intervalMs: number, timeoutMs: number, now: number): boolean =>
  !summary.last || now - summary.last.startedAt > 2 * intervalMs + timeoutMs;
