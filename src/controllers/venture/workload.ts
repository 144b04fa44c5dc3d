// The Deployment a Venture runs: created from its pod template, or an existing one adopted by name.
import type { KubeObject } from '../../api/meta.js';
import type { VentureResource } from '../../api/v1alpha1/index.js';
import type { ContainerResources } from '../../engine/venture/requests.js';

export const VENTURE_LABEL = 'autopilot.ventures/venture';

interface Container {
  name: string;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}
interface PodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec?: { containers?: Container[] };
}

export interface Deployment extends KubeObject {
  spec?: { replicas?: number; selector?: { matchLabels?: Record<string, string> }; template?: PodTemplate };
  status?: { replicas?: number; readyReplicas?: number; availableReplicas?: number };
}

export const deploymentNameOf = (venture: VentureResource) =>
  venture.spec.workload.deploymentName ?? venture.metadata.name;

/**
 * What AutoPilot applies (server-side, field manager autopilot, owned by the venture) to the venture's
 * Deployment. For an adopted Deployment that is only the replicas and the requests Scale decisions
 * raised in the containers they name: the rest stays its owner's.
 */
export function desiredDeployment(
  venture: VentureResource,
  replicas: number,
  raised: Raised = [],
): Deployment {
  const { name, namespace } = venture.metadata;
  const metadata = { name: deploymentNameOf(venture), namespace };
  const template = venture.spec.workload.template as PodTemplate | undefined;
  if (!template) {
    // Adopted: only the raised requests of the containers they name join the replicas.
    if (!raised.length) return { metadata, spec: { replicas } };
    const containers = raised.map((r) => ({ name: r.container, resources: { requests: requestsOf(r) } }));
    return { metadata, spec: { replicas, template: { spec: { containers } } } };
  }
  const labels = { [VENTURE_LABEL]: name };
  const templateMeta = template.metadata ?? {};
  const spec = template.spec && {
    ...template.spec,
    containers: template.spec.containers?.map((c) => withRequests(c, raised)),
  };
  return {
    metadata: { ...metadata, labels: { ...labels, 'app.kubernetes.io/managed-by': 'autopilot' } },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        ...template,
        metadata: { ...templateMeta, labels: { ...templateMeta.labels, ...labels } },
        ...(spec && { spec }),
      },
    },
  };
}

/** The requests Scale decisions raised (status.requests). */
export type Raised = NonNullable<NonNullable<VentureResource['status']>['requests']>;

const requestsOf = (r: Raised[number]): Record<string, string> => ({
  ...(r.cpu !== undefined && { cpu: r.cpu }),
  ...(r.memory !== undefined && { memory: r.memory }),
});

/** A container with the requests Scale decisions raised laid over its own. */
function withRequests(container: Container, raised: Raised): Container {
  const mine = raised.find((r) => r.container === container.name);
  if (!mine) return container;
  const resources = container.resources ?? {};
  return {
    ...container,
    resources: { ...resources, requests: { ...resources.requests, ...requestsOf(mine) } },
  };
}

/**
 * The venture's containers as its Deployment runs them, raised requests included: from its template,
 * or from the live Deployment it adopted.
 */
export function containersOf(venture: VentureResource, live: Deployment | undefined): ContainerResources[] {
  const template = (venture.spec.workload.template as PodTemplate | undefined) ?? live?.spec?.template;
  const raised = venture.status?.requests ?? [];
  return (template?.spec?.containers ?? []).map((c) => {
    const { resources = {} } = withRequests(c, raised);
    return { name: c.name, requests: resources.requests, limits: resources.limits };
  });
}

/** "k=v,k2=v2" from a Deployment's selector, for the Venture's scale subresource. */
export function selectorOf(deployment: Deployment | undefined): string | undefined {
  const labels = deployment?.spec?.selector?.matchLabels;
  return labels
    ? Object.entries(labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(',')
    : undefined;
}
