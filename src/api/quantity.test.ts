// Quantities: the apimachinery grammar accepted and refused, values in base units, canonical output.
import { describe, expect, it } from '@jest/globals';
import { formatCpu, formatMemory, parseQuantity } from './quantity.js';

describe('parseQuantity', () => {
  it.each([
    ['250m', 0.25],
    ['1', 1],
    ['1.5', 1.5],
    ['.5', 0.5],
    ['2e3', 2000],
    ['1E-3', 0.001],
    ['100n', 1e-7],
    ['1k', 1000],
    ['128Mi', 128 * 2 ** 20],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['+2Ki', 2048],
  ])('%s is %d', (text, value) => {
    expect(parseQuantity(text)).toBeCloseTo(value, 12);
  });

  it.each(['', '-1', '1K', '1mi', 'Mi', '1 Gi', '1.2.3', 'abc', '1Gb'])('refuses "%s"', (text) => {
    expect(() => parseQuantity(text)).toThrow(/is not a quantity/);
  });
});

describe('formatting', () => {
  it('writes CPU as whole cores or millicores, rounded up', () => {
    expect(formatCpu(0.375)).toBe('375m');
    expect(formatCpu(2)).toBe('2');
    expect(formatCpu(0.0001)).toBe('1m');
    expect(formatCpu(1.5)).toBe('1500m');
    expect(formatCpu(parseQuantity('250m') * 1.5)).toBe('375m');
  });

  it('writes memory in Mi or Gi, rounded up, and small amounts in bytes', () => {
    expect(formatMemory(192 * 2 ** 20)).toBe('192Mi');
    expect(formatMemory(2 * 2 ** 30)).toBe('2Gi');
    expect(formatMemory(2 ** 20 + 1)).toBe('2Mi');
    expect(formatMemory(1000)).toBe('1000');
  });

  it('round-trips what it writes', () => {
    for (const cores of [0.001, 0.25, 0.375, 1, 3.5])
      expect(parseQuantity(formatCpu(cores))).toBeCloseTo(cores, 9);
    for (const text of ['1Mi', '192Mi', '3Gi']) expect(formatMemory(parseQuantity(text))).toBe(text);
  });
});
