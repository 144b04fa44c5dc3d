// Which business metric samples count as data: present, fresh, finite and in range. Anything else is not data.
import { duration, num } from '../format.js';

export const MetricNames = [
  'revenue',
  'costs',
  'customers',
  'acquisitionSpend',
  'satisfaction',
  'cash',
] as const;
export type MetricName = (typeof MetricNames)[number];

/** Without both of these an audit cannot say whether the venture makes or loses money. */
export const RequiredMetrics: readonly MetricName[] = ['revenue', 'costs'];

/** One reading of a metric and the time it was taken (epoch ms), as a provider returned it. */
export interface Sample {
  value: number;
  at: number;
}

/** What the providers read this cycle. Typed loosely on purpose: providers parse untrusted documents. */
export type MetricsObservation = Partial<Record<MetricName, Sample | null | undefined>>;

export type SampleProblem = 'missing' | 'invalidTime' | 'stale' | 'future' | 'notANumber' | 'outOfRange';

export interface MetricProblem {
  metric: MetricName;
  problem: SampleProblem;
  /** A sentence a human can act on, e.g. "revenue sample is stale: 7m30s old, max age 5m0s". */
  detail: string;
}

export type SampleReading = { ok: true; value: number; at: number } | { ok: false; problem: MetricProblem };

/** Providers and the operator run on different clocks; a minute of skew is not a reason to hold. */
export const CLOCK_SKEW_MS = 60_000;

const ranges: Record<MetricName, { min: number; max: number; words: string }> = {
  revenue: { min: 0, max: Infinity, words: 'negative' },
  costs: { min: 0, max: Infinity, words: 'negative' },
  customers: { min: 0, max: Infinity, words: 'negative' },
  acquisitionSpend: { min: 0, max: Infinity, words: 'negative' },
  satisfaction: { min: 0, max: 1, words: 'outside 0–1' },
  // Cash may be overdrawn; runway then is zero.
  cash: { min: -Infinity, max: Infinity, words: 'out of range' },
};

const fail = (metric: MetricName, problem: SampleProblem, detail: string): SampleReading => ({
  ok: false,
  problem: { metric, problem, detail },
});

/**
 * Reads one sample. Comparisons are written so that NaN fails them: a sample is data only when every
 * check positively passes.
 */
export function readSample(
  metric: MetricName,
  sample: unknown,
  now: number,
  maxSampleAge: number,
): SampleReading {
  if (sample === undefined || sample === null) return fail(metric, 'missing', `${metric} sample is missing`);
  const { value, at } = sample as { value?: unknown; at?: unknown };
  if (typeof at !== 'number' || !Number.isFinite(at)) {
    return fail(metric, 'invalidTime', `${metric} sample has no valid timestamp (${String(at)})`);
  }
  // An invalid max age must not switch staleness off, so it counts as zero.
  const maxAge = maxSampleAge >= 0 ? maxSampleAge : 0;
  const age = now - at;
  if (!(age <= maxAge)) {
    return fail(
      metric,
      'stale',
      `${metric} sample is stale: ${duration(age)} old, max age ${duration(maxAge)} (stale by ${duration(age - maxAge)})`,
    );
  }
  if (!(-age <= CLOCK_SKEW_MS)) {
    return fail(metric, 'future', `${metric} sample is ${duration(-age)} in the future`);
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
    return fail(metric, 'notANumber', `${metric} value ${shown} is not a number`);
  }
  const range = ranges[metric];
  if (!(value >= range.min && value <= range.max)) {
    return fail(metric, 'outOfRange', `${metric} value ${num(value)} is ${range.words}`);
  }
  return { ok: true, value, at };
}
