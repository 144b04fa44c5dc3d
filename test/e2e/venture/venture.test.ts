// Ventures end to end: the operator audits real Prometheus numbers of a sample app and scales,
// terminates, holds, waits for approval or refuses to terminate, reading every outcome from the API.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { installCrds, repoRoot } from '../support/crds.js';
import { isNotFound, useNamespace, waitFor } from '../support/kube.js';
import type { OperatorProcess } from '../support/operator.js';
import {
  LOSING,
  WINNING,
  report as reportTo,
  startVentureApp,
  startVentureOperator as startOperatorIn,
  VentureNamespace,
  type Numbers,
  type VentureApp,
} from '../support/ventures.js';
import { LocalPrometheus } from '../../../hack/lib/prometheus.js';

const run = promisify(execFile);
const ns = useNamespace('venture');
const ventures = new VentureNamespace(ns);

let app: VentureApp;
let prometheus: LocalPrometheus;
let operator: OperatorProcess;

const startVentureOperator = (name: string) => startOperatorIn(ns.name, name, prometheus.address);
const report = (name: string, numbers: Numbers) => reportTo(app, prometheus, name, numbers);

beforeAll(async () => {
  await installCrds();
  app = await startVentureApp();
  prometheus = await LocalPrometheus.start([app.target]);
  operator = await startVentureOperator('venture-op');
}, 120_000);

afterAll(async () => {
  operator?.child.kill('SIGKILL');
  app?.child.kill('SIGKILL');
  await prometheus?.close();
});

describe('the Venture controller', () => {
  it('scales a profitable venture ×2 and says so in status and Events', async () => {
    await report('winner', WINNING);
    await ventures.create('winner');
    const scaled = await ventures.until('winner', 'scaled to 2', (v) => v.spec.replicas === 2);
    expect(scaled.status?.history?.filter((d) => d.action === 'Scale')).toHaveLength(1);
    const scale = scaled.status!.history!.find((d) => d.action === 'Scale')!;
    expect(scale).toMatchObject({ state: 'Applied', targetReplicas: 2 });
    expect(scale.reason).toMatch(/margin 75\.0%/);
    await waitFor('the Deployment at 2 replicas', async () =>
      (await ventures.deploymentReplicas('winner')) === 2 ? true : undefined,
    );
    expect(await ventures.eventReasons('winner')).toContain('VentureScaled');
    const status = (await ventures.until('winner', 'health in status', (v) => v.status?.health !== undefined))
      .status!;
    expect(status.health!.score).toBeGreaterThanOrEqual(70);
    expect(['Excellent', 'Good']).toContain(status.health!.tier);
    expect(status.conditions?.find((c) => c.type === 'MetricsAvailable')?.status).toBe('True');
  });

  it('reviews a losing venture, terminates it softly, keeps it, and gives its capacity to a healthy one', async () => {
    // Supervised, so its own Scale decisions wait: any new replica can only come from the portfolio.
    await report('beneficiary', WINNING);
    await ventures.create('beneficiary', { mode: 'Supervised', maxReplicas: 4 });
    await ventures.until('beneficiary', 'a health score', (v) => (v.status?.health?.score ?? 0) >= 70);
    await report('loser', LOSING);
    await ventures.create('loser', { reviewPeriod: 2 });
    await ventures.until(
      'loser',
      'under review',
      (v) => v.status?.phase === 'UnderReview' || v.status?.phase === 'Terminating',
    );
    const terminating = await ventures.until(
      'loser',
      'terminating',
      (v) => v.status?.phase === 'Terminating' || v.status?.phase === 'Terminated',
    );
    expect(terminating.status?.lastDecision).toMatchObject({ action: 'Terminate', state: 'Applied' });
    expect(terminating.status?.lastDecision?.reason).toMatch(/for 2 consecutive audits/);
    const terminated = await ventures.until('loser', 'terminated', (v) => v.status?.phase === 'Terminated');
    await waitFor('the Deployment to be deleted', async () => {
      try {
        await ventures.apps.readNamespacedDeployment({ name: 'loser', namespace: ns.name });
        return undefined;
      } catch (err) {
        return isNotFound(err) ? true : undefined;
      }
    });
    expect(terminated.status?.metrics).toMatchObject({ revenue: 1_000, costs: 5_000 });
    expect(terminated.status?.terminatedAt).toBeDefined();
    expect(await ventures.eventReasons('loser')).toEqual(
      expect.arrayContaining(['VentureUnderReview', 'VentureTerminating', 'VentureTerminated']),
    );

    const recipient = await ventures.until('beneficiary', 'the freed replica', (v) => v.spec.replicas === 2);
    expect(recipient.status?.allocation).toMatchObject({ replicas: 1, from: ['loser'] });
    expect(await ventures.eventReasons('loser')).toContain('ResourcesRedirected');
  });

  it('holds and freezes terminations while Prometheus is down, and resumes when it returns', async () => {
    await report('fragile', LOSING);
    await ventures.create('fragile', { reviewPeriod: 4 });
    const reviewed = await ventures.until(
      'fragile',
      'one failing audit',
      (v) => (v.status?.failingAudits ?? 0) >= 1,
    );
    await prometheus.stop();
    const frozen = await ventures.until(
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
    const later = await ventures.until(
      'fragile',
      'three more audits',
      (v) => Date.parse(v.status!.lastAuditTime!) >= Date.parse(frozen.status!.lastAuditTime!) + 6_000,
      30_000,
    );
    expect(later.status?.failingAudits).toBe(streak);
    expect(later.status?.phase).not.toBe('Terminating');
    expect(later.status?.lastDecision?.action).toBe('Hold');
    expect(await ventures.deploymentReplicas('fragile')).toBe(1);
    expect(await ventures.eventReasons('fragile')).toContain('MetricsUnavailable');
    expect(reviewed.status?.phase).toBe('UnderReview');

    await prometheus.resume();
    await ventures.until(
      'fragile',
      'metrics available again',
      (v) =>
        v.status?.conditions?.some(
          (c) =>
            c.type === 'MetricsAvailable' && c.status === 'True' && (v.status?.failingAudits ?? 0) > streak,
        ) ?? false,
    );
    // Audits count again: the review period completes and the termination goes ahead.
    await ventures.until(
      'fragile',
      'terminated after Prometheus returned',
      (v) => v.status?.phase === 'Terminated',
    );
  });

  it('waits in Supervised mode until the decision is approved', async () => {
    await report('careful', WINNING);
    await ventures.create('careful', { mode: 'Supervised' });
    const pending = await ventures.until(
      'careful',
      'a decision pending approval',
      (v) => v.status?.lastDecision?.state === 'PendingApproval',
    );
    expect(pending.status?.lastDecision?.action).toBe('Scale');
    await ventures.until(
      'careful',
      'two more audits',
      (v) => Date.parse(v.status!.lastAuditTime!) > Date.parse(pending.status!.lastAuditTime!) + 3_000,
    );
    expect((await ventures.read('careful')).spec.replicas).toBe(1);
    expect(await ventures.eventReasons('careful')).toContain('DecisionPendingApproval');

    await ventures.annotate('careful', { 'autopilot.ventures/approve': pending.status!.lastDecision!.id });
    const approved = await ventures.until('careful', 'scaled after approval', (v) => v.spec.replicas === 2);
    expect(approved.status?.history?.find((d) => d.id === pending.status!.lastDecision!.id)?.state).toBe(
      'Applied',
    );
  });

  it('never terminates a protected venture', async () => {
    await report('heirloom', LOSING);
    await ventures.create('heirloom', {
      reviewPeriod: 1,
      annotations: { 'autopilot.ventures/protected': 'true' },
    });
    const blocked = await ventures.until(
      'heirloom',
      'a blocked termination',
      (v) => v.status?.lastDecision?.state === 'Blocked',
    );
    expect(blocked.status?.lastDecision?.reason).toMatch(/termination blocked: the venture is protected/);
    await ventures.until(
      'heirloom',
      'two more audits',
      (v) => Date.parse(v.status!.lastAuditTime!) > Date.parse(blocked.status!.lastAuditTime!) + 3_000,
    );
    const after = await ventures.read('heirloom');
    expect(after.status?.phase).toBe('UnderReview');
    expect(await ventures.deploymentReplicas('heirloom')).toBe(1);
    expect(await ventures.eventReasons('heirloom')).toContain('TerminationBlocked');
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
    const before = await ventures.read('winner');
    operator.child.kill('SIGKILL');
    await operator.exited;
    operator = await startVentureOperator('venture-op-2');
    await ventures.until(
      'winner',
      'audited by the new process',
      (v) => Date.parse(v.status!.lastAuditTime!) > Date.parse(before.status!.lastAuditTime!) + 4_000,
    );
    const after = await ventures.read('winner');
    expect(after.spec.replicas).toBe(2);
    expect(after.status?.history?.filter((d) => d.action === 'Scale')).toHaveLength(1);
    expect((await ventures.eventReasons('winner')).filter((r) => r === 'VentureScaled')).toHaveLength(1);
  });
});
