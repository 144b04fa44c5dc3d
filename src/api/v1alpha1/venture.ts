// Venture: a business workload whose Deployment AutoPilot scales or retires from profitability audits.
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
  promql,
  quantity,
  secretKeyRef,
  stringMap,
  text,
  timestamp,
  url,
} from '../schema.js';
import { decisionRecord, REASON_LIMIT } from '../decision.js';
import { defineKind } from './kind.js';

export const Tiers = ['Excellent', 'Good', 'Average', 'Poor', 'Failing'] as const;

/** Bounds of status fields that the engine and the controller fill: the schema and the code share them. */
export const StatusLimits = {
  reason: REASON_LIMIT,
  risk: 256,
  risks: 16,
  history: 20,
  allocationFrom: 32,
} as const;
export const DecisionActions = ['Scale', 'Terminate', 'Optimize', 'Hold'] as const;

const query = (what: string) => promql(`PromQL query whose single result is ${what}.`);
const jsonPath = (what: string) =>
  text(`Dot path in the JSON document to ${what}, e.g. metrics.revenue.`, { maxLength: 512 });

/** The business metrics a provider reads: revenue and costs are required, the rest sharpen the audit. */
const metricNames = (field: (what: string) => ReturnType<typeof query>) => ({
  revenue: field('revenue per month, in the venture’s currency'),
  costs: field('costs per month, in the same currency'),
  customers: optional(field('the number of paying customers')),
  acquisitionSpend: optional(field('the spend on acquiring customers per month')),
  satisfaction: optional(field('customer satisfaction between 0 and 1')),
  cash: optional(field('cash in the bank, for runway')),
});

const MetricsSource = object(
  'Where the business metrics come from. Samples carry their timestamp; stale or missing samples are never taken as data.',
  {
    provider: oneOf('Which provider reads the metrics.', ['prometheus', 'http'] as const),
    interval: duration('How often the venture is audited.', { minimum: '1s', default: '1m' }),
    maxSampleAge: duration('Samples older than this are stale: the venture holds instead of acting.', {
      minimum: '1s',
      default: '5m',
    }),
    prometheus: optional(
      object('PromQL queries against Prometheus.', {
        address: optional(url('Prometheus base URL; empty uses the operator default.')),
        bearerTokenSecretRef: optional(secretKeyRef('Bearer token sent to Prometheus.')),
        queries: object('One PromQL query per metric; revenue and costs are required.', metricNames(query)),
      }),
    ),
    http: optional(
      object('A JSON endpoint with one path per metric, like Argo Rollouts’ web provider.', {
        url: url('URL answering a JSON document with the metrics.'),
        headersSecretRef: optional(secretKeyRef('A Secret key holding an Authorization header value.')),
        paths: object('One dot path per metric; revenue and costs are required.', metricNames(jsonPath)),
        timestampPath: optional(
          text('Dot path to the sample time (RFC 3339 or Unix seconds); empty uses the response time.', {
            maxLength: 512,
          }),
        ),
      }),
    ),
  },
  [
    {
      rule: "self.provider != 'prometheus' || has(self.prometheus)",
      message: 'provider is prometheus: set spec.metrics.prometheus.queries',
    },
    { rule: "self.provider != 'http' || has(self.http)", message: 'provider is http: set spec.metrics.http' },
  ],
);

const threshold = (
  description: string,
  fallback: number,
  bounds: { minimum?: number; maximum?: number } = {},
) => number(description, { default: fallback, ...bounds });

const Policy = group(
  'When the venture is terminated, scaled or flagged for optimization. Defaults are the seed thresholds.',
  {
    reviewPeriod: integer('Consecutive failing audits before a termination.', {
      default: 3,
      minimum: 1,
      maximum: 100,
    }),
    period: duration(
      'Length of one business period: growth, trend, losses in a row and CAC are per period. The seed thresholds are monthly.',
      { minimum: '1s', default: '720h' },
    ),
    trendWindow: integer(
      'Business periods the trend and growth rate are computed over; both need audits spanning at least one whole period.',
      {
        default: 6,
        minimum: 2,
        maximum: 24,
      },
    ),
    gracePeriod: duration(
      'How long a terminated venture stays scaled to 0 before its Deployment is deleted; 0s deletes it as soon as the termination is applied.',
      { minimum: '0s', default: '10m' },
    ),
    terminate: group('Termination thresholds: an audit fails when any is crossed.', {
      profitMargin: threshold('Profit margin below which the audit fails (−0.2 = −20 %).', -0.2, {
        minimum: -100,
        maximum: 100,
      }),
      roi: threshold('Return on investment below which the audit fails (−0.5 = −50 %).', -0.5, {
        minimum: -100,
        maximum: 1000,
      }),
      burnRate: threshold('Monthly net loss above which the audit fails.', 1000, { minimum: 0 }),
      runwayMonths: threshold('Months of runway below which the audit fails.', 3, {
        minimum: 0,
        maximum: 1200,
      }),
      consecutiveLosses: integer('Loss-making audit periods in a row after which the audit fails.', {
        default: 3,
        minimum: 1,
        maximum: 120,
      }),
    }),
    scale: group('Scaling thresholds: the venture scales when all are met.', {
      profitMargin: threshold('Profit margin above which the venture may scale (0.3 = 30 %).', 0.3, {
        minimum: -100,
        maximum: 100,
      }),
      roi: threshold('Return on investment above which the venture may scale (1.0 = 100 %).', 1.0, {
        minimum: -100,
        maximum: 1000,
      }),
      growthRate: threshold(
        'Revenue growth per business period (compounded) above which the venture may scale (0.2 = 20 %).',
        0.2,
        {
          minimum: -1,
          maximum: 100,
        },
      ),
      customerSatisfaction: threshold('Satisfaction (0–1) above which the venture may scale.', 0.8, {
        minimum: 0,
        maximum: 1,
      }),
    }),
  },
  [
    {
      rule: 'self.scale.profitMargin > self.terminate.profitMargin',
      message: 'scale.profitMargin must be above terminate.profitMargin',
      fieldPath: '.scale.profitMargin',
    },
    {
      rule: 'self.scale.roi > self.terminate.roi',
      message: 'scale.roi must be above terminate.roi',
      fieldPath: '.scale.roi',
    },
  ],
);

export const VentureSpec = object(
  'The desired state of a Venture.',
  {
    mode: mode(),
    replicas: integer('Desired replicas of the workload; kubectl scale and an HPA set it.', {
      default: 1,
      minimum: 0,
      maximum: 1000,
    }),
    scaling: group(
      'Bounds and step of automatic scaling.',
      {
        minReplicas: integer('Fewest replicas while the venture is active.', {
          default: 1,
          minimum: 0,
          maximum: 1000,
        }),
        maxReplicas: integer('Most replicas the venture may scale to.', {
          default: 10,
          minimum: 1,
          maximum: 1000,
        }),
        factor: number('Replicas are multiplied by this on a Scale decision.', {
          default: 2,
          minimum: 1,
          maximum: 10,
        }),
        cooldown: optional(
          duration(
            'Least time between two Scale decisions, so the numbers can show the last one; empty is one business period (policy.period), 0s allows a Scale on every audit.',
            { minimum: '0s' },
          ),
        ),
        requests: optional(
          object(
            'Raise the CPU and memory requests of each container on a Scale decision, up to a cap.',
            {
              factor: number('Requests are multiplied by this on a Scale decision.', {
                default: 1.5,
                minimum: 1,
                maximum: 10,
              }),
              maxCpu: optional(
                quantity(
                  'Highest CPU request per container; never past the container’s CPU limit. Unset leaves CPU requests alone.',
                ),
              ),
              maxMemory: optional(
                quantity(
                  'Highest memory request per container; never past the container’s memory limit. Unset leaves memory requests alone.',
                ),
              ),
            },
            [
              {
                rule: 'has(self.maxCpu) || has(self.maxMemory)',
                message:
                  'set scaling.requests.maxCpu or scaling.requests.maxMemory: requests are raised up to them',
              },
            ],
          ),
        ),
      },
      [
        {
          rule: 'self.minReplicas <= self.maxReplicas',
          message: 'scaling.minReplicas must be less than or equal to scaling.maxReplicas',
          fieldPath: '.minReplicas',
        },
      ],
    ),
    workload: object(
      'The Deployment the venture runs: AutoPilot creates it from a pod template, or adopts one by name.',
      {
        template: optional(
          opaque('Pod template (a PodTemplateSpec) of the Deployment AutoPilot creates and owns.'),
        ),
        deploymentName: optional(
          dnsLabel('Name of an existing Deployment in the namespace for AutoPilot to adopt.'),
        ),
      },
      [
        {
          rule: 'has(self.template) != has(self.deploymentName)',
          message:
            'set exactly one of workload.template (AutoPilot creates the Deployment) or workload.deploymentName (AutoPilot adopts it)',
        },
      ],
    ),
    metrics: MetricsSource,
    policy: Policy,
    monthlyBudget: optional(
      number('Budget per month the venture may spend; redirected budget adds to it.', { minimum: 0 }),
    ),
    protected: flag(
      'Never terminate this venture (same as the annotation autopilot.ventures/protected: "true").',
      false,
    ),
  },
  [
    {
      rule: 'self.replicas <= self.scaling.maxReplicas',
      message: 'replicas must not exceed scaling.maxReplicas',
      fieldPath: '.replicas',
    },
    {
      rule: 'self.replicas >= self.scaling.minReplicas',
      message:
        'replicas must be at least scaling.minReplicas (set minReplicas to 0 to allow scaling to zero)',
      fieldPath: '.replicas',
    },
  ],
);

const MetricsSnapshot = object('The numbers an audit or decision was made on.', {
  observedAt: timestamp('Time of the oldest sample in the snapshot.'),
  revenue: optional(number('Revenue per month.', {})),
  costs: optional(number('Costs per month.', {})),
  profitMargin: optional(number('(revenue − costs) / revenue.', {})),
  roi: optional(number('(revenue − costs) / costs.', {})),
  burnRate: optional(number('Net monthly loss (0 when profitable).', { minimum: 0 })),
  runwayMonths: optional(number('Cash / burn rate, in months.', { minimum: 0 })),
  growthRate: optional(
    number(
      'Revenue growth per business period, compounded, fitted over the trend window; absent until the audits span a whole period.',
      {},
    ),
  ),
  cac: optional(number('Customer acquisition cost: acquisition spend / new customers.', {})),
  customers: optional(number('Paying customers.', { minimum: 0 })),
  customerSatisfaction: optional(number('Satisfaction between 0 and 1.', { minimum: 0, maximum: 1 })),
  consecutiveLosses: optional(integer('Loss-making periods in a row.', { minimum: 0, maximum: 100000 })),
});

const containerRequests = (description: string) =>
  list(
    description,
    object('The requests of one container.', {
      container: dnsLabel('Container name.'),
      cpu: optional(quantity('CPU request.')),
      memory: optional(quantity('Memory request.')),
    }),
    16,
  );

export const Decision = decisionRecord('A decision of the audit engine.', DecisionActions, {
  targetReplicas: optional(
    integer('Scale only: the replicas the decision scales to.', { minimum: 0, maximum: 1000 }),
  ),
  targetRequests: optional(containerRequests('Scale only: the container requests the decision raises.')),
  drivers: optional(
    list(
      'Optimize only: the metrics that call for it (profitMargin, trend, cac, customerSatisfaction).',
      text('A metric name.', { maxLength: 64 }),
      8,
    ),
  ),
  metrics: optional(MetricsSnapshot),
});

export const VentureStatus = object('The observed state of a Venture.', {
  observedGeneration: observedGeneration(),
  conditions: optional(conditions()),
  phase: optional(
    oneOf('Lifecycle phase.', ['Pending', 'Active', 'UnderReview', 'Terminating', 'Terminated'] as const),
  ),
  replicas: optional(integer('Replicas of the workload now.', { minimum: 0, maximum: 100000 })),
  selector: optional(
    text('Label selector of the workload’s Pods, for the scale subresource.', { maxLength: 1024 }),
  ),
  deploymentName: optional(dnsLabel('The Deployment the venture runs.')),
  health: optional(
    object('Health score and its parts.', {
      score: integer('Overall health, 0–100.', { minimum: 0, maximum: 100 }),
      tier: oneOf('Performance tier from the score.', Tiers),
      components: optional(stringMap('Score of each component (profitability, growth, …), 0–100.', 16)),
    }),
  ),
  metrics: optional(MetricsSnapshot),
  trend: optional(
    object('Direction of the venture over the trend window; absent until the audits span a whole period.', {
      direction: oneOf('Improving, Stable or Declining.', ['Improving', 'Stable', 'Declining'] as const),
      slope: number('Change of the profit margin per business period.', {}),
    }),
  ),
  risks: optional(
    list('Named risk factors.', text('A risk factor.', { maxLength: StatusLimits.risk }), StatusLimits.risks),
  ),
  failingAudits: optional(integer('Failing audits in a row.', { minimum: 0, maximum: 100000 })),
  failingSince: optional(timestamp('When the current run of failing audits began.')),
  qualifyingAudits: optional(
    integer(
      'Audits in a row that met every scale threshold since the last Scale; a Scale needs more than one while AUREA has learned to ask for extra confirmations.',
      { minimum: 0, maximum: 100000 },
    ),
  ),
  lastAuditTime: optional(timestamp('When the venture was last audited.')),
  auditHistory: optional(
    list(
      'One snapshot per business period, newest last: what trend, growth and losses are computed from.',
      MetricsSnapshot,
      24,
    ),
  ),
  lastDecision: optional(Decision),
  history: optional(list('The latest decisions, newest first.', Decision, StatusLimits.history)),
  allocation: optional(
    object('Capacity and budget the portfolio redirected to this venture.', {
      replicas: optional(integer('Extra replicas granted.', { minimum: 0, maximum: 100000 })),
      budget: optional(number('Extra monthly budget granted.', { minimum: 0 })),
      from: optional(
        list('Ventures the capacity came from.', dnsLabel('A venture.'), StatusLimits.allocationFrom),
      ),
    }),
  ),
  terminatedAt: optional(timestamp('When the venture was terminated.')),
  lastScaleTime: optional(timestamp('When a Scale decision was last applied; the cooldown counts from it.')),
  requests: optional(
    containerRequests(
      'Requests raised by Scale decisions, per container: the Deployment gets them over its template’s.',
    ),
  ),
});

export const Venture = defineKind({
  kind: 'Venture',
  plural: 'ventures',
  shortNames: ['vt'],
  description:
    'A business workload whose Deployment AutoPilot scales, redirects resources to, or terminates from live profitability audits.',
  spec: VentureSpec,
  status: VentureStatus,
  scale: {
    specReplicasPath: '.spec.replicas',
    statusReplicasPath: '.status.replicas',
    labelSelectorPath: '.status.selector',
  },
  printerColumns: [
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Health', type: 'integer', jsonPath: '.status.health.score' },
    { name: 'Tier', type: 'string', jsonPath: '.status.health.tier', priority: 1 },
    { name: 'Margin', type: 'number', jsonPath: '.status.metrics.profitMargin' },
    { name: 'ROI', type: 'number', jsonPath: '.status.metrics.roi' },
    { name: 'Replicas', type: 'integer', jsonPath: '.status.replicas' },
    { name: 'Decision', type: 'string', jsonPath: '.status.lastDecision.action' },
    { name: 'Mode', type: 'string', jsonPath: '.spec.mode', priority: 1 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
});

export type VentureSpec = Static<typeof VentureSpec>;

/** The seed thresholds: the policy of a Venture that sets none (the CRD's default for spec.policy). */
export const SEED_POLICY = Policy.default as VentureSpec['policy'];
export type VentureStatus = Static<typeof VentureStatus>;
export type Decision = Static<typeof Decision>;
