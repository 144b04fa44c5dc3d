// The heal rules: restart failing watches, lower (and restore) a timing-out controller's rate, name missing RBAC rules.
import { describe, expect, it } from '@jest/globals';
import { DEFAULT_HEAL_SETTINGS as settings, emptyHealState, planHealing } from './heal.js';
import type { ControllerSignals, JournalEntry, RuntimeSignals } from './journal.js';

const T0 = Date.UTC(2026, 10, 1);
const MIN = 60_000;
const signals = (over: Partial<RuntimeSignals> = {}): RuntimeSignals => ({
  reconciles: 10,
  reconcileErrors: 0,
  queueDepth: 0,
  apiCalls: 10,
  apiLatencyMs: 20,
  controllers: [],
  watches: [],
  ...over,
});
const venture = (over: Partial<ControllerSignals>): ControllerSignals => ({
  name: 'venture',
  apiCalls: 50,
  apiTimeouts: 0,
  requestsPerSecond: 20,
  configuredRequestsPerSecond: 20,
  ...over,
});

describe('planHealing', () => {
  it('restarts a watch that keeps failing, at most once per cooldown', () => {
    const watches = [{ resource: 'ventures.autopilot.ventures', consecutiveFailures: 4, lastError: 'EOF' }];
    const first = planHealing(signals({ watches }), [], emptyHealState(), settings, T0);
    expect(first.actions).toEqual([
      {
        type: 'RestartWatch',
        resource: 'ventures.autopilot.ventures',
        reason: 'the watch on ventures.autopilot.ventures failed 4 times in a row (EOF)',
      },
    ]);
    expect(planHealing(signals({ watches }), [], first.state, settings, T0 + MIN).actions).toEqual([]);
    expect(planHealing(signals({ watches }), [], first.state, settings, T0 + 6 * MIN).actions).toHaveLength(
      1,
    );
    expect(
      planHealing(
        signals({ watches: [{ ...watches[0]!, consecutiveFailures: 2 }] }),
        [],
        emptyHealState(),
        settings,
        T0,
      ).actions,
    ).toEqual([]);
  });

  it('halves the request rate of a controller whose calls time out, down to a floor, and restores it after calm cycles', () => {
    const lowered = planHealing(
      signals({ controllers: [venture({ apiTimeouts: 15 })] }),
      [],
      emptyHealState(),
      settings,
      T0,
    );
    expect(lowered.actions).toEqual([
      expect.objectContaining({
        type: 'LowerRequestRate',
        from: 20,
        to: 10,
        reason: '15 of 50 API calls of venture timed out (30.0%)',
      }),
    ]);
    const atFloor = planHealing(
      signals({ controllers: [venture({ apiTimeouts: 15, requestsPerSecond: 1 })] }),
      [],
      emptyHealState(),
      settings,
      T0,
    );
    expect(atFloor.actions).toEqual([]);
    // A few timeouts in few calls is not a pattern.
    expect(
      planHealing(
        signals({ controllers: [venture({ apiCalls: 5, apiTimeouts: 5 })] }),
        [],
        emptyHealState(),
        settings,
        T0,
      ).actions,
    ).toEqual([]);

    let state = lowered.state;
    const slow = venture({ requestsPerSecond: 10 });
    for (let i = 1; i < settings.calmCycles; i++) {
      const step = planHealing(signals({ controllers: [slow] }), [], state, settings, T0 + i * MIN);
      expect(step.actions).toEqual([]);
      state = step.state;
    }
    const restored = planHealing(signals({ controllers: [slow] }), [], state, settings, T0 + 10 * MIN);
    expect(restored.actions).toEqual([
      expect.objectContaining({ type: 'RestoreRequestRate', from: 10, to: 20 }),
    ]);
  });

  it('names the missing RBAC rule once, and grants nothing', () => {
    const refused: JournalEntry = {
      type: 'Failed',
      id: 'scale-1',
      at: T0,
      cause: 'Permission',
      message: 'forbidden',
      forbidden: {
        controller: 'venture',
        verb: 'patch',
        group: 'apps',
        resource: 'deployments',
        namespace: 'shops',
      },
    };
    const first = planHealing(signals(), [refused, refused], emptyHealState(), settings, T0);
    expect(first.actions).toEqual([
      expect.objectContaining({
        type: 'ReportMissingPermission',
        rule: '{apiGroups: ["apps"], resources: ["deployments"], verbs: ["patch"]}',
        reason:
          'venture may not patch deployments in shops: add {apiGroups: ["apps"], resources: ["deployments"], verbs: ["patch"]} to the operator\'s Role or ClusterRole (AutoPilot never grants itself permissions)',
      }),
    ]);
    expect(planHealing(signals(), [refused], first.state, settings, T0 + MIN).actions).toEqual([]);
  });

  it('reports a missing rule on the objects it refused this cycle, each once and at most five', () => {
    const refused = (name: string, verb = 'patch'): JournalEntry => ({
      type: 'Failed',
      id: `scale-${name}`,
      at: T0,
      cause: 'Permission',
      message: 'forbidden',
      object: { kind: 'Venture', namespace: 'shops', name },
      forbidden: { controller: 'venture', verb, group: 'apps', resource: 'deployments', namespace: 'shops' },
    });
    const names = ['a', 'b', 'a', 'c', 'd', 'e', 'f', 'g'];
    const entries = [refused('other', 'create'), ...names.map((n) => refused(n))];
    const reports = planHealing(signals(), entries, emptyHealState(), settings, T0).actions;
    const patch = reports.find((a) => a.type === 'ReportMissingPermission' && a.rule.includes('"patch"'));
    expect(patch).toMatchObject({
      objects: ['a', 'b', 'c', 'd', 'e'].map((name) => ({ kind: 'Venture', namespace: 'shops', name })),
    });
    const create = reports.find((a) => a.type === 'ReportMissingPermission' && a.rule.includes('"create"'));
    expect(create).toMatchObject({ objects: [{ kind: 'Venture', namespace: 'shops', name: 'other' }] });
  });
});
