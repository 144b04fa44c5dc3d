// AureaGoal: a goal on a metric that the AUREA loop tracks to Achieved, Failed or Abandoned.
import type { Static } from '@sinclair/typebox';
import {
  conditions,
  duration,
  flag,
  integer,
  list,
  number,
  object,
  observedGeneration,
  oneOf,
  optional,
  promql,
  text,
  timestamp,
  url,
} from '../schema.js';
import { defineKind } from './kind.js';

/**
 * The loop's own series a goal with `source: Operator` can name. Ratios are 0–1 (0.9 = 90 %).
 * - decision_success_rate: decisions judged a success by their kind's outcome rule / decisions judged, last 100.
 * - error_rate: actions that failed / actions carried out, over the loop's recent cycles.
 * - cycle_time_seconds: mean duration of the loop's recent cycles.
 * - health_score: the operator's health, 0–100 (reconcile errors, queue depth, API latency).
 * - reconcile_error_rate: reconciles that failed / reconciles, over the recent cycles.
 * - api_latency_seconds: mean latency of the operator's API calls over the recent cycles.
 * - queue_depth: keys waiting in the controllers' work queues at the last cycle.
 */
export const OperatorMetrics = [
  'decision_success_rate',
  'error_rate',
  'cycle_time_seconds',
  'health_score',
  'reconcile_error_rate',
  'api_latency_seconds',
  'queue_depth',
] as const;
export type OperatorMetric = (typeof OperatorMetrics)[number];

/** Operator metrics that are ratios: their targets lie between 0 and 1. */
export const RatioMetrics = ['decision_success_rate', 'error_rate', 'reconcile_error_rate'] as const;

export const GoalPhases = ['Suspended', 'Active', 'Achieved', 'Failed', 'Abandoned'] as const;
export type GoalPhase = (typeof GoalPhases)[number];

/** Labels every goal the loop sets carries, so it finds its own goals (and one per metric) with a selector. */
export const GoalLabels = {
  /** `aurea` on goals the loop set. */
  origin: 'autopilot.ventures/origin',
  /** The goal's metric name, with `_` as `-` (label values allow both; dashes read better in selectors). */
  metric: 'autopilot.ventures/metric',
} as const;
export const AUREA_ORIGIN_LABEL_VALUE = 'aurea';

/** Bounds of status fields that the engine fills: the schema and the code share them. */
export const GoalLimits = {
  samples: 50,
  summary: 128,
  description: 512,
} as const;

const celList = (values: readonly string[]) => `[${values.map((v) => `'${v}'`).join(', ')}]`;

export const AureaGoalSpec = object(
  'The desired state of an AureaGoal.',
  {
    description: text('What the goal is for, in a sentence.', { maxLength: GoalLimits.description }),
    goalType: oneOf('Area the goal improves.', [
      'Performance',
      'Efficiency',
      'Revenue',
      'Quality',
      'Learning',
    ] as const),
    metric: object(
      'The metric the goal is measured on.',
      {
        name: text(
          `Metric name. With source Operator one of ${OperatorMetrics.join(', ')}; with Prometheus a name for the query's result.`,
          { maxLength: 128, pattern: '^[a-zA-Z_:][a-zA-Z0-9_:]*$' },
        ),
        source: oneOf(
          'Operator reads the AUREA loop’s own series (see name); Prometheus runs the query.',
          ['Operator', 'Prometheus'] as const,
          'Operator',
        ),
        query: optional(promql('PromQL query whose single result is the metric (source Prometheus).')),
        address: optional(url('Prometheus base URL (source Prometheus); empty uses the operator default.')),
      },
      [
        {
          rule: "self.source != 'Prometheus' || has(self.query)",
          message: 'metric.source is Prometheus: set metric.query',
          fieldPath: '.query',
        },
        {
          rule: "self.source != 'Operator' || (!has(self.query) && !has(self.address))",
          message: 'metric.query and metric.address are read only with metric.source Prometheus',
          fieldPath: '.source',
        },
        {
          rule: `self.source != 'Operator' || self.name in ${celList(OperatorMetrics)}`,
          message: `metric.source is Operator: metric.name must be one of ${OperatorMetrics.join(', ')}`,
          fieldPath: '.name',
        },
      ],
    ),
    direction: oneOf(
      'AtLeast: reach target or more; AtMost: get down to target or less.',
      ['AtLeast', 'AtMost'] as const,
      'AtLeast',
    ),
    target: number('Value that achieves the goal.', {}),
    baseline: optional(
      number(
        'Value progress is measured from; empty takes the first measurement after the goal is created (status.baseline).',
        {},
      ),
    ),
    samplesToAchieve: integer(
      'Consecutive measurements at or past the target before the goal is Achieved, so one lucky sample does not count.',
      { default: 3, minimum: 1, maximum: GoalLimits.samples },
    ),
    interval: duration('How often the metric is measured (source Operator: once per loop cycle at most).', {
      minimum: '1s',
      default: '30s',
    }),
    forecastSamples: integer(
      'Latest measurements the forecast fits a line through; a second fit over the newer half of them must agree before the goal is AtRisk.',
      { default: 10, minimum: 3, maximum: GoalLimits.samples },
    ),
    priority: integer('1 (lowest) to 10 (highest).', { default: 5, minimum: 1, maximum: 10 }),
    deadline: optional(timestamp('RFC 3339 time by which the goal must be achieved, else it fails.')),
    origin: oneOf('Who set the goal: a user, or the AUREA loop itself.', ['User', 'Aurea'] as const, 'User'),
    suspended: flag(
      'A suspended goal is not measured. The loop in Supervised autonomy creates its goals suspended: set false to approve one.',
      false,
    ),
    abandoned: flag(
      'Set true to abandon the goal; the loop abandons its own goals when their cause is gone.',
      false,
    ),
  },
  [
    {
      rule: "!has(self.baseline) || (self.direction == 'AtLeast' ? self.baseline < self.target : self.baseline > self.target)",
      message: 'baseline must be on the far side of target: below it for AtLeast, above it for AtMost',
      fieldPath: '.baseline',
    },
    {
      rule: `self.metric.source != 'Operator' || !(self.metric.name in ${celList(RatioMetrics)}) || (self.target >= 0.0 && self.target <= 1.0)`,
      message: `${RatioMetrics.join(', ')} are ratios: target must be between 0 and 1 (0.9 means 90 %)`,
      fieldPath: '.target',
    },
  ],
);

const Forecast = object('When, at the recent rate, the target is reached.', {
  state: oneOf(
    'OnTrack: the target is reached by the deadline at the recent rate (or, without a deadline, the metric moves toward it); AtRisk: it is not; Unknown: too few measurements.',
    ['OnTrack', 'AtRisk', 'Unknown'] as const,
  ),
  eta: optional(timestamp('When the fitted line reaches the target; empty when it never does at this rate.')),
  ratePerHour: optional(number('Change of the metric per hour, from the fit that decided the state.', {})),
  pace: optional(
    number(
      'Time the goal needs at the recent rate ÷ time left before the deadline, like an SLO burn rate: above 1 the deadline passes first.',
      { minimum: 0 },
    ),
  ),
  summary: text('The forecast in a few words, for kubectl get.', { maxLength: GoalLimits.summary }),
});

export const AureaGoalStatus = object('The observed state of an AureaGoal.', {
  observedGeneration: observedGeneration(),
  conditions: optional(conditions()),
  phase: optional(oneOf('Where the goal stands.', GoalPhases)),
  baseline: optional(number('Value progress is measured from: spec.baseline, or the first measurement.', {})),
  current: optional(number('Latest value of the metric.', {})),
  progress: optional(integer('Progress from baseline to target, 0–100 %.', { minimum: 0, maximum: 100 })),
  samplesAtTarget: optional(
    integer('Consecutive latest measurements at or past the target.', { minimum: 0, maximum: 1_000_000 }),
  ),
  lastMeasuredTime: optional(timestamp('When the metric was last read.')),
  achievedAt: optional(timestamp('When the goal was achieved.')),
  forecast: optional(Forecast),
  samples: optional(
    list(
      'Latest measurements, newest first.',
      object('A measurement.', { at: timestamp('When.'), value: number('Value.', {}) }),
      GoalLimits.samples,
    ),
  ),
});

export const AureaGoal = defineKind({
  kind: 'AureaGoal',
  plural: 'aureagoals',
  shortNames: ['ag'],
  description:
    'A goal on a metric that the AUREA loop measures each cycle until it is Achieved, Failed or Abandoned.',
  spec: AureaGoalSpec,
  status: AureaGoalStatus,
  printerColumns: [
    { name: 'Metric', type: 'string', jsonPath: '.spec.metric.name' },
    { name: 'Current', type: 'number', jsonPath: '.status.current' },
    { name: 'Target', type: 'number', jsonPath: '.spec.target' },
    { name: 'Progress', type: 'integer', jsonPath: '.status.progress' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Forecast', type: 'string', jsonPath: '.status.forecast.summary' },
    { name: 'Priority', type: 'integer', jsonPath: '.spec.priority', priority: 1 },
    { name: 'Origin', type: 'string', jsonPath: '.spec.origin', priority: 1 },
    { name: 'Deadline', type: 'string', jsonPath: '.spec.deadline', priority: 1 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
});

export type AureaGoalSpec = Static<typeof AureaGoalSpec>;
export type AureaGoalStatus = Static<typeof AureaGoalStatus>;
export type GoalForecast = Static<typeof Forecast>;
