// Ventures end to end on the http metrics provider (a local JSON endpoint the test steers), on a real
// Prometheus that rejects a query, and on adopted Deployments: scaling, holding on stale or failing
// endpoints, Secret-held Authorization, a bad query named, and adoption.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CoreV1Api, type V1Deployment } from '@kubernetes/client-node';
import type { VentureResource } from '../../../src/api/v1alpha1/index.js';
import { LocalPrometheus } from '../../../hack/lib/prometheus.js';
import { installCrds } from '../support/crds.js';
import { kubeConfigFrom, useNamespace, waitFor } from '../support/kube.js';
import { httpMetrics, httpPortfolio } from '../support/metricsEndpoint.js';
import type { OperatorProcess } from '../support/operator.js';
import { LOSING, startVentureOperator, VentureNamespace, WINNING } from '../support/ventures.js';

beforeAll(async () => {
  await installCrds();
}, 120_000);

const condition = (v: VentureResource, type: string) => v.status?.conditions?.find((c) => c.type === type);
const scaleApplied = (v: VentureResource) =>
  v.status?.history?.some((d) => d.action === 'Scale' && d.state === 'Applied') ?? false;

describe('metrics from an HTTP JSON endpoint', () => {
  // Its tests terminate ventures one after another; without the breaker (guards.test.ts tests it) each
  // test stands alone, whatever else ran before it in the namespace.
  const portfolio = httpPortfolio('http-metrics', ['--circuit-breaker-share=1']);
  const { ns, ventures, create } = portfolio;

  it('scales a venture ×2 on the winning numbers its endpoint serves', async () => {
    await create('web-winner', WINNING);
    const scaled = await ventures.until('web-winner', 'a Scale decision carried out', scaleApplied);
    expect(scaled.spec.replicas).toBe(2);
    const scale = scaled.status?.history?.find((d) => d.action === 'Scale');
    expect(scale).toMatchObject({ state: 'Applied', targetReplicas: 2 });
    expect(scale?.reason).toMatch(/margin 75\.0%/);
    await waitFor('the Deployment at 2 replicas', async () =>
      (await ventures.deploymentReplicas('web-winner')) === 2 ? true : undefined,
    );
    expect(await ventures.eventReasons('web-winner')).toContain('VentureScaled');
    const audited = await ventures.until('web-winner', 'metrics in status', (v) => !!v.status?.metrics);
    expect(audited.status?.metrics).toMatchObject({ revenue: 20_000, costs: 5_000 });
    expect(condition(audited, 'MetricsAvailable')).toMatchObject({ status: 'True', reason: 'SamplesFresh' });
    expect(portfolio.endpoint.requests('web-winner').count).toBeGreaterThanOrEqual(1);
  });

  it.each([
    {
      name: 'stale',
      failure: 'a timestamp older than maxSampleAge',
      breakIt: (name: string) => portfolio.endpoint.age(name, 10 * 60_000),
      heal: (name: string) => portfolio.endpoint.set(name, LOSING),
      reason: 'SamplesUnusable',
      message: /revenue sample is stale: \d+m\d+s old, max age 1m0s/,
    },
    {
      name: 'broken',
      failure: 'HTTP 500',
      breakIt: (name: string) => portfolio.endpoint.respond(name, 500),
      heal: (name: string) => portfolio.endpoint.respond(name, 200),
      reason: 'MetricsEndpointServerError',
      message: /answered HTTP 500: injected failure 500; the endpoint failed, nothing to fix in the Venture/,
    },
  ])(
    'holds on $failure without counting failing audits, and resumes once the endpoint is healthy',
    async ({ name, breakIt, heal, reason, message }) => {
      await create(name, LOSING, { reviewPeriod: 2 });
      const reviewed = await ventures.until(
        name,
        'one failing audit',
        (v) => (v.status?.failingAudits ?? 0) >= 1,
      );
      expect(reviewed.status?.phase).toBe('UnderReview');

      breakIt(name);
      const frozen = await ventures.until(
        name,
        'MetricsAvailable=False',
        (v) => condition(v, 'MetricsAvailable')?.status === 'False',
      );
      expect(condition(frozen, 'MetricsAvailable')?.reason).toBe(reason);
      expect(condition(frozen, 'MetricsAvailable')?.message).toMatch(message);
      expect(condition(frozen, 'MetricsAvailable')?.message).toMatch(/destructive decisions are frozen/);
      const streak = frozen.status!.failingAudits!;
      const asked = portfolio.endpoint.requests(name).count;

      // Three more audits read the broken endpoint: none counts, nothing is terminated.
      const later = await ventures.auditedAfter(name, frozen, 6_000);
      expect(portfolio.endpoint.requests(name).count).toBeGreaterThanOrEqual(asked + 3);
      expect(later.status?.failingAudits).toBe(streak);
      expect(later.status?.phase).toBe('UnderReview');
      expect(later.status?.lastDecision).toMatchObject({ action: 'Hold', state: 'Applied' });
      expect(later.status?.lastDecision?.reason).toMatch(/^holding: /);
      expect(later.status?.lastDecision?.reason).toMatch(message);
      expect(condition(later, 'Ready')).toMatchObject({ status: 'False', reason: 'MetricsUnavailable' });
      expect(await ventures.deploymentReplicas(name)).toBe(1);
      expect(await ventures.events(name)).toContainEqual(
        expect.objectContaining({ reason: 'MetricsUnavailable', type: 'Warning' }),
      );

      heal(name);
      const resumed = await ventures.until(
        name,
        'a counted audit on fresh samples',
        (v) => condition(v, 'MetricsAvailable')?.status === 'True' && (v.status?.failingAudits ?? 0) > streak,
      );
      expect(condition(resumed, 'MetricsAvailable')?.reason).toBe('SamplesFresh');
      // The review period completes on the endpoint's numbers: the termination goes ahead.
      const terminated = await ventures.until(name, 'terminated', (v) => v.status?.phase === 'Terminated');
      expect(terminated.status?.lastDecision).toMatchObject({ action: 'Terminate', state: 'Applied' });
      expect(terminated.status?.lastDecision?.reason).toMatch(/for 2 consecutive audits/);
    },
  );

  it('reads the endpoint with the Authorization header a Secret holds, and names a missing Secret', async () => {
    const core = kubeConfigFrom().makeApiClient(CoreV1Api);
    const token = `Bearer e2e-${Math.random().toString(36).slice(2)}`;
    portfolio.endpoint.set('private', WINNING);
    portfolio.endpoint.requireAuthorization('private', token);
    await create('private', WINNING, {
      metrics: httpMetrics(portfolio.endpoint.url('private'), {
        headersSecretRef: { name: 'private-metrics', key: 'authorization' },
      }),
    });
    const missing = await ventures.until(
      'private',
      'MetricsAvailable=False for the missing Secret',
      (v) => condition(v, 'MetricsAvailable')?.status === 'False',
    );
    expect(condition(missing, 'MetricsAvailable')).toMatchObject({ reason: 'SecretNotFound' });
    expect(condition(missing, 'MetricsAvailable')?.message).toMatch(
      `Secret ${ns.name}/private-metrics does not exist`,
    );
    expect(portfolio.endpoint.requests('private').count).toBe(0);
    expect(missing.spec.replicas).toBe(1);

    await core.createNamespacedSecret({
      namespace: ns.name,
      body: { metadata: { name: 'private-metrics' }, stringData: { authorization: token } },
    });
    const scaled = await ventures.until(
      'private',
      'scaled on the authorized numbers',
      (v) => condition(v, 'MetricsAvailable')?.status === 'True' && v.spec.replicas === 2,
    );
    expect(portfolio.endpoint.requests('private').authorization).toBe(token);
    const secretPart = token.split(' ')[1]!;
    expect(JSON.stringify(scaled.status)).not.toContain(secretPart);
    expect(JSON.stringify(await ventures.events('private'))).not.toContain(secretPart);
  });
});

describe('metrics from Prometheus, with a query it rejects', () => {
  const ns = useNamespace('prom-query');
  const ventures = new VentureNamespace(ns);
  let prometheus: LocalPrometheus;
  let operator: OperatorProcess;
  beforeAll(async () => {
    prometheus = await LocalPrometheus.start([]);
    operator = await startVentureOperator(ns.name, 'prom-query-op', prometheus.address);
  });
  afterAll(async () => {
    operator?.child.kill('SIGKILL');
    await prometheus?.close();
  });

  it('says PrometheusQueryInvalid, naming revenue and Prometheus’ parse error, not PrometheusUnreachable', async () => {
    await ventures.create('typo', {
      metrics: {
        provider: 'prometheus',
        prometheus: {
          queries: {
            revenue: 'sum(venture_revenue_dollars_monthly{venture="typo"}',
            costs: 'sum(venture_costs_dollars_monthly{venture="typo"})',
          },
        },
      },
    });
    const held = await ventures.until(
      'typo',
      'MetricsAvailable=False',
      (v) => condition(v, 'MetricsAvailable')?.status === 'False',
    );
    expect(condition(held, 'MetricsAvailable')?.reason).toBe('PrometheusQueryInvalid');
    // Prometheus' own words, from the real server.
    expect(condition(held, 'MetricsAvailable')?.message).toMatch(
      /^the revenue query is invalid: Prometheus answered HTTP 400: invalid parameter "query": .*parse error: .*; fix spec\.metrics\.prometheus\.queries\.revenue; destructive decisions are frozen$/,
    );
    expect(held.status?.lastDecision).toMatchObject({ action: 'Hold' });
    expect(held.spec.replicas).toBe(1);
  });
});

describe('adopted Deployments', () => {
  const portfolio = httpPortfolio('adopt');
  const { ns, ventures, create } = portfolio;

  /** A Deployment as its own team writes it: their labels, selector and pod template, one replica. */
  const teamDeployment = (name: string): V1Deployment => ({
    metadata: { name, labels: { app: name, team: 'shop' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, team: 'shop' } },
        spec: { containers: [{ name: 'web', image: 'example/shop:1.4', ports: [{ containerPort: 8080 }] }] },
      },
    },
  });
  const createDeployment = (name: string) =>
    ventures.apps.createNamespacedDeployment({
      namespace: ns.name,
      body: teamDeployment(name),
      fieldManager: 'shop-team',
    });
  const readDeployment = (name: string) =>
    ventures.apps.readNamespacedDeployment({ name, namespace: ns.name });

  it('scales an adopted Deployment ×2 and takes only its replicas and an owner reference', async () => {
    await createDeployment('shop-web');
    await create('shop', WINNING, { workload: { deploymentName: 'shop-web' } });
    const scaled = await ventures.until('shop', 'a Scale decision carried out', scaleApplied);
    expect(scaled.spec.replicas).toBe(2);
    expect(scaled.status?.history?.find((d) => d.action === 'Scale')).toMatchObject({
      state: 'Applied',
      targetReplicas: 2,
    });
    const deployment = await waitFor('the adopted Deployment at 2 replicas', async () => {
      const d = await readDeployment('shop-web');
      return d.spec?.replicas === 2 ? d : undefined;
    });
    expect(await ventures.eventReasons('shop')).toContain('VentureScaled');

    // The team's Deployment keeps everything the team wrote.
    const theirs = teamDeployment('shop-web');
    expect(deployment.metadata?.labels).toEqual(theirs.metadata!.labels);
    expect(deployment.spec?.selector).toEqual(theirs.spec!.selector);
    expect(deployment.spec?.template.metadata?.labels).toEqual(theirs.spec!.template.metadata!.labels);
    expect(deployment.spec?.template.spec?.containers.map((c) => [c.name, c.image])).toEqual([
      ['web', 'example/shop:1.4'],
    ]);
    expect(deployment.metadata?.ownerReferences).toEqual([
      expect.objectContaining({
        apiVersion: 'autopilot.ventures/v1alpha1',
        kind: 'Venture',
        name: 'shop',
        uid: scaled.metadata.uid,
        controller: true,
      }),
    ]);
    // What the operator applies, per the API server's own field ownership: replicas, the owner reference
    // and its bookkeeping annotation, nothing of the spec the team owns.
    const ours = deployment.metadata?.managedFields?.filter((f) => f.manager === 'autopilot') ?? [];
    expect(ours.map((f) => f.operation)).toEqual(['Apply']);
    const fields = ours[0]!.fieldsV1 as Record<string, Record<string, unknown>>;
    expect(Object.keys(fields).sort()).toEqual(['f:metadata', 'f:spec']);
    expect(Object.keys(fields['f:spec']!)).toEqual(['f:replicas']);
    expect(Object.keys(fields['f:metadata']!).sort()).toEqual(['f:annotations', 'f:ownerReferences']);

    const adopted = await ventures.until(
      'shop',
      'status showing the adopted Deployment',
      (v) => v.status?.replicas === 2 && v.status?.selector !== undefined,
    );
    expect(adopted.status).toMatchObject({ deploymentName: 'shop-web', selector: 'app=shop-web' });
    expect(condition(adopted, 'WorkloadReady')).toMatchObject({ status: 'True', reason: 'Applied' });

    // The team rolls out a new image: the operator leaves it alone and keeps the replicas.
    const rollout = await readDeployment('shop-web');
    rollout.spec!.template.spec!.containers[0]!.image = 'example/shop:1.5';
    await ventures.apps.replaceNamespacedDeployment({
      name: 'shop-web',
      namespace: ns.name,
      body: rollout,
      fieldManager: 'shop-team',
    });
    await ventures.auditedAfter('shop', adopted, 4_000);
    const after = await readDeployment('shop-web');
    expect(after.spec?.template.spec?.containers[0]?.image).toBe('example/shop:1.5');
    expect(after.spec?.replicas).toBe(2);
  });

  it('raises the requests of an adopted Deployment’s containers and leaves the rest of them alone', async () => {
    const body = teamDeployment('shop-api');
    body.spec!.template.spec!.containers[0]!.resources = { requests: { cpu: '200m', memory: '128Mi' } };
    await ventures.apps.createNamespacedDeployment({ namespace: ns.name, body, fieldManager: 'shop-team' });
    await create('api', WINNING, {
      workload: { deploymentName: 'shop-api' },
      scaling: { requests: { factor: 2, maxCpu: '300m' } },
    });
    const raised = await waitFor(
      'the adopted Deployment at 2 replicas with the CPU request raised',
      async () => {
        const d = await readDeployment('shop-api');
        const requests = d.spec?.template.spec?.containers[0]?.resources?.requests;
        return d.spec?.replicas === 2 && requests?.cpu === '300m' ? d : undefined;
      },
    );
    // maxCpu caps 200m × 2 at 300m; memory has no maximum, so it stays the team's.
    expect(raised.spec?.template.spec?.containers).toEqual([
      expect.objectContaining({
        name: 'web',
        image: 'example/shop:1.4',
        resources: { requests: { cpu: '300m', memory: '128Mi' } },
      }),
    ]);
    const venture = await ventures.until(
      'api',
      'the raised requests in status',
      (v) => v.status?.requests !== undefined,
    );
    // Status keeps what AutoPilot governs: CPU only.
    expect(venture.status?.requests).toEqual([{ container: 'web', cpu: '300m' }]);
  });

  it('says DeploymentNotFound for a Deployment that does not exist, keeps reconciling, and adopts it once it does', async () => {
    await create('orphan', WINNING, { workload: { deploymentName: 'orphan-web' } });
    await create('sibling', WINNING);
    const missing = await ventures.until(
      'orphan',
      'WorkloadReady=False',
      (v) => condition(v, 'WorkloadReady')?.status === 'False',
    );
    expect(condition(missing, 'WorkloadReady')).toMatchObject({ reason: 'DeploymentNotFound' });
    expect(condition(missing, 'WorkloadReady')?.message).toMatch(`no Deployment orphan-web in ${ns.name}`);
    expect(condition(missing, 'Ready')).toMatchObject({ status: 'False', reason: 'WorkloadNotReady' });

    // The operator neither crashes nor stalls: the orphan is audited again and its sibling is scaled.
    const again = await ventures.auditedAfter('orphan', missing, 4_000);
    expect(condition(again, 'WorkloadReady')?.reason).toBe('DeploymentNotFound');
    await ventures.until('sibling', 'scaled to 2', (v) => v.spec.replicas === 2);
    await waitFor("the sibling's Deployment at 2 replicas", async () =>
      (await ventures.deploymentReplicas('sibling')) === 2 ? true : undefined,
    );
    expect(portfolio.operator.child.exitCode).toBeNull();

    await createDeployment('orphan-web');
    const adopted = await ventures.until(
      'orphan',
      'WorkloadReady=True after the Deployment appeared',
      (v) => condition(v, 'WorkloadReady')?.status === 'True',
    );
    const deployment = await waitFor('the adopted Deployment at the venture’s replicas', async () => {
      const d = await readDeployment('orphan-web');
      return d.spec?.replicas === adopted.spec.replicas ? d : undefined;
    });
    expect(deployment.metadata?.ownerReferences).toEqual([
      expect.objectContaining({
        kind: 'Venture',
        name: 'orphan',
        uid: adopted.metadata.uid,
        controller: true,
      }),
    ]);
    expect(deployment.metadata?.labels).toEqual({ app: 'orphan-web', team: 'shop' });
  });
});
