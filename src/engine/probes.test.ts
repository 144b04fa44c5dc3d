// The probe window's rules: nothing known before enough probes, Down on failures in a row or a full
// window's error rate, a slow answer is a failure, proven after healthy probes in a row, and the times.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  addProbe,
  isStale,
  probeSignal,
  summarizeProbes,
  type ProbeResult,
  type ProbeRules,
  type ProbeSummary,
} from './probes.js';

const T0 = Date.UTC(2026, 10, 1);
const rules: ProbeRules = {
  window: 10,
  consecutiveFailures: 3,
  errorRate: 0.05,
  healthyProbes: 4,
  timeoutMs: 2000,
};

const probe = (i: number, ok: boolean, latencyMs = 20): ProbeResult => ({
  startedAt: T0 + i * 1000,
  latencyMs,
  ok,
  ...(ok ? { status: 200 } : { status: 500, error: 'HTTP 500 (expected 200–399)' }),
});

/** Feeds `oks` one probe a second, as the prober does, and returns the summary after each. */
function feed(oks: boolean[], r: ProbeRules = rules): ProbeSummary[] {
  let window: ProbeResult[] = [];
  let summary: ProbeSummary | undefined;
  return oks.map((ok, i) => {
    window = addProbe(window, probe(i, ok), r.window);
    summary = summarizeProbes(window, r, summary, T0 + i * 1000 + 20);
    return summary;
  });
}

describe('addProbe', () => {
  it('keeps the window in start order and only its newest probes', () => {
    let window: ProbeResult[] = [];
    for (const i of [0, 1, 3, 2, 4]) window = addProbe(window, probe(i, true), 4);
    expect(window.map((p) => p.startedAt - T0)).toEqual([1000, 2000, 3000, 4000]);
  });
});

describe('summarizeProbes', () => {
  it('knows nothing before consecutiveFailures probes, even when they all failed', () => {
    const [first, second, third] = feed([false, false, false]);
    expect(first).toMatchObject({ state: 'Unknown', reason: '1 of 3 fresh probes so far' });
    expect(second?.state).toBe('Unknown');
    expect(third).toMatchObject({ state: 'Down', consecutiveFailures: 3 });
  });

  it('is Down after failures in a row, since the probe that made it so', () => {
    const summaries = feed([true, true, true, false, false, false, false]);
    expect(summaries[5]).toMatchObject({
      state: 'Down',
      reason: '3 failed probes in a row (last: HTTP 500 (expected 200–399))',
      downSince: T0 + 5020,
    });
    expect(summaries[6]?.downSince).toBe(T0 + 5020);
  });

  it('counts an answer slower than the timeout as a failure, with its latency', () => {
    let window: ProbeResult[] = [];
    for (let i = 0; i < 3; i++) window = addProbe(window, { ...probe(i, true), latencyMs: 3200 }, 10);
    const summary = summarizeProbes(window, rules, undefined, T0 + 5000);
    expect(summary).toMatchObject({ state: 'Down', consecutiveFailures: 3, errorRate: 1 });
    expect(summary.lastFailure?.error).toBe('answered after 3s, past the 2s timeout');
    expect(summary.last?.latencyMs).toBe(3200);
  });

  it('judges the error rate only over a full window', () => {
    const pattern = [true, false, true, true, false, true, true, true, true, true];
    const summaries = feed(pattern);
    expect(summaries[8]).toMatchObject({ state: 'Up', errorRate: 2 / 9 });
    expect(summaries[9]).toMatchObject({
      state: 'Down',
      reason: 'error rate 20.0% of the last 10 probes > 5.0%',
    });
  });

  it('never fails a target over on one failed probe, and keeps it unproven while the window is over the rate', () => {
    const blip = feed([
      true,
      true,
      true,
      true,
      true,
      true,
      true,
      true,
      true,
      false,
      true,
      true,
      true,
      true,
      true,
    ]);
    // One failure in a full window of 10 is 10 %, above 5 %: a blip, not a rate.
    expect(blip.map((s) => s.state)).not.toContain('Down');
    // Four healthy probes in a row, but the window still holds the failure: not proven until it leaves.
    expect(blip[13]).toMatchObject({ state: 'Up', consecutiveSuccesses: 4, proven: false });
    expect(feed([false, false, ...Array<boolean>(9).fill(true)])[10]).toMatchObject({ proven: false });
    expect(
      feed([
        ...Array<boolean>(10).fill(true),
        false,
        true,
        true,
        true,
        true,
        true,
        true,
        true,
        true,
        true,
        true,
      ])[20],
    ).toMatchObject({ state: 'Up', proven: true, errorRate: 0 });
  });

  it('is proven after healthyProbes in a row, since the probe that made it so', () => {
    const summaries = feed([false, false, false, true, true, true, true, true], { ...rules, window: 100 });
    expect(summaries[5]).toMatchObject({ state: 'Up', proven: false, consecutiveSuccesses: 3 });
    expect(summaries[6]).toMatchObject({ proven: true, provenSince: T0 + 6020 });
    expect(summaries[7]?.provenSince).toBe(T0 + 6020);
    expect(probeSignal(summaries[5])).toBe('Up');
    expect(probeSignal(summaries[6])).toBe('Up+proven');
  });

  it('says a window is stale once its newest probe is two intervals and a timeout old', () => {
    const [, , summary] = feed([true, true, true]);
    expect(isStale(summary!, 1000, 2000, T0 + 2000 + 4000)).toBe(false);
    expect(isStale(summary!, 1000, 2000, T0 + 2000 + 4001)).toBe(true);
  });

  it('holds its invariants for any window', () => {
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { maxLength: 40 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 10 }),
        (outcomes, consecutiveFailures, healthyProbes) => {
          const r = { ...rules, consecutiveFailures, healthyProbes };
          const summaries = feed(outcomes, r);
          summaries.forEach((s, i) => {
            const probes = Math.min(i + 1, r.window);
            expect(s.probes).toBe(probes);
            // Unknown exactly while the window is too short to know.
            expect(s.state === 'Unknown').toBe(probes < consecutiveFailures);
            // Failures in a row at the threshold always mean Down; proven means Up.
            if (s.consecutiveFailures >= consecutiveFailures) expect(s.state).toBe('Down');
            if (s.proven) expect(s.state).toBe('Up');
            expect(s.consecutiveFailures === 0 || s.consecutiveSuccesses === 0).toBe(true);
            if (s.state === 'Down') expect(s.downSince).toBeDefined();
          });
        },
      ),
    );
  });
});
