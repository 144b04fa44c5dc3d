// RegionPair: a primary and a backup region (clusters) with health checks, fenced DNS failover, warm-up,
// configuration replication and controlled failback. The same manifest goes to every region's cluster;
// each operator knows its own region from its --region flag, and its status is that region's view.
import type { Static } from '@sinclair/typebox';
import { decisionRecord, REASON_LIMIT } from '../decision.js';
import {
  boolean,
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

/** The annotation that asks for a failback now: `kubectl annotate regionpair NAME autopilot.ventures/failback=now`. */
export const FAILBACK_ANNOTATION = 'autopilot.ventures/failback';
/** The label of the ConfigMaps and Secrets replicated by default. */
export const REPLICATE_LABEL = 'autopilot.ventures/replicate';

// `[.]`, not an escaped dot: these patterns also go into CEL string literals, where `\.` is no escape.
const IPV4 =
  '^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])[.]){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$';
const HOSTNAME = '^([a-z0-9]([-a-z0-9]*[a-z0-9])?[.])+[a-z]{2,63}[.]?$';

const Region = (role: string) =>
  object(`The ${role} region.`, {
    name: dnsLabel('Region name, e.g. us-east; the operator running in this region has --region set to it.'),
    endpoint: url('Health endpoint of the region’s public entry point, checked from both regions.'),
    dnsTarget: text(
      'What the DNS record points at while this region serves: a hostname (CNAME) or an IPv4 address (A).',
      { maxLength: 253 },
    ),
    kubeconfigSecretRef: secretKeyRef(
      'Secret key holding a kubeconfig for this region’s cluster, in the RegionPair’s namespace of the other regions’ clusters: how their operators reach this cluster (to warm it, replicate to it, read its workloads). The operator in this region uses its own access.',
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
      availability: number(
        'Share of successful checks in the full window below which the region is down, once the window holds two failed checks (one is a blip).',
        {
          default: 0.95,
          minimum: 0,
          maximum: 1,
        },
      ),
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
    dns: object(
      'The DNS record that moves between regions: an external-dns DNSEndpoint in the DNS cluster, written only by the region holding the fencing record.',
      {
        cluster: object(
          'The cluster holding the DNSEndpoint and the fencing Lease (where external-dns runs): one of the two regions, or a third cluster.',
          {
            region: optional(
              dnsLabel(
                'The region whose cluster is the DNS cluster (reached through that region’s kubeconfigSecretRef from the other one).',
              ),
            ),
            kubeconfigSecretRef: optional(
              secretKeyRef(
                'A third cluster: Secret key (in the RegionPair’s namespace of every region) holding its kubeconfig.',
              ),
            ),
          },
          [
            {
              rule: 'has(self.region) != has(self.kubeconfigSecretRef)',
              message:
                'dns.cluster needs exactly one of region (one of the two regions is the DNS cluster) or kubeconfigSecretRef (a third cluster)',
            },
          ],
        ),
        namespace: dnsLabel('Namespace of the DNSEndpoint and the fencing Lease in the DNS cluster.'),
        endpointName: dnsLabel('Name of the DNSEndpoint AutoPilot writes.'),
        hostname: text('Fully qualified name of the record, e.g. shop.example.com.', {
          maxLength: 253,
          pattern: HOSTNAME,
        }),
        recordType: oneOf('Record type.', ['CNAME', 'A'] as const, 'CNAME'),
        ttl: integer('Record TTL in seconds.', { default: 60, minimum: 1, maximum: 86400 }),
        nameservers: optional(
          list(
            'Name servers (host:port) AutoPilot asks after a DNS write, to time when the record answers with the new target (status.lastFailover.dnsAnsweringAt); empty skips that check.',
            text('A name server as host:port, e.g. 10.0.0.53:53.', {
              maxLength: 261,
              pattern: '^[^\\s:]+:[0-9]{1,5}$',
            }),
            4,
          ),
        ),
      },
    ),
    fencing: object(
      'The fencing record that prevents split brain: a Lease in dns.namespace of the DNS cluster, held by the region that serves, with an epoch that grows on every change of holder and is written with every DNS change.',
      {
        leaseName: dnsLabel('Name of the Lease.'),
        heartbeatInterval: duration('How often the holder renews the Lease (its heartbeat).', {
          minimum: '1s',
          default: '2s',
        }),
        heartbeatTimeout: duration(
          'A holder that has not renewed for this long, as timed by the other region’s clock, has lapsed: the second view a failover needs.',
          { minimum: '2s', default: '10s' },
        ),
      },
      [
        {
          rule: 'duration(self.heartbeatTimeout) > duration(self.heartbeatInterval)',
          message: 'fencing.heartbeatTimeout must be longer than fencing.heartbeatInterval',
          fieldPath: '.heartbeatTimeout',
        },
      ],
    ),
    warmup: optional(
      object(
        'Deployments (in the RegionPair’s namespace) of the region taking over, scaled up and awaited before traffic moves.',
        {
          selector: stringMap('Labels of the Deployments to warm.', 16),
          replicas: optional(
            integer(
              'Replicas to warm each to; empty uses the other region’s last known replicas of the Deployment of the same name.',
              { minimum: 1, maximum: 1000 },
            ),
          ),
        },
        [{ rule: 'size(self.selector) > 0', message: 'warmup.selector needs at least one label' }],
      ),
    ),
    replication: group(
      'ConfigMaps and Secrets of the RegionPair’s namespace mirrored from the primary to the backup while the primary serves and both are up (create, update, delete), pulled by the backup’s operator through primary.kubeconfigSecretRef (whose user needs list on configmaps and secrets there). Only mirrors it created are changed or deleted; nothing is mirrored while the backup serves. Application databases are not replicated.',
      {
        enabled: flag('Mirror the selected ConfigMaps and Secrets.', true),
        selector: stringMap('Labels of the ConfigMaps and Secrets to mirror.', 16, {
          [REPLICATE_LABEL]: 'true',
        }),
        interval: duration(
          'Time between two comparisons of the primary’s selected objects with their mirrors: a change reaches the backup within about this long.',
          {
            minimum: '1s',
            default: '30s',
          },
        ),
      },
      [
        {
          rule: '!self.enabled || size(self.selector) > 0',
          message:
            'replication.selector needs at least one label while replication is enabled: an empty selector would mirror every ConfigMap and Secret of the namespace, kubeconfigs included',
          fieldPath: '.selector',
        },
      ],
    ),
    failoverObjectiveSeconds: integer(
      'Target time from detection to the DNS record answering with the backup (the seed’s 30 / 45 / 60 s); the warm-up waits at most until then.',
      { default: 30, minimum: 1, maximum: 3600 },
    ),
    failback: group(
      'Returning to the primary, through the same fencing record. Without automatic, on `kubectl annotate regionpair NAME autopilot.ventures/failback=now` in the serving region.',
      {
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
      },
    ),
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
    {
      rule: 'self.primary.dnsTarget != self.backup.dnsTarget',
      message: 'primary.dnsTarget and backup.dnsTarget must differ: a failover would not move traffic',
      fieldPath: '.backup.dnsTarget',
    },
    {
      rule: `self.dns.recordType != 'A' || (self.primary.dnsTarget.matches('${IPV4}') && self.backup.dnsTarget.matches('${IPV4}'))`,
      message: 'dns.recordType A needs IPv4 addresses as primary.dnsTarget and backup.dnsTarget',
      fieldPath: '.dns.recordType',
    },
    {
      rule: `self.dns.recordType != 'CNAME' || (self.primary.dnsTarget.matches('${HOSTNAME}') && self.backup.dnsTarget.matches('${HOSTNAME}'))`,
      message: 'dns.recordType CNAME needs hostnames as primary.dnsTarget and backup.dnsTarget',
      fieldPath: '.dns.recordType',
    },
    {
      rule: '!has(self.dns.cluster.region) || self.dns.cluster.region == self.primary.name || self.dns.cluster.region == self.backup.name',
      message: 'dns.cluster.region must be primary.name or backup.name',
      fieldPath: '.dns.cluster.region',
    },
  ],
);

const RegionHealth = object('Health of a region as this cluster sees it.', {
  name: dnsLabel('The region.'),
  healthy: boolean('Whether the region passes the health check.'),
  consecutiveFailures: integer('Failed checks in a row.', { minimum: 0, maximum: 1_000_000 }),
  consecutiveSuccesses: optional(integer('Successful checks in a row.', { minimum: 0, maximum: 1_000_000 })),
  availability: optional(number('Share of successful checks in the window.', { minimum: 0, maximum: 1 })),
  responseTimeMs: optional(integer('Latency of the last check.', { minimum: 0, maximum: 3_600_000 })),
  lastCheckTime: optional(timestamp('When it was last checked.')),
  lastError: optional(text('Why the last check failed.', { maxLength: 1024 })),
});

export const RegionPairActions = ['Hold', 'Claim', 'Failover', 'OfferFailback', 'Failback'] as const;

export const RegionPairDecision = decisionRecord(
  'A decision of the region engine: Claim takes a fencing record nobody holds yet (the primary, at the start); Failover takes it from a holder two views agree is down; OfferFailback (by the holding backup) lets the healthy primary take it back; Failback takes an offered record.',
  RegionPairActions,
  {
    from: optional(dnsLabel('Region traffic moves away from.')),
    to: optional(dnsLabel('Region traffic moves to.')),
    epoch: optional(
      integer('Fencing epoch the decision takes the record at.', {
        minimum: 0,
        maximum: Number.MAX_SAFE_INTEGER,
      }),
    ),
  },
);

const Failover = object('The last change of serving region, step by step.', {
  decisionId: text('The decision it carries out.', { maxLength: 64 }),
  from: optional(dnsLabel('Previous region; none for a claim (nobody served before).')),
  to: dnsLabel('New region.'),
  reason: text('Why.', { maxLength: REASON_LIMIT }),
  epoch: integer('Fencing epoch taken for it.', { minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  detectedAt: timestamp('When this cluster first saw the condition that led to it.'),
  decidedAt: timestamp('When it was decided.'),
  fencedAt: optional(timestamp('When the fencing record was taken.')),
  warmedAt: optional(timestamp('When the warm-up ended (ready, or out of time).')),
  dnsWrittenAt: optional(timestamp('When the DNSEndpoint was written.')),
  dnsAnsweringAt: optional(timestamp('When the name servers first answered with the new target.')),
  durationSeconds: optional(
    number('Detection to the DNS answering (to the DNS write when no name servers are given).', {
      minimum: 0,
    }),
  ),
  notWarmed: optional(
    list('Deployments not ready when the warm-up ran out of time.', dnsLabel('A Deployment.'), 32),
  ),
});

export const RegionPairStatus = object(
  'The observed state of a RegionPair, as this region’s operator sees it.',
  {
    observedGeneration: observedGeneration(),
    conditions: optional(conditions()),
    region: optional(dnsLabel('This cluster’s region (its operator’s --region).')),
    activeRegion: optional(dnsLabel('The region traffic goes to now (the fencing record’s holder).')),
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
      object('The fencing record that guards against split brain, as last read.', {
        holder: dnsLabel('Region that holds the record and may serve.'),
        epoch: integer('Grows on every change of holder.', { minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
        renewTime: optional(timestamp('The holder’s last heartbeat.')),
        lapsed: optional(boolean('The holder has not renewed within fencing.heartbeatTimeout.')),
        holderHealthy: optional(boolean('The holder’s report of its own region’s health.')),
        failbackOfferedTo: optional(dnsLabel('The region the holder offers the record to.')),
      }),
    ),
    failovers: optional(integer('Changes of serving region so far.', { minimum: 0, maximum: 1_000_000_000 })),
    lastFailover: optional(Failover),
    warmup: optional(
      object('The other region’s replicas of the warm-up Deployments, recorded while it was healthy.', {
        region: dnsLabel('The region they were read from.'),
        recordedAt: timestamp('When they were read.'),
        deployments: list(
          'Deployments and their replicas.',
          object('A Deployment and its replicas.', {
            name: dnsLabel('The Deployment.'),
            replicas: integer('Its spec.replicas.', { minimum: 0, maximum: 100_000 }),
          }),
          64,
        ),
      }),
    ),
    replication: optional(
      object('Mirroring of the selected ConfigMaps and Secrets.', {
        from: dnsLabel('Region mirrored from.'),
        to: dnsLabel('Region mirrored to.'),
        objects: integer('Objects mirrored.', { minimum: 0, maximum: 100_000 }),
        lastSyncTime: optional(timestamp('When the last comparison ended.')),
        lagSeconds: optional(
          number(
            'Largest lag of the last comparison that wrote a mirror: from the source’s last change (the newest time in its managedFields, by the primary’s API server, in whole seconds) to its mirror written (by this region’s clock).',
            { minimum: 0 },
          ),
        ),
        maxLagSeconds: optional(number('Largest lag seen while mirroring from this region.', { minimum: 0 })),
        lastError: optional(
          text('Why the last comparison failed, or what it could not write.', { maxLength: 1024 }),
        ),
        conflicts: optional(
          list(
            'Objects here with a source’s name that the mirror did not create (Kind/name): never overwritten; rename or delete them.',
            text('Kind/name.', { maxLength: 300 }),
            64,
          ),
        ),
      }),
    ),
    lastDecision: optional(RegionPairDecision),
    history: optional(list('The latest decisions, newest first.', RegionPairDecision, 20)),
  },
);

export const RegionPair = defineKind({
  kind: 'RegionPair',
  plural: 'regionpairs',
  shortNames: ['rp'],
  description:
    'A primary and a backup region: AutoPilot health-checks both, moves DNS to the backup when two views agree the primary is down (fenced by a Lease with an epoch), warms the backup first, mirrors configuration and fails back under control.',
  spec: RegionPairSpec,
  status: RegionPairStatus,
  printerColumns: [
    { name: 'Region', type: 'string', jsonPath: '.status.region' },
    { name: 'Active', type: 'string', jsonPath: '.status.activeRegion' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Epoch', type: 'integer', jsonPath: '.status.fencing.epoch' },
    { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: 'Decision', type: 'string', jsonPath: '.status.lastDecision.action' },
    {
      name: 'Failover',
      type: 'number',
      jsonPath: '.status.lastFailover.durationSeconds',
      description: 'Seconds the last failover took, detection to DNS answering.',
    },
    { name: 'Primary', type: 'string', jsonPath: '.spec.primary.name', priority: 1 },
    { name: 'Backup', type: 'string', jsonPath: '.spec.backup.name', priority: 1 },
    { name: 'Failovers', type: 'integer', jsonPath: '.status.failovers', priority: 1 },
    { name: 'Mode', type: 'string', jsonPath: '.spec.mode', priority: 1 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
});

export type RegionPairSpec = Static<typeof RegionPairSpec>;
export type RegionPairStatus = Static<typeof RegionPairStatus>;
export type RegionPairDecision = Static<typeof RegionPairDecision>;
export type RegionPairAction = (typeof RegionPairActions)[number];
