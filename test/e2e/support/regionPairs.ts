// Reading a RegionPair of hack/lib/regionStack.ts for the region e2e tests: each region's copy, its conditions,
// decisions and Events, the fencing record and the DNSEndpoint in the DNS cluster, CoreDNS's answer, and
// waits on its status that quote the conditions when they time out.
import { lookup } from '../../../hack/lib/dns.js';
import { DNS_NS, HOSTNAME, NS, type RegionName, type RegionStack } from '../../../hack/lib/regionStack.js';
import type { KubeObject } from '../../../src/api/meta.js';
import { EVENTS, LEASES } from '../../../src/api/resources.js';
import { REGION_PAIRS, type RegionPairResource } from '../../../src/api/v1alpha1/index.js';
import type { RegionPairDecision } from '../../../src/api/v1alpha1/regionPair.js';
import { DNS_ENDPOINTS, type DnsEndpointObject } from '../../../src/providers/dnsRecord.js';
import { EPOCH_ANNOTATION } from '../../../src/providers/fencing.js';
import { waitFor } from './wait.js';

export interface PairEvent extends KubeObject {
  reason: string;
  note: string;
  regarding: { name: string };
}

export interface FencingRecordSeen {
  holder: string;
  epoch: number;
}

export const condition = (p: RegionPairResource, type: string) =>
  p.status?.conditions?.find((c) => c.type === type);

/** Waits until `region`'s copy of the pair `name` satisfies `accept`; a timeout quotes its last conditions. */
export function waitForPair(
  stack: RegionStack,
  name: string,
  region: RegionName,
  what: string,
  accept: (p: RegionPairResource) => boolean,
  timeoutMs = 90_000,
): Promise<RegionPairResource> {
  return waitFor(
    `${region}'s RegionPair: ${what}`,
    async () => {
      const p = await stack.clients[region].get<RegionPairResource>(REGION_PAIRS, NS, name);
      if (accept(p)) return p;
      throw new Error(
        JSON.stringify(p.status?.conditions?.map((c) => [c.type, c.status, c.reason, c.message])),
      );
    },
    { timeoutMs, intervalMs: 250 },
  );
}

/** A decision of `p`'s history: a move stays there once the next hold has replaced it as lastDecision. */
export const decisionIn = (p: RegionPairResource, accept: (d: RegionPairDecision) => boolean) =>
  p.status?.history?.find(accept);

export const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

export function pairView(stack: RegionStack, name: string) {
  const read = (region: RegionName) => stack.clients[region].get<RegionPairResource>(REGION_PAIRS, NS, name);
  const lease = () =>
    stack.clients.dns.get<KubeObject & { spec: { holderIdentity: string; acquireTime?: string } }>(
      LEASES,
      DNS_NS,
      `${name}-fencing`,
    );
  return {
    read,
    /** CoreDNS's A records of the pair's hostname. */
    answer: () => lookup(stack.dns.resolver, HOSTNAME, 'A'),
    /** `region`'s Events about the pair with `reason`. */
    events: async (region: RegionName, reason: string) =>
      (await stack.clients[region].list<PairEvent>(EVENTS, NS)).items.filter(
        (e) => e.reason === reason && e.regarding.name === name,
      ),
    /** Who holds the fencing Lease, at which epoch. */
    fencing: async (): Promise<FencingRecordSeen> => {
      const { spec, metadata } = await lease();
      return { holder: spec.holderIdentity, epoch: Number(metadata.annotations?.[EPOCH_ANNOTATION]) };
    },
    /** When the holder took the fencing Lease (by its clock). */
    acquiredAt: async () => Date.parse((await lease()).spec.acquireTime ?? ''),
    /** The DNSEndpoint's spec generation and epoch: they change with every write of a region, never with external-dns's status. */
    dnsEndpoint: async () => {
      const endpoint = await stack.clients.dns.get<DnsEndpointObject>(DNS_ENDPOINTS, DNS_NS, name);
      return {
        generation: endpoint.metadata.generation,
        epoch: endpoint.metadata.annotations?.[EPOCH_ANNOTATION],
        targets: endpoint.spec.endpoints?.flatMap((e) => e.targets),
      };
    },
    /** Waits until `region`'s copy satisfies `accept` (waitForPair). */
    waitFor: (
      region: RegionName,
      what: string,
      accept: (p: RegionPairResource) => boolean,
      timeoutMs?: number,
    ) => waitForPair(stack, name, region, what, accept, timeoutMs),
  };
}

export type PairView = ReturnType<typeof pairView>;
