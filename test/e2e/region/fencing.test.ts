// The fencing Lease, the fenced DNS write and remote clusters on a real API server: regions racing for the
// Lease (exactly one wins each time, epochs only grow), a former holder's DNS write refused, and kubeconfig
// Secrets that are missing, invalid, or point at a server that refuses or never answers.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server, type Socket } from 'node:net';
import { DNS_ENDPOINT_CRD, installDnsEndpointCrd } from '../../../hack/lib/dns.js';
import { buildTools } from '../../../hack/lib/localCluster.js';
import { freePort } from '../../../hack/lib/prometheus.js';
import { portableKubeconfig, putKubeconfigSecret } from '../../../hack/lib/regions.js';
import { RemoteClusters, type RemoteCluster } from '../../../src/providers/clusters.js';
import { DnsRecord } from '../../../src/providers/dnsRecord.js';
import { FencingLease, FencingWatch } from '../../../src/providers/fencing.js';
import { ProviderError } from '../../../src/providers/http.js';
import { KubeClient, loadKubeConfig } from '../../../src/runtime/client.js';
import { kubectl } from '../support/kubectl.js';
import { uniqueName, useNamespace } from '../support/kube.js';

const ns = useNamespace('fencing');
const local = { name: 'e2e', kubeconfig: process.env.KUBECONFIG! };
const REF = { name: 'dns-kubeconfig', key: 'kubeconfig' };
const desired = (target: string) => ({
  hostname: 'shop.region.test',
  recordType: 'A' as const,
  ttl: 5,
  target,
});

/** A region's own view of the DNS cluster: its own RemoteClusters, so its own client and connections. */
async function regionView(): Promise<RemoteCluster> {
  return new RemoteClusters(new KubeClient(loadKubeConfig())).cluster(ns.name, REF, 'the DNS cluster');
}

async function providerError(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ProviderError) return err;
    throw err;
  }
  throw new Error('expected a ProviderError');
}

beforeAll(async () => {
  // The test cluster is the DNS cluster here, reached, as an operator would, through a kubeconfig Secret
  // that carries its certificates (no paths into this machine's files).
  const kubeconfig = await portableKubeconfig(local);
  expect(kubeconfig).toContain('certificate-authority-data');
  await putKubeconfigSecret(local, ns.name, REF, kubeconfig);
}, 60_000);

describe('the fencing Lease', () => {
  it('lets exactly one of two regions take it from the same read, and the epoch grows by one each time', async () => {
    const [east, west] = [await regionView(), await regionView()];
    const name = uniqueName('fence');
    const leases = [
      new FencingLease(east, ns.name, name, 10),
      new FencingLease(west, ns.name, name, 10),
    ] as const;
    const regions = ['us-east', 'us-west'] as const;
    let read = await leases[0].read();
    expect(read).toBeUndefined();
    const epochs: number[] = [];
    for (let round = 0; round < 8; round++) {
      const results = await Promise.all(leases.map((lease, i) => lease.take(read, regions[i]!, Date.now())));
      const winners = results.flatMap((r) => ('taken' in r ? [r.taken] : []));
      expect(winners).toHaveLength(1);
      expect(results.filter((r) => 'lost' in r)).toHaveLength(1);
      read = await leases[1].read();
      expect(read).toMatchObject({ holder: winners[0]!.holder, epoch: winners[0]!.epoch });
      epochs.push(read!.epoch);
    }
    expect(epochs).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('renews only for its holder, and refuses a renewal from a stale read', async () => {
    const lease = new FencingLease(await regionView(), ns.name, uniqueName('fence'), 10);
    const taken = await lease.take(undefined, 'us-east', Date.now());
    if (!('taken' in taken)) throw new Error(taken.lost);
    const renewed = await lease.renew(taken.taken, 'us-east', { healthy: false }, Date.now() + 2000);
    expect(renewed).toMatchObject({ renewed: { holder: 'us-east', epoch: 1, holderHealthy: false } });
    // The same (now stale) read again: the resourceVersion moved on.
    expect(await lease.renew(taken.taken, 'us-east', { healthy: true }, Date.now())).toMatchObject({
      refused: expect.stringContaining('changed since it was read'),
    });
    expect(await lease.renew(taken.taken, 'us-west', { healthy: true }, Date.now())).toEqual({
      refused: 'us-west no longer holds the record (us-east does, epoch 1)',
    });
  });

  it('is watched by this process’s clock: a new renewTime is seen when it changes', async () => {
    const lease = new FencingLease(await regionView(), ns.name, uniqueName('fence'), 10);
    const watch = new FencingWatch();
    expect(watch.observe({ record: await lease.read() }, 1000)).toEqual({
      state: 'Absent',
      watchingSince: 1000,
    });
    const taken = await lease.take(undefined, 'us-east', Date.now());
    if (!('taken' in taken)) throw new Error(taken.lost);
    expect(watch.observe({ record: await lease.read() }, 2000)).toMatchObject({
      state: 'Held',
      renewSeenAt: 2000,
    });
    expect(watch.observe({ record: await lease.read() }, 3000)).toMatchObject({ renewSeenAt: 2000 });
    await lease.renew(taken.taken, 'us-east', { healthy: true }, Date.now() + 1000);
    expect(watch.observe({ record: await lease.read() }, 4000)).toMatchObject({
      renewSeenAt: 4000,
      watchingSince: 1000,
    });
  });
});

describe('the fenced DNS write', () => {
  beforeAll(async () => {
    await installDnsEndpointCrd(await buildTools(), local.kubeconfig);
  }, 60_000);

  it('refuses a former holder, after the new holder sealed the record at its epoch', async () => {
    const [eastView, westView] = [await regionView(), await regionView()];
    const name = uniqueName('fence');
    const east = {
      lease: new FencingLease(eastView, ns.name, name, 10),
      dns: new DnsRecord(eastView, ns.name, 'shop'),
    };
    const west = {
      lease: new FencingLease(westView, ns.name, name, 10),
      dns: new DnsRecord(westView, ns.name, 'shop'),
    };

    const claimed = await east.lease.take(undefined, 'us-east', Date.now());
    if (!('taken' in claimed)) throw new Error(claimed.lost);
    expect(await east.dns.write(east.lease, 'us-east', 1, desired('10.0.0.1'))).toMatchObject({
      written: { targets: ['10.0.0.1'], epoch: 1, writtenBy: 'us-east' },
    });

    // us-west takes over (epoch 2) and seals the DNS record at once; its targets do not move yet.
    const taken = await west.lease.take(await west.lease.read(), 'us-west', Date.now());
    if (!('taken' in taken)) throw new Error(taken.lost);
    expect(taken.taken.epoch).toBe(2);
    expect(await west.dns.write(west.lease, 'us-west', 2, { seal: true })).toMatchObject({
      written: { targets: ['10.0.0.1'], epoch: 2, writtenBy: 'us-west' },
    });

    // us-east, which still believes it serves at epoch 1, tries to point DNS back at itself.
    expect(await east.dns.write(east.lease, 'us-east', 1, desired('10.0.0.9'))).toEqual({
      refused: 'us-east no longer holds the fencing record at epoch 1: us-west holds it at epoch 2',
    });
    expect(await east.dns.read()).toMatchObject({ targets: ['10.0.0.1'], epoch: 2, writtenBy: 'us-west' });

    expect(await west.dns.write(west.lease, 'us-west', 2, desired('10.0.0.2'))).toMatchObject({
      written: { targets: ['10.0.0.2'], epoch: 2 },
    });
    const stored = await kubectl(
      'get',
      'dnsendpoint',
      'shop',
      '-n',
      ns.name,
      '-o',
      'jsonpath={.spec.endpoints[0].targets[0]}',
    );
    expect(stored).toBe('10.0.0.2');
  });

  it('refuses a write at an epoch below the one the DNS record carries, even by the Lease holder', async () => {
    const view = await regionView();
    const name = uniqueName('fence');
    const lease = new FencingLease(view, ns.name, name, 10);
    const dns = new DnsRecord(view, ns.name, uniqueName('shop'));
    const first = await lease.take(undefined, 'us-east', Date.now());
    if (!('taken' in first)) throw new Error(first.lost);
    const second = await lease.take(first.taken, 'us-east', Date.now());
    if (!('taken' in second)) throw new Error(second.lost);
    expect(await dns.write(lease, 'us-east', 2, desired('10.0.0.1'))).toHaveProperty('written');
    expect(await dns.write(lease, 'us-east', 1, desired('10.0.0.9'))).toMatchObject({
      refused: expect.any(String),
    });
  });
});

describe('remote clusters through kubeconfig Secrets', () => {
  const clusters = () => new RemoteClusters(new KubeClient(loadKubeConfig()));

  it('name a missing Secret, a missing key and a document that is no kubeconfig', async () => {
    const missing = await providerError(
      clusters().cluster(ns.name, { name: 'nope', key: 'kubeconfig' }, 'region us-west'),
    );
    expect(missing).toMatchObject({
      reason: 'KubeconfigSecretNotFound',
      message: `the kubeconfig of region us-west: Secret ${ns.name}/nope does not exist`,
    });
    const wrongKey = await providerError(
      clusters().cluster(ns.name, { ...REF, key: 'config' }, 'region us-west'),
    );
    expect(wrongKey.message).toContain(`Secret ${ns.name}/dns-kubeconfig has no key config`);

    await putKubeconfigSecret(local, ns.name, { name: 'garbage', key: 'kubeconfig' }, 'clusters: [');
    const garbage = await providerError(
      clusters().cluster(ns.name, { name: 'garbage', key: 'kubeconfig' }, 'region us-west'),
    );
    expect(garbage.reason).toBe('KubeconfigInvalid');
    expect(garbage.message).toContain(
      `Secret ${ns.name}/garbage key kubeconfig (the kubeconfig of region us-west) is not a kubeconfig`,
    );
  });

  it('name a server that refuses connections, and one that never answers, with its address', async () => {
    const refusing = `https://127.0.0.1:${await freePort()}`;
    await putKubeconfigSecret(
      local,
      ns.name,
      { name: 'refusing', key: 'kubeconfig' },
      await portableKubeconfig(local, refusing),
    );
    const lease = new FencingLease(
      await clusters().cluster(ns.name, { name: 'refusing', key: 'kubeconfig' }, 'the DNS cluster'),
      ns.name,
      'shop-fencing',
      10,
    );
    const refused = await providerError(lease.read());
    expect(refused.reason).toBe('ClusterUnreachable');
    expect(refused.message).toBe(
      `reading Lease ${ns.name}/shop-fencing in the DNS cluster (${refusing}) failed: ECONNREFUSED`,
    );

    // A server that accepts the connection and never answers: what a cut link looks like to a client.
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => void sockets.push(socket));
    const port = await new Promise<number>((done) =>
      silent.listen(0, '127.0.0.1', () => done((silent.address() as { port: number }).port)),
    );
    try {
      await putKubeconfigSecret(
        local,
        ns.name,
        { name: 'silent', key: 'kubeconfig' },
        await portableKubeconfig(local, `https://127.0.0.1:${port}`),
      );
      const silentLease = new FencingLease(
        await clusters().cluster(ns.name, { name: 'silent', key: 'kubeconfig' }, 'the DNS cluster'),
        ns.name,
        'shop-fencing',
        10,
      );
      const timedOut = await providerError(silentLease.read());
      expect(timedOut.reason).toBe('ClusterUnreachable');
      expect(timedOut.message).toBe(
        `reading Lease ${ns.name}/shop-fencing in the DNS cluster (https://127.0.0.1:${port}): no answer within 5000 ms`,
      );
    } finally {
      sockets.forEach((s) => s.destroy());
      silent.close();
    }
  });

  it('rebuild the client when the Secret changes, and reuse it while it does not', async () => {
    const remote = clusters();
    const a = await remote.cluster(ns.name, REF, 'the DNS cluster');
    expect(await remote.cluster(ns.name, REF, 'the DNS cluster')).toBe(a);
    await putKubeconfigSecret(local, ns.name, REF, (await portableKubeconfig(local)) + '\n# rotated\n');
    expect(await remote.cluster(ns.name, REF, 'the DNS cluster')).not.toBe(a);
  });

  it('name a DNS cluster without the DNSEndpoint CRD', async () => {
    await kubectl('delete', 'crd', DNS_ENDPOINT_CRD, '--ignore-not-found', '--wait=true');
    try {
      const missing = await providerError(new DnsRecord(await regionView(), ns.name, 'shop').read());
      expect(missing.reason).toBe('DnsEndpointCrdMissing');
      expect(missing.message).toContain("install external-dns's DNSEndpoint CRD there");
    } finally {
      await installDnsEndpointCrd(await buildTools(), local.kubeconfig);
    }
  });
});
