// auditVenture: what a venture's business metrics say right now — derived metrics, health, trend and risks.
import { StatusLimits, type VentureSpec, type VentureStatus } from '../../api/v1alpha1/venture.js';
import { clip, epochMs, isoTime, money, num, pct } from '../format.js';
import { scoreHealth, type Health } from './health.js';
import {
  earlierPeriods,
  leastSquaresSlope,
  periodOf,
  periodSettings,
  recordAudit,
  type AuditSnapshot,
  type MeasuredSnapshot,
  type Period,
  type PeriodOptions,
} from './history.js';
import {
  MetricNames,
  readSample,
  RequiredMetrics,
  type MetricName,
  type MetricProblem,
  type MetricsObservation,
} from './metrics.js';

export type Trend = NonNullable<VentureStatus['trend']>;

/** A change of the margin smaller than one point per period is noise, not a trend. */
export const TREND_DEAD_BAND = 0.01;
/**
 * Growth and the margin trend are rates per period: they are fitted only once the audits with revenue span at
 * least this many periods. Over less they extrapolate noise (two audits minutes apart across a period boundary
 * made a 5 % error read as growth of 200 %/period and more).
 */
export const MIN_FIT_SPAN_PERIODS = 1;
/** CAC up by more than this share period over period is worth optimizing. */
export const CAC_RISE = 0.1;

export interface AuditInput extends PeriodOptions {
  observation: MetricsObservation;
  /** The `history` of the previous audit, as stored in status. */
  history?: readonly AuditSnapshot[];
  policy: VentureSpec['policy'];
  /** Samples older than this (ms) are stale, i.e. not data. */
  maxSampleAge: number;
  /** Why the provider could read nothing (unreachable, refused): the reason of the unavailable audit. */
  readError?: string;
}

interface AuditBase {
  /** Optional metrics left out of this audit and why; their thresholds were not evaluated. */
  ignored: MetricProblem[];
  /** The history to store in status for the next audit. */
  history: AuditSnapshot[];
}

export interface UnavailableAudit extends AuditBase {
  metricsAvailable: false;
  /** Which required metric is unusable and why, e.g. "metrics unavailable: revenue sample is missing". */
  reason: string;
  problems: MetricProblem[];
}

export type AuditedSnapshot = MeasuredSnapshot & { burnRate: number; consecutiveLosses: number };

export interface AvailableAudit extends AuditBase {
  metricsAvailable: true;
  snapshot: AuditedSnapshot;
  health: Health;
  /** Absent until the audits with revenue span MIN_FIT_SPAN_PERIODS. */
  trend?: Trend;
  /** CAC of the previous and the current period, when both are known. */
  cac?: { previous: number; current: number };
  /** Termination thresholds crossed, quoting the numbers; any one makes the audit fail. */
  failures: string[];
  failing: boolean;
  risks: string[];
}

export type VentureAudit = AvailableAudit | UnavailableAudit;

type Readings = Partial<Record<MetricName, { value: number; at: number }>>;

export function auditVenture(input: AuditInput, now: Date | number): VentureAudit {
  const at = epochMs(now);
  const readings: Readings = {};
  const problems: MetricProblem[] = [];
  for (const metric of MetricNames) {
    const reading = readSample(metric, input.observation[metric], at, input.maxSampleAge);
    if (reading.ok) readings[metric] = reading;
    else problems.push(reading.problem);
  }
  const blocking = problems.filter((p) => RequiredMetrics.includes(p.metric));
  const ignored = problems.filter((p) => !RequiredMetrics.includes(p.metric));
  const { revenue, costs } = readings;
  if (blocking.length || !revenue || !costs) {
    return {
      metricsAvailable: false,
      reason: input.readError ?? `metrics unavailable: ${blocking.map((p) => p.detail).join('; ')}`,
      problems: blocking,
      ignored,
      history: [...(input.history ?? [])],
    };
  }

  // The snapshot is as old as its oldest sample: that is when all its numbers were last true together.
  const observedAt = Math.min(...Object.values(readings).map((sample) => sample.at));
  const { periodMs, window } = periodSettings(input);
  const current = periodOf(observedAt, periodMs);
  const earlier = earlierPeriods(input.history, observedAt, periodMs);
  const snapshot = measure(revenue.value, costs.value, readings, observedAt, earlier.at(-1), periodMs);
  const periods = [
    ...earlier.filter((p) => p.index > current - window),
    { index: current, at: observedAt, snapshot },
  ];
  const points = earningPoints(periods, periodMs);
  const growthRate = revenueGrowth(points);
  if (growthRate !== undefined) snapshot.growthRate = growthRate;
  const trend = marginTrend(points);
  const before = earlier.at(-1)?.snapshot.cac;
  const cac =
    snapshot.cac !== undefined && before !== undefined && Number.isFinite(before)
      ? { previous: before, current: snapshot.cac }
      : undefined;
  const failures = thresholdFailures(snapshot, input.policy);
  return {
    metricsAvailable: true,
    snapshot,
    health: scoreHealth(snapshot, input.policy),
    ...(trend && { trend }),
    ...(cac && { cac }),
    failures,
    failing: failures.length > 0,
    risks: riskFactors(snapshot, input.policy, trend, cac),
    ignored,
    history: recordAudit(input.history, snapshot, input),
  };
}

function measure(
  revenue: number,
  costs: number,
  readings: Readings,
  observedAt: number,
  previous: Period | undefined,
  periodMs: number,
): AuditedSnapshot {
  const profit = revenue - costs;
  const snapshot: AuditedSnapshot = {
    observedAt: isoTime(observedAt),
    revenue,
    costs,
    burnRate: Math.max(0, -profit),
    consecutiveLosses: profit < 0 ? lossStreakBefore(previous, observedAt, periodMs) + 1 : 0,
  };
  // Ratios over zero are left out rather than written as Infinity, which status cannot hold.
  if (revenue > 0) snapshot.profitMargin = profit / revenue;
  if (costs > 0) snapshot.roi = profit / costs;
  const cash = readings.cash?.value;
  if (snapshot.burnRate > 0 && cash !== undefined)
    snapshot.runwayMonths = Math.max(0, cash) / snapshot.burnRate;
  if (readings.satisfaction) snapshot.customerSatisfaction = readings.satisfaction.value;
  const customers = readings.customers?.value;
  if (customers !== undefined) snapshot.customers = customers;
  const spend = readings.acquisitionSpend?.value;
  const before = previous?.snapshot.customers;
  if (previous && before !== undefined && customers !== undefined && spend !== undefined) {
    // New customers per period, so a CAC taken days into a period is not inflated by a monthly spend.
    const newPerPeriod = (customers - before) / ((observedAt - previous.at) / periodMs);
    if (newPerPeriod > 0) snapshot.cac = spend / newPerPeriod;
  }
  return snapshot;
}

/** A whole period without an audit ends a streak: no data is never a loss. */
function lossStreakBefore(previous: Period | undefined, at: number, periodMs: number): number {
  if (!previous || previous.index !== periodOf(at, periodMs) - 1) return 0;
  const stored = previous.snapshot.consecutiveLosses;
  if (stored !== undefined && Number.isInteger(stored) && stored >= 0) return stored;
  return previous.snapshot.revenue < previous.snapshot.costs ? 1 : 0;
}

interface EarningPoint {
  /** When the audit was, in periods since the window's first audit with revenue. */
  x: number;
  revenue: number;
  margin: number;
}

/**
 * The window's audits with revenue, each at its own time rather than at its period's index: an audit early
 * in a period is not a whole period after one late in the period before. Periods without revenue are left
 * out: they have no margin, and there is no compound growth from or to zero. None until they span
 * MIN_FIT_SPAN_PERIODS.
 */
function earningPoints(
  periods: readonly Pick<Period, 'at' | 'snapshot'>[],
  periodMs: number,
): EarningPoint[] {
  const earning = periods.filter((p) => p.snapshot.revenue > 0);
  const points = earning.map(({ at, snapshot: { revenue, costs } }) => ({
    x: (at - earning[0]!.at) / periodMs,
    revenue,
    margin: (revenue - costs) / revenue,
  }));
  return (points.at(-1)?.x ?? 0) >= MIN_FIT_SPAN_PERIODS ? points : [];
}

/**
 * Revenue growth per period, compounded: e^slope − 1 for the least-squares slope of ln(revenue) over time,
 * so revenue that grows 25 % a period reads 25 % at any phase of a period.
 */
function revenueGrowth(points: readonly EarningPoint[]): number | undefined {
  const slope = leastSquaresSlope(points.map(({ x, revenue }) => ({ x, y: Math.log(revenue) })));
  return slope === undefined ? undefined : Math.expm1(slope);
}

/** The profit margin's least-squares slope over time, in points per period. */
function marginTrend(points: readonly EarningPoint[]): Trend | undefined {
  const slope = leastSquaresSlope(points.map(({ x, margin }) => ({ x, y: margin })));
  if (slope === undefined) return undefined;
  const direction = slope > TREND_DEAD_BAND ? 'Improving' : slope < -TREND_DEAD_BAND ? 'Declining' : 'Stable';
  return { direction, slope };
}

function thresholdFailures(m: AuditedSnapshot, policy: VentureSpec['policy']): string[] {
  const t = policy.terminate;
  const failures: string[] = [];
  if (m.profitMargin !== undefined && m.profitMargin < t.profitMargin) {
    failures.push(`profit margin ${pct(m.profitMargin)} < ${pct(t.profitMargin)}`);
  }
  if (m.profitMargin === undefined && m.costs > 0) {
    failures.push(`revenue 0.00 against costs ${money(m.costs)} (profit margin < ${pct(t.profitMargin)})`);
  }
  if (m.roi !== undefined && m.roi < t.roi) failures.push(`ROI ${pct(m.roi)} < ${pct(t.roi)}`);
  if (m.burnRate > t.burnRate) failures.push(`burn rate ${money(m.burnRate)}/month > ${money(t.burnRate)}`);
  if (m.runwayMonths !== undefined && m.runwayMonths < t.runwayMonths) {
    failures.push(`runway ${m.runwayMonths.toFixed(1)} months < ${num(t.runwayMonths)}`);
  }
  if (m.consecutiveLosses >= t.consecutiveLosses) {
    failures.push(`${m.consecutiveLosses} consecutive loss periods >= ${t.consecutiveLosses}`);
  }
  return failures;
}

function riskFactors(
  m: AuditedSnapshot,
  policy: VentureSpec['policy'],
  trend: Trend | undefined,
  cac: AvailableAudit['cac'],
): string[] {
  const t = policy.terminate;
  const risks: string[] = [];
  if (m.profitMargin === undefined && m.costs > 0) risks.push(`no revenue against costs ${money(m.costs)}`);
  if (m.profitMargin !== undefined && m.profitMargin < t.profitMargin) {
    risks.push(`negative margin ${pct(m.profitMargin)} below ${pct(t.profitMargin)}`);
  }
  if (m.roi !== undefined && m.roi < t.roi) risks.push(`ROI ${pct(m.roi)} below ${pct(t.roi)}`);
  if (m.burnRate > t.burnRate) risks.push(`burn rate ${money(m.burnRate)}/month above ${money(t.burnRate)}`);
  if (m.runwayMonths !== undefined && m.runwayMonths < t.runwayMonths) {
    risks.push(`runway ${m.runwayMonths.toFixed(1)} months below ${num(t.runwayMonths)}`);
  }
  if (m.consecutiveLosses >= t.consecutiveLosses)
    risks.push(`${m.consecutiveLosses} consecutive loss periods`);
  if (trend?.direction === 'Declining') {
    risks.push(`declining trend: profit margin ${(trend.slope * 100).toFixed(1)} points per period`);
  }
  if (cac && cac.current > cac.previous * (1 + CAC_RISE)) {
    risks.push(`CAC rising: ${money(cac.current)} from ${money(cac.previous)}`);
  }
  return risks.map((risk) => clip(risk, StatusLimits.risk));
}
