// RegionPair: a primary and a backup region (clusters) with health checks, DNS failover and fencing.
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
  stringMap,
  text,
  timestamp,
  url,
} from '../schema.js';
import { defineKind } from './kind.js';

const Region = (role: string) =>
  object(`The ${role} region.`, {
    name: dnsLabel('Region name, e.g. us-east.'),
    endpoint: url('Health endpoint of the region’s public entry point.'),
    dnsTarget: text('What the DNS record points at while this region is active (a hostname or an IP).', {
      maxLength: 253,
    }),
    kubeconfigSecretRef: optional(
      secretKeyRef(
        'Secret key holding a kubeconfig for this region’s cluster; empty means the local cluster.',
      ),
    ),
  });

export const RegionPairSpec = object(
  'The desired state of a RegionPair.',
  {
    mode: mode(),
    primary: Region('primary'),
    backup: Region('backup'),
    healthCheck: group('When a region counts as down. Defaults are the seed’s regional trigger.', {
      interval: duration('Time between health checks.', { minimum: '1s', default: '10s' }),
      responseTimeMs: integer('A check slower than this fails.', {
        default: 5000,
        minimum: 1,
        maximum: 600_000,
      }),
      availability: number('Share of successful checks in the window below which the region is down.', {
        default: 0.95,
        minimum: 0,
        maximum: 1,
      }),
      failureThreshold: integer('Failed checks in a row after which the region is down.', {
        default: 5,
        minimum: 1,
        maximum: 1000,
      }),
      window: integer('Number of recent checks availability is computed over.', {
        default: 20,
        minimum: 1,
        maximum: 1000,
      }),
    }),
    dns: object('The DNS record that moves between regions (written as an external-dns DNSEndpoint).', {
      hostname: text('Fully qualified name of the record, e.g. shop.example.com.', {
        maxLength: 253,
        pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?\\.)+[a-z]{2,63}\\.?$',
      }),
      recordType: oneOf('Record type.', ['CNAME', 'A'] as const, 'CNAME'),
      ttl: integer('Record TTL in seconds.', { default: 60, minimum: 1, maximum: 86400 }),
    }),
    warmup: optional(
      object('Workloads in the backup region scaled up before traffic moves.', {
        selector: stringMap('Labels of the Deployments to warm.', 16),
        replicas: optional(
          integer('Replicas to warm them to; empty copies the primary.', { minimum: 1, maximum: 1000 }),
        ),
      }),
    ),
    failoverObjectiveSeconds: integer(
      'Target time from detection to traffic on the backup (30 / 45 / 60 s).',
      {
        default: 30,
        minimum: 1,
        maximum: 3600,
      },
    ),
    failback: group('Returning to the primary.', {
      automatic: flag('Fail back automatically once the primary is healthy again.', false),
      healthyChecks: integer('Healthy checks in a row the primary needs before failback.', {
        default: 10,
        minimum: 1,
        maximum: 10000,
      }),
      minimumHold: duration(
        'Least time on the backup before failing back; 0s fails back as soon as healthyChecks are met.',
        { minimum: '0s', default: '10m' },
      ),
    }),
  },
  [
    {
      rule: 'self.primary.name != self.backup.name',
      message: 'primary.name and backup.name must differ: a region cannot back itself up',
      fieldPath: '.backup.name',
    },
    {
      rule: 'self.primary.endpoint != self.backup.endpoint',
      message: 'primary.endpoint and backup.endpoint must differ: one endpoint cannot tell two regions apart',
      fieldPath: '.backup.endpoint',
    },
  ],
);

const RegionHealth = object('Health of a region as this cluster sees it.', {
  name: dnsLabel('The region.'),
  healthy: flag('Whether the region passes the health check.', false),
  consecutiveFailures: integer('Failed checks in a row.', { minimum: 0, maximum: 1_000_000 }),
  availability: optional(number('Share of successful checks in the window.', { minimum: 0, maximum: 1 })),
  responseTimeMs: optional(integer('Latency of the last check.', { minimum: 0, maximum: 3_600_000 })),
  lastCheckTime: optional(timestamp('When it was last checked.')),
});

export const RegionPairStatus = object('The observed state of a RegionPair.', {
  observedGeneration: observedGeneration(),
  conditions: optional(conditions()),
  activeRegion: optional(dnsLabel('The region traffic goes to now.')),
  phase: optional(
    oneOf('Where the pair is in its failover cycle.', [
      'Primary',
      'FailingOver',
      'Backup',
      'FailingBack',
    ] as const),
  ),
  regions: optional(list('Health of each region.', RegionHealth, 2)),
  fencing: optional(
    object('The fencing record that guards against split brain.', {
      holder: dnsLabel('Region that holds the record and may serve.'),
      epoch: integer('Incremented on every change of holder.', {
        minimum: 0,
        maximum: Number.MAX_SAFE_INTEGER,
      }),
    }),
  ),
  failovers: optional(integer('Failovers so far.', { minimum: 0, maximum: 1_000_000_000 })),
  lastFailover: optional(
    object('The last change of active region.', {
      from: dnsLabel('Previous region.'),
      to: dnsLabel('New region.'),
      reason: text('Why.', { maxLength: 1024 }),
      at: timestamp('When.'),
      durationSeconds: optional(number('Detection to traffic moved.', { minimum: 0 })),
    }),
  ),
});

export const RegionPair = defineKind({
  kind: 'RegionPair',
  plural: 'regionpairs',
  shortNames: ['rp'],
  description:
    'A primary and a backup region: AutoPilot health-checks both, moves DNS to the backup on failure and fails back.',
  spec: RegionPairSpec,
  status: RegionPairStatus,
  printerColumns: [
    { name: 'Active', type: 'string', jsonPath: '.status.activeRegion' },
    { name: 'Primary', type: 'string', jsonPath: '.spec.primary.name' },
    { name: 'Backup', type: 'string', jsonPath: '.spec.backup.name' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Failovers', type: 'integer', jsonPath: '.status.failovers', priority: 1 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
});

export type RegionPairSpec = Static<typeof RegionPairSpec>;
export type RegionPairStatus = Static<typeof RegionPairStatus>;
