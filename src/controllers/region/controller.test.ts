// The RegionPair controller's own rules, one region's operator (us-west, the backup) on the in-memory API
// server, reaching the DNS cluster and us-east through kubeconfig Secrets that name fake clusters served
// over HTTP, and probing both regions' endpoints (local HTTP servers) on the hand-driven clock: a cold
// start that stands by, bad input that holds with a condition to fix, Observe, and the decision written
// before any DNS write. Real DNS, external-dns and three real clusters are covered e2e (test/e2e/region).
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Counter } from 'prom-client';
import { Gateway, HEALTH_PATH } from '../../../hack/lib/gateways.js';
import { waitFor } from '../../../test/e2e/support/wait.js';
import type { KubeObject, ResourceType } from '../../api/meta.js';
import { DEPLOYMENTS, LEASES, SECRETS } from '../../api/resources.js';
import { REGION_PAIRS, type RegionPairResource } from '../../api/v1alpha1/index.js';
import { microTime } from '../../api/time.js';
import type { Mode } from '../../engine/mode.js';
import { DNS_ENDPOINTS, type DnsEndpointObject } from '../../providers/dnsRecord.js';
import { EPOCH_ANNOTATION, HOLDER_HEALTHY_ANNOTATION } from '../../providers/fencing.js';
import { ApiError } from '../../runtime/client.js';
import { FakeClient } from '../../runtime/testing/fakeClient.js';
import { FakeApiServer } from '../../runtime/testing/fakeServer.js';
import { ControllerHarness } from '../../runtime/testing/harness.js';
import { regionPairController } from './controller.js';

const NOW = Date.parse('2026-11-30T12:00:00Z');
const NS = 'shop';
const DNS_NS = 'dns';
const EAST = 'us-east';
const WEST = 'us-west';
const KEY = `${NS}/storefront`;
const INTERVAL_MS = 1000;
const TARGETS: Record<string, string> = { [EAST]: '10.0.0.1', [WEST]: '10.0.0.2' };
const WARMUP = { 'app.kubernetes.io/part-of': 'storefront' };

type Seeded = { type: ResourceType; object: KubeObject };

interface LeaseObject extends KubeObject {
  spec: { holderIdentity: string; renewTime?: string; acquireTime?: string };
}
interface Deployment extends KubeObject {
  spec: { replicas: number };
}

let endpoints: Record<typeof EAST | typeof WEST, Gateway>;
beforeAll(async () => {
  endpoints = { [EAST]: await Gateway.start(EAST), [WEST]: await Gateway.start(WEST) };
});
afterAll(async () => {
  await Promise.all(Object.values(endpoints).map((g) => g.close()));
});

function regionPair(spec: Partial<RegionPairResource['spec']> = {}): Seeded {
  const object: RegionPairResource = {
    apiVersion: 'autopilot.ventures/v1alpha1',
    kind: 'RegionPair',
    metadata: { name: 'storefront', namespace: NS, uid: 'pair-uid' },
    spec: {
      mode: 'Autonomous',
      primary: {
        name: EAST,
        endpoint: endpoints[EAST].url + HEALTH_PATH,
        dnsTarget: TARGETS[EAST]!,
        kubeconfigSecretRef: { name: 'us-east-kubeconfig', key: 'kubeconfig' },
      },
      backup: {
        name: WEST,
        endpoint: endpoints[WEST].url + HEALTH_PATH,
        dnsTarget: TARGETS[WEST]!,
        kubeconfigSecretRef: { name: 'us-west-kubeconfig', key: 'kubeconfig' },
      },
      healthCheck: {
        interval: '1s',
        responseTimeMs: 5000, // generous: the endpoints answer on a loaded machine
        availability: 0.5,
        failureThreshold: 3,
        window: 10,
      },
      dns: {
        cluster: { kubeconfigSecretRef: { name: 'dns-kubeconfig', key: 'kubeconfig' } },
        namespace: DNS_NS,
        endpointName: 'storefront',
        hostname: 'shop.region.test',
        recordType: 'A',
        ttl: 1,
      },
      fencing: { leaseName: 'storefront-fencing', heartbeatInterval: '1s', heartbeatTimeout: '4s' },
      replication: { enabled: false, selector: {}, interval: '30s' },
      failoverObjectiveSeconds: 30,
      failback: { automatic: false, healthyChecks: 3, minimumHold: '0s' },
      ...spec,
    },
  };
  return { type: REGION_PAIRS, object };
}

const kubeconfigSecret = (name: string, kubeconfig: string): Seeded => ({
  type: SECRETS,
  object: {
    metadata: { name, namespace: NS },
    data: { kubeconfig: Buffer.from(kubeconfig).toString('base64') },
  } as KubeObject,
});

const deployment = (replicas: number): Seeded => ({
  type: DEPLOYMENTS,
  object: { metadata: { name: 'web', namespace: NS, labels: WARMUP }, spec: { replicas } } as Deployment,
});

/** The fencing record held by `holder` at `epoch`, renewed at `renewedAt` by its clock, and the DNSEndpoint it wrote. */
const heldBy = (holder: string, epoch: number, renewedAt = NOW): Seeded[] => [
  {
    type: LEASES,
    object: {
      metadata: {
        name: 'storefront-fencing',
        namespace: DNS_NS,
        annotations: { [EPOCH_ANNOTATION]: String(epoch), [HOLDER_HEALTHY_ANNOTATION]: 'true' },
      },
      spec: { holderIdentity: holder, acquireTime: microTime(renewedAt), renewTime: microTime(renewedAt) },
    } as LeaseObject,
  },
  {
    type: DNS_ENDPOINTS,
    object: {
      metadata: { name: 'storefront', namespace: DNS_NS, annotations: { [EPOCH_ANNOTATION]: String(epoch) } },
      spec: {
        endpoints: [
          { dnsName: 'shop.region.test', recordType: 'A', targets: [TARGETS[holder]!], recordTTL: 1 },
        ],
      },
    } as DnsEndpointObject,
  },
];
const heldByEast = (renewedAt = NOW) => heldBy(EAST, 1, renewedAt);

interface World {
  h: ControllerHarness;
  dns: FakeClient;
  peer: FakeClient;
}

let servers: FakeApiServer[] = [];
let harness: ControllerHarness | undefined;
afterEach(async () => {
  await harness?.stop();
  harness = undefined;
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  for (const gateway of Object.values(endpoints)) gateway.health({});
});

/**
 * us-west's operator with the DNS cluster (`dnsObjects`, serving DNSEndpoints unless `dnsEndpointCrd` is
 * false) and us-east (a Deployment web at 3) as fake clusters behind kubeconfig Secrets; `secrets: false`
 * leaves the Secrets out. Its prober runs on the hand-driven clock.
 */
async function start(
  pair: Seeded,
  {
    dnsObjects = heldByEast(),
    dnsEndpointCrd = true,
    secrets = true,
    defaultMode = 'Autonomous',
  }: { dnsObjects?: Seeded[]; dnsEndpointCrd?: boolean; secrets?: boolean; defaultMode?: Mode } = {},
): Promise<World> {
  const dns = new FakeClient(dnsObjects);
  const peer = new FakeClient([deployment(3)]);
  const dnsServer = await FakeApiServer.start(dns, dnsEndpointCrd ? [LEASES, DNS_ENDPOINTS] : [LEASES]);
  const peerServer = await FakeApiServer.start(peer, [DEPLOYMENTS]);
  servers.push(dnsServer, peerServer);
  const objects = [
    pair,
    deployment(1),
    ...(secrets
      ? [
          kubeconfigSecret('dns-kubeconfig', dnsServer.kubeconfig()),
          kubeconfigSecret('us-east-kubeconfig', peerServer.kubeconfig()),
        ]
      : []),
  ];
  const h = await ControllerHarness.start({
    objects,
    now: NOW,
    setup: (m) => void m.add(regionPairController(m, { region: WEST, defaultMode })),
  });
  harness = h;
  h.startRunnables();
  return { h, dns, peer };
}

const read = (h: ControllerHarness) => h.client.peek<RegionPairResource>(REGION_PAIRS, NS, 'storefront')!;
const condition = (h: ControllerHarness, type: string) =>
  read(h).status?.conditions?.find((c) => c.type === type);
/** What was written to a fake cluster, but for us-east's heartbeats (this test plays us-east's operator). */
const writes = (client: FakeClient) =>
  client.requests.filter(
    (r) =>
      r.verb !== 'get' &&
      r.verb !== 'list' &&
      (r.body as Partial<LeaseObject> | undefined)?.spec?.holderIdentity !== EAST,
  );
const events = (h: ControllerHarness) =>
  h.client.requests
    .filter((r) => r.resource === 'events' && r.verb === 'create')
    .map((r) => r.body as { reason: string; note: string; type: string });

/** Probes the prober has sent and recorded so far. */
async function probesRecorded(h: ControllerHarness): Promise<number> {
  const counter = h.manager.metrics.registry.getSingleMetric('autopilot_probes_total') as Counter | undefined;
  const values = (await counter?.get())?.values ?? [];
  return values.reduce((sum, v) => sum + v.value, 0);
}

/**
 * One probe interval on the hand-driven clock: both endpoints probed once (for real, over HTTP) and their
 * results recorded; then us-east's heartbeat renewed when `eastRenews`, and one reconcile.
 */
async function interval(w: World, { eastRenews = true } = {}) {
  const before = await probesRecorded(w.h);
  await w.h.clock.advance(INTERVAL_MS);
  await waitFor('both endpoints probed', async () =>
    (await probesRecorded(w.h)) >= before + 2 ? true : undefined,
  );
  if (eastRenews) {
    const lease = await w.dns.get<LeaseObject>(LEASES, DNS_NS, 'storefront-fencing');
    if (lease.spec.holderIdentity === EAST) {
      lease.spec.renewTime = microTime(w.h.clock.now());
      await w.dns.update(LEASES, DNS_NS, 'storefront-fencing', lease);
    }
  }
  return w.h.reconcile('regionpair', KEY);
}

describe('a cold start', () => {
  it('records us-east’s replicas and stands by without moving anything', async () => {
    const w = await start(regionPair({ warmup: { selector: WARMUP } }));
    // The first reconcile configures the probes: nothing is known yet.
    await w.h.reconcile('regionpair', KEY);
    expect(condition(w.h, 'Ready')).toMatchObject({ status: 'Unknown', reason: 'ColdStart' });
    for (let i = 0; i < 3; i++) await interval(w);

    const { status } = read(w.h);
    expect(condition(w.h, 'Ready')).toMatchObject({ status: 'True', reason: 'Standby' });
    expect(status).toMatchObject({
      region: WEST,
      activeRegion: EAST,
      phase: 'Primary',
      fencing: { holder: EAST, epoch: 1, holderHealthy: true },
      warmup: { region: EAST, deployments: [{ name: 'web', replicas: 3 }] },
    });
    expect(condition(w.h, 'PeerReachable')).toMatchObject({ status: 'True' });
    expect(status?.history?.every((d) => d.action === 'Hold')).toBe(true);
    // Read, never written: the fencing record, DNS, us-east, and us-west's own Deployment.
    expect(writes(w.dns)).toEqual([]);
    expect(writes(w.peer)).toEqual([]);
    expect(w.h.client.peek<Deployment>(DEPLOYMENTS, NS, 'web')?.spec.replicas).toBe(1);
  });

  it('does not act on a primary that is down from the start until its own probes and heartbeat watch are complete', async () => {
    endpoints[EAST].health({ status: 503 });
    // us-east's last heartbeat is long gone by us-east's clock; only this process's watch may call it lapsed.
    const w = await start(regionPair(), { dnsObjects: heldByEast(NOW - 3_600_000) });
    await w.h.reconcile('regionpair', KEY);
    for (let i = 0; i < 3; i++) {
      await interval(w, { eastRenews: false });
      expect(condition(w.h, 'Ready')).toMatchObject({ status: 'Unknown', reason: 'ColdStart' });
    }
    // Three failures in a row: us-east is down by this region's probes, but the heartbeat was watched for 3 s of 4.
    expect(read(w.h).status?.regions?.find((r) => r.name === EAST)).toMatchObject({
      healthy: false,
      consecutiveFailures: 3,
    });
    expect(condition(w.h, 'Ready')?.message).toContain('of the 4s needed to call it lapsed');
    expect(writes(w.dns)).toEqual([]);
  });
});

describe('bad input', () => {
  it('holds with FencingAvailable=False naming the missing kubeconfig Secret, and touches nothing', async () => {
    endpoints[EAST].health({ status: 503 });
    const w = await start(regionPair(), { secrets: false });
    await w.h.reconcile('regionpair', KEY);
    for (let i = 0; i < 6; i++) await interval(w, { eastRenews: false });

    expect(condition(w.h, 'FencingAvailable')).toMatchObject({
      status: 'False',
      reason: 'KubeconfigSecretNotFound',
    });
    expect(condition(w.h, 'FencingAvailable')?.message).toContain(
      `Secret ${NS}/dns-kubeconfig does not exist`,
    );
    expect(condition(w.h, 'Ready')).toMatchObject({ status: 'False', reason: 'FencingUnavailable' });
    expect(read(w.h).status?.lastDecision).toMatchObject({ action: 'Hold', state: 'Applied' });
    expect(events(w.h).filter((e) => e.reason === 'FencingUnavailable')).toHaveLength(1);
    expect(w.dns.requests).toEqual([]);
    expect(w.peer.requests).toEqual([]);
  });

  it('holds with a condition naming the DNSEndpoint CRD when the DNS cluster lacks it, and takes no record', async () => {
    endpoints[EAST].health({ status: 503 });
    const w = await start(regionPair(), { dnsEndpointCrd: false, dnsObjects: heldByEast().slice(0, 1) });
    await w.h.reconcile('regionpair', KEY);
    // us-east down by this region's probes and silent for longer than the heartbeat timeout.
    for (let i = 0; i < 6; i++) await interval(w, { eastRenews: false });

    expect(condition(w.h, 'FencingAvailable')).toMatchObject({
      status: 'False',
      reason: 'DnsEndpointCrdMissing',
    });
    expect(condition(w.h, 'FencingAvailable')?.message).toContain("install external-dns's DNSEndpoint CRD");
    expect(condition(w.h, 'Ready')).toMatchObject({ status: 'False', reason: 'FencingUnavailable' });
    expect(read(w.h).status?.history?.every((d) => d.action === 'Hold')).toBe(true);
    expect(writes(w.dns)).toEqual([]);
    expect(
      w.dns.peek<LeaseObject>(LEASES, DNS_NS, 'storefront-fencing')?.metadata.annotations?.[EPOCH_ANNOTATION],
    ).toBe('1');
  });
});

describe('a failover', () => {
  it('in Observe mode is recorded as Recommended, told in an Event, and moves nothing', async () => {
    endpoints[EAST].health({ status: 503 });
    const w = await start(regionPair({ mode: 'Observe' }));
    await w.h.reconcile('regionpair', KEY);
    for (let i = 0; i < 6; i++) await interval(w, { eastRenews: false });

    const decision = read(w.h).status?.lastDecision;
    expect(decision).toMatchObject({
      action: 'Failover',
      state: 'Recommended',
      from: EAST,
      to: WEST,
      epoch: 2,
    });
    expect(decision?.reason).toContain(`${EAST} has not renewed its heartbeat`);
    expect(condition(w.h, 'Ready')).toMatchObject({ status: 'False', reason: 'FailoverRecommended' });
    const told = events(w.h).filter((e) => e.reason === 'DecisionRecommended');
    expect(told).toHaveLength(1);
    expect(told[0]?.note).toBe(`Failover (Observe mode, not applied): ${decision!.reason}`);
    expect(read(w.h).status?.lastFailover).toBeUndefined();
    expect(writes(w.dns)).toEqual([]);
  });

  it('is written to status as Applying before the record is taken or DNS written, and carried on once after a failed take', async () => {
    endpoints[EAST].health({ status: 503 });
    const w = await start(regionPair());
    // The first take of the record fails, as a crash right after recording the decision would leave it.
    w.dns.failWhen(
      (r) => r.resource === 'leases' && r.verb === 'update',
      new ApiError(500, 'InternalError', 'etcd leader changed'),
      1,
    );
    await w.h.reconcile('regionpair', KEY);
    let outcome: Awaited<ReturnType<typeof interval>> = {};
    for (let i = 0; i < 6 && !outcome.retry; i++) outcome = await interval(w, { eastRenews: false });
    expect(outcome.retry).toBe(true);

    const recorded = read(w.h).status!;
    expect(recorded.lastDecision).toMatchObject({ action: 'Failover', state: 'Applying', epoch: 2 });
    expect(recorded.lastFailover).toMatchObject({
      decisionId: recorded.lastDecision!.id,
      from: EAST,
      to: WEST,
    });
    expect(recorded.lastFailover?.fencedAt).toBeUndefined();
    // The take was tried (and failed) with the decision already in status; DNS was not touched.
    expect(writes(w.dns).map((r) => `${r.verb} ${r.resource}`)).toEqual(['update leases']);
    expect(w.dns.peek<DnsEndpointObject>(DNS_ENDPOINTS, DNS_NS, 'storefront')?.metadata.annotations).toEqual({
      [EPOCH_ANNOTATION]: '1',
    });

    await w.h.reconcile('regionpair', KEY);
    const { status } = read(w.h);
    expect(status?.lastDecision).toMatchObject({ id: recorded.lastDecision!.id, state: 'Applied' });
    expect(status?.lastFailover?.dnsWrittenAt).toBeDefined();
    expect(w.dns.peek<LeaseObject>(LEASES, DNS_NS, 'storefront-fencing')?.spec.holderIdentity).toBe(WEST);
    const record = w.dns.peek<DnsEndpointObject>(DNS_ENDPOINTS, DNS_NS, 'storefront')!;
    expect(record.metadata.annotations?.[EPOCH_ANNOTATION]).toBe('2');
    expect(record.spec.endpoints?.[0]?.targets).toEqual(['10.0.0.2']);
    // Once: one take that failed, one that held; a seal and a write of the DNS record; a first heartbeat.
    expect(writes(w.dns).map((r) => `${r.verb} ${r.resource}`)).toEqual([
      'update leases',
      'update leases',
      'update dnsendpoints',
      'update dnsendpoints',
      'update leases',
    ]);
    expect(events(w.h).filter((e) => e.reason === 'FailoverStarted')).toHaveLength(1);
    expect(events(w.h).filter((e) => e.reason === 'RegionFailover')).toHaveLength(1);
  });
});

describe('a failover whose warm-up is refused', () => {
  it('moves traffic at once, naming what was not warmed, instead of waiting on a scale that will never happen', async () => {
    const w = await start(regionPair({ warmup: { selector: WARMUP } }));
    // us-west's own cluster refuses to scale web (a missing RBAC grant, an admission policy).
    w.h.client.failWhen(
      (r) => r.resource === 'deployments' && r.subresource === 'scale',
      new ApiError(
        403,
        'Forbidden',
        'deployments.apps "web" is forbidden: cannot patch resource "deployments/scale"',
      ),
    );
    await w.h.reconcile('regionpair', KEY);
    for (let i = 0; i < 3; i++) await interval(w);
    expect(read(w.h).status?.warmup?.deployments).toEqual([{ name: 'web', replicas: 3 }]);

    endpoints[EAST].health({ status: 503 });
    // Well within the 30 s failover objective: the refusal is not waited out.
    for (let i = 0; i < 15 && !read(w.h).status?.lastFailover?.dnsWrittenAt; i++) {
      await interval(w, { eastRenews: false });
    }
    const { status } = read(w.h);
    expect(status?.history?.find((d) => d.action === 'Failover')).toMatchObject({ state: 'Applied' });
    expect(status?.lastFailover?.notWarmed).toEqual(['web']);
    expect(status?.lastFailover?.dnsWrittenAt).toBeDefined();
    expect(
      w.dns.peek<DnsEndpointObject>(DNS_ENDPOINTS, DNS_NS, 'storefront')?.spec.endpoints?.[0]?.targets,
    ).toEqual(['10.0.0.2']);
    expect(w.h.client.peek<Deployment>(DEPLOYMENTS, NS, 'web')?.spec.replicas).toBe(1);
  });
});

describe('the Ready condition', () => {
  it('says why the serving backup holds now, though status keeps that hold recorded once', async () => {
    // us-west took the record at epoch 2 just now; us-east is back, and failback waits 3 probes and 10 minutes.
    const failback = { automatic: true, healthyChecks: 3, minimumHold: '10m' };
    const w = await start(regionPair({ failback }), { dnsObjects: heldBy(WEST, 2, NOW) });
    await w.h.reconcile('regionpair', KEY);
    await interval(w);
    const first = read(w.h).status!.lastDecision!;
    expect(first).toMatchObject({ action: 'Hold', state: 'Applied' });
    expect(first.reason).toContain('no failback while us-east');
    for (let i = 0; i < 3; i++) await interval(w);

    // The same hold (its id: serving at epoch 2), recorded once with its first reason; Ready tells today's.
    expect(read(w.h).status?.lastDecision).toEqual(first);
    expect(condition(w.h, 'Ready')).toMatchObject({ status: 'True', reason: 'Serving' });
    expect(condition(w.h, 'Ready')?.message).toMatch(/failback after 10m0s on us-west, \d+s so far/);
  });
});
