// The `autopilot status` view (and GET /status) as data: the seed's get_status(), from the loop's state.
import type { Mode } from '../mode.js';
import type { GoalView } from './autonomousGoals.js';
import type { AureaState } from './cycle.js';
import type { Learning } from './learning.js';
import { recentPatterns, type Pattern } from './patterns.js';

export interface AureaStatusView {
  running: boolean;
  autonomyLevel: Mode;
  cyclesCompleted: number;
  decisionsMade: number;
  healthScore?: number;
  performance: {
    /** decision_success_rate now: successes / judged over the last 100. */
    recentSuccessRate?: number;
    /** The success rate at the end of each of the latest cycles that had one, oldest first. */
    successRateTrend: number[];
    averageCycleSeconds?: number;
    cyclesKept: number;
  };
  goals: {
    active: number;
    achieved: number;
    total: number;
    activeGoals: { name: string; description: string; metric: string; progress?: number; priority: number }[];
  };
  learning: {
    learnings: number;
    recentLearnings: Learning[];
    recentPatterns: Pattern[];
    selfImprovementActions: number;
    /** Extra confirmations now in force, per Kind/Action. */
    adjustments: Record<string, number>;
  };
}

const TREND_CYCLES = 10;
const RECENT_LEARNINGS = 5;

export function aureaStatusView(
  state: AureaState,
  goals: readonly GoalView[],
  loop: { running: boolean; autonomy: Mode; window: number },
): AureaStatusView {
  const recent = state.history.slice(-loop.window);
  const latest = state.history.at(-1);
  const active = goals.filter((g) => g.phase === 'Active');
  return {
    running: loop.running,
    autonomyLevel: loop.autonomy,
    cyclesCompleted: state.cycle,
    decisionsMade: state.decisionsMade,
    ...(latest ? { healthScore: latest.healthScore } : {}),
    performance: {
      ...(latest?.successRate === undefined ? {} : { recentSuccessRate: latest.successRate }),
      successRateTrend: state.history
        .filter((c) => c.successRate !== undefined)
        .slice(-TREND_CYCLES)
        .map((c) => c.successRate!),
      ...(recent.length
        ? { averageCycleSeconds: recent.reduce((sum, c) => sum + c.durationMs, 0) / recent.length / 1000 }
        : {}),
      cyclesKept: state.history.length,
    },
    goals: {
      active: active.length,
      achieved: goals.filter((g) => g.phase === 'Achieved').length,
      total: goals.length,
      activeGoals: active
        .sort((a, b) => b.priority - a.priority || a.name.localeCompare(b.name))
        .map((g) => ({
          name: g.name,
          description: g.description,
          metric: g.metric,
          ...(g.progress === undefined ? {} : { progress: g.progress }),
          priority: g.priority,
        })),
    },
    learning: {
      learnings: state.learnings.length,
      recentLearnings: state.learnings.slice(-RECENT_LEARNINGS),
      recentPatterns: recentPatterns(state.patterns, state.cycle, loop.window),
      selfImprovementActions: state.selfImprovementActions,
      adjustments: Object.fromEntries(
        state.adjustments.filter((a) => a.extraConfirmations > 0).map((a) => [a.key, a.extraConfirmations]),
      ),
    },
  };
}
