// The goals the loop sets itself (the seed's rules), at most a bounded number open and one per metric, and
// abandoned once their cause has been gone long enough.
import type { AureaGoalSpec, GoalPhase, OperatorMetric } from '../../api/v1alpha1/aureaGoal.js';
import { AUREA_ORIGIN_LABEL_VALUE, GoalLabels } from '../../api/v1alpha1/aureaGoal.js';
import type { AureaGoalResource } from '../../api/v1alpha1/index.js';
import { API_VERSION } from '../../api/v1alpha1/kind.js';
import { duration, isoTime, num, pct } from '../format.js';
import type { Mode } from '../mode.js';
import { shortHash } from '../decisions.js';
import { isFinal } from './goal.js';
import type { OperatorReadings } from './metrics.js';

export interface GoalRule {
  metric: OperatorMetric;
  /**
   * What goes wrong when the rule triggers. Rules of one cause set one goal between them: every action
   * that fails is also a decision judged a failure, so the success rate and the error rate fall together.
   */
  cause: 'FailingDecisions' | 'SlowCycles';
  /** The metric is bad: a goal is due. */
  triggered: (value: number) => boolean;
  trigger: string;
  direction: AureaGoalSpec['direction'];
  target: number;
  goalType: AureaGoalSpec['goalType'];
  priority: number;
  description: string;
  /** Judged decisions, executed actions or cycles a reading needs before it can set a goal. */
  minEvidence: number;
  show: (value: number) => string;
}

const seconds = (value: number) => `${num(value)}s`;

/**
 * The seed's rules: success rate < 85 % → 90 %; error rate > 10 % → under 5 %; cycle time > 30 s → under 20 s.
 * In the order they are tried: of two rules of one cause, the first sets the goal.
 */
export const GoalRules: readonly GoalRule[] = [
  {
    metric: 'decision_success_rate',
    cause: 'FailingDecisions',
    triggered: (v) => v < 0.85,
    trigger: 'below 85.0%',
    direction: 'AtLeast',
    target: 0.9,
    goalType: 'Quality',
    priority: 8,
    description: 'Improve the decision success rate to 90 %',
    minEvidence: 10,
    show: pct,
  },
  {
    metric: 'error_rate',
    cause: 'FailingDecisions',
    triggered: (v) => v > 0.1,
    trigger: 'above 10.0%',
    direction: 'AtMost',
    target: 0.05,
    goalType: 'Quality',
    priority: 9,
    description: 'Reduce the error rate of actions to 5 % or less',
    minEvidence: 10,
    show: pct,
  },
  {
    metric: 'cycle_time_seconds',
    cause: 'SlowCycles',
    triggered: (v) => v > 30,
    trigger: 'above 30s',
    direction: 'AtMost',
    target: 20,
    goalType: 'Performance',
    priority: 6,
    description: 'Bring the loop’s cycle time down to 20 s or less',
    minEvidence: 3,
    show: seconds,
  },
];

export interface GoalRuleSettings {
  /** Open goals of the loop's own at once. */
  maxOpen: number;
  /** A goal's cause must be gone this long before the loop abandons it. */
  abandonAfterMs: number;
  /** Deadline of a new goal, from its creation. */
  horizonMs: number;
  /** Measurements in a row at the target to achieve a goal. */
  samplesToAchieve: number;
  /** How often a new goal is measured: the loop's own cycle interval, since its metrics change once a cycle. */
  intervalMs: number;
}

export const DEFAULT_GOAL_RULE_SETTINGS: GoalRuleSettings = {
  maxOpen: 3,
  abandonAfterMs: 30 * 60_000,
  horizonMs: 24 * 3_600_000,
  samplesToAchieve: 3,
  intervalMs: 30_000,
};

/** An AureaGoal as the loop sees it in the cluster (goalView makes one from the stored object). */
export interface GoalView {
  name: string;
  metric: string;
  origin: 'User' | 'Aurea';
  phase?: GoalPhase;
  description: string;
  progress?: number;
  priority: number;
}

export const goalView = (goal: Pick<AureaGoalResource, 'metadata' | 'spec' | 'status'>): GoalView => ({
  name: goal.metadata.name,
  metric: goal.spec.metric.name,
  origin: goal.spec.origin,
  description: goal.spec.description,
  priority: goal.spec.priority,
  ...(goal.status?.phase === undefined ? {} : { phase: goal.status.phase }),
  ...(goal.status?.progress === undefined ? {} : { progress: goal.status.progress }),
});

/** Per metric: since when its rule has been triggered, or since when it has been clear. */
export type Causes = Partial<Record<OperatorMetric, { triggeredSince?: number; clearSince?: number }>>;

export interface GoalProposal {
  /** Stable: the same metric and the same run of its cause give the same name, so a restart creates it once. */
  name: string;
  metric: OperatorMetric;
  reason: string;
  spec: AureaGoalSpec;
}

export interface GoalPlan {
  /** Goals due now, highest priority first, within the open-goal bound. */
  propose: GoalProposal[];
  /** The loop's open goals whose cause is gone long enough. */
  abandon: { name: string; reason: string }[];
  causes: Causes;
}

/**
 * Which goals the loop sets and abandons now: one open goal per cause (users' goals included). A metric
 * without enough evidence changes nothing: thin or missing data is neither a cause nor its absence.
 */
export function planAutonomousGoals(
  readings: OperatorReadings,
  goals: readonly GoalView[],
  previous: Causes,
  settings: GoalRuleSettings,
  now: number,
): GoalPlan {
  const causes: Causes = { ...previous };
  const open = goals.filter((g) => g.origin === 'Aurea' && !isFinal(g.phase));
  const propose: GoalProposal[] = [];
  const abandon: GoalPlan['abandon'] = [];
  for (const rule of GoalRules) {
    const reading = readings[rule.metric];
    if (!reading || reading.evidence < rule.minEvidence) continue;
    const was = causes[rule.metric] ?? {};
    const triggered = rule.triggered(reading.value);
    const mine = open.filter((g) => g.metric === rule.metric);
    // The clock of a cleared cause runs for the loop's own open goals too when memory lost the cause.
    const tracked = was.triggeredSince !== undefined || was.clearSince !== undefined || mine.length > 0;
    const cause: { triggeredSince?: number; clearSince?: number } = triggered
      ? { triggeredSince: was.triggeredSince ?? now }
      : tracked
        ? { clearSince: was.clearSince ?? now }
        : {};
    causes[rule.metric] = cause;
    const covered = (metric: string) => GoalRules.some((r) => r.metric === metric && r.cause === rule.cause);
    const served =
      goals.some((g) => covered(g.metric) && !isFinal(g.phase)) || propose.some((p) => covered(p.metric));
    if (triggered && !served) {
      propose.push(proposal(rule, reading.value, reading.evidence, cause.triggeredSince!, settings, now));
    }
    if (!triggered && cause.clearSince !== undefined && now - cause.clearSince >= settings.abandonAfterMs) {
      for (const goal of mine) {
        abandon.push({
          name: goal.name,
          reason: `${rule.metric} ${rule.show(reading.value)} has not been ${rule.trigger} for ${duration(now - cause.clearSince)}: the cause is gone`,
        });
      }
      if (!mine.length) delete causes[rule.metric];
    }
  }
  const room = Math.max(0, settings.maxOpen - (open.length - abandon.length));
  propose.sort((a, b) => b.spec.priority - a.spec.priority);
  return { propose: propose.slice(0, room), abandon, causes };
}

function proposal(
  rule: GoalRule,
  value: number,
  evidence: number,
  since: number,
  settings: GoalRuleSettings,
  now: number,
): GoalProposal {
  const reason = `${rule.metric} ${rule.show(value)} is ${rule.trigger} (over ${evidence} ${rule.metric === 'cycle_time_seconds' ? 'cycles' : rule.metric === 'error_rate' ? 'actions' : 'judged decisions'}) since ${isoTime(since)}`;
  return {
    name: `aurea-${rule.metric.replaceAll('_', '-')}-${shortHash(`${rule.metric}@${since}`).slice(0, 8)}`,
    metric: rule.metric,
    reason,
    spec: {
      description: `${rule.description}: ${reason}`.slice(0, 512),
      goalType: rule.goalType,
      metric: { name: rule.metric, source: 'Operator' },
      direction: rule.direction,
      target: rule.target,
      baseline: value,
      samplesToAchieve: settings.samplesToAchieve,
      interval: duration(Math.max(1000, settings.intervalMs)),
      forecastSamples: 10,
      priority: rule.priority,
      deadline: isoTime(now + settings.horizonMs),
      origin: 'Aurea',
      suspended: false,
      abandoned: false,
    },
  };
}

/**
 * The AureaGoal to create for a proposal under the loop's autonomy: Observe creates none (the loop only
 * recommends it in an Event), Supervised creates it suspended until a user approves it, Autonomous active.
 */
export function goalManifest(proposal: GoalProposal, autonomy: Mode, namespace: string) {
  if (autonomy === 'Observe') return undefined;
  return {
    apiVersion: API_VERSION,
    kind: 'AureaGoal',
    metadata: {
      name: proposal.name,
      namespace,
      labels: {
        [GoalLabels.origin]: AUREA_ORIGIN_LABEL_VALUE,
        [GoalLabels.metric]: proposal.metric.replaceAll('_', '-'),
      },
    },
    spec: { ...proposal.spec, suspended: autonomy === 'Supervised' },
  };
}
