// Venture e2e harness: the sample venture app, Venture manifests, the operator, and reads of ventures,
// their Deployments and Events in one test namespace.
import {
  AppsV1Api,
  CustomObjectsApi,
  EventsV1Api,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import type { VentureResource } from '../../../src/api/v1alpha1/index.js';
import type { LocalPrometheus } from '../../../hack/lib/prometheus.js';
import { startVentureApp, type Numbers, type VentureApp } from '../../../hack/lib/ventureApp.js';
import { kubeConfigFrom, waitFor } from './kube.js';
import { startOperator, type OperatorProcess } from './operator.js';

export { startVentureApp, type Numbers, type VentureApp };

export const VENTURE_GROUP = { group: 'autopilot.ventures', version: 'v1alpha1', plural: 'ventures' };

export const WINNING: Numbers = {
  revenue: 20_000,
  costs: 5_000,
  satisfaction: 0.9,
  cash: 100_000,
  customers: 400,
};
export const LOSING: Numbers = {
  revenue: 1_000,
  costs: 5_000,
  satisfaction: 0.4,
  cash: 2_000,
  customers: 10,
};

/** Sets a venture's numbers in the app and waits until Prometheus has scraped them. */
export async function report(
  app: VentureApp,
  prometheus: LocalPrometheus,
  name: string,
  numbers: Numbers,
): Promise<void> {
  await app.set(name, numbers);
  await waitFor(`Prometheus to see ${name}'s revenue`, async () =>
    (await prometheus.value(`sum(venture_revenue_dollars_monthly{venture="${name}"})`)) === numbers.revenue
      ? true
      : undefined,
  );
}

export interface ManifestOptions {
  mode?: string;
  replicas?: number;
  reviewPeriod?: number;
  maxReplicas?: number;
  annotations?: Record<string, string>;
  /** spec.metrics without interval/maxSampleAge; the sample app's PromQL queries when absent. */
  metrics?: Record<string, unknown>;
  /** spec.workload; a one-container template when absent. */
  workload?: Record<string, unknown>;
  /** Merged over spec.scaling. */
  scaling?: Record<string, unknown>;
  /** Merged over spec.policy. */
  policy?: Record<string, unknown>;
}

/** A Venture audited every 2 s with 2 s business periods, so a month of audits passes in a test. */
export function ventureManifest(name: string, options: ManifestOptions = {}) {
  const q = (metric: string) => `sum(${metric}{venture="${name}"})`;
  return {
    apiVersion: 'autopilot.ventures/v1alpha1',
    kind: 'Venture',
    metadata: { name, annotations: options.annotations ?? {} },
    spec: {
      mode: options.mode ?? 'Autonomous',
      replicas: options.replicas ?? 1,
      scaling: { minReplicas: 1, maxReplicas: options.maxReplicas ?? 2, factor: 2, ...options.scaling },
      workload: options.workload ?? {
        template: { spec: { containers: [{ name: 'app', image: 'example/venture:1' }] } },
      },
      metrics: {
        interval: '2s',
        maxSampleAge: '1m',
        ...(options.metrics ?? {
          provider: 'prometheus',
          prometheus: {
            queries: {
              revenue: q('venture_revenue_dollars_monthly'),
              costs: q('venture_costs_dollars_monthly'),
              satisfaction: q('venture_customer_satisfaction_ratio'),
              cash: q('venture_cash_dollars'),
              customers: q('venture_customers'),
            },
          },
        }),
      },
      // Any growth may scale: the tests steer margin and ROI, not growth.
      policy: {
        period: '2s',
        reviewPeriod: options.reviewPeriod ?? 2,
        gracePeriod: '4s',
        scale: { growthRate: -1 },
        ...options.policy,
      },
    },
  };
}

/** Starts `autopilot run` watching one namespace, Autonomous by default; `flags` add to or override. */
export function startVentureOperator(
  namespace: string,
  name: string,
  prometheusAddress: string,
  flags: string[] = [],
): Promise<OperatorProcess> {
  return startOperator('src/cli/main.ts', name, [
    'run',
    `--namespace=${namespace}`,
    `--prometheus-address=${prometheusAddress}`,
    '--leader-elect=false',
    '--default-mode=Autonomous',
    '--terminations-per-hour=10',
    '--circuit-breaker-share=0.9',
    ...flags,
  ]);
}

/** Reads and writes the ventures, Deployments and Events of one namespace. */
export class VentureNamespace {
  private readonly kc = kubeConfigFrom();
  readonly custom = this.kc.makeApiClient(CustomObjectsApi);
  readonly apps = this.kc.makeApiClient(AppsV1Api);
  private readonly eventsApi = this.kc.makeApiClient(EventsV1Api);

  constructor(private readonly ns: { readonly name: string }) {}

  get name(): string {
    return this.ns.name;
  }

  async create(name: string, options?: ManifestOptions): Promise<void> {
    await this.custom.createNamespacedCustomObject({
      ...VENTURE_GROUP,
      namespace: this.name,
      body: ventureManifest(name, options),
    });
  }

  async read(name: string): Promise<VentureResource> {
    return (await this.custom.getNamespacedCustomObject({
      ...VENTURE_GROUP,
      namespace: this.name,
      name,
    })) as VentureResource;
  }

  /** Polls the venture until `test` holds, and returns it. */
  until(name: string, what: string, test: (v: VentureResource) => boolean, timeoutMs = 60_000) {
    return waitFor(
      `${name}: ${what}`,
      async () => {
        const v = await this.read(name);
        return test(v) ? v : undefined;
      },
      { timeoutMs, intervalMs: 500 },
    );
  }

  /** Waits until the venture was audited at least `ms` after `after`'s last audit. */
  auditedAfter(name: string, after: VentureResource, ms: number, timeoutMs = 60_000) {
    const since = Date.parse(after.status!.lastAuditTime!) + ms;
    return this.until(
      name,
      `audited ${ms} ms after ${after.status!.lastAuditTime}`,
      (v) => Date.parse(v.status?.lastAuditTime ?? '') >= since,
      timeoutMs,
    );
  }

  async annotate(name: string, annotations: Record<string, string | null>): Promise<void> {
    await this.custom.patchNamespacedCustomObject(
      { ...VENTURE_GROUP, namespace: this.name, name, body: { metadata: { annotations } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  async patchSpec(name: string, spec: Record<string, unknown>): Promise<void> {
    await this.custom.patchNamespacedCustomObject(
      { ...VENTURE_GROUP, namespace: this.name, name, body: { spec } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  async eventReasons(name: string): Promise<string[]> {
    const list = await this.eventsApi.listNamespacedEvent({ namespace: this.name });
    return list.items.filter((e) => e.regarding?.name === name).map((e) => e.reason ?? '');
  }

  async events(name: string): Promise<{ reason: string; note: string; type: string }[]> {
    const list = await this.eventsApi.listNamespacedEvent({ namespace: this.name });
    return list.items
      .filter((e) => e.regarding?.name === name)
      .map((e) => ({ reason: e.reason ?? '', note: e.note ?? '', type: e.type ?? '' }));
  }

  async deploymentReplicas(name: string): Promise<number | undefined> {
    return (await this.apps.readNamespacedDeployment({ name, namespace: this.name })).spec?.replicas;
  }
}
