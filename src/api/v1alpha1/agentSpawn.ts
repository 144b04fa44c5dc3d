// AgentSpawn: a population of agent Pods ranked into tiers, trained by their best and grown by spawning.
import type { Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { decisionRecord, REASON_LIMIT } from '../decision.js';
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
  promql,
  quantity,
  secretKeyRef,
  stringMap,
  text,
  textDefault,
  timestamp,
  url,
} from '../schema.js';
import { defineKind } from './kind.js';
import { Tiers } from './venture.js';

/** Bounds the engine and the schema share: status lists stay this short whatever the population. */
export const PopulationLimits = {
  reason: REASON_LIMIT,
  maxConcurrentSessions: 50,
  maxPerCycle: 20,
  entriesPerSession: 64,
  focusAreas: 32,
  /** Finished sessions kept in status.sessions, besides the running ones. */
  finishedSessions: 20,
  history: 40,
  topEntries: 10,
  failingChildren: 100,
  replacements: 100,
} as const;

export const SessionTypes = [
  'KnowledgeTransfer',
  'SkillRefinement',
  'StrategyOptimization',
  'BehaviorModeling',
] as const;
export const SessionPhases = ['Running', 'Succeeded', 'Failed', 'Abandoned'] as const;
export const PopulationActions = ['Train', 'Spawn', 'Replace', 'Hold'] as const;

const score = (description: string, fallback?: number) =>
  number(description, { minimum: 0, maximum: 1, ...(fallback === undefined ? {} : { default: fallback }) });
const count = (description: string) => integer(description, { minimum: 0, maximum: 1_000_000_000 });

/** Pod names are DNS subdomains (dots allowed), unlike the names of most objects here. */
const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
const podName = (description: string) => text(description, { maxLength: 253, pattern: DNS_SUBDOMAIN });
const CONFIG_MAP_KEY = '^[-._a-zA-Z0-9]+$';
const configMapKey = (description: string) => text(description, { maxLength: 253, pattern: CONFIG_MAP_KEY });
/** An area is the part of an entry's key before its first dot: pricing in pricing.segment-a. */
const area = (description: string) => text(description, { maxLength: 63, pattern: '^[-_a-zA-Z0-9]+$' });

const ScoreSource = group(
  'Where each agent’s performance score (0–1) comes from. A missing or stale score leaves its agent unranked: it is never trained, spawned from or replaced on a guess.',
  {
    provider: oneOf(
      'Which source reads the scores.',
      ['annotation', 'prometheus', 'http'] as const,
      'annotation',
    ),
    maxAge: duration('A score measured longer ago than this is stale.', { minimum: '1s', default: '5m' }),
    annotation: group('Scores in annotations of each Pod, the simplest source.', {
      score: textDefault('Annotation holding the score, a number from 0 to 1.', 'autopilot.ventures/score'),
      scoredAt: textDefault(
        'Annotation holding when the score was measured (RFC 3339); a score without it is stale.',
        'autopilot.ventures/scored-at',
      ),
    }),
    prometheus: optional(
      object('One PromQL query answering one series per agent.', {
        address: optional(url('Prometheus base URL; empty uses the operator default.')),
        bearerTokenSecretRef: optional(secretKeyRef('Bearer token sent to Prometheus.')),
        query: promql(
          'PromQL query whose result is an instant vector with one series per agent, e.g. agent_performance_score{namespace="agents"}.',
        ),
        podLabel: textDefault('Label of each series that names its Pod.', 'pod', { maxLength: 128 }),
      }),
    ),
    http: optional(
      object('A JSON endpoint answering every agent’s score.', {
        url: url('URL answering a JSON document with the scores.'),
        headersSecretRef: optional(secretKeyRef('A Secret key holding an Authorization header value.')),
        scoresPath: textDefault('Dot path to an object that maps each Pod name to its score.', 'scores', {
          maxLength: 512,
        }),
        timestampPath: optional(
          text(
            'Dot path to when the scores were measured (RFC 3339 or Unix seconds); empty uses the response time.',
            {
              maxLength: 512,
            },
          ),
        ),
      }),
    ),
  },
  [
    {
      rule: "self.provider != 'prometheus' || has(self.prometheus)",
      message: 'score.provider is prometheus: set score.prometheus.query',
    },
    {
      rule: "self.provider != 'http' || has(self.http)",
      message: 'score.provider is http: set score.http.url',
    },
  ],
);

const Knowledge = group(
  'Each agent’s knowledge base: a ConfigMap named from its Pod, which the Pod mounts. Keys of the form <area>.<name> are its entries; training copies entries, spawning copies the whole ConfigMap.',
  {
    configMapName: textDefault(
      'Name of an agent’s knowledge ConfigMap; {pod} stands for the Pod’s name.',
      '{pod}-knowledge',
    ),
    hyperparametersKey: textDefault(
      'Key of the ConfigMap holding the agent’s hyperparameters as a JSON object of numbers; spawn.explore perturbs them. It is never an entry.',
      'hyperparameters',
      { pattern: CONFIG_MAP_KEY },
    ),
    validationThreshold: score(
      'An entry is validated when its validation score reaches this: the chance that an agent holding the entry (same key and value) outscores one that does not. Training transfers validated entries first.',
      0.8,
    ),
  },
  [
    {
      rule: "self.configMapName.contains('{pod}')",
      message: 'knowledge.configMapName must contain {pod}: each agent has a ConfigMap of its own',
      fieldPath: '.configMapName',
    },
  ],
);

const Training = group(
  'Training sessions: a strong trainer’s entries are copied into a weak trainee of the same agent type, and after the evaluation window the trainee is measured again.',
  {
    enabled: flag('Run training sessions.', true),
    trainerMinScore: score('Least score of a trainer.', 0.8),
    traineeMaxScore: score('A trainee scores below this.', 0.7),
    maxConcurrentSessions: integer('Sessions running at once; an agent is in one session at a time.', {
      default: 3,
      minimum: 1,
      maximum: PopulationLimits.maxConcurrentSessions,
    }),
    type: oneOf('Kind of training, recorded with each session.', SessionTypes, 'KnowledgeTransfer'),
    focusAreas: list(
      'Areas whose entries sessions copy; empty copies entries of every area.',
      area('An area, e.g. campaign_optimization.'),
      PopulationLimits.focusAreas,
      { default: [] },
    ),
    entriesPerSession: integer('Most entries one session copies, validated entries first.', {
      default: 10,
      minimum: 1,
      maximum: PopulationLimits.entriesPerSession,
    }),
    evaluationWindow: duration('Time after the copy before the trainee is measured again.', {
      minimum: '1s',
      default: '5m',
    }),
    successThreshold: score(
      'A session succeeds when its success rate reaches this and its gain reaches minGain. The success rate is the share of the trainer’s lead over the trainee that the trainee closed: (after − before) / (trainer − before), from 0 to 1.',
      0.7,
    ),
    minGain: score(
      'Least measured score gain of a successful session (the seed’s +0.1, measured rather than granted).',
      0.1,
    ),
  },
  [
    {
      rule: 'self.trainerMinScore > self.traineeMaxScore',
      message:
        'training.trainerMinScore must be above training.traineeMaxScore: a trainer must outscore its trainee',
      fieldPath: '.trainerMinScore',
    },
  ],
);

const TierResources = object('What children of one tier are created with.', {
  priorityClassName: optional(
    text('PriorityClass of the child Pod.', { maxLength: 253, pattern: DNS_SUBDOMAIN }),
  ),
  requests: optional(
    object('Resource requests of each container of the child.', {
      cpu: optional(quantity('CPU request.')),
      memory: optional(quantity('Memory request.')),
    }),
  ),
});

const Spawn = group(
  'Spawning children of the best agents: a child Pod from the parent’s spec (or the template), its knowledge ConfigMap copied from the parent’s, labelled with its lineage and owned by the AgentSpawn.',
  {
    enabled: flag('Spawn children.', true),
    parentTiers: list('Tiers whose agents may spawn.', oneOf('A tier.', Tiers), 2, {
      minItems: 1,
      default: ['Excellent', 'Good'],
    }),
    inheritance: score(
      'A child’s baseline score is this share of its parent’s score (0.9 = 90 %), recorded on the child.',
      0.9,
    ),
    maxPopulation: integer('Most Pods in the population, spawned or not; spawning stops there.', {
      default: 20,
      minimum: 1,
      maximum: 1000,
    }),
    maxPerCycle: integer('Most children created in one cycle, replacements included; one per parent.', {
      default: 2,
      minimum: 1,
      maximum: PopulationLimits.maxPerCycle,
    }),
    template: optional(
      opaque('Pod template (metadata and spec) of children; empty copies the parent Pod’s spec.'),
    ),
    explore: optional(
      object(
        'Perturb each child’s hyperparameters, as population-based training explores: every number is multiplied by one of the factors, picked from the child’s name.',
        {
          factors: list(
            'Factors a hyperparameter may be multiplied by.',
            number('A factor.', { minimum: 0.01, maximum: 100 }),
            8,
            { minItems: 1, default: [0.8, 1.2] },
          ),
        },
      ),
    ),
    tierResources: optional(
      object(
        'PriorityClass and requests of children by the tier of their baseline score. A Pod cannot change priority once created, so this applies at spawn.',
        {
          excellent: optional(TierResources),
          good: optional(TierResources),
          average: optional(TierResources),
          poor: optional(TierResources),
          failing: optional(TierResources),
        },
      ),
    ),
  },
  [
    {
      rule: "self.parentTiers.all(t, t == 'Excellent' || t == 'Good')",
      message: 'spawn.parentTiers may only name Excellent or Good: weaker agents do not spawn',
      fieldPath: '.parentTiers',
    },
  ],
);

const Exploit = group(
  'Replace Failing children that AutoPilot spawned with a new child of a strong parent (population-based training’s exploit). A Pod AutoPilot did not spawn is never replaced.',
  {
    enabled: flag('Replace failing children.', false),
    reviewPeriod: duration('How long a child must score Failing, on fresh scores, before it is replaced.', {
      minimum: '1s',
      default: '30m',
    }),
    maxReplacements: integer('Most replacements within rateWindow.', {
      default: 1,
      minimum: 1,
      maximum: 100,
    }),
    rateWindow: duration('The window maxReplacements counts over.', { minimum: '1s', default: '1h' }),
  },
);

export const AgentSpawnSpec = object('The desired state of an AgentSpawn.', {
  mode: mode(),
  agentType: dnsLabel('Kind of agent in the population, e.g. marketing.'),
  agentTypeLabel: textDefault(
    'Pod label naming an agent’s type when the population mixes types; training pairs agents of one type. A Pod without it is of agentType.',
    'autopilot.ventures/agent-type',
  ),
  selector: stringMap(
    'Labels that select the population’s Pods in the namespace; spawned children are members too.',
    16,
  ),
  interval: duration('Time between cycles of ranking, training and spawning.', {
    minimum: '1s',
    default: '1m',
  }),
  score: ScoreSource,
  knowledge: Knowledge,
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
  training: Training,
  spawn: Spawn,
  exploit: Exploit,
});

const Session = object('A training session.', {
  id: text(
    'Id of the session; the trainee Pod carries it in the annotation autopilot.ventures/training-session.',
    {
      maxLength: 64,
    },
  ),
  trainer: podName('Trainer Pod.'),
  trainee: podName('Trainee Pod.'),
  agentType: dnsLabel('Agent type of both.'),
  type: oneOf('Kind of training.', SessionTypes),
  keys: list(
    'Entries copied from the trainer, validated first.',
    configMapKey('A key.'),
    PopulationLimits.entriesPerSession,
  ),
  phase: oneOf(
    'Running until measured; then Succeeded, Failed, or Abandoned when it could not be measured.',
    SessionPhases,
  ),
  startedAt: timestamp('When the knowledge was copied.'),
  evaluateAfter: timestamp('When the trainee is measured again.'),
  trainerScore: score('The trainer’s score at the start.'),
  scoreBefore: score('The trainee’s score at the start.'),
  scoreAfter: optional(score('The trainee’s score measured after the window.')),
  gain: optional(number('scoreAfter − scoreBefore.', { minimum: -1, maximum: 1 })),
  successRate: optional(score('Share of the trainer’s lead the trainee closed, 0–1.')),
  finishedAt: optional(timestamp('When the outcome was measured.')),
  reason: optional(text('How the outcome was reached, quoting the numbers.', { maxLength: 512 })),
});

const Child = object('A child a decision creates.', {
  name: dnsLabel('The child Pod; its knowledge ConfigMap is named from it.'),
  parent: podName('The parent Pod.'),
  generation: integer('Generation of the child: its parent’s plus one (Pods the user created are 0).', {
    minimum: 1,
    maximum: 1_000_000,
  }),
  baselineScore: score('The child’s baseline: spawn.inheritance × the parent’s score.'),
});

export const Decision = decisionRecord(
  'A decision of the population engine: start training sessions, spawn children, replace failing children, or hold.',
  PopulationActions,
  {
    sessions: optional(
      list('Train: ids of the sessions it starts.', text('A session id.', { maxLength: 64 }), 50),
    ),
    children: optional(
      list('Spawn and Replace: the children it creates.', Child, PopulationLimits.maxPerCycle),
    ),
    replaced: optional(
      list(
        'Replace: the failing children it deletes.',
        dnsLabel('A child Pod.'),
        PopulationLimits.maxPerCycle,
      ),
    ),
  },
);

const tierCount = (tier: string) => integer(`${tier} agents.`, { minimum: 0, maximum: 100000 });

export const AgentSpawnStatus = object('The observed state of an AgentSpawn.', {
  observedGeneration: observedGeneration(),
  conditions: optional(conditions()),
  population: optional(integer('Pods in the population.', { minimum: 0, maximum: 100000 })),
  ranked: optional(integer('Agents with a fresh score.', { minimum: 0, maximum: 100000 })),
  tiers: optional(
    object('Agents in each tier; unranked ones have no fresh score.', {
      excellent: tierCount('Excellent'),
      good: tierCount('Good'),
      average: tierCount('Average'),
      poor: tierCount('Poor'),
      failing: tierCount('Failing'),
      unranked: tierCount('Unranked'),
    }),
  ),
  meanScore: optional(score('Mean score of the ranked agents.')),
  children: optional(integer('Children AutoPilot spawned that are alive.', { minimum: 0, maximum: 100000 })),
  spawned: optional(count('Children spawned so far.')),
  lineageDepth: optional(
    integer('Highest generation in the population.', { minimum: 0, maximum: 1_000_000 }),
  ),
  sessionsStarted: optional(count('Training sessions started so far.')),
  sessionsSucceeded: optional(count('Training sessions that succeeded.')),
  sessionsFailed: optional(count('Training sessions that failed.')),
  sessions: optional(
    list(
      'Running sessions and the latest finished ones, newest first.',
      Session,
      PopulationLimits.maxConcurrentSessions + PopulationLimits.finishedSessions,
    ),
  ),
  knowledge: optional(
    object('What the population knows.', {
      entries: integer('Distinct entries (key and value) held by ranked agents.', {
        minimum: 0,
        maximum: 10_000_000,
      }),
      validated: integer('Entries whose validation score reaches the threshold.', {
        minimum: 0,
        maximum: 10_000_000,
      }),
      top: optional(
        list(
          'The entries with the highest validation scores.',
          object('An entry and its validation.', {
            key: configMapKey('Key of the entry.'),
            value: text('Its value, cut to 64 characters.', { maxLength: 64 }),
            validationScore: score('Chance that a holder outscores an agent without it.'),
            holders: integer('Ranked agents holding it.', { minimum: 0, maximum: 100000 }),
          }),
          PopulationLimits.topEntries,
        ),
      ),
    }),
  ),
  failingChildren: optional(
    list(
      'Spawned children scoring Failing on fresh scores, and since when: the exploit review period counts from it.',
      object('A failing child.', { name: dnsLabel('The child.'), since: timestamp('Failing since.') }),
      PopulationLimits.failingChildren,
    ),
  ),
  replacedAt: optional(
    list(
      'When the latest replacements happened, for exploit’s rate limit.',
      timestamp('A replacement.'),
      PopulationLimits.replacements,
    ),
  ),
  lastCycleTime: optional(timestamp('When the last cycle ran.')),
  lastDecision: optional(Decision),
  history: optional(list('The latest decisions, newest first.', Decision, PopulationLimits.history)),
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
    { name: 'Mean', type: 'number', jsonPath: '.status.meanScore' },
    { name: 'Excellent', type: 'integer', jsonPath: '.status.tiers.excellent' },
    { name: 'Good', type: 'integer', jsonPath: '.status.tiers.good' },
    { name: 'Unranked', type: 'integer', jsonPath: '.status.tiers.unranked', priority: 1 },
    { name: 'Spawned', type: 'integer', jsonPath: '.status.spawned' },
    { name: 'Sessions', type: 'integer', jsonPath: '.status.sessionsStarted', priority: 1 },
    { name: 'Succeeded', type: 'integer', jsonPath: '.status.sessionsSucceeded', priority: 1 },
    { name: 'Depth', type: 'integer', jsonPath: '.status.lineageDepth', priority: 1 },
    { name: 'Decision', type: 'string', jsonPath: '.status.lastDecision.action' },
    { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: 'Mode', type: 'string', jsonPath: '.spec.mode', priority: 1 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
});

export type AgentSpawnSpec = Static<typeof AgentSpawnSpec>;
export type AgentSpawnStatus = Static<typeof AgentSpawnStatus>;
export type PopulationDecisionRecord = Static<typeof Decision>;
export type SessionRecord = Static<typeof Session>;
export type Tier = (typeof Tiers)[number];

/** A spec with every default filled in, as the API server stores it: for `autopilot plan`, tests and simulations. */
export const withSpecDefaults = (
  spec: Pick<AgentSpawnSpec, 'agentType' | 'selector'> & Record<string, unknown>,
): AgentSpawnSpec => Value.Default(AgentSpawnSpec, structuredClone(spec)) as AgentSpawnSpec;
