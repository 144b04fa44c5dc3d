// Target health: stale and cold windows are Unknown, the traffic's error rate counts only when it is
// fresh and thick enough, and an outage keeps the time it was first seen across reconciles.
import { describe, expect, it } from '@jest/globals';
import type { TargetHealthStatus } from '../../api/v1alpha1/fallbackProtocol.js';
import { addProbe, summarizeProbes, type ProbeResult, type ProbeSummary } from '../probes.js';
import {
  assessTarget,
  assessTargets,
  probeRules,
  recordedHealth,
  targetStatus,
  type TrafficReading,
} from './health.js';
import { T0, protocolSpec } from './testing.js';

const traffic = {
  errorRateQuery: 'rate_of("{{target}}")',
  requestCountQuery: 'count_of("{{target}}")',
  minimumRequests: 20,
  maxSampleAge: '1m',
};
const spec = protocolSpec();
const withTraffic = protocolSpec({ trigger: { ...spec.trigger, traffic } });

/** The prober's summary after probes one second apart, the last one at `T0`. */
function probed(oks: boolean[], previous?: ProbeSummary): ProbeSummary {
  let window: ProbeResult[] = [];
  const start = T0 - (oks.length - 1) * 1000;
  let summary = previous;
  oks.forEach((ok, i) => {
    const result: ProbeResult = ok
      ? { startedAt: start + i * 1000, latencyMs: 12, ok, status: 200 }
      : { startedAt: start + i * 1000, latencyMs: 2000, ok, error: 'no answer within 2s' };
    window = addProbe(window, result, spec.trigger.window);
    summary = summarizeProbes(window, probeRules(spec), summary, start + i * 1000 + result.latencyMs);
  });
  return summary!;
}
const healthy = probed(Array<boolean>(10).fill(true));
const reading = (errorRate: number, requests: number, at = T0 - 5_000): TrafficReading => ({
  errorRate: { value: errorRate, at },
  requests: { value: requests, at },
});

describe('assessTarget', () => {
  it('is Unknown without probes, with a cold window and with a stale one', () => {
    expect(assessTarget(spec, 'stripe', undefined, undefined, T0)).toMatchObject({
      state: 'Unknown',
      reason: 'not probed yet',
    });
    expect(assessTarget(spec, 'stripe', { probes: probed([false, false]) }, undefined, T0)).toMatchObject({
      state: 'Unknown',
      reason: 'waiting for fresh probes: 2 of 3 fresh probes so far',
      consecutiveFailures: 2,
    });
    // interval 1s, timeout 2s: a probe that started more than 4 s ago is stale.
    expect(assessTarget(spec, 'stripe', { probes: healthy }, undefined, T0 + 4_001)).toMatchObject({
      state: 'Unknown',
      reason: 'probes are stale: the last probe started 4s ago',
    });
  });

  it('is Up with the window’s numbers, and Down with why and since when', () => {
    expect(assessTarget(spec, 'stripe', { probes: healthy }, undefined, T0 + 100)).toMatchObject({
      state: 'Up',
      proven: true,
      consecutiveSuccesses: 10,
      errorRate: 0,
      latencyMs: 12,
      lastProbeTime: new Date(T0).toISOString(),
    });
    const failing = probed([true, true, true, false, false, false]);
    expect(assessTarget(spec, 'stripe', { probes: failing }, undefined, T0 + 2_100)).toMatchObject({
      state: 'Down',
      reason: '3 failed probes in a row (last: no answer within 2s)',
      lastError: 'no answer within 2s',
      latencyMs: 2000,
      downSince: new Date(T0 + 2000).toISOString(),
    });
  });

  it('keeps the earliest sighting of an outage, also across a restart that emptied the window', () => {
    const previous: TargetHealthStatus = {
      name: 'stripe',
      state: 'Down',
      consecutiveFailures: 5,
      consecutiveSuccesses: 0,
      downSince: new Date(T0 - 60_000).toISOString(),
    };
    const fresh = probed([false, false, false]);
    const now = T0 + 2_100;
    expect(assessTarget(spec, 'stripe', { probes: fresh }, previous, now).downSince).toBe(previous.downSince);
    // An Up in between ends the outage: the next one is a new sighting.
    const after = { ...previous, state: 'Up' as const };
    expect(assessTarget(spec, 'stripe', { probes: fresh }, after, now).downSince).toBe(
      new Date(T0 + 2000).toISOString(),
    );
  });

  it('fails a target on the traffic’s error rate while every probe passes', () => {
    const health = assessTarget(
      withTraffic,
      'stripe',
      { probes: healthy, traffic: reading(0.08, 120) },
      undefined,
      T0,
    );
    expect(health).toMatchObject({
      state: 'Down',
      reason: 'traffic error rate 8.0% of 120 requests > 5.0%',
      trafficErrorRate: 0.08,
      trafficRequests: 120,
      downSince: new Date(T0).toISOString(),
      consecutiveSuccesses: 10,
    });
  });

  it.each([
    ['too few requests', reading(0.5, 2), 'traffic not judged: 2 requests < minimumRequests 20'],
    ['no data', {}, 'traffic not judged: no data'],
    ['a stale sample', reading(0.5, 100, T0 - 61_000), 'traffic not judged: sample 1m1s old, max age 1m'],
    ['a failed query', { error: 'Prometheus unreachable' }, 'traffic not judged: Prometheus unreachable'],
    ['NaN (0/0)', reading(NaN, 100), 'traffic not judged: error rate NaN is not a rate'],
  ])('never counts %s as down', (_case, observed, note) => {
    const health = assessTarget(withTraffic, 'stripe', { probes: healthy, traffic: observed }, undefined, T0);
    expect(health.state).toBe('Up');
    expect(health.reason).toContain(note);
  });

  it('decides nothing on the traffic alone while the window is cold', () => {
    const cold = probed([true]);
    const health = assessTarget(
      withTraffic,
      'stripe',
      { probes: cold, traffic: reading(0.9, 500) },
      undefined,
      T0,
    );
    expect(health.state).toBe('Unknown');
  });
});

describe('assessTargets', () => {
  it('lists every target in spec order, ready to be written to status', () => {
    const health = assessTargets(spec, { paypal: { probes: healthy } }, undefined, T0 + 100);
    expect(health.map((t) => [t.name, t.state])).toEqual([
      ['stripe', 'Unknown'],
      ['paypal', 'Up'],
      ['adyen', 'Unknown'],
    ]);
    expect(targetStatus(health[1]!)).not.toHaveProperty('proven');
  });
});

describe('recordedHealth', () => {
  it('reads back the proof the operator judged, not a count of healthy probes', () => {
    const assessed = [
      assessTarget(spec, 'stripe', { probes: healthy }, undefined, T0),
      // Nine healthy probes in a row, but the full window's one failure is above the 5 % rate: not proven.
      assessTarget(
        spec,
        'paypal',
        { probes: probed([false, ...Array<boolean>(9).fill(true)]) },
        undefined,
        T0,
      ),
      assessTarget(spec, 'adyen', { probes: probed(Array<boolean>(10).fill(false)) }, undefined, T0),
    ];
    expect(assessed.map((t) => [t.state, t.proven])).toEqual([
      ['Up', true],
      ['Up', false],
      ['Down', false],
    ]);
    expect(assessed[1]!.consecutiveSuccesses).toBeGreaterThanOrEqual(spec.failback.healthyProbes);
    expect(recordedHealth(assessed.map(targetStatus))).toEqual(assessed);
    expect(recordedHealth(undefined)).toEqual([]);
  });
});
