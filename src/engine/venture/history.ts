// The audit history kept in Venture status: one compact snapshot per period, for trends, growth, CAC and loss streaks.
import type { VentureStatus } from '../../api/v1alpha1/venture.js';

export type MetricsSnapshot = NonNullable<VentureStatus['metrics']>;

/** What an audit was made on; `customers` lets the next period derive new customers and CAC. */
export type AuditSnapshot = MetricsSnapshot & { customers?: number };

/** Revenue, costs and the seed's thresholds are monthly, so a period is a month unless the caller says otherwise. */
export const MONTH_MS = 30 * 24 * 60 * 60 * 1000;

/** Periods a trend or growth rate looks back over, the current one included; also the history's length. */
export const DEFAULT_WINDOW = 6;

export interface PeriodOptions {
  periodMs?: number;
  window?: number;
}

/** A snapshot whose revenue and costs are known: the only kind an audit records. */
export type MeasuredSnapshot = AuditSnapshot & { revenue: number; costs: number };

export interface Period {
  /** Index of the period since the epoch: audits in the same period share it. */
  index: number;
  at: number;
  snapshot: MeasuredSnapshot;
}

export const periodOf = (at: number, periodMs: number): number => Math.floor(at / periodMs);

export function periodSettings(options: PeriodOptions): { periodMs: number; window: number } {
  const periodMs = options.periodMs !== undefined && options.periodMs > 0 ? options.periodMs : MONTH_MS;
  const window =
    options.window !== undefined && Number.isInteger(options.window) && options.window >= 2
      ? options.window
      : DEFAULT_WINDOW;
  return { periodMs, window };
}

/**
 * The readable history entries of periods before `at`, oldest first, one per period (its latest audit).
 * Status is user-editable, so entries without a time or without finite revenue and costs are skipped.
 */
export function earlierPeriods(
  history: readonly AuditSnapshot[] | undefined,
  at: number,
  periodMs: number,
): Period[] {
  const current = periodOf(at, periodMs);
  const byIndex = new Map<number, Period>();
  for (const snapshot of history ?? []) {
    const time = Date.parse(snapshot.observedAt);
    if (!Number.isFinite(time) || !isMeasured(snapshot)) continue;
    const index = periodOf(time, periodMs);
    if (index >= current) continue;
    const kept = byIndex.get(index);
    if (!kept || kept.at < time) byIndex.set(index, { index, at: time, snapshot });
  }
  return [...byIndex.values()].sort((a, b) => a.index - b.index);
}

const isMeasured = (snapshot: AuditSnapshot): snapshot is MeasuredSnapshot =>
  Number.isFinite(snapshot.revenue) && Number.isFinite(snapshot.costs);

/**
 * The history to store after an audit: the audit replaces an entry of its own period and the list keeps
 * only the window. An audit older than the newest entry is not recorded, so history never goes backwards.
 */
export function recordAudit(
  history: readonly AuditSnapshot[] | undefined,
  snapshot: AuditSnapshot,
  options: PeriodOptions = {},
): AuditSnapshot[] {
  const { periodMs, window } = periodSettings(options);
  const at = Date.parse(snapshot.observedAt);
  const earlier = earlierPeriods(history, at, periodMs);
  const times = (history ?? []).map((entry) => Date.parse(entry.observedAt)).filter(Number.isFinite);
  if (!(at >= Math.max(-Infinity, ...times))) return [...(history ?? [])];
  const current = periodOf(at, periodMs);
  return [
    ...earlier.filter((period) => period.index > current - window).map((p) => p.snapshot),
    compact(snapshot),
  ];
}

/** Only what later audits read: the history lives in status and should stay small. */
function compact(snapshot: AuditSnapshot): AuditSnapshot {
  const { observedAt, revenue, costs, profitMargin, customers, cac, consecutiveLosses } = snapshot;
  return Object.fromEntries(
    Object.entries({ observedAt, revenue, costs, profitMargin, customers, cac, consecutiveLosses }).filter(
      ([, value]) => value !== undefined,
    ),
  ) as AuditSnapshot;
}

/** Least-squares slope of y over x; undefined with fewer than two distinct x. */
export function leastSquaresSlope(points: readonly { x: number; y: number }[]): number | undefined {
  if (points.length < 2) return undefined;
  const meanX = points.reduce((sum, p) => sum + p.x, 0) / points.length;
  const meanY = points.reduce((sum, p) => sum + p.y, 0) / points.length;
  let covariance = 0;
  let variance = 0;
  for (const p of points) {
    covariance += (p.x - meanX) * (p.y - meanY);
    variance += (p.x - meanX) ** 2;
  }
  return variance > 0 ? covariance / variance : undefined;
}
