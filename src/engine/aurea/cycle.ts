// One AUREA cycle as a pure function: observe (the journal), judge outcomes, orient (patterns), decide
// (autonomous goals), learn (adjustments) and heal, from the previous state to the next.
import type { Mode } from '../mode.js';
import {
  DEFAULT_GOAL_RULE_SETTINGS,
  planAutonomousGoals,
  type Causes,
  type GoalPlan,
  type GoalRuleSettings,
  type GoalView,
} from './autonomousGoals.js';
import {
  DEFAULT_HEAL_SETTINGS,
  emptyHealState,
  planHealing,
  type HealAction,
  type HealSettings,
  type HealState,
} from './heal.js';
import { summarizeCycle, type CycleSummary, type JournalEntry, type RuntimeSignals } from './journal.js';
import {
  DEFAULT_LEARNING_SETTINGS,
  keepLearnings,
  learnFromOutcomes,
  type Adjustment,
  type Learning,
  type LearningSettings,
} from './learning.js';
import { operatorMetrics, type OperatorReadings } from './metrics.js';
import { emptyOutcomes, judgeOutcomes, successRate, type Judgement, type OutcomeState } from './outcomes.js';
import {
  DEFAULT_PATTERN_SETTINGS,
  detectPatterns,
  recordPatterns,
  type Pattern,
  type PatternSettings,
} from './patterns.js';

export interface AureaSettings {
  /** Observe recommends goals in Events; Supervised creates them suspended; Autonomous creates them active. */
  autonomy: Mode;
  /** Cycles the operator metrics (error rate, cycle time, …) are computed over. */
  window: number;
  /** Cycle summaries kept; older cycles live on as Prometheus series. */
  historyLimit: number;
  patterns: PatternSettings;
  goals: GoalRuleSettings;
  learning: LearningSettings;
  heal: HealSettings;
}

export const DEFAULT_AUREA_SETTINGS: AureaSettings = {
  autonomy: 'Observe',
  window: 10,
  historyLimit: 120,
  patterns: DEFAULT_PATTERN_SETTINGS,
  goals: DEFAULT_GOAL_RULE_SETTINGS,
  learning: DEFAULT_LEARNING_SETTINGS,
  heal: DEFAULT_HEAL_SETTINGS,
};

export interface AureaState {
  /** Cycles completed. */
  cycle: number;
  decisionsMade: number;
  selfImprovementActions: number;
  outcomes: OutcomeState;
  /** The latest cycles, oldest first. */
  history: CycleSummary[];
  patterns: Pattern[];
  adjustments: Adjustment[];
  learnings: Learning[];
  causes: Causes;
  heal: HealState;
  /** Goals seen Achieved, so each counts once in goalsAchieved. */
  achievedGoals: string[];
}

export const emptyAureaState = (): AureaState => ({
  cycle: 0,
  decisionsMade: 0,
  selfImprovementActions: 0,
  outcomes: emptyOutcomes(),
  history: [],
  patterns: [],
  adjustments: [],
  learnings: [],
  causes: {},
  heal: emptyHealState(),
  achievedGoals: [],
});

export interface CycleInput {
  /** When the loop began gathering this cycle's observations: the cycle's duration runs from it to `now`. */
  startedAt: number;
  /** The journal's entries since the last cycle, in the order reported. */
  entries: readonly JournalEntry[];
  signals: RuntimeSignals;
  /** Every AureaGoal in the operator's namespace. */
  goals: readonly GoalView[];
}

export interface CycleResult {
  state: AureaState;
  summary: CycleSummary;
  /** The operator's own series now: what source-Operator goals read and the metrics export. */
  readings: OperatorReadings;
  judged: Judgement[];
  /** Patterns new this cycle: a PatternDetected Event each. */
  freshPatterns: Pattern[];
  goals: GoalPlan;
  learnings: Learning[];
  heal: HealAction[];
}

const MAX_ACHIEVED_NAMES = 200;

export function runCycle(
  state: AureaState,
  input: CycleInput,
  settings: AureaSettings,
  now: number,
): CycleResult {
  const number = state.cycle + 1;
  const outcomes = judgeOutcomes(state.outcomes, input.entries, now);
  const base = summarizeCycle(input.entries, input.signals, { number, startedAt: input.startedAt, now });
  const rate = successRate(outcomes.state.judged);
  const partial: CycleSummary = {
    ...base,
    ...(rate === undefined ? {} : { successRate: rate }),
    judged: outcomes.state.judged.length,
  };

  const detections = detectPatterns([...state.history, partial], settings.patterns);
  const patterns = recordPatterns(state.patterns, detections, number, now, settings.patterns);
  const history = [...state.history, partial].slice(-settings.historyLimit);
  const readings = operatorMetrics(outcomes.state.judged, history, settings.window);
  const goals = planAutonomousGoals(readings, input.goals, state.causes, settings.goals, now);
  const learning = learnFromOutcomes(state.adjustments, outcomes.state.byAction, settings.learning, now);
  const heal = planHealing(input.signals, input.entries, state.heal, settings.heal, now);
  const newlyAchieved = input.goals
    .filter((g) => g.phase === 'Achieved' && !state.achievedGoals.includes(g.name))
    .map((g) => g.name);

  const summary: CycleSummary = {
    ...partial,
    patternsDetected: detections.length,
    goalsSet: settings.autonomy === 'Observe' ? 0 : goals.propose.length,
    goalsAchieved: newlyAchieved.length,
    learnings: learning.learnings.length,
  };
  history[history.length - 1] = summary;
  return {
    state: {
      cycle: number,
      decisionsMade: state.decisionsMade + base.decisions,
      selfImprovementActions: state.selfImprovementActions + heal.actions.length + learning.learnings.length,
      outcomes: outcomes.state,
      history,
      patterns: patterns.patterns,
      adjustments: learning.adjustments,
      learnings: keepLearnings(state.learnings, learning.learnings),
      causes: goals.causes,
      heal: heal.state,
      achievedGoals: [...state.achievedGoals, ...newlyAchieved].slice(-MAX_ACHIEVED_NAMES),
    },
    summary,
    readings,
    judged: outcomes.judged,
    freshPatterns: patterns.fresh,
    goals,
    learnings: learning.learnings,
    heal: heal.actions,
  };
}
