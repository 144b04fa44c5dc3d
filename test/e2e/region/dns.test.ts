// Smoke test of the region stack: three local clusters at once (primary, backup, DNS), the real DNS stack
// (etcd, CoreDNS, external-dns), a DNSEndpoint written to the DNS cluster answered by CoreDNS, and the
// propagation floor (write → answer) printed for the region benchmark.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import {
  awaitAnswer,
  lookup,
  propagationFloor,
  startDnsStack,
  type DnsStack,
} from '../../../hack/lib/dns.js';
import { regionsDown, regionsUp, type Regions } from '../../../hack/lib/regions.js';
import { NAMESPACES } from '../../../src/api/resources.js';
import { DNS_ENDPOINTS, type DnsEndpointObject } from '../../../src/providers/dnsRecord.js';
import { KubeClient, loadKubeConfig } from '../../../src/runtime/client.js';
import { repoRoot } from '../support/crds.js';

// One set of region clusters per checkout, like the e2e cluster.
const PREFIX = `rp-${createHash('sha256').update(repoRoot).digest('hex').slice(0, 6)}`;
const ZONE = 'region.test';
const HOSTNAME = `shop.${ZONE}`;
const NAMESPACE = 'dns';

let regions: Regions;
let dns: DnsStack;
let dnsCluster: KubeClient;

beforeAll(async () => {
  regions = await regionsUp(PREFIX);
  dns = await startDnsStack({ kubeconfig: regions.dns.kubeconfig, zone: ZONE });
  dnsCluster = new KubeClient(loadKubeConfig(regions.dns.kubeconfig));
  await dnsCluster.apply(NAMESPACES, { metadata: { name: NAMESPACE } });
}, 600_000);

afterAll(async () => {
  await dns?.stop();
  await regionsDown(PREFIX);
}, 180_000);

const record = (target: string): DnsEndpointObject => ({
  metadata: { name: 'shop', namespace: NAMESPACE },
  spec: { endpoints: [{ dnsName: HOSTNAME, recordType: 'A', targets: [target], recordTTL: 5 }] },
});

describe('three clusters and the DNS stack', () => {
  it('run three separate control planes at once', async () => {
    const uids = await Promise.all(
      Object.values(regions).map(async (cluster) => {
        const client = new KubeClient(loadKubeConfig(cluster.kubeconfig));
        const ns = await client.get<{ metadata: { uid: string } }>(NAMESPACES, undefined, 'kube-system');
        return ns.metadata.uid;
      }),
    );
    expect(new Set(uids).size).toBe(3);
  });

  it('answers a DNSEndpoint written to the DNS cluster, and moves the answer when it changes', async () => {
    expect(await lookup(dns.resolver, HOSTNAME, 'A')).toEqual([]);
    await dnsCluster.apply(DNS_ENDPOINTS, record('10.0.0.1'));
    await awaitAnswer(dns.resolver, HOSTNAME, (a) => a.join() === '10.0.0.1', { timeoutMs: 60_000 });

    const floorsMs = await propagationFloor(dnsCluster, dns.resolver, {
      namespace: NAMESPACE,
      name: 'floor',
      hostname: `floor.${ZONE}`,
      writes: 10,
    });
    const sorted = [...floorsMs].sort((a, b) => a - b);
    const ms = (v: number) => `${Math.round(v)} ms`;
    console.log(
      `DNS propagation floor (DNSEndpoint written → CoreDNS answers, external-dns --interval=500ms), ${sorted.length} writes: ` +
        `min ${ms(sorted[0]!)}, p50 ${ms(sorted[Math.floor(sorted.length / 2)]!)}, max ${ms(sorted.at(-1)!)}; all: ${floorsMs.map(ms).join(', ')}`,
    );
  });

  it('removes the answer when the DNSEndpoint is deleted', async () => {
    await dnsCluster.delete(DNS_ENDPOINTS, NAMESPACE, 'shop');
    await awaitAnswer(dns.resolver, HOSTNAME, (a) => a.length === 0, { timeoutMs: 30_000 });
  });
});
