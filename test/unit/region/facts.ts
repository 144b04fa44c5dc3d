// Builders of region-engine inputs for the unit and property tests: a pair us-east (primary) / us-west.
import type { RegionPairSpec } from '../../../src/api/v1alpha1/regionPair.js';
import type { RegionPairFacts } from '../../../src/engine/region/decide.js';
import type { FencingObservation, FencingRecord } from '../../../src/engine/region/fencing.js';
import {
  addProbe,
  summarizeProbes,
  type ProbeResult,
  type ProbeSummary,
} from '../../../src/engine/probes.js';
import { regionProbeRules } from '../../../src/engine/region/health.js';

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

/**
 * The prober's summary after probes one second apart ending 1 s before T0 (true: answered in time), under
 * the spec's rules: the shared probe window, not a hand-made summary.
 */
export function probed(
  pattern: readonly boolean[],
  rules = regionProbeRules(spec()),
): ProbeSummary | undefined {
  let window: ProbeResult[] = [];
  let summary: ProbeSummary | undefined;
  pattern.forEach((ok, i) => {
    const startedAt = T0 - (pattern.length - i) * 1000;
    const probe = ok
      ? { startedAt, latencyMs: 20, ok, status: 200 }
      : { startedAt, latencyMs: 20, ok, status: 503, error: 'HTTP 503' };
    window = addProbe(window, probe, rules.window);
    summary = summarizeProbes(window, rules, summary, startedAt + 20);
  });
  return summary;
}

const times = (n: number, ok: boolean) => Array.from({ length: n }, () => ok);

/** `n` healthy probes in a row. */
export const up = (n = 20) => probed(times(n, true));

/** Ten healthy probes, then `failures` failed ones in a row (down from the fifth; the error rate counts only in a full window of 20). */
export const down = (failures = 5) => probed([...times(10, true), ...times(failures, false)]);

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
export const held = (r: FencingRecord, silentMs = 1000): Extract<FencingObservation, { state: 'Held' }> => ({
  state: 'Held',
  record: r,
  renewSeenAt: T0 - silentMs,
  watchingSince: T0 - 60_000,
});

export const facts = (over: Partial<RegionPairFacts> = {}): RegionPairFacts => ({
  pair: { namespace: 'shop', name: 'storefront', uid: 'uid-1' },
  spec: spec(),
  self: BACKUP,
  probes: { [PRIMARY]: up(), [BACKUP]: up() },
  fencing: held(record(PRIMARY)),
  ...over,
});
