// Patterns in the loop's recent cycles (declining success rate, rising cycle latency, consistently high
// performance, failure clusters by cause), each with a confidence, and how often and since when it is seen.
import { clip, duration, isoTime, pct } from '../format.js';
import { fitLine } from './fit.js';
import type { CycleSummary, FailureCause } from './journal.js';
import { FailureCauses } from './journal.js';

export const PatternTypes = [
  'DecliningSuccessRate',
  'RisingCycleLatency',
  'ConsistentlyHighPerformance',
  'FailureCluster',
] as const;
export type PatternType = (typeof PatternTypes)[number];

export interface PatternSettings {
  /** Cycles each detector looks back over. */
  window: number;
  /** Fewest cycles with data before a trend detector speaks. */
  minCycles: number;
  /** A decline of the success rate over the window of at least this (0.05 = 5 points). */
  minDecline: number;
  /** A rise of the mean cycle time over the window of at least this share (0.2 = 20 %). */
  minLatencyRise: number;
  /** The least share of variance a trend line must explain to count as a trend. */
  minFit: number;
  /** Success rate (and action success rate) every cycle must reach for high performance. */
  highRate: number;
  /** Judged decisions behind the rate before high performance is claimed. */
  minJudged: number;
  /** Failures of one cause in the window that make a cluster, if they are also most of the failures. */
  minFailures: number;
  /** Patterns kept; the longest unseen go first. */
  maxPatterns: number;
}

export const DEFAULT_PATTERN_SETTINGS: PatternSettings = {
  window: 10,
  minCycles: 5,
  minDecline: 0.05,
  minLatencyRise: 0.2,
  minFit: 0.5,
  highRate: 0.95,
  minJudged: 10,
  minFailures: 3,
  maxPatterns: 32,
};

/** What one cycle's detectors found. */
export interface Detection {
  type: PatternType;
  /** The type, and for a failure cluster its cause: one pattern per key. */
  key: string;
  cause?: FailureCause;
  /** 0–1: how sure the detector is. */
  confidence: number;
  description: string;
}

/** A pattern as the loop remembers it. */
export interface Pattern extends Detection {
  firstSeen: string;
  lastSeen: string;
  /** Cycles in which it was detected since it was first seen. */
  frequency: number;
  /** The cycle it was last detected in: a pattern unseen for a window is gone, and news when it comes back. */
  lastCycle: number;
}

/** Every pattern in the latest `window` cycles of `history` (oldest first). */
export function detectPatterns(
  history: readonly CycleSummary[],
  settings: PatternSettings = DEFAULT_PATTERN_SETTINGS,
): Detection[] {
  const recent = history.slice(-settings.window);
  return [
    decliningSuccessRate(recent, settings),
    risingCycleLatency(recent, settings),
    consistentlyHighPerformance(recent, settings),
    ...failureClusters(recent, settings),
  ].filter((d): d is Detection => d !== undefined);
}

function decliningSuccessRate(recent: readonly CycleSummary[], s: PatternSettings): Detection | undefined {
  const rated = recent.filter((c) => c.successRate !== undefined);
  if (rated.length < s.minCycles) return undefined;
  const line = fitLine(rated.map((c) => [c.cycle, c.successRate!] as const));
  if (!line || line.slope >= 0) return undefined;
  const span = rated.at(-1)!.cycle - rated[0]!.cycle;
  const decline = -line.slope * span;
  if (decline < s.minDecline || line.rSquared < s.minFit) return undefined;
  return {
    type: 'DecliningSuccessRate',
    key: 'DecliningSuccessRate',
    confidence: confidence(line.rSquared, rated.length, s.window),
    description: `decision success rate fell ${points(decline)} over ${span} cycles (${pct(rated[0]!.successRate!)} → ${pct(rated.at(-1)!.successRate!)}; fit R² ${line.rSquared.toFixed(2)})`,
  };
}

function risingCycleLatency(recent: readonly CycleSummary[], s: PatternSettings): Detection | undefined {
  if (recent.length < s.minCycles) return undefined;
  const line = fitLine(recent.map((c) => [c.cycle, c.durationMs] as const));
  const mean = recent.reduce((sum, c) => sum + c.durationMs, 0) / recent.length;
  if (!line || line.slope <= 0 || mean <= 0) return undefined;
  const span = recent.at(-1)!.cycle - recent[0]!.cycle;
  const rise = (line.slope * span) / mean;
  if (rise < s.minLatencyRise || line.rSquared < s.minFit) return undefined;
  return {
    type: 'RisingCycleLatency',
    key: 'RisingCycleLatency',
    confidence: confidence(line.rSquared, recent.length, s.window),
    description: `cycle time rose ${pct(rise)} of its mean over ${span} cycles (${duration(recent[0]!.durationMs)} → ${duration(recent.at(-1)!.durationMs)})`,
  };
}

function consistentlyHighPerformance(
  recent: readonly CycleSummary[],
  s: PatternSettings,
): Detection | undefined {
  const rated = recent.filter((c) => c.successRate !== undefined && c.judged >= s.minJudged);
  if (rated.length < s.minCycles) return undefined;
  const high = rated.filter(
    (c) => c.successRate! >= s.highRate && c.actionsFailed <= (1 - s.highRate) * c.actionsExecuted,
  );
  if (high.length < rated.length) return undefined;
  const lowest = Math.min(...rated.map((c) => c.successRate!));
  return {
    type: 'ConsistentlyHighPerformance',
    key: 'ConsistentlyHighPerformance',
    confidence: confidence(1, rated.length, s.window),
    description: `decision success rate at or above ${pct(s.highRate)} in each of the last ${rated.length} cycles (lowest ${pct(lowest)})`,
  };
}

function failureClusters(recent: readonly CycleSummary[], s: PatternSettings): Detection[] {
  const counts = new Map<FailureCause, number>();
  for (const cycle of recent) {
    for (const cause of FailureCauses)
      counts.set(cause, (counts.get(cause) ?? 0) + (cycle.failuresByCause[cause] ?? 0));
  }
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  return [...counts]
    .filter(([cause, count]) => cause !== 'Other' && count >= s.minFailures && count * 2 > total)
    .map(([cause, count]) => {
      const share = count / total;
      return {
        type: 'FailureCluster' as const,
        key: `FailureCluster/${cause}`,
        cause,
        confidence: round2(share * Math.min(1, count / (2 * s.minFailures))),
        description: `${count} of ${total} failed actions in the last ${recent.length} cycles were ${cause.toLowerCase()} failures (${(count / recent.length).toFixed(1)} per cycle)`,
      };
    });
}

/** A trend's confidence: how well the line fits, discounted while the window is not yet full. */
const confidence = (fit: number, cycles: number, window: number) =>
  round2(fit * Math.min(1, cycles / window));
const round2 = (value: number) => Math.round(value * 100) / 100;
const points = (ratio: number) => `${(ratio * 100).toFixed(1)} points`;

export interface PatternStep {
  patterns: Pattern[];
  /** Patterns first seen now, or back after a window unseen: each is a PatternDetected Event. */
  fresh: Pattern[];
}

/** The remembered patterns after this cycle's detections. */
export function recordPatterns(
  known: readonly Pattern[],
  detections: readonly Detection[],
  cycle: number,
  now: number,
  settings: PatternSettings = DEFAULT_PATTERN_SETTINGS,
): PatternStep {
  const byKey = new Map(known.map((p) => [p.key, p]));
  const fresh: Pattern[] = [];
  for (const d of detections) {
    const before = byKey.get(d.key);
    const ongoing = before !== undefined && cycle - before.lastCycle <= settings.window;
    const pattern: Pattern = {
      ...d,
      description: clip(d.description, 256),
      firstSeen: ongoing ? before.firstSeen : isoTime(now),
      lastSeen: isoTime(now),
      frequency: ongoing ? before.frequency + 1 : 1,
      lastCycle: cycle,
    };
    byKey.set(d.key, pattern);
    if (!ongoing) fresh.push(pattern);
  }
  const patterns = [...byKey.values()]
    .sort((a, b) => b.lastCycle - a.lastCycle || a.key.localeCompare(b.key))
    .slice(0, settings.maxPatterns);
  return { patterns, fresh };
}

/** Patterns detected in the latest `window` cycles: what the status view calls recent. */
export const recentPatterns = (patterns: readonly Pattern[], cycle: number, window: number) =>
  patterns.filter((p) => cycle - p.lastCycle < window);
