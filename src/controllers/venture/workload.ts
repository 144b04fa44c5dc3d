// The Deployment a Venture runs: created from its pod template, or an existing one adopted by name.
import type { VentureResource } from '../../api/v1alpha1/index.js';
import type { KubeObject } from '../../runtime/client.js';
import { createHash } from 'node:crypto';
import { canonical, controllerOf, controllerReference } from '../../runtime/objects.js';
import { DEPLOYMENTS, VENTURES } from '../kinds.js';

export const VENTURE_LABEL = 'autopilot.ventures/venture';
/** Hash of what AutoPilot last applied: an unchanged desired state is not sent again. */
export const APPLIED_HASH = 'autopilot.ventures/applied-hash';

export interface Deployment extends KubeObject {
  spec?: { replicas?: number; selector?: { matchLabels?: Record<string, string> }; template?: unknown };
  status?: { replicas?: number; readyReplicas?: number; availableReplicas?: number };
}

export const deploymentNameOf = (venture: VentureResource) =>
  venture.spec.workload.deploymentName ?? venture.metadata.name;

/**
 * What AutoPilot applies (server-side, field manager autopilot) to the venture's Deployment. For an
 * adopted Deployment that is only the owner reference and the replicas: the rest stays its owner's.
 */
export function desiredDeployment(venture: VentureResource, replicas: number): Deployment {
  const desired = desiredSpec(venture, replicas);
  const hash = createHash('sha256').update(canonical(desired)).digest('hex').slice(0, 16);
  return { ...desired, metadata: { ...desired.metadata, annotations: { [APPLIED_HASH]: hash } } };
}

/** Whether the live Deployment already is what `desired` asks for, so applying it would change nothing. */
export function isApplied(live: Deployment | undefined, desired: Deployment): boolean {
  return (
    live !== undefined &&
    live.metadata.annotations?.[APPLIED_HASH] === desired.metadata.annotations?.[APPLIED_HASH] &&
    live.spec?.replicas === desired.spec?.replicas &&
    controllerOf(live, VENTURES)?.uid === desired.metadata.ownerReferences?.[0]?.uid
  );
}

function desiredSpec(venture: VentureResource, replicas: number): Deployment {
  const { name, namespace } = venture.metadata;
  const metadata = {
    name: deploymentNameOf(venture),
    namespace,
    ownerReferences: [controllerReference(venture, VENTURES)],
  };
  const template = venture.spec.workload.template;
  if (!template) return { metadata, spec: { replicas } };
  const labels = { [VENTURE_LABEL]: name };
  const templateMeta = (template.metadata ?? {}) as { labels?: Record<string, string> };
  return {
    metadata: { ...metadata, labels: { ...labels, 'app.kubernetes.io/managed-by': 'autopilot' } },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: { ...template, metadata: { ...templateMeta, labels: { ...templateMeta.labels, ...labels } } },
    },
  };
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

export { DEPLOYMENTS };
