// The Helm chart installed as a platform team installs it: restricted Pod Security admits its Pods, and the
// operator, run with the rendered container's args and env as the chart's ServiceAccount, scales a winner,
// terminates a loser, reads a Secret, trains and spawns agents, and fails a payment gateway over with no
// request refused. helm upgrade reaches a changed CRD, and
// uninstall keeps the CRDs.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CoreV1Api } from '@kubernetes/client-node';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { LocalPrometheus } from '../../../hack/lib/prometheus.js';
import { installCrds } from '../support/crds.js';
import { isNotFound, kubeConfigFrom, uniqueName, useNamespace, waitFor } from '../support/kube.js';
import { kubectl } from '../support/kubectl.js';
import { closeGateways } from '../../../hack/lib/gateways.js';
import { FallbackNamespace, startGatewaysOnOwnHosts, type Gateway } from '../support/fallback.js';
import { knowledge, Population } from '../population/population.js';
import {
  LOSING,
  report as reportTo,
  startVentureApp,
  VentureNamespace,
  WINNING,
  type Numbers,
  type VentureApp,
} from '../support/ventures.js';
import {
  CHART,
  forbidden,
  installChart,
  startChartOperator,
  uninstallChart,
  upgradeChart,
  type ChartOperator,
  type Release,
} from './harness.js';

const system = uniqueName('autopilot-system');
const ns = useNamespace('chart-ventures');
const ventures = new VentureNamespace(ns);
const agents = new Population(useNamespace('chart-agents'));
const protocols = new FallbackNamespace(useNamespace('chart-payments'));
const gateways: Gateway[] = [];
const core = kubeConfigFrom().makeApiClient(CoreV1Api);

let app: VentureApp;
let prometheus: LocalPrometheus;
let release: Release;
let operator: ChartOperator;

const report = (name: string, numbers: Numbers) => reportTo(app, prometheus, name, numbers);
const asOperator = (...args: string[]) => kubectl('--kubeconfig', operator.kubeconfig, ...args);

beforeAll(async () => {
  app = await startVentureApp();
  prometheus = await LocalPrometheus.start([app.target]);
  release = await installChart('autopilot', system, {
    operator: { defaultMode: 'Autonomous', prometheusAddress: prometheus.address },
    // The scenarios terminate more than one venture an hour in a namespace of few ventures.
    controllers: { venture: { terminationsPerHour: 10, circuitBreakerShare: 0.9 } },
  });
  await agents.createAgent('strong', knowledge('marketing', 1, { epsilon: 0.1, margin: 0.1 }, 1));
  await agents.createAgent('weak', knowledge('marketing', 0, { epsilon: 0.02, margin: 0.1 }, 2));
  await agents.start();
  operator = await startChartOperator(release, 'autopilot-local-0');
}, 300_000);

afterAll(async () => {
  operator?.child.kill('SIGKILL');
  app?.child.kill('SIGKILL');
  await prometheus?.close();
  await agents.stop();
  await closeGateways(gateways);
  await kubectl('delete', 'namespace', system, '--wait=false', '--ignore-not-found');
  // Later tests install crds/ with kubectl, as they find them.
  await installCrds();
}, 120_000);

describe('the chart, installed', () => {
  it('gets its Pods admitted under restricted Pod Security, and a Pod that is not restricted refused', async () => {
    const enforced = await kubectl(
      'get',
      'namespace',
      system,
      '-o',
      'jsonpath={.metadata.labels.pod-security\\.kubernetes\\.io/enforce}',
    );
    expect(enforced).toBe('restricted');
    const pods = JSON.parse(
      await kubectl('get', 'pods', '-n', system, '-l', 'app.kubernetes.io/instance=autopilot', '-o', 'json'),
    ) as { items: { status: { phase: string } }[] };
    expect(pods.items).toHaveLength(2);
    expect(pods.items.every((p) => p.status.phase === 'Running')).toBe(true);
    await expect(
      kubectl('run', 'unrestricted', '-n', system, '--image=busybox', '--dry-run=server', '--restart=Never'),
    ).rejects.toThrow(/violates PodSecurity "restricted:latest"/);
  });

  it('runs the operator as the chart ServiceAccount, which RBAC holds to the chart rules', async () => {
    const whoami = await asOperator('auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}');
    expect(whoami).toBe(`system:serviceaccount:${system}:autopilot`);
    // What no rule grants is refused: the cluster enforces RBAC, so the scenarios below prove the rules.
    await expect(asOperator('get', 'persistentvolumeclaims', '-n', ns.name)).rejects.toThrow(/Forbidden/);
    const canI = (...args: string[]) => asOperator('auth', 'can-i', ...args, '-n', ns.name);
    expect((await canI('patch', 'ventures.autopilot.ventures', '--subresource=scale')).trim()).toBe('yes');
    // Leader election in the release namespace, with the Role there.
    const holder = await waitFor('the local operator to lead', async () => {
      const identity = await kubectl(
        'get',
        'lease',
        'autopilot-leader',
        '-n',
        system,
        '-o',
        'jsonpath={.spec.holderIdentity}',
      );
      return identity.startsWith('autopilot-local-0') ? identity : undefined;
    });
    expect(holder).toMatch(/^autopilot-local-0_/);
    expect(operator.args).toContain('--leader-elect=true');
    expect(operator.env.POD_NAMESPACE).toBe(system);
  });

  it('scales a winner', async () => {
    await report('winner', WINNING);
    await ventures.create('winner');
    await ventures.until(
      'winner',
      'scaled to 2, the Scale Applied',
      (v) => v.spec.replicas === 2 && v.status?.lastDecision?.state === 'Applied',
    );
    await waitFor('the Deployment at 2 replicas', async () =>
      (await ventures.deploymentReplicas('winner')) === 2 ? true : undefined,
    );
    expect(await ventures.eventReasons('winner')).toContain('VentureScaled');
  });

  it('terminates a loser, deletes its Deployment and gives its replica to a healthy venture', async () => {
    // Supervised, so its own Scale decisions wait: a new replica can only come from the portfolio.
    await report('beneficiary', WINNING);
    await ventures.create('beneficiary', { mode: 'Supervised', maxReplicas: 4 });
    await ventures.until('beneficiary', 'a health score', (v) => (v.status?.health?.score ?? 0) >= 70);
    await report('loser', LOSING);
    await ventures.create('loser', { reviewPeriod: 2 });
    await ventures.until('loser', 'terminated', (v) => v.status?.phase === 'Terminated', 90_000);
    await waitFor('the Deployment to be deleted', async () => {
      try {
        await ventures.apps.readNamespacedDeployment({ name: 'loser', namespace: ns.name });
        return undefined;
      } catch (err) {
        return isNotFound(err) ? true : undefined;
      }
    });
    const recipient = await ventures.until('beneficiary', 'the freed replica', (v) => v.spec.replicas === 2);
    expect(recipient.status?.allocation).toMatchObject({ replicas: 1, from: ['loser'] });
    expect(await ventures.eventReasons('loser')).toEqual(
      expect.arrayContaining(['VentureTerminating', 'VentureTerminated', 'ResourcesRedirected']),
    );
  });

  it('reads the bearer token a venture names from its Secret', async () => {
    await core.createNamespacedSecret({
      namespace: ns.name,
      body: { metadata: { name: 'prom-token' }, stringData: { token: 'not-checked-by-this-prometheus' } },
    });
    await report('tokened', WINNING);
    const q = (metric: string) => `sum(${metric}{venture="tokened"})`;
    await ventures.create('tokened', {
      metrics: {
        provider: 'prometheus',
        prometheus: {
          bearerTokenSecretRef: { name: 'prom-token', key: 'token' },
          queries: {
            revenue: q('venture_revenue_dollars_monthly'),
            costs: q('venture_costs_dollars_monthly'),
          },
        },
      },
    });
    const audited = await ventures.until(
      'tokened',
      'metrics read with the token',
      (v) => v.status?.conditions?.some((c) => c.type === 'MetricsAvailable' && c.status === 'True') ?? false,
    );
    expect(audited.status?.health?.score).toBeGreaterThanOrEqual(70);
  });

  it('trains and spawns agents, reading the score source’s token from its Secret', async () => {
    await core.createNamespacedSecret({
      namespace: agents.namespace,
      body: { metadata: { name: 'prom-token' }, stringData: { token: 'not-checked-by-this-prometheus' } },
    });
    const spawn = await agents.createSpawn('marketing', {
      training: { evaluationWindow: '6s' },
      spawn: { maxPopulation: 3, maxPerCycle: 1 },
      score: {
        provider: 'prometheus',
        maxAge: '30s',
        prometheus: {
          address: agents.prometheus.address,
          bearerTokenSecretRef: { name: 'prom-token', key: 'token' },
          query: `agent_performance_score{namespace="${agents.namespace}"}`,
        },
      },
    });
    const done = await agents.until(
      'marketing',
      'a child spawned and a session measured',
      (s) =>
        (s.status?.spawned ?? 0) >= 1 && (s.status?.sessions?.some((x) => x.phase !== 'Running') ?? false),
      120_000,
    );
    const children = await agents.children(spawn.metadata.uid!);
    expect(children).toHaveLength(done.status!.spawned!);
    expect(await agents.configMap(`${children[0]!.metadata.name}-knowledge`)).toBeDefined();
    expect((await agents.events('marketing')).map((e) => e.reason)).toEqual(
      expect.arrayContaining(['TrainingStarted', 'AgentSpawned']),
    );
  });

  it('fails a payment gateway over to its backup and routes to it', async () => {
    gateways.push(...(await startGatewaysOnOwnHosts(['chart-stripe', 'chart-paypal'])));
    const [primary, backup] = gateways;
    await protocols.create('payments', [primary!, backup!]);
    await protocols.warmedUp('payments');
    primary!.behave({ status: 500 });
    const after = await protocols.until(
      'payments',
      'failed over to the backup',
      (p) => p.status?.activeTarget === 'chart-paypal',
    );
    expect(after.status?.lastFailover).toMatchObject({ action: 'Failover', to: 'chart-paypal' });
    expect((await protocols.routing('payments')).data).toEqual({ target: 'chart-paypal', url: backup!.url });
  });

  it('was refused nothing, in its log or its API request metrics', async () => {
    expect(await forbidden(operator)).toEqual([]);
  });

  it('upgrades a changed CRD with helm upgrade', async () => {
    const changed = join(mkdtempSync(join(tmpdir(), 'autopilot-chart-')), 'autopilot');
    cpSync(CHART, changed, { recursive: true });
    const template = join(changed, 'templates', 'crds', 'autopilot.ventures_ventures.yaml');
    const marker = 'A business workload (chart upgrade test)';
    writeFileSync(template, readFileSync(template, 'utf8').replace('A business workload', marker));
    await upgradeChart(release, changed);
    const description = () =>
      kubectl(
        'get',
        'crd',
        'ventures.autopilot.ventures',
        '-o',
        'jsonpath={.spec.versions[0].schema.openAPIV3Schema.description}',
      );
    expect(await description()).toContain(marker);
    await upgradeChart(release, CHART);
    expect(await description()).not.toContain(marker);
  });

  it('catches a rule the chart lacks: the same scenario as an identity without ventures/status', async () => {
    operator.child.kill('SIGTERM');
    await operator.exited;
    const lacking = join(mkdtempSync(join(tmpdir(), 'autopilot-chart-')), 'autopilot');
    cpSync(CHART, lacking, { recursive: true });
    const rulesFile = join(lacking, 'files', 'rbac-rules.yaml');
    const rules = parse(readFileSync(rulesFile, 'utf8')) as {
      controllers: Record<string, { resources: string[] }[]>;
    };
    // Every controller's grant of it goes (AUREA's heal may patch any kind's status): one ServiceAccount.
    for (const [name, list] of Object.entries(rules.controllers))
      rules.controllers[name] = list.filter((r) => !r.resources.includes('ventures/status'));
    writeFileSync(rulesFile, stringify(rules));
    await upgradeChart(release, lacking);
    operator = await startChartOperator(release, 'autopilot-local-1');
    await report('unwritten', WINNING);
    await ventures.create('unwritten');
    const refused = await waitFor('a refused request', async () => {
      const found = await forbidden(operator);
      return found.length ? found : undefined;
    });
    expect(refused.join('\n')).toMatch(/ventures\/status|403/);
    expect((await ventures.read('unwritten')).status).toBeUndefined();
    await upgradeChart(release, CHART);
  });

  it('keeps the CRDs and every AutoPilot object when the release is uninstalled', async () => {
    operator.child.kill('SIGTERM');
    await operator.exited;
    await uninstallChart(release);
    expect(await kubectl('get', 'deployments', '-n', system, '-o', 'name')).toBe('');
    await kubectl('get', 'crd', 'ventures.autopilot.ventures');
    expect((await ventures.read('winner')).spec.replicas).toBe(2);
  });
});
