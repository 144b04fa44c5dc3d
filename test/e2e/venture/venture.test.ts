// Ventures end to end: the operator audits real Prometheus numbers of a sample app and scales,
// terminates, holds, waits for approval or refuses to terminate, reading every outcome from the API.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AppsV1Api,
  CustomObjectsApi,
  EventsV1Api,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import type { VentureResource } from '../../../src/api/v1alpha1/index.js';
import { installCrds, repoRoot } from '../support/crds.js';
import { isNotFound, kubeConfigFrom, useNamespace, waitFor } from '../support/kube.js';
import { freePort, startOperator, type OperatorProcess } from '../support/operator.js';
import { LocalPrometheus } from '../../../hack/lib/prometheus.js';

const run = promisify(execFile);
const kc = kubeConfigFrom();
const custom = kc.makeApiClient(CustomObjectsApi);
const apps = kc.makeApiClient(AppsV1Api);
const eventsApi = kc.makeApiClient(EventsV1Api);
const ns = useNamespace('venture');
const group = { group: 'autopilot.ventures', version: 'v1alpha1', plural: 'ventures' };

let app: ChildProcess;
let appUrl: string;
let prometheus: LocalPrometheus;
let operator: OperatorProcess;

function startVentureOperator(name: string) {
  return startOperator('src/cli/main.ts', name, [
    'run',
    `--namespace=${ns.name}`,
    `--prometheus-address=${prometheus.address}`,
    '--leader-elect=false',
    '--default-mode=Autonomous',
    '--terminations-per-hour=10',
    '--circuit-breaker-share=0.9',
  ]);
}

beforeAll(async () => {
  await installCrds();
  const port = await freePort();
  appUrl = `http://127.0.0.1:${port}`;
  app = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'examples/venture-app/server.ts')], {
    cwd: repoRoot,
    env: { ...process.env, PORT: String(port) },
    stdio: 'ignore',
  });
  await waitFor('the venture app', async () => ((await fetch(`${appUrl}/metrics`)).ok ? true : undefined));
  prometheus = await LocalPrometheus.start([`127.0.0.1:${port}`]);
  operator = await startVentureOperator('venture-op');
}, 120_000);

afterAll(async () => {
  operator?.child.kill('SIGKILL');
  app?.kill('SIGKILL');
  await prometheus?.close();
});

type Numbers = Partial<Record<'revenue' | 'costs' | 'satisfaction' | 'cash' | 'customers', number>>;
const WINNING: Numbers = { revenue: 20_000, costs: 5_000, satisfaction: 0.9, cash: 100_000, customers: 400 };
const LOSING: Numbers = { revenue: 1_000, costs: 5_000, satisfaction: 0.4, cash: 2_000, customers: 10 };

/** Sets the app's numbers for a venture and waits until Prometheus has scraped them. */
async function report(name: string, numbers: Numbers): Promise<void> {
  const response = await fetch(`${appUrl}/ventures/${name}`, {
    method: 'POST',
    body: JSON.stringify(numbers),
  });
  expect(response.status).toBe(204);
  await waitFor(`Prometheus to see ${name}'s revenue`, async () =>
    (await prometheus.value(`sum(venture_revenue_dollars_monthly{venture="${name}"})`)) === numbers.revenue
      ? true
      : undefined,
  );
}

function manifest(
  name: string,
  options: {
    mode?: string;
    reviewPeriod?: number;
    maxReplicas?: number;
    annotations?: Record<string, string>;
  } = {},
) {
  const q = (metric: string) => `sum(${metric}{venture="${name}"})`;
  return {
    apiVersion: 'autopilot.ventures/v1alpha1',
    kind: 'Venture',
    metadata: { name, annotations: options.annotations ?? {} },
    spec: {
      mode: options.mode ?? 'Autonomous',
      replicas: 1,
      scaling: { minReplicas: 1, maxReplicas: options.maxReplicas ?? 2, factor: 2 },
      workload: { template: { spec: { containers: [{ name: 'app', image: 'example/venture:1' }] } } },
      metrics: {
        provider: 'prometheus',
        interval: '2s',
        maxSampleAge: '1m',
        prometheus: {
          queries: {
            revenue: q('venture_revenue_dollars_monthly'),
            costs: q('venture_costs_dollars_monthly'),
            satisfaction: q('venture_customer_satisfaction_ratio'),
            cash: q('venture_cash_dollars'),
            customers: q('venture_customers'),
          },
        },
      },
      // Two-second business periods make a month of audits pass in a test; any growth may scale.
      policy: {
        period: '2s',
        reviewPeriod: options.reviewPeriod ?? 2,
        gracePeriod: '4s',
        scale: { growthRate: -1 },
      },
    },
  };
}

async function create(name: string, options?: Parameters<typeof manifest>[1]) {
  await custom.createNamespacedCustomObject({ ...group, namespace: ns.name, body: manifest(name, options) });
}

const read = async (name: string) =>
  (await custom.getNamespacedCustomObject({ ...group, namespace: ns.name, name })) as VentureResource;

function until(name: string, what: string, test: (v: VentureResource) => boolean, timeoutMs = 60_000) {
  return waitFor(
    `${name}: ${what}`,
    async () => {
      const v = await read(name);
      return test(v) ? v : undefined;
    },
    { timeoutMs, intervalMs: 500 },
  );
}

async function eventReasons(name: string): Promise<string[]> {
  const list = await eventsApi.listNamespacedEvent({ namespace: ns.name });
  return list.items.filter((e) => e.regarding?.name === name).map((e) => e.reason ?? '');
}

const deploymentReplicas = async (name: string) =>
  (await apps.readNamespacedDeployment({ name, namespace: ns.name })).spec?.replicas;

describe('the Venture controller', () => {
  it('scales a profitable venture ×2 and says so in status and Events', async () => {
    await report('winner', WINNING);
    await create('winner');
    const scaled = await until('winner', 'scaled to 2', (v) => v.spec.replicas === 2);
    expect(scaled.status?.history?.filter((d) => d.action === 'Scale')).toHaveLength(1);
    const scale = scaled.status!.history!.find((d) => d.action === 'Scale')!;
    expect(scale).toMatchObject({ state: 'Applied', targetReplicas: 2 });
    expect(scale.reason).toMatch(/margin 75\.0%/);
    await waitFor('the Deployment at 2 replicas', async () =>
      (await deploymentReplicas('winner')) === 2 ? true : undefined,
    );
    expect(await eventReasons('winner')).toContain('VentureScaled');
    const status = (await until('winner', 'health in status', (v) => v.status?.health !== undefined)).status!;
    expect(status.health!.score).toBeGreaterThanOrEqual(70);
    expect(['Excellent', 'Good']).toContain(status.health!.tier);
    expect(status.conditions?.find((c) => c.type === 'MetricsAvailable')?.status).toBe('True');
  });

  it('reviews a losing venture, terminates it softly, keeps it, and gives its capacity to a healthy one', async () => {
    // Supervised, so its own Scale decisions wait: any new replica can only come from the portfolio.
    await report('beneficiary', WINNING);
    await create('beneficiary', { mode: 'Supervised', maxReplicas: 4 });
    await until('beneficiary', 'a health score', (v) => (v.status?.health?.score ?? 0) >= 70);
    await report('loser', LOSING);
    await create('loser', { reviewPeriod: 2 });
    await until(
      'loser',
      'under review',
      (v) => v.status?.phase === 'UnderReview' || v.status?.phase === 'Terminating',
    );
    const terminating = await until(
      'loser',
      'terminating',
      (v) => v.status?.phase === 'Terminating' || v.status?.phase === 'Terminated',
    );
    expect(terminating.status?.lastDecision).toMatchObject({ action: 'Terminate', state: 'Applied' });
    expect(terminating.status?.lastDecision?.reason).toMatch(/for 2 consecutive audits/);
    const terminated = await until('loser', 'terminated', (v) => v.status?.phase === 'Terminated');
    await waitFor('the Deployment to be deleted', async () => {
      try {
        await apps.readNamespacedDeployment({ name: 'loser', namespace: ns.name });
        return undefined;
      } catch (err) {
        return isNotFound(err) ? true : undefined;
      }
    });
    expect(terminated.status?.metrics).toMatchObject({ revenue: 1_000, costs: 5_000 });
    expect(terminated.status?.terminatedAt).toBeDefined();
    expect(await eventReasons('loser')).toEqual(
      expect.arrayContaining(['VentureUnderReview', 'VentureTerminating', 'VentureTerminated']),
    );

    const recipient = await until('beneficiary', 'the freed replica', (v) => v.spec.replicas === 2);
    expect(recipient.status?.allocation).toMatchObject({ replicas: 1, from: ['loser'] });
    expect(await eventReasons('loser')).toContain('ResourcesRedirected');
  });

  it('holds and freezes terminations while Prometheus is down, and resumes when it returns', async () => {
    await report('fragile', LOSING);
    await create('fragile', { reviewPeriod: 4 });
    const reviewed = await until('fragile', 'one failing audit', (v) => (v.status?.failingAudits ?? 0) >= 1);
    await prometheus.stop();
    const frozen = await until(
      'fragile',
      'metrics unavailable',
      (v) =>
        v.status?.conditions?.some((c) => c.type === 'MetricsAvailable' && c.status === 'False') ?? false,
    );
    expect(frozen.status?.conditions?.find((c) => c.type === 'MetricsAvailable')?.reason).toBe(
      'PrometheusUnreachable',
    );
    const streak = frozen.status!.failingAudits!;
    // Several audits pass while Prometheus is down: none counts, nothing is terminated.
    const later = await until(
      'fragile',
      'three more audits',
      (v) => Date.parse(v.status!.lastAuditTime!) >= Date.parse(frozen.status!.lastAuditTime!) + 6_000,
      30_000,
    );
    expect(later.status?.failingAudits).toBe(streak);
    expect(later.status?.phase).not.toBe('Terminating');
    expect(later.status?.lastDecision?.action).toBe('Hold');
    expect(await deploymentReplicas('fragile')).toBe(1);
    expect(await eventReasons('fragile')).toContain('MetricsUnavailable');
    expect(reviewed.status?.phase).toBe('UnderReview');

    await prometheus.resume();
    await until(
      'fragile',
      'metrics available again',
      (v) =>
        v.status?.conditions?.some(
          (c) =>
            c.type === 'MetricsAvailable' && c.status === 'True' && (v.status?.failingAudits ?? 0) > streak,
        ) ?? false,
    );
    // Audits count again: the review period completes and the termination goes ahead.
    await until('fragile', 'terminated after Prometheus returned', (v) => v.status?.phase === 'Terminated');
  });

  it('waits in Supervised mode until the decision is approved', async () => {
    await report('careful', WINNING);
    await create('careful', { mode: 'Supervised' });
    const pending = await until(
      'careful',
      'a decision pending approval',
      (v) => v.status?.lastDecision?.state === 'PendingApproval',
    );
    expect(pending.status?.lastDecision?.action).toBe('Scale');
    await until(
      'careful',
      'two more audits',
      (v) => Date.parse(v.status!.lastAuditTime!) > Date.parse(pending.status!.lastAuditTime!) + 3_000,
    );
    expect((await read('careful')).spec.replicas).toBe(1);
    expect(await eventReasons('careful')).toContain('DecisionPendingApproval');

    await custom.patchNamespacedCustomObject(
      {
        ...group,
        namespace: ns.name,
        name: 'careful',
        body: {
          metadata: { annotations: { 'autopilot.ventures/approve': pending.status!.lastDecision!.id } },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const approved = await until('careful', 'scaled after approval', (v) => v.spec.replicas === 2);
    expect(approved.status?.history?.find((d) => d.id === pending.status!.lastDecision!.id)?.state).toBe(
      'Applied',
    );
  });

  it('never terminates a protected venture', async () => {
    await report('heirloom', LOSING);
    await create('heirloom', { reviewPeriod: 1, annotations: { 'autopilot.ventures/protected': 'true' } });
    const blocked = await until(
      'heirloom',
      'a blocked termination',
      (v) => v.status?.lastDecision?.state === 'Blocked',
    );
    expect(blocked.status?.lastDecision?.reason).toMatch(/termination blocked: the venture is protected/);
    await until(
      'heirloom',
      'two more audits',
      (v) => Date.parse(v.status!.lastAuditTime!) > Date.parse(blocked.status!.lastAuditTime!) + 3_000,
    );
    const after = await read('heirloom');
    expect(after.status?.phase).toBe('UnderReview');
    expect(await deploymentReplicas('heirloom')).toBe(1);
    expect(await eventReasons('heirloom')).toContain('TerminationBlocked');
  });

  it('prints the same decisions with `autopilot plan`, from the same engine', async () => {
    const { stdout } = await run(process.execPath, [
      '--import',
      'tsx',
      join(repoRoot, 'src/cli/main.ts'),
      'plan',
      '-n',
      ns.name,
      `--prometheus-address=${prometheus.address}`,
      '--default-mode=Autonomous',
    ]);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAMESPACE\s+NAME\s+PHASE\s+HEALTH\s+DECISION\s+STATE\s+REASON$/);
    expect(lines.find((l) => l.includes(' heirloom '))).toMatch(
      /Hold\s+Blocked\s+termination blocked: the venture is protected/,
    );
    expect(lines.find((l) => l.includes(' loser '))).toMatch(/Terminated/);
    expect(lines.find((l) => l.includes(' winner '))).toMatch(/Hold\s+Applied/);
  });

  it('repeats no action after the operator restarts', async () => {
    const before = await read('winner');
    operator.child.kill('SIGKILL');
    await operator.exited;
    operator = await startVentureOperator('venture-op-2');
    await until(
      'winner',
      'audited by the new process',
      (v) => Date.parse(v.status!.lastAuditTime!) > Date.parse(before.status!.lastAuditTime!) + 4_000,
    );
    const after = await read('winner');
    expect(after.spec.replicas).toBe(2);
    expect(after.status?.history?.filter((d) => d.action === 'Scale')).toHaveLength(1);
    expect((await eventReasons('winner')).filter((r) => r === 'VentureScaled')).toHaveLength(1);
  });
});
