// The clusters a RegionPair reaches beyond its own: the DNS cluster (the fencing Lease and the DNSEndpoint)
// and the other region (its warm-up Deployments, its replicated configuration), each through the kubeconfig
// Secret the spec names, or this cluster's own access when the DNS cluster is this region.
import { DEPLOYMENTS } from '../../api/resources.js';
import type { RegionPairResource } from '../../api/v1alpha1/index.js';
import { parseDuration } from '../../api/duration.js';
import { RemoteClusters, remoteCall, type RemoteCluster } from '../../providers/clusters.js';
import { DnsRecord } from '../../providers/dnsRecord.js';
import { FencingLease } from '../../providers/fencing.js';
import type { Client } from '../../runtime/client.js';

/** The fencing record and the DNS record of one pair, in its DNS cluster. */
export interface DnsLinks {
  lease: FencingLease;
  record: DnsRecord;
}

export interface DeploymentReplicas {
  metadata: { name: string };
  spec?: { replicas?: number };
  status?: { readyReplicas?: number };
}

/** `app=shop,tier=web` from a label map. */
export const labelSelector = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

export class PairClusters {
  private readonly remote: RemoteClusters;

  /** `local` is this region's cluster (where the RegionPair and its Secrets are); `region` its name. */
  constructor(
    private readonly local: Client,
    private readonly region: string,
  ) {
    this.remote = new RemoteClusters(local);
  }

  /** The DNS cluster's Lease and DNSEndpoint; a ProviderError names the Secret or server to fix. */
  async dns(pair: RegionPairResource): Promise<DnsLinks> {
    const { dns, fencing } = pair.spec;
    const cluster = await this.dnsCluster(pair);
    const seconds = Math.ceil(parseDuration(fencing.heartbeatTimeout) / 1000);
    return {
      lease: new FencingLease(cluster, dns.namespace, fencing.leaseName, seconds),
      record: new DnsRecord(cluster, dns.namespace, dns.endpointName),
    };
  }

  /** The other region's cluster, through its kubeconfig Secret; a ProviderError names the Secret to fix. */
  peer(pair: RegionPairResource, peer: string): Promise<RemoteCluster> {
    const region = [pair.spec.primary, pair.spec.backup].find((r) => r.name === peer)!;
    return this.remote.cluster(pair.metadata.namespace, region.kubeconfigSecretRef, `region ${peer}`);
  }

  /** Replicas of the other region's Deployments matching `selector`, read through its kubeconfig Secret. */
  async peerReplicas(pair: RegionPairResource, peer: string, selector: Record<string, string>) {
    const cluster = await this.peer(pair, peer);
    const { items } = await remoteCall(cluster, 'listing warm-up Deployments', (c) =>
      c.list<DeploymentReplicas>(DEPLOYMENTS, pair.metadata.namespace, {
        labelSelector: labelSelector(selector),
      }),
    );
    return items.map((d) => ({ name: d.metadata.name, replicas: d.spec?.replicas ?? 1 }));
  }

  private async dnsCluster(pair: RegionPairResource): Promise<RemoteCluster> {
    const { namespace } = pair.metadata;
    const { cluster } = pair.spec.dns;
    if (cluster.region === this.region) {
      return {
        label: `the DNS cluster (this region, ${this.region})`,
        server: 'this cluster',
        client: this.local,
      };
    }
    if (cluster.region) {
      const region = [pair.spec.primary, pair.spec.backup].find((r) => r.name === cluster.region)!;
      return this.remote.cluster(
        namespace,
        region.kubeconfigSecretRef,
        `the DNS cluster (region ${region.name})`,
      );
    }
    return this.remote.cluster(namespace, cluster.kubeconfigSecretRef!, 'the DNS cluster');
  }
}
