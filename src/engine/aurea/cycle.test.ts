// Whole cycles over a crafted journal: Scale decisions start failing on a refused permission, and the loop
// sees the pattern, sets itself a goal, learns a bounded adjustment and names the missing rule; then recovers.
import { describe, expect, it } from '@jest/globals';
import {
  DEFAULT_AUREA_SETTINGS,
  emptyAureaState,
  runCycle,
  type AureaState,
  type CycleResult,
} from './cycle.js';
import type { GoalView } from './autonomousGoals.js';
import type { JournalEntry, RuntimeSignals } from './journal.js';
import { decodeMemory, encodeMemory, restoreState } from './memory.js';
import { aureaStatusView } from './statusView.js';

const T0 = Date.UTC(2026, 10, 1);
const CYCLE = 30_000;
const VENTURES = 10;
const signals: RuntimeSignals = {
  reconciles: 20,
  reconcileErrors: 0,
  queueDepth: 0,
  apiCalls: 40,
  apiLatencyMs: 25,
  controllers: [],
  watches: [],
};
const settings = { ...DEFAULT_AUREA_SETTINGS, autonomy: 'Autonomous' as const };

/** One cycle's journal: each venture audited (health 80), and one Scale decided and carried out or refused. */
function journal(cycle: number, scaleFails: boolean): JournalEntry[] {
  const at = T0 + cycle * CYCLE;
  const entries: JournalEntry[] = [];
  for (let v = 0; v < VENTURES; v++) {
    const object = { kind: 'Venture', namespace: 'shops', name: `shop-${v}` };
    entries.push({ type: 'Measured', at, object, measure: 'health', value: 80 });
    if (v !== cycle % VENTURES) continue;
    const id = `scale-${cycle}-${v}`;
    entries.push({
      type: 'Decided',
      at,
      id,
      object,
      action: 'Scale',
      reason: 'growing',
      judgeAfterMs: CYCLE,
    });
    entries.push({ type: 'Started', at, id });
    entries.push(
      scaleFails
        ? {
            type: 'Failed',
            at,
            id,
            cause: 'Permission',
            message: 'ventures/scale is forbidden',
            forbidden: {
              controller: 'venture',
              verb: 'update',
              group: 'autopilot.ventures',
              resource: 'ventures/scale',
              namespace: 'shops',
            },
          }
        : { type: 'Succeeded', at, id },
    );
  }
  return entries;
}

function runCycles(
  from: number,
  to: number,
  scaleFails: (cycle: number) => boolean,
  start: AureaState,
  goals: GoalView[] = [],
) {
  let state = start;
  const results: CycleResult[] = [];
  for (let c = from; c < to; c++) {
    const now = T0 + c * CYCLE + 120;
    const result = runCycle(
      state,
      { startedAt: now - 120, entries: journal(c, scaleFails(c)), signals, goals },
      settings,
      now,
    );
    state = result.state;
    results.push(result);
  }
  return { state, results };
}

describe('runCycle', () => {
  it('turns failing Scale decisions into a pattern, one goal per metric, a bounded learning and an RBAC report', () => {
    const healthy = runCycles(0, 15, () => false, emptyAureaState());
    expect(healthy.state.history.at(-1)!.successRate).toBe(1);
    expect(healthy.results.flatMap((r) => r.goals.propose)).toEqual([]);

    const failing = runCycles(15, 45, () => true, healthy.state);
    const fresh = failing.results.flatMap((r) => r.freshPatterns.map((p) => p.key));
    expect(fresh).toEqual(expect.arrayContaining(['FailureCluster/Permission', 'DecliningSuccessRate']));
    const proposals = failing.results.flatMap((r) => r.goals.propose.map((p) => p.metric));
    expect(proposals).toEqual(expect.arrayContaining(['decision_success_rate', 'error_rate']));
    const learnings = failing.results.flatMap((r) => r.learnings);
    expect(learnings.map((l) => [l.key, l.before, l.after])).toEqual([
      ['Venture/Scale', 0, 1],
      ['Venture/Scale', 1, 2],
    ]);
    const reports = failing.results
      .flatMap((r) => r.heal)
      .filter((a) => a.type === 'ReportMissingPermission');
    expect(reports).toHaveLength(1);
    expect(failing.results.at(-1)!.readings.decision_success_rate!.value).toBeLessThan(0.85);

    const summary = failing.results.at(-1)!.summary;
    expect(summary).toMatchObject({
      cycle: 45,
      durationMs: 120,
      observations: VENTURES,
      decisions: 1,
      actionsFailed: 1,
    });
  });

  it('recovers: the success rate climbs back, the adjustment relaxes, and the status view tells the story', () => {
    const failing = runCycles(0, 30, () => true, emptyAureaState());
    const goals: GoalView[] = [
      {
        name: 'aurea-decision-success-rate-1',
        metric: 'decision_success_rate',
        origin: 'Aurea',
        phase: 'Active',
        description: 'Improve the decision success rate to 90 %',
        progress: 0,
        priority: 8,
      },
    ];
    const recovered = runCycles(30, 150, () => false, failing.state, goals);
    expect(recovered.results.at(-1)!.readings.decision_success_rate!.value).toBe(1);
    expect(recovered.state.adjustments.map((a) => a.extraConfirmations)).toEqual([0]);
    expect(recovered.results.flatMap((r) => r.learnings).map((l) => l.change)).toEqual(['Relax', 'Relax']);
    expect(recovered.results.flatMap((r) => r.freshPatterns.map((p) => p.key))).toContain(
      'ConsistentlyHighPerformance',
    );

    const view = aureaStatusView(recovered.state, goals, {
      running: true,
      autonomy: 'Autonomous',
      window: settings.window,
    });
    expect(view).toMatchObject({
      running: true,
      autonomyLevel: 'Autonomous',
      cyclesCompleted: 150,
      decisionsMade: 150,
      healthScore: 100,
      performance: { recentSuccessRate: 1, averageCycleSeconds: 0.12 },
      goals: {
        active: 1,
        achieved: 0,
        total: 1,
        activeGoals: [expect.objectContaining({ metric: 'decision_success_rate', progress: 0 })],
      },
      learning: { learnings: 4, adjustments: {} },
    });
    expect(view.performance.successRateTrend).toHaveLength(10);
    expect(view.learning.recentPatterns.map((p) => p.key)).toContain('ConsistentlyHighPerformance');
  });

  it('continues from memory after a restart: the success rate and learnings carry over', () => {
    const before = runCycles(0, 30, () => true, emptyAureaState());
    const restarted = restoreState(decodeMemory(encodeMemory(before.state, T0 + 30 * CYCLE)).memory);
    const after = runCycles(30, 31, () => true, restarted);
    expect(after.state.cycle).toBe(31);
    expect(after.state.learnings).toEqual(before.state.learnings);
    // 30 judged failures remembered, and this cycle's one more.
    expect(after.results[0]!.readings.decision_success_rate).toEqual({ value: 0, evidence: 31 });
  });
});
