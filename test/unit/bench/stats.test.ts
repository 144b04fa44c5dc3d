// Unit tests for the benchmarks' summaries and ratios.
import { describe, expect, it } from '@jest/globals';
import { ratio, summarize } from '../../../hack/bench/lib/stats.js';

describe('summarize', () => {
  it('is undefined for no samples', () => {
    expect(summarize([])).toBeUndefined();
  });

  it('gives count, min, mean, percentiles (linear between ranks) and max, whatever the order', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 … 1
    const summary = summarize(values)!;
    expect(summary).toMatchObject({ count: 100, min: 1, mean: 50.5, p50: 50.5, max: 100 });
    expect(summary.p90).toBeCloseTo(90.1, 9);
    expect(summary.p99).toBeCloseTo(99.01, 9);
  });

  it('takes the middle sample of an odd count as p50, and interpolates p90 between 40 and 50', () => {
    expect(summarize([30, 10, 20, 50, 40])).toMatchObject({ p50: 30, p90: 46, min: 10, max: 50, mean: 30 });
  });

  it('leaves its input unsorted', () => {
    const values = [3, 1, 2];
    summarize(values);
    expect(values).toEqual([3, 1, 2]);
  });
});

describe('ratio', () => {
  it('divides by the baseline', () => {
    expect(ratio(13.5, 11.25)).toBeCloseTo(1.2);
  });

  it.each([
    [undefined, 1],
    [1, undefined],
    [1, 0],
    [NaN, 1],
    [1, Infinity],
  ])('is undefined for %p / %p', (value, baseline) => {
    expect(ratio(value, baseline)).toBeUndefined();
  });
});
