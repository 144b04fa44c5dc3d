// The vertical half of a Scale: each container's CPU and memory requests raised by a factor, up to a cap
// (the policy's maximum, and never past the container's own limit).
import { formatCpu, formatMemory, parseQuantity } from '../../api/quantity.js';

type Resource = 'cpu' | 'memory';
type Amounts = Partial<Record<Resource, string>>;

/** A container as the Deployment will run it: its requests with earlier raises applied, and its limits. */
export interface ContainerResources {
  name: string;
  requests?: Amounts;
  limits?: Amounts;
}

export interface RequestsPolicy {
  factor: number;
  maxCpu?: string;
  maxMemory?: string;
}

/** The requests a container gets: only the resources the policy governs. */
export interface ContainerRequests {
  container: string;
  cpu?: string;
  memory?: string;
}

export interface RequestsPlan {
  /** Every governed container's requests after the raise (unchanged ones included). */
  requests: ContainerRequests[];
  /** What rises, for the reason: "app cpu 250m→375m". */
  changes: string[];
}

const FORMAT: Record<Resource, (value: number) => string> = { cpu: formatCpu, memory: formatMemory };

/**
 * Raises what can rise. A resource without a request is left alone (there is nothing to multiply: the
 * scheduler treats it as best effort), as is one without a cap in the policy.
 */
export function raiseRequests(
  containers: readonly ContainerResources[],
  policy: RequestsPolicy,
): RequestsPlan {
  const maxima: Amounts = {
    ...(policy.maxCpu !== undefined && { cpu: policy.maxCpu }),
    ...(policy.maxMemory !== undefined && { memory: policy.maxMemory }),
  };
  const requests: ContainerRequests[] = [];
  const changes: string[] = [];
  for (const container of containers) {
    const raised: ContainerRequests = { container: container.name };
    for (const resource of ['cpu', 'memory'] as const) {
      const current = container.requests?.[resource];
      const cap = lowest(maxima[resource], container.limits?.[resource]);
      if (current === undefined || cap === undefined) continue;
      const now = parseQuantity(current);
      const wanted = now * policy.factor;
      const written = wanted >= parseQuantity(cap) ? cap : FORMAT[resource](wanted);
      if (parseQuantity(written) > now) {
        raised[resource] = written;
        changes.push(`${container.name} ${resource} ${current}→${written}`);
      } else {
        raised[resource] = current;
      }
    }
    if (raised.cpu !== undefined || raised.memory !== undefined) requests.push(raised);
  }
  return { requests, changes };
}

/** The smaller of the policy's maximum and the container's limit; no maximum means no raise. */
function lowest(maximum: string | undefined, limit: string | undefined): string | undefined {
  if (maximum === undefined) return undefined;
  return limit !== undefined && parseQuantity(limit) < parseQuantity(maximum) ? limit : maximum;
}
