// FallbackProtocol: an ordered list of payment gateways (or any HTTP dependency) with failover and failback.
import type { Static } from '@sinclair/typebox';
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
  optional,
  promql,
  secretKeyRef,
  text,
  textDefault,
  timestamp,
  url,
} from '../schema.js';
import { defineKind } from './kind.js';

/** Bounds of status fields the engine fills: the schema and the code share them. */
export const StatusLimits = { history: 20, targets: 8 } as const;
export const FailoverActions = ['Failover', 'Failback', 'AllTargetsDown', 'Hold'] as const;
export const TargetStates = ['Up', 'Down', 'Unknown'] as const;

const CONFIG_MAP_KEY = '^[-._a-zA-Z0-9]+$';

const Target = object('A gateway AutoPilot can route to.', {
  name: dnsLabel('Name of the target, unique in the protocol, e.g. stripe.'),
  url: url(
    'Base URL of the target: probed at this URL plus probe.path, and published to applications while the target is active.',
  ),
  description: optional(text('What this target is.', { maxLength: 256 })),
});

const Probe = group('How each target is probed: on timers of its own, never inside a reconcile.', {
  interval: duration('Time between two probes of each target.', { minimum: '1s', default: '10s' }),
  method: oneOf('HTTP method of the probe.', ['GET', 'HEAD'] as const, 'GET'),
  path: optional(
    text('Path appended to each target URL when probing, e.g. /healthz; empty probes the URL itself.', {
      maxLength: 512,
      pattern: '^/',
    }),
  ),
  expectedStatus: group(
    'HTTP statuses a healthy target answers a probe with, both ends included.',
    {
      min: integer('Lowest healthy status.', { default: 200, minimum: 100, maximum: 599 }),
      max: integer('Highest healthy status.', { default: 399, minimum: 100, maximum: 599 }),
    },
    [
      {
        rule: 'self.min <= self.max',
        message: 'probe.expectedStatus.min must be less than or equal to probe.expectedStatus.max',
        fieldPath: '.min',
      },
    ],
  ),
  headersSecretRef: optional(
    object(
      'A Secret in the same namespace whose every key is a header sent with each probe, e.g. Authorization.',
      { name: dnsLabel('Name of the Secret.') },
    ),
  ),
  caBundleSecretRef: optional(
    secretKeyRef(
      'Secret key holding PEM CA certificates to trust for https targets, instead of the well-known public CAs.',
    ),
  ),
});

const Traffic = object(
  'The real traffic’s error rate per target, read from Prometheus: a passive signal beside the probes. Missing, stale or thin data (below minimumRequests) never counts as down.',
  {
    errorRateQuery: promql(
      'PromQL whose single result is a target’s error rate (0.05 = 5 %); {{target}} is replaced by the target’s name, e.g. sum(rate(payments_gateway_errors_total{gateway="{{target}}"}[1m])) / sum(rate(payments_gateway_requests_total{gateway="{{target}}"}[1m])).',
    ),
    requestCountQuery: promql(
      'PromQL whose single result is the number of requests that error rate covers, with {{target}} as above, e.g. sum(increase(payments_gateway_requests_total{gateway="{{target}}"}[1m])).',
    ),
    minimumRequests: integer(
      'Below this many requests the error rate is not judged: one error in two requests is not a 50 % error rate.',
      { default: 20, minimum: 1, maximum: 1_000_000_000 },
    ),
    maxSampleAge: duration('A result older than this is stale and not judged.', {
      minimum: '1s',
      default: '1m',
    }),
    address: optional(url('Prometheus base URL; empty uses the operator default (--prometheus-address).')),
    bearerTokenSecretRef: optional(secretKeyRef('Secret key holding a bearer token sent to Prometheus.')),
  },
  [
    {
      rule: "self.errorRateQuery.contains('{{target}}') && self.requestCountQuery.contains('{{target}}')",
      message:
        'trigger.traffic.errorRateQuery and requestCountQuery must each contain {{target}}: one query serves every target',
    },
  ],
);

const Trigger = group(
  'When a target counts as down: any one of these. Defaults are the seed’s payment-gateway trigger.',
  {
    timeout: duration('A probe without an answer within this fails, with the timeout as its latency.', {
      minimum: '100ms',
      default: '30s',
    }),
    consecutiveFailures: integer(
      'Failed probes in a row after which a target is down. A newly started (or newly leading) operator also needs this many fresh probes of each target before it decides anything.',
      { default: 3, minimum: 1, maximum: 100 },
    ),
    errorRate: number(
      'Share of failures above which a target is down (0.05 = 5 %): of the probes in the window once the window is full and holds two failures (one failed probe is a blip, not a rate: the smallest rate a window of N can act on is 2/N), and of the real traffic when traffic is set. A target is proven healthy for failback only while its full window is within this share.',
      { default: 0.05, minimum: 0, maximum: 1 },
    ),
    window: integer(
      'Recent probes kept per target: the probe error rate is computed over them, and failures and healthy probes in a row are counted in them.',
      { default: 20, minimum: 1, maximum: 1000 },
    ),
    traffic: optional(Traffic),
  },
  [
    {
      rule: 'self.consecutiveFailures <= self.window',
      message:
        'trigger.consecutiveFailures must be less than or equal to trigger.window: failures in a row are counted in the window',
      fieldPath: '.consecutiveFailures',
    },
  ],
);

const Routing = object(
  'Where the active target is published for applications (server-side apply, field manager autopilot): a ConfigMap, an ExternalName Service, or both.',
  {
    configMap: optional(
      object(
        'A ConfigMap the protocol owns, holding the active target’s name and URL.',
        {
          name: dnsLabel('Name of the ConfigMap.'),
          targetKey: textDefault('Key holding the active target’s name.', 'target', {
            pattern: CONFIG_MAP_KEY,
          }),
          urlKey: textDefault('Key holding the active target’s URL.', 'url', { pattern: CONFIG_MAP_KEY }),
        },
        [
          {
            rule: 'self.targetKey != self.urlKey',
            message: 'routing.configMap.targetKey and urlKey must differ',
            fieldPath: '.urlKey',
          },
        ],
      ),
    ),
    service: optional(
      object(
        'An ExternalName Service the protocol owns, pointing at the active target’s host: an application calling <name>.<namespace>.svc follows a switch with no code change.',
        { name: dnsLabel('Name of the Service.') },
      ),
    ),
  },
  [
    {
      rule: 'has(self.configMap) || has(self.service)',
      message:
        'routing needs configMap, service or both: say where applications read the active target, or leave routing out',
    },
  ],
);

const Notify = object(
  'A webhook that hears about every failover, failback and all-targets-down, once each (the idempotency key is the decision id).',
  {
    webhookUrl: optional(url('URL that receives a JSON POST per transition.')),
    webhookUrlSecretRef: optional(
      secretKeyRef('Secret key holding the webhook URL, when the URL carries a token.'),
    ),
    authorizationSecretRef: optional(secretKeyRef('Secret key holding the Authorization header value.')),
    retries: integer(
      'Retries of a failed delivery, with exponential backoff, before the protocol reports NotificationFailed.',
      { default: 5, minimum: 0, maximum: 20 },
    ),
  },
  [
    {
      rule: 'has(self.webhookUrl) != has(self.webhookUrlSecretRef)',
      message: 'set exactly one of notify.webhookUrl or notify.webhookUrlSecretRef',
    },
  ],
);

export const FallbackProtocolSpec = object(
  'The desired state of a FallbackProtocol.',
  {
    mode: mode(),
    targets: list(
      'Targets in order of preference: the first is the primary, the rest are backups tried in order.',
      Target,
      StatusLimits.targets,
      { minItems: 1 },
    ),
    probe: Probe,
    trigger: Trigger,
    failback: group(
      'Return to a preferred target once it is healthy again, with hysteresis: both conditions must hold.',
      {
        enabled: flag('Fail back automatically.', true),
        healthyProbes: integer(
          'Healthy probes in a row a preferred target needs (and a window error rate back within trigger.errorRate) before traffic returns to it.',
          { default: 5, minimum: 1, maximum: 1000 },
        ),
        minimumHold: duration(
          'Least time on the current target before failing back; 0s fails back as soon as healthyProbes are met.',
          { minimum: '0s', default: '5m' },
        ),
      },
    ),
    routing: optional(Routing),
    notify: optional(Notify),
  },
  [
    {
      rule: 'size(self.targets) >= 2',
      message: 'targets needs a primary and at least one backup',
      fieldPath: '.targets',
    },
    {
      rule: 'self.targets.all(t, self.targets.exists_one(u, u.name == t.name))',
      message: 'target names must be unique',
      fieldPath: '.targets',
    },
    {
      rule: 'self.targets.all(t, self.targets.exists_one(u, u.url == t.url))',
      message: 'target urls must be unique: one endpoint cannot back itself up',
      fieldPath: '.targets',
    },
    {
      rule: 'self.failback.healthyProbes <= self.trigger.window',
      message:
        'failback.healthyProbes must be less than or equal to trigger.window: healthy probes in a row are counted in the window',
      fieldPath: '.failback.healthyProbes',
    },
  ],
);

const TargetHealth = object('Health of one target, from the operator’s own probes and the traffic.', {
  name: dnsLabel('The target.'),
  state: oneOf(
    'Up, Down, or Unknown: too few fresh probes to judge (after a start or a change of leader) or probes stale.',
    TargetStates,
  ),
  reason: optional(text('Why the target has this state, quoting the numbers.', { maxLength: REASON_LIMIT })),
  probes: optional(integer('Probes in the window.', { minimum: 0, maximum: 1000 })),
  consecutiveFailures: integer('Failed probes in a row.', { minimum: 0, maximum: 1000 }),
  consecutiveSuccesses: integer('Healthy probes in a row.', { minimum: 0, maximum: 1000 }),
  errorRate: optional(number('Share of failed probes in the window.', { minimum: 0, maximum: 1 })),
  trafficErrorRate: optional(number('Error rate of the real traffic, when read.', { minimum: 0 })),
  trafficRequests: optional(number('Requests the traffic error rate covers.', { minimum: 0 })),
  latencyMs: optional(
    integer('Latency of the last probe (the timeout when it timed out).', { minimum: 0, maximum: 3_600_000 }),
  ),
  lastProbeTime: optional(timestamp('When the last probe started.')),
  lastError: optional(text('Why the last failed probe failed.', { maxLength: REASON_LIMIT })),
  downSince: optional(timestamp('When the operator first saw the target down in this outage.')),
  provenSince: optional(
    timestamp('When the target last reached failback.healthyProbes healthy probes in a row.'),
  ),
});

const Switch = object('The last change of active target, and how long it took.', {
  action: oneOf('Failover (the active target was down) or Failback (back to a preferred target).', [
    'Failover',
    'Failback',
  ] as const),
  decisionId: text('The decision that made the switch.', { maxLength: 64 }),
  from: dnsLabel('Previous target.'),
  to: dnsLabel('New target.'),
  reason: text('Why, quoting the numbers.', { maxLength: REASON_LIMIT }),
  detectedAt: timestamp(
    'Failover: when the operator first saw the old target down. Failback: when the preferred target became eligible (proven healthy and the hold over).',
  ),
  decidedAt: timestamp('When the decision was made.'),
  appliedAt: timestamp('When routing pointed at the new target.'),
  durationSeconds: number('From detectedAt to appliedAt.', { minimum: 0 }),
});

export const Decision = decisionRecord('A decision of the failover engine.', FailoverActions, {
  from: dnsLabel('The active target when the decision was made.'),
  to: optional(dnsLabel('Failover and Failback: the target traffic moves to.')),
  detectedAt: optional(timestamp('When what the decision answers was first seen (see lastFailover).')),
  appliedAt: optional(timestamp('When routing pointed at the new target.')),
  notifiedAt: optional(timestamp('When the webhook accepted the notification.')),
});

export const FallbackProtocolStatus = object('The observed state of a FallbackProtocol.', {
  observedGeneration: observedGeneration(),
  conditions: optional(conditions()),
  activeTarget: optional(dnsLabel('The target traffic goes to now.')),
  activeSince: optional(timestamp('Since when.')),
  failovers: optional(integer('Failovers so far.', { minimum: 0, maximum: 1_000_000_000 })),
  failbacks: optional(integer('Failbacks so far.', { minimum: 0, maximum: 1_000_000_000 })),
  targets: optional(list('Health of each target, in spec order.', TargetHealth, StatusLimits.targets)),
  lastFailover: optional(Switch),
  lastDecision: optional(Decision),
  history: optional(list('The latest decisions, newest first.', Decision, StatusLimits.history)),
});

export const FallbackProtocol = defineKind({
  kind: 'FallbackProtocol',
  plural: 'fallbackprotocols',
  shortNames: ['fbp'],
  description:
    'An ordered set of payment gateways (or any HTTP dependency) that AutoPilot probes, fails over and fails back.',
  spec: FallbackProtocolSpec,
  status: FallbackProtocolStatus,
  printerColumns: [
    { name: 'Active', type: 'string', jsonPath: '.status.activeTarget' },
    { name: 'Primary', type: 'string', jsonPath: '.spec.targets[0].name' },
    { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: 'Reason', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].reason' },
    { name: 'Failovers', type: 'integer', jsonPath: '.status.failovers' },
    { name: 'Decision', type: 'string', jsonPath: '.status.lastDecision.action', priority: 1 },
    {
      name: 'Last-Failover-Seconds',
      type: 'number',
      jsonPath: '.status.lastFailover.durationSeconds',
      priority: 1,
    },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
});

export type FallbackProtocolSpec = Static<typeof FallbackProtocolSpec>;
export type FallbackProtocolStatus = Static<typeof FallbackProtocolStatus>;
export type FailoverDecisionRecord = Static<typeof Decision>;
export type TargetHealthStatus = Static<typeof TargetHealth>;
export type SwitchRecord = Static<typeof Switch>;
