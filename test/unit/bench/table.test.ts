// Unit tests for the benchmarks' tables: aligned markdown, numbers to the right, missing figures marked.
import { describe, expect, it } from '@jest/globals';
import { count, fixed, formatTable, MISSING, times } from '../../../hack/bench/lib/table.js';

describe('formatTable', () => {
  it('aligns number columns right and text columns left, as prettier lays out markdown', () => {
    const table = formatTable('N | variant | total s | list/watch', [
      [100, '(a) ours', fixed(13.46), '1/1'],
      [5000, '(c) floor', undefined, '2/0'],
    ]);
    expect(table).toBe(
      [
        '|    N | variant   | total s | list/watch |',
        '| ---: | --------- | ------: | ---------: |',
        '|  100 | (a) ours  |    13.5 |        1/1 |',
        `| 5000 | (c) floor |       ${MISSING} |        2/0 |`,
      ].join('\n'),
    );
  });

  it('fills a short row with the missing mark (a column of nothing but that mark stays left)', () => {
    expect(formatTable('N | variant | total s', [[100, 'failed']]).split('\n')[2]).toBe(
      `| 100 | failed  | ${MISSING}       |`,
    );
  });

  it('makes every column at least 3 wide, as prettier does', () => {
    expect(formatTable('N | x', [[20, 'a']])).toBe(
      ['|   N | x   |', '| --: | --- |', '|  20 | a   |'].join('\n'),
    );
  });
});

describe('number formats', () => {
  it('marks what was not measured', () => {
    expect([fixed(undefined), fixed(NaN), times(undefined), count(Infinity)]).toEqual([
      MISSING,
      MISSING,
      MISSING,
      MISSING,
    ]);
  });

  it('formats decimals, ratios and counts', () => {
    expect([fixed(2.346, 2), fixed(7), times(1.2), times(2.26, 1), count(59720.4)]).toEqual([
      '2.35',
      '7.0',
      '1.20×',
      '2.3×',
      '59,720',
    ]);
  });
});
