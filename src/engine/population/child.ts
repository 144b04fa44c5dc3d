// A child as Kubernetes objects (plain data): its Pod, made from the parent's spec or spawn.template, and
// its knowledge ConfigMap, both labelled with their lineage and owned by the AgentSpawn.
import { parseQuantity } from '../../api/quantity.js';
import type { ObjectMeta, OwnerReference } from '../../api/meta.js';
import { API_VERSION } from '../../api/v1alpha1/kind.js';
import type { PopulationIdentity } from './agents.js';
import { AGENT_OWN_KEYS, Annotations, Labels, labelValue } from './labels.js';
import type { ChildPlan } from './spawn.js';

type Json = Record<string, unknown>;

/** Where a child's Pod comes from: its parent Pod, or spawn.template. */
export interface PodSource {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Json;
}

export interface PodManifest {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: ObjectMeta & { namespace: string };
  spec: Json;
}

export interface ConfigMapManifest {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: ObjectMeta & { namespace: string };
  data: Record<string, string>;
}

/** Deleting the AgentSpawn deletes its children and their ConfigMaps (garbage collection). */
export const ownerOf = (identity: PopulationIdentity): OwnerReference => ({
  apiVersion: API_VERSION,
  kind: 'AgentSpawn',
  name: identity.name,
  uid: identity.uid,
  controller: true,
  blockOwnerDeletion: true,
});

const lineageLabels = (identity: PopulationIdentity, child: ChildPlan) => ({
  [Labels.agentSpawn]: labelValue(identity.name),
  [Labels.parent]: labelValue(child.parent),
  [Labels.generation]: String(child.generation),
});

/** Fields the API server or a node filled in for the parent, which a new Pod must not carry over. */
const NODE_AND_ADMISSION_FIELDS = ['nodeName', 'hostname', 'priority', 'preemptionPolicy'];
/** The service-account token volume admission adds to every Pod; it adds the child's own. */
const isTokenVolume = (name: unknown) => typeof name === 'string' && name.startsWith('kube-api-access-');

/**
 * The child's Pod. `dropAnnotations` are the parent's own that must not pass on (its score annotations).
 * The spec's references to the parent's knowledge ConfigMap (and `{pod}` in a template's ConfigMap
 * names) point to the child's.
 */
export function childPod(
  source: PodSource,
  child: ChildPlan,
  identity: PopulationIdentity,
  decisionId: string,
  dropAnnotations: readonly string[] = [],
): PodManifest {
  const drop = new Set([
    ...AGENT_OWN_KEYS,
    ...dropAnnotations,
    'kubectl.kubernetes.io/last-applied-configuration',
  ]);
  const keep = (map: Record<string, string> | undefined) =>
    Object.fromEntries(Object.entries(map ?? {}).filter(([key]) => !drop.has(key)));
  const spec = structuredClone(source.spec ?? {});
  for (const field of NODE_AND_ADMISSION_FIELDS) delete spec[field];
  renameKnowledge(spec, child);
  if (child.priorityClassName !== undefined) spec.priorityClassName = child.priorityClassName;
  if (child.requests) for (const container of containersOf(spec)) setRequests(container, child.requests);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: child.name,
      namespace: identity.namespace,
      labels: { ...keep(source.metadata?.labels), ...lineageLabels(identity, child) },
      annotations: {
        ...keep(source.metadata?.annotations),
        [Annotations.parent]: child.parent,
        [Annotations.baselineScore]: String(child.baselineScore),
        [Annotations.decision]: decisionId,
      },
      ownerReferences: [ownerOf(identity)],
    },
    spec,
  };
}

export function childConfigMap(
  child: ChildPlan,
  identity: PopulationIdentity,
  decisionId: string,
): ConfigMapManifest {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: child.knowledge.configMap,
      namespace: identity.namespace,
      labels: lineageLabels(identity, child),
      annotations: { [Annotations.parent]: child.parent, [Annotations.decision]: decisionId },
      ownerReferences: [ownerOf(identity)],
    },
    data: { ...child.knowledge.data },
  };
}

const arrayOf = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);
const containersOf = (spec: Json) => arrayOf(spec.containers);

function renameKnowledge(spec: Json, child: ChildPlan): void {
  const rename = (ref: unknown) => {
    if (!ref || typeof ref !== 'object') return;
    const holder = ref as { name?: unknown };
    if (typeof holder.name !== 'string') return;
    holder.name =
      holder.name === child.knowledge.from
        ? child.knowledge.configMap
        : holder.name.replaceAll('{pod}', child.name);
  };
  const tokenVolumes = new Set(
    arrayOf(spec.volumes)
      .filter((v) => isTokenVolume(v.name))
      .map((v) => v.name),
  );
  if (Array.isArray(spec.volumes))
    spec.volumes = arrayOf(spec.volumes).filter((v) => !tokenVolumes.has(v.name));
  for (const volume of arrayOf(spec.volumes)) {
    rename(volume.configMap);
    for (const source of arrayOf((volume.projected as Json | undefined)?.sources)) rename(source.configMap);
  }
  for (const container of [...containersOf(spec), ...arrayOf(spec.initContainers)]) {
    if (Array.isArray(container.volumeMounts)) {
      container.volumeMounts = arrayOf(container.volumeMounts).filter((m) => !tokenVolumes.has(m.name));
    }
    for (const from of arrayOf(container.envFrom)) rename(from.configMapRef);
    for (const env of arrayOf(container.env)) rename((env.valueFrom as Json | undefined)?.configMapKeyRef);
  }
}

/** Sets the tier's requests; a request above the container's own limit is lowered to it (else the Pod is refused). */
function setRequests(container: Json, requests: NonNullable<ChildPlan['requests']>): void {
  const resources = (container.resources ?? {}) as {
    requests?: Record<string, string>;
    limits?: Record<string, string>;
  };
  const set: Record<string, string> = { ...resources.requests };
  for (const resource of ['cpu', 'memory'] as const) {
    const wanted = requests[resource];
    if (wanted === undefined) continue;
    const limit = resources.limits?.[resource];
    set[resource] = limit !== undefined && parseQuantity(limit) < parseQuantity(wanted) ? limit : wanted;
  }
  container.resources = { ...resources, requests: set };
}
