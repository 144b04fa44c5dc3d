// Builders of region-engine inputs for the unit and property tests: a pair us-east (primary) / us-west.
import type { RegionPairSpec } from '../../../src/api/v1alpha1/regionPair.js';
import type { RegionPairFacts } from '../../../src/engine/region/decide.js';
import type { FencingObservation, FencingRecord } from '../../../src/engine/region/fencing.js';
import type { RegionChecks } from '../../../src/engine/region/health.js';

export const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);
export const PRIMARY = 'us-east';
export const BACKUP = 'us-west';

export const spec = (over: Partial<RegionPairSpec> = {}): RegionPairSpec => ({
  primary: {
    name: PRIMARY,
    endpoint: 'http://127.0.0.1:1/healthz',
    dnsTarget: '10.0.0.1',
    kubeconfigSecretRef: { name: 'us-east-kubeconfig', key: 'kubeconfig' },
  },
  backup: {
    name: BACKUP,
    endpoint: 'http://127.0.0.1:2/healthz',
    dnsTarget: '10.0.0.2',
    kubeconfigSecretRef: { name: 'us-west-kubeconfig', key: 'kubeconfig' },
  },
  healthCheck: { interval: '1s', responseTimeMs: 5000, availability: 0.95, failureThreshold: 5, window: 20 },
  dns: {
    cluster: { region: PRIMARY },
    namespace: 'dns',
    endpointName: 'shop',
    hostname: 'shop.region.test',
    recordType: 'A',
    ttl: 5,
  },
  fencing: { leaseName: 'shop-fencing', heartbeatInterval: '2s', heartbeatTimeout: '10s' },
  replication: { enabled: true, selector: { 'autopilot.ventures/replicate': 'true' }, interval: '30s' },
  failoverObjectiveSeconds: 30,
  failback: { automatic: false, healthyChecks: 10, minimumHold: '10m' },
  ...over,
});

export const up = (checks = 20): RegionChecks => ({
  checks,
  consecutiveFailures: 0,
  consecutiveSuccesses: checks,
  windowChecks: Math.min(checks, 20),
  availability: 1,
});

export const down = (failures = 5, failingSince = T0 - failures * 1000): RegionChecks => ({
  checks: 20,
  consecutiveFailures: failures,
  consecutiveSuccesses: 0,
  windowChecks: 20,
  availability: (20 - failures) / 20,
  failingSince,
});

export const record = (holder: string, epoch = 1, over: Partial<FencingRecord> = {}): FencingRecord => ({
  holder,
  epoch,
  renewTime: new Date(T0).toISOString(),
  acquireTime: new Date(T0 - 3_600_000).toISOString(),
  holderHealthy: true,
  resourceVersion: '100',
  ...over,
});

/** Held, watched for a minute; the heartbeat last changed `silentMs` before T0. */
export const held = (r: FencingRecord, silentMs = 1000): FencingObservation => ({
  state: 'Held',
  record: r,
  renewSeenAt: T0 - silentMs,
  watchingSince: T0 - 60_000,
});

export const facts = (over: Partial<RegionPairFacts> = {}): RegionPairFacts => ({
  pair: { namespace: 'shop', name: 'storefront', uid: 'uid-1' },
  spec: spec(),
  self: BACKUP,
  checks: { [PRIMARY]: up(), [BACKUP]: up() },
  fencing: held(record(PRIMARY)),
  ...over,
});
