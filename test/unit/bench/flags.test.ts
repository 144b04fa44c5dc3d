// Unit tests for the benchmarks' flag parser: typed values, defaults, and a clear message for bad input.
import { describe, expect, it } from '@jest/globals';
import {
  choices,
  integer,
  integers,
  parseFlags,
  text,
  toggle,
  usage,
  UsageError,
} from '../../../hack/bench/lib/flags.js';

const flags = {
  objects: integers('1000,5000', 'N values', { max: 20_000 }),
  variants: choices(['ours', 'dot-i', 'floor'] as const, 'ours,floor', 'controllers'),
  phaseTimeout: integer(600, 'seconds'),
  warmup: integer(2000, 'iterations', { min: 0 }),
  clusterName: text('bench', 'cluster'),
  operatorMetrics: toggle('diagnostics'),
};

describe('parseFlags', () => {
  it('gives every flag its default, typed', () => {
    expect(parseFlags([], flags)).toEqual({
      objects: [1000, 5000],
      variants: ['ours', 'floor'],
      phaseTimeout: 600,
      warmup: 2000,
      clusterName: 'bench',
      operatorMetrics: false,
    });
  });

  it('reads camelCase keys as kebab-case flags, lists as comma-separated values', () => {
    const values = parseFlags(
      [
        '--objects',
        '100',
        '--variants=floor,ours',
        '--phase-timeout',
        '30',
        '--warmup',
        '0',
        '--operator-metrics',
      ],
      flags,
    );
    expect(values).toMatchObject({
      objects: [100],
      variants: ['floor', 'ours'],
      phaseTimeout: 30,
      warmup: 0,
      operatorMetrics: true,
    });
  });

  it('takes "" as the empty list', () => {
    expect(parseFlags(['--objects', ''], flags).objects).toEqual([]);
  });

  it.each([
    [['--objects', '100,x'], '--objects: want a whole number from 1 to 20000, got "x"'],
    [['--objects', '30000'], '--objects: want a whole number from 1 to 20000, got "30000"'],
    [['--phase-timeout', '0'], '--phase-timeout: want a whole number from 1'],
    [['--phase-timeout', '1.5'], '--phase-timeout: want a whole number'],
    [['--variants', 'ours,theirs'], '--variants: unknown "theirs"'],
    [['--nodes', '3'], "Unknown option '--nodes'"],
  ])('rejects %j naming the flag', (argv, message) => {
    expect(() => parseFlags(argv, flags)).toThrow(UsageError);
    expect(() => parseFlags(argv, flags)).toThrow(message);
  });
});

describe('usage', () => {
  it('lists every flag with its default and help, aligned', () => {
    const text = usage('npm run bench:x --', 'What x measures.', flags);
    expect(text).toContain('usage: npm run bench:x -- [flags]\nWhat x measures.');
    expect(text).toContain('  --objects 1000,5000    N values');
    expect(text).toContain('  --variants ours,floor  controllers (of ours, dot-i, floor)');
    expect(text).toContain('  --operator-metrics     diagnostics');
  });
});
