// judgeRegion: the seed's regional trigger, and no verdict before enough fresh checks.
import { describe, expect, it } from '@jest/globals';
import { down, spec, up } from '../../../test/unit/region/facts.js';
import { judgeRegion } from './health.js';

const healthCheck = spec().healthCheck; // failureThreshold 5, availability 0.95 over 20

describe('judgeRegion', () => {
  it('is Unknown before failureThreshold fresh checks, whatever they saw', () => {
    expect(judgeRegion('us-east', undefined, healthCheck)).toEqual({
      state: 'Unknown',
      reason: 'us-east: 0 of 5 fresh checks so far (cold start)',
    });
    expect(judgeRegion('us-east', { ...down(4), checks: 4 }, healthCheck).state).toBe('Unknown');
  });

  it('is Down on failureThreshold failures in a row', () => {
    expect(judgeRegion('us-east', down(5), healthCheck)).toEqual({
      state: 'Down',
      reason: 'us-east: 5 failed checks in a row (threshold 5)',
    });
  });

  it('is Down on availability below the threshold over a full window only', () => {
    const flaky = {
      checks: 40,
      consecutiveFailures: 0,
      consecutiveSuccesses: 1,
      windowChecks: 20,
      availability: 0.9,
    };
    expect(judgeRegion('us-east', flaky, healthCheck)).toEqual({
      state: 'Down',
      reason: 'us-east: availability 90.0% over 20 checks < 95.0%',
    });
    expect(judgeRegion('us-east', { ...flaky, windowChecks: 10 }, healthCheck).state).toBe('Up');
  });

  it('is neither up nor down while failing below the threshold', () => {
    expect(
      judgeRegion('us-east', { ...up(), consecutiveFailures: 2, consecutiveSuccesses: 0 }, healthCheck),
    ).toEqual({
      state: 'Unknown',
      reason: 'us-east: failing, 2 of 5 failed checks in a row',
    });
  });

  it('is Up when the last checks passed', () => {
    expect(judgeRegion('us-east', up(7), healthCheck)).toEqual({
      state: 'Up',
      reason: 'us-east: up, 7 healthy checks in a row',
    });
  });
});
