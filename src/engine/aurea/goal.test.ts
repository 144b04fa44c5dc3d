// Goal tracking on crafted series: progress both ways, phases, held-for-N achievement, forecast and its bounds.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { AureaGoalSpec, AureaGoalStatus } from '../../api/v1alpha1/aureaGoal.js';
import { GoalLimits } from '../../api/v1alpha1/aureaGoal.js';
import { forecastGoal } from './forecast.js';
import {
  measurementDue,
  nextLook,
  operatorReading,
  trackGoal,
  wantsMeasurement,
  type GoalUpdate,
  type Reading,
} from './goal.js';
import { goalProgress } from './progress.js';

const T0 = Date.UTC(2026, 10, 1);
const MIN = 60_000;
const HOUR = 60 * MIN;

const spec = (over: Partial<AureaGoalSpec> = {}): AureaGoalSpec => ({
  description: 'decisions succeed',
  goalType: 'Quality',
  metric: { name: 'decision_success_rate', source: 'Operator' },
  direction: 'AtLeast',
  target: 0.9,
  samplesToAchieve: 3,
  interval: '30s',
  forecastSamples: 10,
  priority: 5,
  origin: 'User',
  suspended: false,
  abandoned: false,
  ...over,
});

const read = (value: number, at: number): Reading => ({ ok: true, value, at });

/** Feeds readings one per `step`, as the controller would, and returns every update. */
function run(goal: AureaGoalSpec, values: number[], step = MIN, start = T0): GoalUpdate[] {
  let status: AureaGoalStatus | undefined;
  return values.map((value, i) => {
    const at = start + i * step;
    const update = trackGoal(goal, status, read(value, at), at);
    status = update.state;
    return update;
  });
}

describe('goalProgress', () => {
  it('goes from baseline to target, upward and downward', () => {
    expect(goalProgress({ direction: 'AtLeast', target: 0.9 }, 0.7, 0.799)).toBe(49); // 49.5 rounds down
    expect(goalProgress({ direction: 'AtLeast', target: 0.9 }, 0.7, 0.85)).toBe(75);
    expect(goalProgress({ direction: 'AtMost', target: 20 }, 40, 30)).toBe(50);
    expect(goalProgress({ direction: 'AtMost', target: 0.05 }, 0.2, 0.05)).toBe(100);
  });

  it('is 0 past the baseline on the wrong side and 99 just short of the target', () => {
    expect(goalProgress({ direction: 'AtLeast', target: 0.9 }, 0.7, 0.6)).toBe(0);
    expect(goalProgress({ direction: 'AtLeast', target: 0.9 }, 0.7, 0.8999)).toBe(99);
    // A baseline taken when the metric was already past the target.
    expect(goalProgress({ direction: 'AtMost', target: 20 }, 10, 25)).toBe(0);
  });

  it('stays within 0–100 and reaches 100 exactly at the target (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('AtLeast' as const, 'AtMost' as const),
        fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
        fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
        fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
        (direction, target, baseline, current) => {
          const progress = goalProgress({ direction, target }, baseline, current);
          const reached = direction === 'AtLeast' ? current >= target : current <= target;
          expect(Number.isInteger(progress) && progress >= 0 && progress <= 100).toBe(true);
          expect(progress === 100).toBe(reached);
        },
      ),
    );
  });
});

describe('trackGoal', () => {
  it('takes the baseline from the first measurement when the spec has none', () => {
    const [first, second] = run(spec(), [0.6, 0.75]);
    expect(first!.state).toMatchObject({ phase: 'Active', baseline: 0.6, current: 0.6, progress: 0 });
    expect(first!.change).toMatchObject({ to: 'Active', reason: 'GoalActive' });
    expect(second!.state).toMatchObject({ baseline: 0.6, current: 0.75, progress: 50 });
    expect(second!.change).toBeUndefined();
  });

  it('becomes Achieved only after samplesToAchieve measurements in a row at the target', () => {
    const updates = run(spec({ baseline: 0.5 }), [0.7, 0.92, 0.85, 0.91, 0.95, 0.9]);
    expect(updates.map((u) => u.state.phase)).toEqual([
      'Active',
      'Active',
      'Active',
      'Active',
      'Active',
      'Achieved',
    ]);
    expect(updates.map((u) => u.state.samplesAtTarget)).toEqual([0, 1, 0, 1, 2, 3]);
    const done = updates.at(-1)!;
    expect(done.state.achievedAt).toBe(new Date(T0 + 5 * MIN).toISOString());
    expect(done.change).toMatchObject({
      from: 'Active',
      to: 'Achieved',
      reason: 'GoalAchieved',
      warning: false,
    });
    expect(done.conditions).toContainEqual(
      expect.objectContaining({ type: 'OnTrack', status: 'True', reason: 'Achieved' }),
    );
  });

  it('counts a measurement once however often it is reconciled', () => {
    const goal = spec({ samplesToAchieve: 2 });
    const first = trackGoal(goal, undefined, read(0.95, T0), T0);
    const again = trackGoal(goal, first.state, read(0.95, T0), T0 + 1000);
    expect(again.state.samplesAtTarget).toBe(1);
    expect(again.state.phase).toBe('Active');
    expect(again.state.samples).toHaveLength(1);
  });

  it('tracks AtMost goals down to their target', () => {
    const updates = run(
      spec({
        metric: { name: 'cycle_time_seconds', source: 'Operator' },
        direction: 'AtMost',
        target: 20,
        samplesToAchieve: 2,
      }),
      [40, 30, 19, 18],
    );
    expect(updates.map((u) => u.state.progress)).toEqual([0, 50, 100, 100]);
    expect(updates.at(-1)!.state.phase).toBe('Achieved');
  });

  it('fails when the deadline passes first, and a reading after it does not count', () => {
    const deadline = new Date(T0 + 2 * MIN - 1000).toISOString();
    const updates = run(spec({ deadline, samplesToAchieve: 1 }), [0.5, 0.6, 0.95]);
    expect(updates.map((u) => u.state.phase)).toEqual(['Active', 'Active', 'Failed']);
    const failed = updates.at(-1)!;
    expect(failed.state.current).toBe(0.6);
    expect(failed.change).toMatchObject({ to: 'Failed', reason: 'GoalFailed', warning: true });
    expect(failed.change!.message).toContain('the deadline');
    expect(failed.state.forecast).toBeUndefined();
  });

  it('fails at the deadline even when the metric cannot be read', () => {
    const goal = spec({ deadline: new Date(T0).toISOString() });
    const update = trackGoal(
      goal,
      undefined,
      { ok: false, reason: 'PrometheusUnreachable', message: 'refused' },
      T0 + 1,
    );
    expect(update.state.phase).toBe('Failed');
  });

  it('abandons on spec.abandoned and keeps final phases final', () => {
    const active = run(spec(), [0.5])[0]!.state;
    const abandoned = trackGoal(spec({ abandoned: true }), active, read(0.99, T0 + MIN), T0 + MIN);
    expect(abandoned.state.phase).toBe('Abandoned');
    expect(abandoned.state.current).toBe(0.5);
    expect(abandoned.change).toMatchObject({ from: 'Active', to: 'Abandoned', reason: 'GoalAbandoned' });
    const later = trackGoal(spec(), abandoned.state, read(0.99, T0 + 2 * MIN), T0 + 2 * MIN);
    expect(later.state.phase).toBe('Abandoned');
    expect(later.change).toBeUndefined();
    expect(wantsMeasurement(spec(), abandoned.state)).toBe(false);
  });

  it('holds a suspended goal unmeasured until it is approved', () => {
    const suspended = trackGoal(spec({ suspended: true }), undefined, undefined, T0);
    expect(suspended.state.phase).toBe('Suspended');
    expect(suspended.conditions).toContainEqual(
      expect.objectContaining({ type: 'Ready', status: 'False', reason: 'Suspended' }),
    );
    expect(wantsMeasurement(spec({ suspended: true }), suspended.state)).toBe(false);
    const approved = trackGoal(spec(), suspended.state, read(0.7, T0 + MIN), T0 + MIN);
    expect(approved.change).toMatchObject({ from: 'Suspended', to: 'Active', message: 'active: approved' });
  });

  it('says why the metric could not be read, and keeps the last value', () => {
    const active = run(spec(), [0.5])[0]!.state;
    const update = trackGoal(
      spec(),
      active,
      { ok: false, reason: 'PrometheusQueryInvalid', message: 'parse error' },
      T0 + MIN,
    );
    expect(update.state.current).toBe(0.5);
    expect(update.conditions).toContainEqual({
      type: 'Ready',
      status: 'False',
      reason: 'PrometheusQueryInvalid',
      message: 'parse error',
    });
    const nan = trackGoal(spec(), active, read(Number.NaN, T0 + MIN), T0 + MIN);
    expect(nan.conditions[0]).toMatchObject({ status: 'False', reason: 'MetricNotANumber' });
  });

  it('ignores unreadable samples in a hand-edited status', () => {
    const update = trackGoal(
      spec(),
      {
        phase: 'Active',
        samples: [
          { at: 'yesterday', value: 0.1 },
          { at: new Date(T0).toISOString(), value: 0.5 },
        ],
      },
      read(0.6, T0 + MIN),
      T0 + MIN,
    );
    expect(update.state.samples).toEqual([
      { at: new Date(T0 + MIN).toISOString(), value: 0.6 },
      { at: new Date(T0).toISOString(), value: 0.5 },
    ]);
  });

  it('keeps at most the bounded number of samples and never leaves 0–100 (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 120 }),
        (values) => {
          for (const update of run(spec({ samplesToAchieve: 50 }), values)) {
            expect(update.state.samples!.length).toBeLessThanOrEqual(GoalLimits.samples);
            expect(update.state.progress).toBeGreaterThanOrEqual(0);
            expect(update.state.progress).toBeLessThanOrEqual(100);
          }
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe('measurementDue and nextLook', () => {
  it('measures a new goal at once, then again only after spec.interval', () => {
    expect(measurementDue(spec(), undefined, T0)).toBe(true);
    const measured = run(spec(), [0.5])[0]!.state;
    expect(measurementDue(spec(), measured, T0 + 29_000)).toBe(false);
    expect(measurementDue(spec(), measured, T0 + 30_000)).toBe(true);
    expect(measurementDue(spec({ suspended: true }), measured, T0 + HOUR)).toBe(false);
  });

  it('looks again after the interval, at the deadline when it comes first, and never once settled', () => {
    const [active] = run(spec(), [0.5]);
    expect(nextLook(spec(), active!, T0)).toBe(30_000);
    const deadline = new Date(T0 + 10_000).toISOString();
    expect(nextLook(spec({ deadline }), active!, T0)).toBe(10_000);
    expect(nextLook(spec({ deadline }), active!, T0 + MIN)).toBe(0);
    const suspended = trackGoal(spec({ suspended: true }), undefined, undefined, T0);
    expect(nextLook(spec({ suspended: true }), suspended, T0)).toBeUndefined();
    const achieved = run(spec({ samplesToAchieve: 1 }), [0.95]).at(-1)!;
    expect(achieved.state.phase).toBe('Achieved');
    expect(nextLook(spec(), achieved, T0)).toBeUndefined();
  });
});

describe('operatorReading', () => {
  it('reads the loop’s series, or says what it lacks', () => {
    const readings = { error_rate: { value: 0.12, evidence: 40 } };
    expect(operatorReading('error_rate', readings, T0)).toEqual({ ok: true, value: 0.12, at: T0 });
    const missing = operatorReading('decision_success_rate', readings, T0);
    expect(missing).toMatchObject({ ok: false, reason: 'MetricNotMeasuredYet' });
    expect(trackGoal(spec(), undefined, missing, T0).conditions[0]).toMatchObject({
      status: 'False',
      reason: 'MetricNotMeasuredYet',
    });
  });
});

describe('forecastGoal', () => {
  const samples = (values: number[], step = HOUR, end = T0) =>
    values.map((value, i) => ({ at: end - i * step, value })); // newest first

  it('needs three measurements', () => {
    const { forecast, condition } = forecastGoal(spec(), samples([0.5, 0.4]), T0);
    expect(forecast.state).toBe('Unknown');
    expect(condition).toMatchObject({ type: 'OnTrack', status: 'Unknown', reason: 'NotEnoughSamples' });
  });

  it('projects a steady climb to the hour it reaches the target', () => {
    // +0.05 per hour, at 0.7 now: 0.9 in four hours.
    const { forecast, condition } = forecastGoal(
      spec({ deadline: new Date(T0 + 8 * HOUR).toISOString() }),
      samples([0.7, 0.65, 0.6, 0.55]),
      T0,
    );
    expect(forecast.state).toBe('OnTrack');
    expect(Date.parse(forecast.eta!)).toBeCloseTo(T0 + 4 * HOUR, -3);
    expect(forecast.ratePerHour).toBeCloseTo(0.05);
    expect(forecast.pace).toBeCloseTo(0.5);
    expect(forecast.summary).toBe('on track: 2026-11-01T04:00Z');
    expect(condition).toMatchObject({ status: 'True', reason: 'OnTrack' });
  });

  it('is AtRisk when the target comes after the deadline, with the pace above 1', () => {
    const { forecast, condition } = forecastGoal(
      spec({ deadline: new Date(T0 + 2 * HOUR).toISOString() }),
      samples([0.7, 0.65, 0.6, 0.55]),
      T0,
    );
    expect(forecast.state).toBe('AtRisk');
    expect(forecast.pace).toBeCloseTo(2);
    expect(condition).toMatchObject({ status: 'False', reason: 'AtRisk' });
    expect(condition.message).toContain('2h0m0s after the deadline');
  });

  it('is AtRisk when the metric moves away, even without a deadline', () => {
    const { forecast, condition } = forecastGoal(
      spec({ direction: 'AtMost', target: 20 }),
      samples([35, 33, 31, 30]),
      T0,
    );
    expect(forecast).toMatchObject({ state: 'AtRisk', summary: 'at risk: never at +1.7/h' });
    expect(forecast.eta).toBeUndefined();
    expect(condition.message).toContain('moves away from the target');
  });

  it('clears AtRisk as soon as the recent half recovers (the short window), but not on one good sample', () => {
    const deadline = new Date(T0 + 3 * HOUR).toISOString();
    // Ten hours of decline, then three hours of fast recovery: the short window is on track.
    const recovering = samples([0.75, 0.65, 0.55, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75]);
    expect(forecastGoal(spec({ deadline }), recovering, T0).forecast.state).toBe('OnTrack');
    // One good sample after a decline: neither fit reaches the target in time.
    const blip = samples([0.7, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85]);
    expect(forecastGoal(spec({ deadline }), blip, T0).forecast.state).toBe('AtRisk');
  });

  it('is on track at the target', () => {
    expect(forecastGoal(spec(), samples([0.95]), T0).forecast).toEqual({
      state: 'OnTrack',
      summary: 'at target',
    });
  });
});
