// Reading a RegionPair in one region of hack/lib/regionStack.ts for the region e2e tests: its conditions, and
// waits on its status that quote the conditions when they time out.
import { NS, type RegionName, type RegionStack } from '../../../hack/lib/regionStack.js';
import { REGION_PAIRS, type RegionPairResource } from '../../../src/api/v1alpha1/index.js';
import { waitFor } from './wait.js';

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
