// Numbers in reasons: percentages, money, thresholds and Go-style durations.
import { describe, expect, it } from '@jest/globals';
import { clip, duration, epochMs, num, pct } from './format.js';

describe('format', () => {
  it('writes ratios as percentages with one decimal', () => {
    expect([pct(-0.25), pct(1.5), pct(0)]).toEqual(['-25.0%', '150.0%', '0.0%']);
  });

  it('writes thresholds as the user wrote them', () => {
    expect([num(3), num(2.5), num(0.333333)]).toEqual(['3', '2.5', '0.33']);
  });

  it.each([
    [450, '450ms'],
    [5 * 60_000, '5m0s'],
    [450_000, '7m30s'],
    [3_723_000, '1h2m3s'],
    [-120_000, '-2m0s'],
  ])('writes %i ms as %s', (ms, text) => {
    expect(duration(ms)).toBe(text);
  });

  it('clips long text', () => {
    expect(clip('abcdef', 4)).toBe('abc…');
    expect(clip('abc', 4)).toBe('abc');
  });

  it('refuses an invalid clock', () => {
    expect(epochMs(new Date(5))).toBe(5);
    expect(() => epochMs(new Date(NaN))).toThrow(RangeError);
  });
});
