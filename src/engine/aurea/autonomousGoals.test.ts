// The seed's autonomous goal rules: when a goal is set, the bounds on open goals, abandonment, autonomy.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  DEFAULT_GOAL_RULE_SETTINGS as settings,
  goalManifest,
  goalView,
  planAutonomousGoals,
  type GoalView,
} from './autonomousGoals.js';
import type { OperatorReadings } from './metrics.js';

const T0 = Date.UTC(2026, 10, 1);
const MIN = 60_000;
const bad: OperatorReadings = {
  decision_success_rate: { value: 0.72, evidence: 40 },
  error_rate: { value: 0.2, evidence: 30 },
  cycle_time_seconds: { value: 45, evidence: 10 },
};
const good: OperatorReadings = {
  decision_success_rate: { value: 0.88, evidence: 40 },
  error_rate: { value: 0.08, evidence: 30 },
  cycle_time_seconds: { value: 25, evidence: 10 },
};
const goal = (name: string, metric: string, over: Partial<GoalView> = {}): GoalView => ({
  name,
  metric,
  origin: 'Aurea',
  phase: 'Active',
  description: '',
  priority: 5,
  ...over,
});

describe('planAutonomousGoals', () => {
  it('sets one goal per cause when the seed’s metrics are bad, highest priority first', () => {
    const plan = planAutonomousGoals(bad, [], {}, settings, T0);
    // The error rate is bad too, but its failures are the success rate's: one goal for them.
    expect(plan.propose.map((p) => [p.metric, p.spec.direction, p.spec.target, p.spec.priority])).toEqual([
      ['decision_success_rate', 'AtLeast', 0.9, 8],
      ['cycle_time_seconds', 'AtMost', 20, 6],
    ]);
    const rate = plan.propose[0]!;
    expect(rate.spec).toMatchObject({
      origin: 'Aurea',
      baseline: 0.72,
      interval: '30s',
      deadline: new Date(T0 + settings.horizonMs).toISOString(),
    });
    expect(rate.reason).toBe(
      'decision_success_rate 72.0% is below 85.0% (over 40 judged decisions) since 2026-11-01T00:00:00.000Z',
    );
    expect(rate.name).toMatch(/^aurea-decision-success-rate-[0-9a-f]{8}$/);
  });

  it('sets the error-rate goal when the success rate is fine, and measures a goal at the loop’s interval', () => {
    const errors = { ...good, error_rate: bad.error_rate };
    const plan = planAutonomousGoals(errors, [], {}, { ...settings, intervalMs: 2000 }, T0);
    expect(plan.propose.map((p) => [p.metric, p.spec.target, p.spec.priority, p.spec.interval])).toEqual([
      ['error_rate', 0.05, 9, '2s'],
    ]);
  });

  it('sets nothing on healthy metrics or thin evidence', () => {
    expect(planAutonomousGoals(good, [], {}, settings, T0).propose).toEqual([]);
    const thin = { decision_success_rate: { value: 0.5, evidence: 4 } };
    expect(planAutonomousGoals(thin, [], {}, settings, T0).propose).toEqual([]);
  });

  it('never sets a second goal for a cause that has an open one, the user’s included', () => {
    const goals = [goal('mine', 'decision_success_rate', { origin: 'User' })];
    expect(planAutonomousGoals(bad, goals, {}, settings, T0).propose.map((p) => p.metric)).toEqual([
      'cycle_time_seconds',
    ]);
    // An open error-rate goal serves the success rate's cause as well.
    const errorGoal = [goal('a', 'error_rate')];
    expect(planAutonomousGoals(bad, errorGoal, {}, settings, T0).propose.map((p) => p.metric)).toEqual([
      'cycle_time_seconds',
    ]);
    const done = [goal('old', 'decision_success_rate', { phase: 'Achieved' })];
    expect(planAutonomousGoals(bad, done, {}, settings, T0).propose.map((p) => p.metric)).toContain(
      'decision_success_rate',
    );
  });

  it('keeps at most maxOpen goals of its own open', () => {
    const plan = planAutonomousGoals(bad, [goal('x', 'health_score')], {}, { ...settings, maxOpen: 2 }, T0);
    expect(plan.propose.map((p) => p.metric)).toEqual(['decision_success_rate']);
  });

  it('gives the same name for the same run of a cause, so a restart creates the goal once', () => {
    const first = planAutonomousGoals(bad, [], {}, settings, T0);
    const again = planAutonomousGoals(bad, [], first.causes, settings, T0 + 5 * MIN);
    expect(again.propose.map((p) => p.name)).toEqual(first.propose.map((p) => p.name));
  });

  it('abandons its goal once the cause has been gone long enough, not before, and not on missing data', () => {
    const open = [goal('aurea-rate', 'decision_success_rate')];
    let causes = planAutonomousGoals(bad, open, {}, settings, T0).causes;
    causes = planAutonomousGoals(good, open, causes, settings, T0 + MIN).causes;
    expect(planAutonomousGoals(good, open, causes, settings, T0 + 20 * MIN).abandon).toEqual([]);
    expect(planAutonomousGoals({}, open, causes, settings, T0 + 40 * MIN).abandon).toEqual([]);
    const plan = planAutonomousGoals(good, open, causes, settings, T0 + 31 * MIN);
    expect(plan.abandon).toEqual([
      {
        name: 'aurea-rate',
        reason: 'decision_success_rate 88.0% has not been below 85.0% for 30m0s: the cause is gone',
      },
    ]);
    // A relapse before then starts the clock again.
    const relapsed = planAutonomousGoals(bad, open, causes, settings, T0 + 10 * MIN).causes;
    expect(planAutonomousGoals(good, open, relapsed, settings, T0 + 35 * MIN).abandon).toEqual([]);
  });

  it('never has more than maxOpen open nor two per cause, whatever the readings (property)', () => {
    const reading = fc.record({
      value: fc.double({ min: 0, max: 100, noNaN: true }),
      evidence: fc.integer({ min: 0, max: 200 }),
    });
    fc.assert(
      fc.property(
        fc.array(
          fc.record(
            { decision_success_rate: reading, error_rate: reading, cycle_time_seconds: reading },
            { requiredKeys: [] },
          ),
          { minLength: 1, maxLength: 30 },
        ),
        fc.integer({ min: 0, max: 3 }),
        (steps, maxOpen) => {
          let goals: GoalView[] = [];
          let causes = {};
          steps.forEach((readings, i) => {
            const plan = planAutonomousGoals(readings, goals, causes, { ...settings, maxOpen }, T0 + i * MIN);
            causes = plan.causes;
            const abandoned = new Set(plan.abandon.map((a) => a.name));
            goals = [
              ...goals.map((g) => (abandoned.has(g.name) ? { ...g, phase: 'Abandoned' as const } : g)),
              ...plan.propose.map((p) => goal(p.name, p.metric)),
            ];
            const open = goals.filter((g) => g.phase === 'Active');
            expect(open.length).toBeLessThanOrEqual(maxOpen);
            const cause = (metric: string) => (metric === 'cycle_time_seconds' ? 'slow' : 'failing');
            expect(new Set(open.map((g) => cause(g.metric))).size).toBe(open.length);
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('goalManifest', () => {
  const [proposal] = planAutonomousGoals(bad, [], {}, settings, T0).propose;

  it('round-trips through the view the loop reads back from the cluster', () => {
    const created = goalManifest(proposal!, 'Autonomous', 'autopilot-system')!;
    const stored = { ...created, status: { phase: 'Active' as const, progress: 40 } };
    expect(goalView(stored)).toEqual({
      name: proposal!.name,
      metric: 'decision_success_rate',
      origin: 'Aurea',
      description: proposal!.spec.description,
      priority: 8,
      phase: 'Active',
      progress: 40,
    });
  });

  it('creates nothing in Observe, a suspended goal in Supervised and an active one in Autonomous', () => {
    expect(goalManifest(proposal!, 'Observe', 'autopilot-system')).toBeUndefined();
    expect(goalManifest(proposal!, 'Supervised', 'autopilot-system')?.spec.suspended).toBe(true);
    const created = goalManifest(proposal!, 'Autonomous', 'autopilot-system')!;
    expect(created.spec.suspended).toBe(false);
    expect(created.metadata).toEqual({
      name: proposal!.name,
      namespace: 'autopilot-system',
      labels: {
        'autopilot.ventures/origin': 'aurea',
        'autopilot.ventures/metric': 'decision-success-rate',
      },
    });
  });
});
