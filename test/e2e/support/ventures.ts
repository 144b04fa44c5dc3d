// Venture e2e harness: the sample venture app, Venture manifests, the operator, and reads of ventures,
// their Deployments and Events in one test namespace.
import { AppsV1Api } from '@kubernetes/client-node';
import { VENTURES, type VentureResource } from '../../../src/api/v1alpha1/index.js';
import type { LocalPrometheus } from '../../../hack/lib/prometheus.js';
import { startVentureApp, type Numbers, type VentureApp } from '../../../hack/lib/ventureApp.js';
import { KindView } from './kindView.js';
import { kubeConfigFrom, waitFor } from './kube.js';
import { startOperator, type OperatorProcess } from './operator.js';

export { startVentureApp, type Numbers, type VentureApp };

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
export class VentureNamespace extends KindView<VentureResource> {
  private readonly kc = kubeConfigFrom();
  readonly apps = this.kc.makeApiClient(AppsV1Api);

  constructor(ns: { readonly name: string }) {
    super(VENTURES, ns, { timeoutMs: 60_000, intervalMs: 500 });
  }

  async create(name: string, options?: ManifestOptions): Promise<void> {
    await this.client.create(VENTURES, this.namespace, ventureManifest(name, options));
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

  async deploymentReplicas(name: string): Promise<number | undefined> {
    return (await this.apps.readNamespacedDeployment({ name, namespace: this.namespace })).spec?.replicas;
  }
}
