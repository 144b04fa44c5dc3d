// Safety guards on terminations (DESIGN §4.2): protection, a per-namespace rate limit and a portfolio circuit breaker.
import { StatusLimits } from '../../api/v1alpha1/venture.js';
import { shortHash } from '../decisions.js';
import type { BlockedBy, Phase, VentureDecision } from './decision.js';
import { clip, duration, epochMs, pct, timeOr } from '../format.js';

export const PROTECTED_ANNOTATION = 'autopilot.ventures/protected';

export interface RateLimit {
  terminations: number;
  perMs: number;
}
export const DEFAULT_RATE_LIMIT: RateLimit = { terminations: 1, perMs: 60 * 60 * 1000 };

export interface CircuitBreaker {
  /** Losing more than this share of the portfolio at once trips the breaker. */
  maxShare: number;
  /** Below this many terminations the breaker never trips: one venture alone is not a stampede. */
  minTerminations: number;
  /** How far back a termination still counts as part of this wave (the rate limit's window). */
  windowMs: number;
}
export const DEFAULT_CIRCUIT_BREAKER: CircuitBreaker = {
  maxShare: 0.5,
  minTerminations: 2,
  windowMs: DEFAULT_RATE_LIMIT.perMs,
};

/** A Terminate turned into a Hold: a new id, so approving the blocked decision cannot approve a termination. */
export function blockTermination(decision: VentureDecision, by: BlockedBy, why: string): VentureDecision {
  if (decision.action !== 'Terminate') return decision;
  return {
    ...decision,
    id: `hold-${shortHash(`${decision.id}\n${by}`)}`,
    action: 'Hold',
    reason: clip(`termination blocked: ${why}; would terminate: ${decision.reason}`, StatusLimits.reason),
    blocked: { by, action: 'Terminate' },
  };
}

export function isProtected(venture: { protected?: boolean; annotations?: Record<string, string> }): boolean {
  return venture.protected === true || venture.annotations?.[PROTECTED_ANNOTATION] === 'true';
}

export function guardProtected(
  decision: VentureDecision,
  venture: { protected?: boolean; annotations?: Record<string, string> },
): VentureDecision {
  if (!isProtected(venture)) return decision;
  const how =
    venture.protected === true ? 'spec.protected is true' : `annotation ${PROTECTED_ANNOTATION} is "true"`;
  return blockTermination(decision, 'Protected', `the venture is protected (${how})`);
}

export type RateLimitVerdict = { allowed: true } | { allowed: false; reason: string; retryAt: number };

/**
 * May the namespace terminate one more venture now? `terminations` are the times of past terminations
 * in the namespace (status.terminatedAt of its ventures). An unreadable time counts as just now: a
 * wrongly blocked termination waits, a wrongly allowed one cannot be undone.
 */
export function mayTerminate(
  terminations: readonly (Date | number | string)[],
  now: Date | number,
  limit: RateLimit = DEFAULT_RATE_LIMIT,
): RateLimitVerdict {
  const at = epochMs(now);
  const times = terminations.map((t) => timeOr(t, at));
  const recent = times.filter((t) => at - t < limit.perMs).sort((a, b) => a - b);
  if (recent.length < limit.terminations) return { allowed: true };
  if (limit.terminations <= 0) {
    return { allowed: false, retryAt: Infinity, reason: 'rate limit: terminations are disabled (limit 0)' };
  }
  // The oldest terminations in the window have to age out before another one fits.
  const retryAt = recent[recent.length - limit.terminations]! + limit.perMs;
  return {
    allowed: false,
    retryAt,
    reason: `rate limit: ${recent.length} termination(s) in this namespace within the last ${duration(limit.perMs)} (limit ${limit.terminations}); next possible in ${duration(retryAt - at)}`,
  };
}

export function guardRateLimit(
  decision: VentureDecision,
  terminations: readonly (Date | number | string)[],
  now: Date | number,
  limit: RateLimit = DEFAULT_RATE_LIMIT,
): VentureDecision {
  if (decision.action !== 'Terminate') return decision;
  const verdict = mayTerminate(terminations, now, limit);
  return verdict.allowed ? decision : blockTermination(decision, 'RateLimited', verdict.reason);
}

/**
 * A termination waits until every other venture of the namespace has been audited since this one began
 * failing. The circuit breaker counts only the failures status shows; ventures that fail together (a
 * broken metrics source) must all have been seen before the first of them goes.
 */
export function guardPortfolioSeen(
  decision: VentureDecision,
  failingSince: string | undefined,
  others: readonly { name: string; lastAuditTime?: string }[],
): VentureDecision {
  if (decision.action !== 'Terminate' || failingSince === undefined) return decision;
  const since = Date.parse(failingSince);
  // An unreadable time counts as not yet audited: waiting one more audit is the safe mistake.
  const unseen = others.filter((o) => !(Date.parse(o.lastAuditTime ?? '') >= since)).map((o) => o.name);
  if (!unseen.length) return decision;
  const names = unseen.slice(0, 5).join(', ') + (unseen.length > 5 ? ', …' : '');
  return blockTermination(
    decision,
    'CircuitBreaker',
    `circuit breaker: waiting until every venture in the namespace has been audited since this one began failing at ${failingSince} (not yet: ${names})`,
  );
}

export interface PlannedDecision {
  name: string;
  decision: VentureDecision;
}

/**
 * When too much of the portfolio is lost at once, the cause is more likely a broken metrics source or a
 * bad policy edit than that many failing ventures: block every termination. `planned` is the whole
 * portfolio, each venture as a Terminate if it is failing, terminating or was terminated within the
 * window (each may be the next to go), else what it decided.
 */
export function guardCircuitBreaker(
  planned: readonly PlannedDecision[],
  breaker: CircuitBreaker = DEFAULT_CIRCUIT_BREAKER,
): PlannedDecision[] {
  const terminating = planned.filter((p) => p.decision.action === 'Terminate').length;
  const share = planned.length ? terminating / planned.length : 0;
  if (terminating < breaker.minTerminations || share <= breaker.maxShare) return [...planned];
  const why = `circuit breaker: ${terminating} of ${planned.length} ventures (${pct(share)}) are failing or were terminated within ${duration(breaker.windowMs)}, more than ${pct(breaker.maxShare)}`;
  return planned.map((p) => ({ ...p, decision: blockTermination(p.decision, 'CircuitBreaker', why) }));
}

/** Another venture of the namespace as the termination guards see it, from its status. */
export interface Neighbour {
  name: string;
  phase?: Phase;
  failingAudits?: number;
  /** isProtected of the venture. */
  protected: boolean;
  lastAuditTime?: string;
  terminatedAt?: string;
}

/** The venture a Terminate is for. */
export interface Candidate {
  name: string;
  protected?: boolean;
  annotations?: Record<string, string>;
  /** When its failing streak began (status.failingSince). */
  failingSince?: string;
}

export interface TerminationPolicy {
  rateLimit: RateLimit;
  /** The circuit breaker's share; its window is the rate limit's. */
  maxShare: number;
}

/**
 * Every termination guard in order: protection, the wait until the namespace was seen, the circuit
 * breaker, the rate limit. `reserved` are terminations the caller decided that status may not show yet.
 */
export function guardTermination(
  decision: VentureDecision,
  candidate: Candidate,
  neighbours: readonly Neighbour[],
  reserved: ReadonlyMap<string, number>,
  now: number,
  policy: TerminationPolicy,
): VentureDecision {
  if (decision.action !== 'Terminate') return decision;
  const { rateLimit } = policy;
  const recent = recentTerminations(neighbours, reserved, now, rateLimit.perMs);
  const active = neighbours.filter((n) => n.phase !== 'Terminated' && n.phase !== 'Terminating');
  const seen = guardPortfolioSeen(guardProtected(decision, candidate), candidate.failingSince, active);
  const counted = neighbours
    .filter((n) => n.phase !== 'Terminated' || recent.has(n.name))
    .map((n) => ({ name: n.name, decision: atRisk(n, recent.has(n.name)) }));
  const planned = guardCircuitBreaker([...counted, { name: candidate.name, decision: seen }], {
    ...DEFAULT_CIRCUIT_BREAKER,
    maxShare: policy.maxShare,
    windowMs: rateLimit.perMs,
  });
  return guardRateLimit(planned.at(-1)!.decision, [...recent.values()], now, rateLimit);
}

/**
 * The namespace's terminations within the window, by venture, each once: status.terminatedAt (an
 * unreadable one counts as now: a wrongly blocked termination waits, the other kind is final), then
 * the reserved ones status does not show yet.
 */
export function recentTerminations(
  neighbours: readonly Neighbour[],
  reserved: ReadonlyMap<string, number>,
  now: number,
  windowMs: number,
): Map<string, number> {
  const times = new Map<string, number>();
  for (const n of neighbours) if (n.terminatedAt) times.set(n.name, timeOr(n.terminatedAt, now));
  for (const [name, at] of reserved) if (!times.has(name)) times.set(name, at);
  for (const [name, at] of times) if (now - at >= windowMs) times.delete(name);
  return times;
}

/**
 * A neighbour as the circuit breaker counts it: a Terminate when it is failing (under review, it may be
 * the next to go), terminating, or was terminated within the window; protected ones never go.
 */
function atRisk(n: Neighbour, terminatedRecently: boolean): VentureDecision {
  const failing = (n.failingAudits ?? 0) > 0 && !n.protected;
  const terminating = failing || terminatedRecently || n.phase === 'Terminating';
  return { id: n.name, action: terminating ? 'Terminate' : 'Hold', reason: '', decidedAt: '' };
}
