// The bench's custom resource (Widget), its CRD, the rule every variant applies, and the driver↔variant messages.
import type { KubeObject, ResourceType } from '../../../src/api/meta.js';

export const GROUP = 'bench.autopilot.test';
export const VERSION = 'v1';
export const PLURAL = 'widgets';

export const WIDGETS: ResourceType = {
  group: GROUP,
  version: VERSION,
  kind: 'Widget',
  plural: PLURAL,
  namespaced: true,
};

export interface Widget extends KubeObject {
  spec: { value: string };
  status?: { observed?: string };
}

/** The whole controller: a Widget is done when status.observed equals spec.value. */
export const isConverged = (widget: Widget) => widget.status?.observed === widget.spec.value;

/** Sent with `kubectl apply --server-side` (never through client-node's typed API, see ADR 3). */
export const widgetCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${PLURAL}.${GROUP}` },
  spec: {
    group: GROUP,
    scope: 'Namespaced',
    names: { kind: 'Widget', listKind: 'WidgetList', plural: PLURAL, singular: 'widget' },
    versions: [
      {
        name: VERSION,
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            required: ['spec'],
            properties: {
              spec: {
                type: 'object',
                required: ['value'],
                properties: { value: { type: 'string', maxLength: 64 } },
              },
              status: {
                type: 'object',
                properties: { observed: { type: 'string', maxLength: 64 } },
              },
            },
          },
        },
      },
    ],
  },
};

/** Variant → driver: caches synced / watch started, the driver may begin writing. */
export interface ReadyMessage {
  type: 'ready';
}

/** Driver → variant: the driver has finished writing a phase (only the floor listens). */
export interface GoMessage {
  type: 'go';
  phase: 'create' | 'update';
}

/** What the driver gives each variant process besides KUBECONFIG: BENCH_NAMESPACE and BENCH_WORKERS. */
export function variantEnv(): { namespace: string; workers: number } {
  const namespace = process.env.BENCH_NAMESPACE;
  const workers = Number(process.env.BENCH_WORKERS ?? '4');
  if (!namespace) throw new Error('BENCH_NAMESPACE is not set');
  if (!Number.isInteger(workers) || workers < 1) throw new Error('BENCH_WORKERS must be a positive integer');
  return { namespace, workers };
}

/** Tells the driver (over the IPC channel it opened) that this variant is ready. */
export function signalReady(): void {
  if (!process.send) throw new Error('not started by the bench driver (no IPC channel)');
  process.send({ type: 'ready' } satisfies ReadyMessage);
}
