// judgeRegion: the shared probe window under the seed's regional trigger; stale or too few probes are Unknown.
import { describe, expect, it } from '@jest/globals';
import { T0, down, probed, spec, up } from '../../../test/unit/region/facts.js';
import { judgeRegion, regionHealthStatus, regionProbeRules } from './health.js';

const s = spec(); // 1 s probes, failureThreshold 5, availability 0.95 over 20, failback after 10

describe('regionProbeRules', () => {
  it('maps the health check and failback onto the prober’s rules', () => {
    expect(regionProbeRules(s)).toEqual({
      window: 20,
      consecutiveFailures: 5,
      errorRate: 0.050000000000000044,
      healthyProbes: 10,
      timeoutMs: 5000,
    });
  });
});

describe('judgeRegion', () => {
  it('is Unknown before failureThreshold fresh probes, whatever they saw', () => {
    expect(judgeRegion('us-east', undefined, s, T0)).toEqual({
      state: 'Unknown',
      reason: 'us-east: not probed yet',
      proven: false,
    });
    expect(judgeRegion('us-east', probed([false, false, false, false]), s, T0)).toMatchObject({
      state: 'Unknown',
      reason: 'us-east: 4 of 5 fresh probes so far (cold start)',
    });
  });

  it('is Down on failureThreshold failures in a row', () => {
    expect(judgeRegion('us-east', down(5), s, T0)).toEqual({
      state: 'Down',
      reason: 'us-east: 5 failed probes in a row (last: HTTP 503)',
      proven: false,
    });
  });

  it('is Down on availability below the threshold over a full window', () => {
    const flaky = probed([...Array.from({ length: 18 }, (_, i) => i % 9 !== 0), true, true]);
    expect(judgeRegion('us-east', flaky, s, T0)).toMatchObject({
      state: 'Down',
      reason: 'us-east: error rate 10.0% of the last 20 probes > 5.0%',
    });
  });

  it('is neither up nor down while failing below the threshold, and Unknown when the probes are stale', () => {
    expect(judgeRegion('us-east', down(2), s, T0)).toMatchObject({
      state: 'Unknown',
      reason: 'us-east: failing, 2 of 5 failed probes in a row',
    });
    expect(judgeRegion('us-east', down(9), s, T0 + 7000)).toEqual({
      state: 'Unknown',
      reason: 'us-east: probes are stale: the last probe started 8s ago',
      proven: false,
    });
  });

  it('is Up when the last probes passed, proven after failback.healthyChecks of them', () => {
    expect(judgeRegion('us-east', up(7), s, T0)).toEqual({
      state: 'Up',
      reason: 'us-east: 7 healthy probes in a row, error rate 0.0% of 7, last answer in 20ms',
      proven: false,
    });
    expect(judgeRegion('us-east', up(10), s, T0).proven).toBe(true);
  });
});

describe('regionHealthStatus', () => {
  it('writes the window’s numbers as the status entry', () => {
    const probes = down(2);
    expect(regionHealthStatus('us-east', probes, judgeRegion('us-east', probes, s, T0))).toEqual({
      name: 'us-east',
      healthy: false,
      consecutiveFailures: 2,
      consecutiveSuccesses: 0,
      availability: expect.closeTo(10 / 12, 9),
      responseTimeMs: 20,
      lastCheckTime: new Date(T0 - 1000).toISOString(),
      lastError: 'HTTP 503',
    });
  });
});
