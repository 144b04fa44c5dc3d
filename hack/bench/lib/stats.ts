// Summaries of measured samples (percentiles, mean) and ratios to a baseline measured in the same run.
import { mean, quantileSorted } from 'simple-statistics';

/** A sample set in the unit it was measured in (the field holding it names the unit, e.g. latencyMs). */
export interface Summary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/**
 * Percentiles by simple-statistics' quantileSorted: linear between the two nearest ranks (R's and
 * NumPy's default), so p50 of an even count is the mean of the middle two; undefined for no samples.
 */
export function summarize(values: readonly number[]): Summary | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    min: sorted[0]!,
    mean: mean(sorted),
    p50: quantileSorted(sorted, 0.5),
    p90: quantileSorted(sorted, 0.9),
    p99: quantileSorted(sorted, 0.99),
    max: sorted.at(-1)!,
  };
}

/** value / baseline, or undefined when either is missing or not finite, or the baseline is 0. */
export function ratio(value: number | undefined, baseline: number | undefined): number | undefined {
  if (value === undefined || baseline === undefined) return undefined;
  if (!Number.isFinite(value) || !Number.isFinite(baseline) || baseline === 0) return undefined;
  return value / baseline;
}
