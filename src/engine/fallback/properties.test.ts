// Invariants of the failover engine over generated probe histories, run the way the controller will run it
// (probe windows → health → decision → switch): traffic moves only to a healthy target, failback only after
// proof and the hold, nothing on a cold window, one id per transition, no flapping on a flaky primary.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { FallbackProtocolSpec, FallbackProtocolStatus } from '../../api/v1alpha1/fallbackProtocol.js';
import { parseDuration } from '../../api/duration.js';
import { addProbe, summarizeProbes, type ProbeResult, type ProbeSummary } from '../probes.js';
import { decideFailover, type FailoverDecision } from './decide.js';
import { afterSwitch, switchRecord } from './effects.js';
import { assessTargets, probeRules, targetStatus, type TargetHealth } from './health.js';
import { T0, protocol, protocolSpec } from './testing.js';

interface Step {
  now: number;
  health: TargetHealth[];
  decision: FailoverDecision;
  /** Status before the decision. */
  status: FallbackProtocolStatus;
}

interface Run {
  steps: Step[];
  switches: Step[];
}

/**
 * One probe of every target per second; `ok(target, second)` says how each went. Each decision is acted on
 * at once (Autonomous) unless `observe`. `restartAt` empties every window at those seconds, as a new
 * leader starts with empty windows (status survives).
 */
function simulate(
  spec: FallbackProtocolSpec,
  ok: Outcomes,
  seconds: number,
  options: { observe?: boolean; restartAt?: number[] } = {},
): Run {
  const ref = protocol(spec);
  const rules = probeRules(spec);
  const windows = spec.targets.map((): ProbeResult[] => []);
  const summaries: (ProbeSummary | undefined)[] = spec.targets.map(() => undefined);
  let status: FallbackProtocolStatus = {};
  const steps: Step[] = [];
  for (let second = 0; second < seconds; second++) {
    if (options.restartAt?.includes(second)) {
      windows.fill([]);
      summaries.fill(undefined);
    }
    const now = T0 + second * 1000 + 50;
    spec.targets.forEach((_, i) => {
      const passed = ok(i, second);
      const result: ProbeResult = {
        startedAt: T0 + second * 1000,
        latencyMs: passed ? 12 : 40,
        ok: passed,
        ...(!passed && { error: 'HTTP 500 (expected 200–399)' }),
      };
      windows[i] = addProbe(windows[i]!, result, rules.window);
      summaries[i] = summarizeProbes(windows[i], rules, summaries[i], now);
    });
    const observations = Object.fromEntries(spec.targets.map((t, i) => [t.name, { probes: summaries[i] }]));
    const health = assessTargets(spec, observations, status.targets, now);
    const decision = decideFailover(ref, status, health, now);
    steps.push({ now, health, decision, status });
    status = { ...status, targets: health.map(targetStatus) };
    const record = options.observe ? undefined : switchRecord({ ...decision, state: 'Applied' }, now);
    if (record) status = { ...status, ...afterSwitch(status, record) };
  }
  return {
    steps,
    switches: steps.filter((s) => s.decision.action === 'Failover' || s.decision.action === 'Failback'),
  };
}

/** Long enough for an outage, a failback and another outage; short enough for many runs. */
const STEPS = 80;
const RUNS = { numRuns: 40 };
const spec = protocolSpec({ failback: { enabled: true, healthyProbes: 4, minimumHold: '20s' } });
const holdMs = parseDuration(spec.failback.minimumHold);
type Outcomes = (target: number, second: number) => boolean;
/** A target's probes: up, but for outages (start, length) and single failed probes (blips). */
const targetOutcomes = fc
  .record({
    outages: fc.array(fc.tuple(fc.nat(STEPS), fc.integer({ min: 1, max: 40 })), { maxLength: 3 }),
    blips: fc.array(fc.nat(STEPS), { maxLength: 4 }),
  })
  .map(
    ({ outages, blips }) =>
      (second: number) =>
        !blips.includes(second) &&
        !outages.some(([start, length]) => second >= start && second < start + length),
  );
const histories = fc.tuple(targetOutcomes, targetOutcomes, targetOutcomes).map(
  (targets): Outcomes =>
    (target, second) =>
      targets[target]!(second),
);

describe('failover invariants', () => {
  it('moves traffic only to a target that is Up at that moment, and fails back only after proof and the hold', () => {
    const seen = { Failover: 0, Failback: 0 };
    fc.assert(
      fc.property(histories, (ok) => {
        for (const { decision, health, status, now } of simulate(spec, ok, STEPS).switches) {
          seen[decision.action as keyof typeof seen]++;
          const to = health.find((t) => t.name === decision.to)!;
          expect(to.state).toBe('Up');
          if (decision.action === 'Failback') {
            expect(to.proven).toBe(true);
            expect(now - Date.parse(status.activeSince!)).toBeGreaterThanOrEqual(holdMs);
          } else {
            expect(health.find((t) => t.name === decision.from)?.state).toBe('Down');
          }
        }
      }),
      RUNS,
    );
    // The histories do reach both kinds of switch, so the checks above ran.
    expect(seen.Failover).toBeGreaterThan(0);
    expect(seen.Failback).toBeGreaterThan(0);
  });

  it('decides nothing until every target it acts on has consecutiveFailures fresh probes, also after a restart', () => {
    fc.assert(
      fc.property(histories, fc.integer({ min: 10, max: STEPS - 10 }), (ok, restart) => {
        const run = simulate(spec, ok, STEPS, { restartAt: [restart] });
        const cold = (second: number) =>
          second < spec.trigger.consecutiveFailures - 1 ||
          (second >= restart && second < restart + spec.trigger.consecutiveFailures - 1);
        run.steps.forEach((step, second) => {
          if (cold(second)) expect(step.decision.action).toBe('Hold');
          for (const name of [step.decision.from, step.decision.to].filter(Boolean)) {
            if (step.decision.action !== 'Hold') {
              expect(step.health.find((t) => t.name === name)?.probes).toBeGreaterThanOrEqual(
                spec.trigger.consecutiveFailures,
              );
            }
          }
        });
      }),
      RUNS,
    );
  });

  it('gives every decision on one outage the same id while it is not acted on (Observe)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 2 }), (breakAt, backup) => {
        const ok = (t: number, s: number) => (t === 0 ? s < breakAt : t === backup);
        const run = simulate(spec, ok, 90, { observe: true });
        const ids = new Set(
          run.steps.filter((s) => s.decision.action === 'Failover').map((s) => s.decision.id),
        );
        expect(ids.size).toBe(1);
        // And deciding on the same facts twice gives the same decision.
        expect(simulate(spec, ok, 90, { observe: true }).steps.map((s) => s.decision)).toEqual(
          run.steps.map((s) => s.decision),
        );
      }),
      RUNS,
    );
  });

  it('switches once, and never back, for a primary that fails every p-th probe (p ≤ window / 2)', () => {
    // Every full window then holds two failures or more, enough for its error rate to count.
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: Math.floor(spec.trigger.window / 2) }),
        fc.nat(20),
        (p, phase) => {
          const ok = (t: number, s: number) => t !== 0 || (s + phase) % p !== 0;
          const { switches } = simulate(spec, ok, 150);
          expect(switches.map((s) => [s.decision.action, s.decision.to])).toEqual([['Failover', 'paypal']]);
        },
      ),
      RUNS,
    );
  });

  it('fails over and back on a clean outage: the window’s error rate trips first and must clear for failback', () => {
    const ok = (t: number, s: number) => t !== 0 || s < 10 || s >= 40;
    const seconds = (run: Run) =>
      run.switches.map((s) => [s.decision.action, Math.round((s.now - T0) / 1000)]);
    // Window 10, 5 %: the second failed probe in a full window makes 20 % (one alone is a blip, not a rate);
    // failback once the window is clean.
    expect(seconds(simulate(spec, ok, 120))).toEqual([
      ['Failover', 11],
      ['Failback', 49],
    ]);
    // At 50 %, failures in a row trip first (10, 11, 12); failback at 44: 5 of 10 failed, 5 healthy in a row.
    const tolerant = { ...spec, trigger: { ...spec.trigger, errorRate: 0.5 } };
    expect(seconds(simulate(tolerant, ok, 120))).toEqual([
      ['Failover', 12],
      ['Failback', 44],
    ]);
  });
});
