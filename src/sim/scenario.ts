// A simulator scenario (sim/scenarios/*.yaml): a portfolio whose true economics and whose observation by
// the operator follow the stochastic processes written in the file. Parsed and checked here.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { parseDuration } from '../api/duration.js';
import { fieldPath } from '../api/validation.js';
import { dnsLabel, duration, integer, list, number, oneOf, optional, text } from '../api/schema.js';

const strict = <T extends Record<string, TSchema>>(description: string, properties: T) =>
  Type.Object(properties, { description, additionalProperties: false });

const Phase = strict('A stretch of the demand process; phases follow each other, the last one lasts.', {
  months: optional(number('How long the phase lasts; omitted on the last phase.', { minimum: 0 })),
  drift: number('Mean change of log demand per month (0.02 ≈ +2 %/month).', { minimum: -2, maximum: 2 }),
  volatility: number('Standard deviation of the change of log demand per month.', { minimum: 0, maximum: 2 }),
});

const Venture = strict('A class of ventures; `count` of them are drawn, each with its own random path.', {
  name: dnsLabel('Class name; ventures are named <name>-1, <name>-2, …'),
  count: integer('How many ventures of this class.', { minimum: 1, maximum: 100, default: 1 }),
  replicas: integer('Replicas at the start (spec.replicas).', { minimum: 1, maximum: 1000 }),
  minReplicas: integer('spec.scaling.minReplicas.', { minimum: 0, maximum: 1000, default: 1 }),
  maxReplicas: integer('spec.scaling.maxReplicas.', { minimum: 1, maximum: 1000, default: 10 }),
  capacityPerReplica: number('Revenue per month one replica can serve: demand above capacity is lost.', {
    minimum: 1,
  }),
  demand: strict('True demand: what customers would pay per month if every request were served.', {
    start: number('Demand per month at the start.', { minimum: 0 }),
    phases: list('The demand process, phase after phase (geometric random walk).', Phase, 8, {
      minItems: 1,
    }),
  }),
  costs: strict('True costs per month.', {
    fixed: number('Costs per month that do not depend on replicas or revenue.', { minimum: 0 }),
    perReplica: number('Cost of one replica per month.', { minimum: 0 }),
    variable: number('Share of revenue spent to earn it (cost of goods).', { minimum: 0, maximum: 1 }),
  }),
  cash: optional(
    number('Cash at the start; when set, the operator reads cash (start + profit so far) and runway.', {}),
  ),
});

const Spike = strict('Wrong readings of one metric: Poisson arrivals, each lasting `duration`.', {
  perYear: number('Expected spikes per venture per year.', { minimum: 0, maximum: 10000 }),
  metric: oneOf('The metric that reads wrong.', ['revenue', 'costs'] as const),
  factor: number('The reading is the true figure times this (0: the metric reads zero).', { minimum: 0 }),
  duration: duration('How long each spike lasts.', { minimum: '1s' }),
});

const Episode = strict('Poisson arrivals of an episode lasting `duration`.', {
  perYear: number(
    'Expected episodes per year (per venture for stale samples, for all at once for outages).',
    {
      minimum: 0,
      maximum: 10000,
    },
  ),
  duration: duration('How long each episode lasts.', { minimum: '1s' }),
});

const Shock = strict('A market-wide shock: every venture’s demand drops at once, then recovers linearly.', {
  month: number('When the shock hits, in months from the start.', { minimum: 0 }),
  depth: number('Share of demand lost at the shock (0.4: demand × 0.6).', { minimum: 0, maximum: 1 }),
  recoveryMonths: optional(
    number('Months to recover fully; omitted: the loss is permanent.', { minimum: 0 }),
  ),
});

export const ScenarioSchema = strict('A simulator scenario.', {
  name: dnsLabel('Scenario name.'),
  description: text('What the scenario tests.', { maxLength: 2000 }),
  horizonMonths: integer('Simulated months (of 30 days).', { minimum: 1, maximum: 240 }),
  runs: integer('Independent runs (different draws); measures are averaged over them.', {
    minimum: 1,
    maximum: 1000,
  }),
  observation: strict('How the operator sees the true numbers.', {
    every: duration('A new figure of revenue and costs is published this often (the data step).', {
      minimum: '1s',
    }),
    timestamps: oneOf(
      'query: samples are stamped at query time (a Prometheus instant query); source: stamped when published (an HTTP JSON timestampPath).',
      ['query', 'source'] as const,
      'query',
    ),
    delay: integer('Published figures describe the business this many data steps ago.', {
      minimum: 0,
      maximum: 52,
      default: 0,
    }),
    noise: number('Standard deviation of the multiplicative (log) error of each published figure.', {
      minimum: 0,
      maximum: 2,
      default: 0,
    }),
    spikes: list('Wrong readings.', Spike, 8, { default: [] }),
    stale: optional(Episode),
    outages: optional(Episode),
  }),
  shocks: list('Market-wide shocks.', Shock, 8, { default: [] }),
  ventures: list('The portfolio.', Venture, 32, { minItems: 1 }),
});

export type Scenario = Static<typeof ScenarioSchema>;
export type VentureClass = Scenario['ventures'][number];

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
const check = ajv.compile<Scenario>(ScenarioSchema);

/** Parses a scenario file's text; throws with every problem, each naming its field. */
export function parseScenario(source: string, file = 'scenario'): Scenario {
  const document: unknown = parse(source);
  if (!check(document)) {
    const problems = (check.errors ?? []).map((e) => `${fieldPath(e.instancePath) || '(top)'}: ${e.message}`);
    throw new Error(`${file}: ${problems.join('; ')}`);
  }
  const problems: string[] = [];
  document.ventures.forEach((v, i) => {
    if (v.minReplicas > v.replicas || v.replicas > v.maxReplicas) {
      problems.push(`ventures[${i}]: replicas must be within minReplicas and maxReplicas`);
    }
    v.demand.phases.slice(0, -1).forEach((phase, j) => {
      if (phase.months === undefined) problems.push(`ventures[${i}].demand.phases[${j}]: months is required`);
    });
  });
  const names = document.ventures.map((v) => v.name);
  if (new Set(names).size !== names.length) problems.push('ventures: class names must be unique');
  if (parseDuration(document.observation.every) <= 0) problems.push('observation.every must be positive');
  if (problems.length) throw new Error(`${file}: ${problems.join('; ')}`);
  return document;
}
