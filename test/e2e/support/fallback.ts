// FallbackProtocol e2e harness: local gateways on loopback hosts of their own (so the ExternalName Service
// differs per target), a local webhook receiver, the operator, and reads of protocols, routing and Events.
import { CoreV1Api } from '@kubernetes/client-node';
import { FALLBACK_PROTOCOLS, type FallbackProtocolResource } from '../../../src/api/v1alpha1/index.js';
import { Gateway, HEALTH_PATH } from '../../../hack/lib/gateways.js';
import { WebhookReceiver } from '../../../hack/lib/webhookReceiver.js';
import { KindView } from './kindView.js';
import { kubeConfigFrom } from './kube.js';
import { startOperator, type OperatorProcess } from './operator.js';

export { Gateway, WebhookReceiver };

let nextHost = 2;
/** Gateways on 127.0.0.<n>, n new for each, so each target has a host of its own. */
export async function startGatewaysOnOwnHosts(names: readonly string[]): Promise<Gateway[]> {
  return Promise.all(names.map((name) => Gateway.start(name, { host: `127.0.0.${nextHost++}` })));
}

export interface ProtocolOptions {
  mode?: string;
  /** Merged over spec.failback. */
  failback?: Record<string, unknown>;
  /** Merged over spec.trigger. */
  trigger?: Record<string, unknown>;
  webhookUrl?: string;
}

/** Probes every second with a 1 s timeout and 3 failures; fails back after 3 healthy probes and 4 s. */
export function protocolManifest(name: string, gateways: readonly Gateway[], options: ProtocolOptions = {}) {
  return {
    apiVersion: 'autopilot.ventures/v1alpha1',
    kind: 'FallbackProtocol',
    metadata: { name },
    spec: {
      mode: options.mode ?? 'Autonomous',
      targets: gateways.map((g) => ({ name: g.name, url: g.url })),
      probe: { interval: '1s', path: HEALTH_PATH },
      trigger: { timeout: '1s', consecutiveFailures: 3, errorRate: 0.5, window: 10, ...options.trigger },
      failback: { enabled: true, healthyProbes: 3, minimumHold: '4s', ...options.failback },
      routing: { configMap: { name: `${name}-gateway` }, service: { name: `${name}-gateway` } },
      ...(options.webhookUrl && { notify: { webhookUrl: options.webhookUrl, retries: 4 } }),
    },
  };
}

export function startFallbackOperator(namespace: string, name: string): Promise<OperatorProcess> {
  return startOperator('src/cli/main.ts', name, [
    'run',
    `--namespace=${namespace}`,
    '--leader-elect=false',
    '--default-mode=Autonomous',
  ]);
}

/** Reads and writes the protocols, routing objects and Events of one namespace. */
export class FallbackNamespace extends KindView<FallbackProtocolResource> {
  private readonly kc = kubeConfigFrom();
  readonly core = this.kc.makeApiClient(CoreV1Api);

  constructor(ns: { readonly name: string }) {
    super(FALLBACK_PROTOCOLS, ns, { timeoutMs: 90_000, intervalMs: 250 });
  }

  async create(name: string, gateways: readonly Gateway[], options?: ProtocolOptions): Promise<void> {
    await this.client.create(FALLBACK_PROTOCOLS, this.namespace, protocolManifest(name, gateways, options));
  }

  /** Waits until every target has left Unknown (the operator has its fresh probes) with the primary active. */
  warmedUp(name: string) {
    return this.until(
      name,
      'every target judged, Ready',
      (p) =>
        (p.status?.targets?.length ?? 0) === p.spec.targets.length &&
        p.status!.targets!.every((t) => t.state !== 'Unknown') &&
        p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true,
    );
  }

  async routing(name: string): Promise<{ data?: Record<string, string>; externalName?: string }> {
    const [configMap, service] = await Promise.all([
      this.core.readNamespacedConfigMap({ namespace: this.namespace, name: `${name}-gateway` }),
      this.core.readNamespacedService({ namespace: this.namespace, name: `${name}-gateway` }),
    ]);
    return { data: configMap.data, externalName: service.spec?.externalName };
  }
}

/** The body of every notification the receiver accepted about `protocol`. */
export const notificationsAbout = (receiver: WebhookReceiver, protocol: string) =>
  (receiver.notifications() as { protocol: string; event: string }[]).filter((n) =>
    n.protocol.endsWith(`/${protocol}`),
  );
