// The DNS record as I/O: an external-dns DNSEndpoint in the DNS cluster, written only through a fenced
// write (the writer still holds the fencing Lease at its epoch, the DNSEndpoint carries no higher epoch,
// and the write names the resourceVersion it checked), and stamped with the epoch it was written at.
import type { ObjectMeta, ResourceType } from '../api/meta.js';
import { dnsWriteVerdict } from '../engine/region/fencing.js';
import { isConflict, isNotFound } from '../runtime/client.js';
import { remoteCall, type RemoteCluster } from './clusters.js';
import { EPOCH_ANNOTATION, epochOf, type FencingLease } from './fencing.js';
import { ProviderError } from './http.js';

export const DNS_ENDPOINTS: ResourceType = {
  group: 'externaldns.k8s.io',
  version: 'v1alpha1',
  kind: 'DNSEndpoint',
  plural: 'dnsendpoints',
  namespaced: true,
};
export const WRITTEN_BY_ANNOTATION = 'autopilot.ventures/written-by';

export interface DnsEndpointObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: {
    endpoints?: { dnsName: string; recordType: string; targets: string[]; recordTTL?: number }[];
  };
  status?: { observedGeneration?: number };
}

export interface DnsRecordState {
  /** The record's targets now. */
  targets: string[];
  /** The epoch it was last written at; undefined when nobody fenced wrote it. */
  epoch?: number;
  writtenBy?: string;
  resourceVersion: string;
}

/** The record to publish: the name and the target of the region that serves. */
export interface DesiredRecord {
  hostname: string;
  recordType: 'A' | 'CNAME';
  ttl: number;
  target: string;
}

export type DnsWriteResult = { written: DnsRecordState } | { refused: string };

/** Conflicts in a row a fenced write retries (external-dns's own status writes move the resourceVersion). */
const CONFLICT_RETRIES = 3;

export class DnsRecord {
  constructor(
    readonly cluster: RemoteCluster,
    readonly namespace: string,
    readonly name: string,
  ) {}

  /** The record, or undefined when the DNSEndpoint does not exist; ProviderError when its CRD is missing. */
  async read(): Promise<DnsRecordState | undefined> {
    const object = await this.find();
    return object && stateOf(object);
  }

  /**
   * Writes `desired` (or, with `seal`, only the epoch: the targets stay, or none when the DNSEndpoint is
   * new) as `writer` at `epoch`, after reading the Lease and the DNSEndpoint; refused, without writing,
   * unless dnsWriteVerdict allows it. A new holder seals at once, so a former holder's late write finds
   * a higher epoch and is refused.
   */
  async write(
    fencing: FencingLease,
    writer: string,
    epoch: number,
    desired: DesiredRecord | { seal: true },
  ): Promise<DnsWriteResult> {
    for (let attempt = 0; ; attempt++) {
      const record = await fencing.read();
      const current = await this.find();
      const verdict = dnsWriteVerdict(record, current && stateOf(current).epoch, writer, epoch);
      if (!verdict.allowed) return { refused: verdict.reason };
      const body = this.body(current, writer, epoch, desired);
      try {
        const written = await remoteCall(this.cluster, `writing DNSEndpoint ${this.where}`, (c) =>
          current
            ? c.update<DnsEndpointObject>(DNS_ENDPOINTS, this.namespace, this.name, body)
            : c.create<DnsEndpointObject>(DNS_ENDPOINTS, this.namespace, body),
        );
        return { written: stateOf(written) };
      } catch (err) {
        // Someone wrote between the read and the write: read both again and judge again.
        if (!isConflict(err) || attempt + 1 >= CONFLICT_RETRIES) throw err;
      }
    }
  }

  private body(
    current: DnsEndpointObject | undefined,
    writer: string,
    epoch: number,
    desired: DesiredRecord | { seal: true },
  ): DnsEndpointObject {
    const endpoints =
      'seal' in desired
        ? (current?.spec.endpoints ?? [])
        : [
            {
              dnsName: desired.hostname,
              recordType: desired.recordType,
              targets: [desired.target],
              recordTTL: desired.ttl,
            },
          ];
    return {
      apiVersion: `${DNS_ENDPOINTS.group}/${DNS_ENDPOINTS.version}`,
      kind: DNS_ENDPOINTS.kind,
      metadata: {
        ...(current?.metadata ?? { name: this.name, namespace: this.namespace }),
        annotations: {
          ...current?.metadata.annotations,
          [EPOCH_ANNOTATION]: String(epoch),
          [WRITTEN_BY_ANNOTATION]: writer,
        },
      },
      spec: { ...current?.spec, endpoints },
    };
  }

  private async find(): Promise<DnsEndpointObject | undefined> {
    try {
      return await remoteCall(this.cluster, `reading DNSEndpoint ${this.where}`, (c) =>
        c.get<DnsEndpointObject>(DNS_ENDPOINTS, this.namespace, this.name),
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    // A 404 is either no such object or no such resource: only the list tells the two apart.
    try {
      await remoteCall(this.cluster, 'listing DNSEndpoints', (c) =>
        c.list(DNS_ENDPOINTS, this.namespace, { limit: 1 }),
      );
    } catch (err) {
      if (isNotFound(err)) {
        throw new ProviderError(
          'DnsEndpointCrdMissing',
          `${this.cluster.label} (${this.cluster.server}) does not serve DNSEndpoints (externaldns.k8s.io/v1alpha1): install external-dns's DNSEndpoint CRD there`,
        );
      }
      throw err;
    }
    return undefined;
  }

  private get where(): string {
    return `${this.namespace}/${this.name}`;
  }
}

function stateOf(object: DnsEndpointObject): DnsRecordState {
  return {
    targets: (object.spec.endpoints ?? []).flatMap((e) => e.targets ?? []).sort(),
    epoch: epochOf(object.metadata),
    writtenBy: object.metadata.annotations?.[WRITTEN_BY_ANNOTATION],
    resourceVersion: object.metadata.resourceVersion ?? '',
  };
}
