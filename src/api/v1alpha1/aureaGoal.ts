// AureaGoal: a goal on a metric that the AUREA loop tracks to Achieved, Failed or Abandoned.
import type { Static } from '@sinclair/typebox';
import {
  conditions,
  flag,
  integer,
  list,
  number,
  object,
  observedGeneration,
  oneOf,
  optional,
  text,
  timestamp,
} from '../schema.js';
import { defineKind } from './kind.js';

export const AureaGoalSpec = object(
  'The desired state of an AureaGoal.',
  {
    description: text('What the goal is for, in a sentence.', { maxLength: 512 }),
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
        name: text('Metric name, e.g. decision_success_rate.', {
          maxLength: 128,
          pattern: '^[a-zA-Z_:][a-zA-Z0-9_:]*$',
        }),
        source: oneOf(
          'Operator reads AutoPilot’s own measurements; Prometheus runs the query.',
          ['Operator', 'Prometheus'] as const,
          'Operator',
        ),
        query: optional(
          text('PromQL query whose single result is the metric (source Prometheus).', { maxLength: 4096 }),
        ),
      },
      [
        {
          rule: "self.source != 'Prometheus' || has(self.query)",
          message: 'metric.source is Prometheus: set metric.query',
          fieldPath: '.query',
        },
      ],
    ),
    direction: oneOf(
      'AtLeast: reach target or more; AtMost: get down to target or less.',
      ['AtLeast', 'AtMost'] as const,
      'AtLeast',
    ),
    target: number('Value that achieves the goal.', {}),
    baseline: optional(number('Value when the goal was set; progress is measured from it.', {})),
    priority: integer('1 (lowest) to 10 (highest).', { default: 5, minimum: 1, maximum: 10 }),
    deadline: optional(timestamp('RFC 3339 time by which the goal must be achieved, else it fails.')),
    origin: oneOf('Who set the goal.', ['User', 'Aurea'] as const, 'User'),
    abandoned: flag('Set true to abandon the goal.', false),
  },
  [
    {
      rule: "!has(self.baseline) || (self.direction == 'AtLeast' ? self.baseline < self.target : self.baseline > self.target)",
      message: 'baseline must be on the far side of target: below it for AtLeast, above it for AtMost',
      fieldPath: '.baseline',
    },
  ],
);

export const AureaGoalStatus = object('The observed state of an AureaGoal.', {
  observedGeneration: observedGeneration(),
  conditions: optional(conditions()),
  phase: optional(oneOf('Where the goal stands.', ['Active', 'Achieved', 'Failed', 'Abandoned'] as const)),
  current: optional(number('Latest value of the metric.', {})),
  progress: optional(integer('Progress from baseline to target, 0–100 %.', { minimum: 0, maximum: 100 })),
  lastMeasuredTime: optional(timestamp('When the metric was last read.')),
  achievedAt: optional(timestamp('When the goal was achieved.')),
  samples: optional(
    list(
      'Latest measurements, newest first.',
      object('A measurement.', { at: timestamp('When.'), value: number('Value.', {}) }),
      50,
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
    { name: 'Target', type: 'number', jsonPath: '.spec.target' },
    { name: 'Current', type: 'number', jsonPath: '.status.current' },
    { name: 'Progress', type: 'integer', jsonPath: '.status.progress' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Deadline', type: 'date', jsonPath: '.spec.deadline', priority: 1 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
});

export type AureaGoalSpec = Static<typeof AureaGoalSpec>;
export type AureaGoalStatus = Static<typeof AureaGoalStatus>;
