// FallbackProtocol: an ordered list of payment gateways (or any HTTP dependency) with failover and failback.
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
  optional,
  secretKeyRef,
  text,
  timestamp,
  url,
} from '../schema.js';
import { defineKind } from './kind.js';

const Target = object('A gateway AutoPilot can route to.', {
  name: dnsLabel('Name of the target, unique in the protocol, e.g. stripe.'),
  url: url('Endpoint AutoPilot probes for health.'),
  description: optional(text('What this target is.', { maxLength: 256 })),
});

export const FallbackProtocolSpec = object(
  'The desired state of a FallbackProtocol.',
  {
    mode: mode(),
    targets: list(
      'Targets in order of preference: the first is the primary, the rest are backups tried in order.',
      Target,
      8,
      { minItems: 1 },
    ),
    probe: group('How targets are probed.', {
      interval: duration('Time between probes of each target.', '10s'),
      path: optional(
        text('Path appended to each target URL when probing, e.g. /health.', { maxLength: 512 }),
      ),
      method: oneOf('HTTP method of the probe.', ['GET', 'HEAD'] as const, 'GET'),
    }),
    trigger: group(
      'When the active target counts as failed. Defaults are the seed’s payment-gateway trigger.',
      {
        timeoutSeconds: integer('A probe slower than this fails.', { default: 30, minimum: 1, maximum: 300 }),
        errorRate: number('Share of failed probes in the window above which the target fails (0.05 = 5 %).', {
          default: 0.05,
          minimum: 0,
          maximum: 1,
        }),
        consecutiveFailures: integer('Failed probes in a row after which the target fails.', {
          default: 3,
          minimum: 1,
          maximum: 100,
        }),
        window: integer('Number of recent probes the error rate is computed over.', {
          default: 20,
          minimum: 1,
          maximum: 1000,
        }),
      },
    ),
    failback: group('Return to a preferred target once it is healthy again, with hysteresis.', {
      enabled: flag('Fail back automatically.', true),
      healthyProbes: integer('Successful probes in a row a preferred target needs before failback.', {
        default: 5,
        minimum: 1,
        maximum: 1000,
      }),
      minimumHold: duration('Least time on a backup before failing back.', '5m'),
    }),
    routing: optional(
      object('Where the active target is published for the application to read.', {
        configMapName: dnsLabel('ConfigMap (owned by the protocol) that gets keys active, url and since.'),
      }),
    ),
    notify: optional(
      object('Who hears about failovers.', {
        webhookUrl: url('URL that receives a JSON POST for every failover and failback.'),
        authorizationSecretRef: optional(secretKeyRef('Secret key holding the Authorization header value.')),
      }),
    ),
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
  ],
);

const TargetStatus = object('Health of one target.', {
  name: dnsLabel('The target.'),
  healthy: flag('Whether the target passes the trigger.', false),
  consecutiveFailures: integer('Failed probes in a row.', { minimum: 0, maximum: 1_000_000 }),
  consecutiveSuccesses: optional(integer('Successful probes in a row.', { minimum: 0, maximum: 1_000_000 })),
  errorRate: optional(number('Share of failed probes in the window.', { minimum: 0, maximum: 1 })),
  latencyMs: optional(integer('Latency of the last probe.', { minimum: 0, maximum: 3_600_000 })),
  lastProbeTime: optional(timestamp('When it was last probed.')),
  lastError: optional(text('Why the last probe failed.', { maxLength: 1024 })),
});

const Switch = object('A switch of the active target.', {
  from: dnsLabel('Previous target.'),
  to: dnsLabel('New target.'),
  reason: text('Why, quoting the numbers.', { maxLength: 1024 }),
  at: timestamp('When.'),
});

export const FallbackProtocolStatus = object('The observed state of a FallbackProtocol.', {
  observedGeneration: observedGeneration(),
  conditions: optional(conditions()),
  activeTarget: optional(dnsLabel('The target traffic goes to now.')),
  activeSince: optional(timestamp('Since when.')),
  failovers: optional(integer('Failovers so far.', { minimum: 0, maximum: 1_000_000_000 })),
  targets: optional(list('Health of each target.', TargetStatus, 8)),
  lastSwitch: optional(Switch),
  history: optional(list('The latest switches, newest first.', Switch, 20)),
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
    { name: 'Failovers', type: 'integer', jsonPath: '.status.failovers' },
    { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
});

export type FallbackProtocolSpec = Static<typeof FallbackProtocolSpec>;
export type FallbackProtocolStatus = Static<typeof FallbackProtocolStatus>;
