// AgentSpawn: a population of agent Pods ranked into tiers, trained by their best and grown by spawning.
import type { Static } from '@sinclair/typebox';
import {
  conditions,
  dnsLabel,
  duration,
  flag,
  group,
  integer,
  list,
  mode,
  number,
  object,
  observedGeneration,
  oneOf,
  opaque,
  optional,
  stringMap,
  textDefault,
  timestamp,
} from '../schema.js';
import { defineKind } from './kind.js';
import { Tiers } from './venture.js';

const score = (description: string, fallback: number) =>
  number(description, { default: fallback, minimum: 0, maximum: 1 });

export const AgentSpawnSpec = object('The desired state of an AgentSpawn.', {
  mode: mode(),
  agentType: dnsLabel('Kind of agent in the population, e.g. marketing.'),
  selector: stringMap('Labels that select the population’s Pods in the namespace.', 16),
  scoreAnnotation: textDefault(
    'Pod annotation holding each agent’s performance score (0–1).',
    'autopilot.ventures/score',
  ),
  interval: duration('Time between cycles of ranking, training and spawning.', '1m'),
  tiers: group(
    'Lowest score of each tier; below poor is Failing. Defaults are the seed’s.',
    {
      excellent: score('Excellent from this score.', 0.9),
      good: score('Good from this score.', 0.7),
      average: score('Average from this score.', 0.5),
      poor: score('Poor from this score.', 0.3),
    },
    [
      {
        rule: 'self.excellent > self.good && self.good > self.average && self.average > self.poor',
        message: 'tier bounds must fall strictly: excellent > good > average > poor',
      },
    ],
  ),
  training: group(
    'Training sessions between a strong trainer and a weak trainee.',
    {
      trainerMinScore: score('Least score of a trainer.', 0.8),
      traineeMaxScore: score('A trainee scores below this.', 0.7),
      successThreshold: score('A session succeeds at or above this success rate.', 0.7),
      improvement: score('Score a trainee gains from a successful session.', 0.1),
      maxConcurrentSessions: integer('Sessions running at once.', { default: 3, minimum: 0, maximum: 100 }),
    },
    [
      {
        rule: 'self.trainerMinScore > self.traineeMaxScore',
        message:
          'training.trainerMinScore must be above training.traineeMaxScore: a trainer must outscore its trainee',
        fieldPath: '.trainerMinScore',
      },
    ],
  ),
  spawn: group(
    'Spawning children of the best agents.',
    {
      enabled: flag('Spawn children at all.', true),
      parentTiers: list('Tiers whose agents may spawn.', oneOf('A tier.', Tiers), 5, {
        minItems: 1,
        default: ['Excellent', 'Good'],
      }),
      inheritance: score('A child starts at this share of its parent’s score (0.9 = 90 %).', 0.9),
      maxPopulation: integer('Most Pods in the population, spawned or not.', {
        default: 20,
        minimum: 1,
        maximum: 1000,
      }),
      maxPerCycle: integer('Most children spawned in one cycle.', { default: 2, minimum: 0, maximum: 100 }),
      template: optional(opaque('Pod template for children; empty copies the parent’s Pod spec.')),
    },
    [
      {
        rule: "self.parentTiers.all(t, t == 'Excellent' || t == 'Good')",
        message: 'spawn.parentTiers may only name Excellent or Good: weaker agents do not spawn',
        fieldPath: '.parentTiers',
      },
    ],
  ),
});

const Session = object('A training session.', {
  trainer: dnsLabel('Trainer Pod.'),
  trainee: dnsLabel('Trainee Pod.'),
  type: oneOf('Kind of training.', [
    'KnowledgeTransfer',
    'SkillRefinement',
    'StrategyOptimization',
    'BehaviorModeling',
  ] as const),
  startedAt: timestamp('When it started.'),
});

export const AgentSpawnStatus = object('The observed state of an AgentSpawn.', {
  observedGeneration: observedGeneration(),
  conditions: optional(conditions()),
  population: optional(integer('Pods in the population.', { minimum: 0, maximum: 100000 })),
  tiers: optional(
    object('Agents in each tier.', {
      excellent: integer('Excellent agents.', { minimum: 0, maximum: 100000 }),
      good: integer('Good agents.', { minimum: 0, maximum: 100000 }),
      average: integer('Average agents.', { minimum: 0, maximum: 100000 }),
      poor: integer('Poor agents.', { minimum: 0, maximum: 100000 }),
      failing: integer('Failing agents.', { minimum: 0, maximum: 100000 }),
    }),
  ),
  averageScore: optional(number('Mean score of the population.', { minimum: 0, maximum: 1 })),
  spawned: optional(integer('Children spawned so far.', { minimum: 0, maximum: 1_000_000_000 })),
  trainingSessions: optional(integer('Training sessions so far.', { minimum: 0, maximum: 1_000_000_000 })),
  activeSessions: optional(list('Sessions running now.', Session, 100)),
  lastCycleTime: optional(timestamp('When the last cycle ran.')),
});

export const AgentSpawn = defineKind({
  kind: 'AgentSpawn',
  plural: 'agentspawns',
  shortNames: ['as'],
  description:
    'A population of agent Pods: AutoPilot ranks them into tiers, pairs strong trainers with weak trainees and spawns children of the best.',
  spec: AgentSpawnSpec,
  status: AgentSpawnStatus,
  printerColumns: [
    { name: 'Type', type: 'string', jsonPath: '.spec.agentType' },
    { name: 'Population', type: 'integer', jsonPath: '.status.population' },
    { name: 'Excellent', type: 'integer', jsonPath: '.status.tiers.excellent' },
    { name: 'Spawned', type: 'integer', jsonPath: '.status.spawned' },
    { name: 'Training', type: 'integer', jsonPath: '.status.trainingSessions', priority: 1 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
});

export type AgentSpawnSpec = Static<typeof AgentSpawnSpec>;
export type AgentSpawnStatus = Static<typeof AgentSpawnStatus>;
