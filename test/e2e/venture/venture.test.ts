// Ventures end to end: the operator audits real Prometheus numbers of a sample app and scales,
// terminates, holds, waits for approval or refuses to terminate, reading every outcome from the API.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import { CoreV1Api } from '@kubernetes/client-node';
import { installCrds } from '../support/crds.js';
import { isNotFound, kubeConfigFrom, useNamespace, waitFor } from '../support/kube.js';
import { autopilot, freePort } from '../support/operator.js';
import { AdmissionRefusal } from '../support/admission.js';
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
import { VENTURES } from '../../../src/api/v1alpha1/index.js';

const ns = useNamespace('venture');
const ventures = new VentureNamespace(ns);
const core = kubeConfigFrom().makeApiClient(CoreV1Api);

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
    // spec.replicas moves while the decision is Applying; Applied follows in the same reconcile.
    const scaled = await ventures.until(
      'winner',
      'scaled to 2, the Scale Applied',
      (v) => v.spec.replicas === 2 && v.status?.lastDecision?.state === 'Applied',
    );
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
    // Applying (recorded, being carried out) may show for a moment before Applied.
    const terminating = await ventures.until(
      'loser',
      'a termination applied',
      (v) => v.status?.lastDecision?.action === 'Terminate' && v.status.lastDecision.state === 'Applied',
    );
    expect(['Terminating', 'Terminated']).toContain(terminating.status?.phase);
    // After its review period of 2 failing audits; later only while the guard waits for the rest of the
    // namespace to be audited since it began failing (a loaded machine audits the others late).
    const audits = Number(
      /for (\d+) consecutive audits/.exec(terminating.status?.lastDecision?.reason ?? '')?.[1],
    );
    expect(audits).toBeGreaterThanOrEqual(2);
    if (audits > 2) {
      expect(terminating.status?.history?.map((d) => d.reason)).toContainEqual(
        expect.stringMatching(
          /circuit breaker: waiting until every venture in the namespace has been audited/,
        ),
      );
    }
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
    const approved = await ventures.until(
      'careful',
      'scaled after approval, the decision Applied',
      (v) => v.spec.replicas === 2 && v.status?.lastDecision?.state === 'Applied',
    );
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

  it('flags a venture for optimization with the metrics that drive it', async () => {
    // Margin, ROI and growth qualify for scaling; customer satisfaction holds it back.
    await report('tuner', { ...WINNING, satisfaction: 0.5 });
    await ventures.create('tuner');
    // A decision is written Applying before it is carried out (ADR 5): wait for what it became.
    const flagged = await ventures.until(
      'tuner',
      'an Optimize decision carried out',
      (v) => v.status?.lastDecision?.action === 'Optimize' && v.status.lastDecision.state !== 'Applying',
    );
    expect(flagged.status?.lastDecision).toMatchObject({
      state: 'Applied',
      drivers: ['customerSatisfaction'],
    });
    expect(flagged.status?.lastDecision?.reason).toMatch(
      /^optimize: satisfaction 0\.50 <= 0\.80 holds back scaling/,
    );
    expect(flagged.spec.replicas).toBe(1);
    expect(await ventures.eventReasons('tuner')).toContain('OptimizationRecommended');
  });

  it('queries a Prometheus behind bearer-token auth with the token a Secret holds', async () => {
    // An auth proxy in front of the real Prometheus: 401 without the token, forwarded with it.
    const seen: (string | undefined)[] = [];
    const proxy = createServer((req, res) => {
      seen.push(req.headers.authorization);
      if (req.headers.authorization !== 'Bearer s3cr3t-token') return void res.writeHead(401).end();
      void fetch(`${prometheus.address}${req.url}`).then(async (upstream) => {
        res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(await upstream.text());
      });
    });
    const port = await freePort();
    await new Promise<void>((done) => proxy.listen(port, '127.0.0.1', done));
    try {
      await report('guarded', WINNING);
      const q = (metric: string) => `sum(${metric}{venture="guarded"})`;
      const withToken = {
        address: `http://127.0.0.1:${port}`,
        bearerTokenSecretRef: { name: 'prom-token', key: 'token' },
        queries: { revenue: q('venture_revenue_dollars_monthly'), costs: q('venture_costs_dollars_monthly') },
      };
      await ventures.create('guarded', { metrics: { provider: 'prometheus', prometheus: withToken } });
      const missing = await ventures.until(
        'guarded',
        'the missing Secret named',
        (v) =>
          v.status?.conditions?.some((c) => c.type === 'MetricsAvailable' && c.reason === 'SecretNotFound') ??
          false,
      );
      expect(missing.spec.replicas).toBe(1);
      await core.createNamespacedSecret({
        namespace: ns.name,
        body: { metadata: { name: 'prom-token' }, stringData: { token: 's3cr3t-token' } },
      });
      await ventures.until('guarded', 'scaled through the proxy', (v) => v.spec.replicas === 2);
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((h) => h === 'Bearer s3cr3t-token')).toBe(true);
    } finally {
      proxy.close();
    }
  });

  it('starts the grace period of a termination whose time is missing from status, and finishes it', async () => {
    await report('orphan', LOSING);
    await ventures.create('orphan', { mode: 'Observe' });
    await ventures.until('orphan', 'a first audit', (v) => v.status?.lastAuditTime !== undefined);
    // Status edited by hand (or restored from a backup) to Terminating without its terminatedAt.
    await ventures.client.mergePatch(
      VENTURES,
      ns.name,
      'orphan',
      { status: { phase: 'Terminating' } },
      'status',
    );
    const started = await ventures.until(
      'orphan',
      'terminatedAt written',
      (v) => v.status?.terminatedAt !== undefined,
    );
    expect(started.status?.phase).toBe('Terminating');
    await ventures.until(
      'orphan',
      'terminated after the grace period',
      (v) => v.status?.phase === 'Terminated',
    );
  });

  it('prints the same decisions with `autopilot plan`, from the same engine', async () => {
    // Its own ventures: a protected loser (its termination blocked), a winner at its maximum (a Hold),
    // and one whose life is over (Terminated: nothing to decide).
    await report('plan-heirloom', LOSING);
    await report('plan-steady', WINNING);
    await ventures.create('plan-heirloom', {
      mode: 'Observe',
      reviewPeriod: 1,
      annotations: { 'autopilot.ventures/protected': 'true' },
    });
    await ventures.create('plan-steady', { mode: 'Observe', replicas: 2, maxReplicas: 2 });
    await ventures.create('plan-gone', { mode: 'Observe' });
    await ventures.client.mergePatch(
      VENTURES,
      ns.name,
      'plan-gone',
      { status: { phase: 'Terminated' } },
      'status',
    );
    const stdout = await autopilot(
      'plan',
      '-n',
      ns.name,
      `--prometheus-address=${prometheus.address}`,
      '--default-mode=Autonomous',
    );
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^KIND\s+NAMESPACE\s+NAME\s+STATUS\s+DECISION\s+STATE\s+REASON$/);
    expect(lines.find((l) => l.includes(' plan-heirloom '))).toMatch(
      /^Venture .*Hold\s+Blocked\s+termination blocked: the venture is protected/,
    );
    expect(lines.find((l) => l.includes(' plan-gone '))).toMatch(/Terminated/);
    expect(lines.find((l) => l.includes(' plan-steady '))).toMatch(/Hold\s+Applied/);
  });

  it('repeats no action after the operator restarts', async () => {
    await report('restarter', WINNING);
    await ventures.create('restarter');
    const before = await ventures.until(
      'restarter',
      'scaled to 2, the Scale Applied',
      (v) => v.spec.replicas === 2 && v.status?.lastDecision?.state === 'Applied',
    );
    operator.child.kill('SIGKILL');
    await operator.exited;
    operator = await startVentureOperator('venture-op-2');
    await ventures.until(
      'restarter',
      'audited by the new process',
      (v) => Date.parse(v.status!.lastAuditTime!) > Date.parse(before.status!.lastAuditTime!) + 4_000,
    );
    const after = await ventures.read('restarter');
    expect(after.spec.replicas).toBe(2);
    expect(after.status?.history?.filter((d) => d.action === 'Scale')).toHaveLength(1);
    expect((await ventures.eventReasons('restarter')).filter((r) => r === 'VentureScaled')).toHaveLength(1);
  });
});

describe('the Venture controller, carrying out decisions', () => {
  it('finishes a decision recorded before a restart exactly once', async () => {
    // Admission refuses every change of the ventures' scale in this namespace: the Scale decision is
    // recorded (Applying) but cannot be carried out until the policy goes.
    const freeze = await AdmissionRefusal.apply({
      name: `e2e-freeze-scale-${ns.name}`,
      namespace: ns.name,
      rule: "{ apiGroups: [autopilot.ventures], apiVersions: ['*'], operations: [UPDATE], resources: [ventures/scale] }",
      allowed: 'false',
      message: 'e2e: scaling is frozen',
      probe: ['scale', 'venture/resumer', '--replicas=2'],
    });
    try {
      await report('resumer', WINNING);
      // A long cooldown: any second Scale within the test would be the repeat this test looks for.
      await ventures.create('resumer', { mode: 'Observe', maxReplicas: 8, scaling: { cooldown: '1h' } });
      await freeze.inForce();
      await ventures.patchSpec('resumer', { mode: 'Autonomous' });
      const stuck = await ventures.until(
        'resumer',
        'a Scale recorded as Applying',
        (v) => v.status?.lastDecision?.action === 'Scale' && v.status.lastDecision.state === 'Applying',
      );
      const id = stuck.status!.lastDecision!.id;
      expect(stuck.spec.replicas).toBe(1);
      operator.child.kill('SIGKILL');
      await operator.exited;
      await freeze.lift();
      operator = await startVentureOperator('venture-op-3');

      const finished = await ventures.until(
        'resumer',
        'the decision Applied',
        (v) => v.status?.history?.some((d) => d.id === id && d.state === 'Applied') ?? false,
      );
      expect(finished.spec.replicas).toBe(2);
      expect(finished.status?.history?.filter((d) => d.action === 'Scale').map((d) => d.id)).toEqual([id]);
      await waitFor('the Deployment at 2 replicas', async () =>
        (await ventures.deploymentReplicas('resumer')) === 2 ? true : undefined,
      );
      expect(
        operator.logs.some((l) => l.msg === 'finishing a decision recorded before' && l.decision === id),
      ).toBe(true);
      // More audits: still one Scale, one VentureScaled, 2 replicas.
      const after = await ventures.auditedAfter('resumer', finished, 3_000);
      expect(after.spec.replicas).toBe(2);
      expect(after.status?.history?.filter((d) => d.action === 'Scale').map((d) => d.id)).toEqual([id]);
      const scaledNotes = (await ventures.events('resumer')).filter((e) => e.reason === 'VentureScaled');
      expect(scaledNotes.filter((e) => e.note.includes(id))).toHaveLength(1);
    } finally {
      await freeze.remove();
    }
  });

  it('waits out the cooldown between Scales and raises container requests up to their caps', async () => {
    await report('grower', WINNING);
    await ventures.create('grower', {
      maxReplicas: 8,
      scaling: {
        cooldown: '1h',
        requests: { factor: 2, maxCpu: '150m', maxMemory: '1Gi' },
      },
      workload: {
        template: {
          spec: {
            containers: [
              {
                name: 'app',
                image: 'example/venture:1',
                resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '96Mi' } },
              },
            ],
          },
        },
      },
    });
    const scaled = await ventures.until('grower', 'scaled to 2', (v) => v.spec.replicas === 2);
    const scale = scaled.status!.history!.find((d) => d.action === 'Scale')!;
    expect(scale.targetRequests).toEqual([{ container: 'app', cpu: '150m', memory: '96Mi' }]);
    expect(scale.reason).toMatch(
      /scale from 1 to 2 replicas \(max 8\); raise requests app cpu 100m→150m, app memory 64Mi→96Mi/,
    );
    await waitFor('the Deployment with raised requests', async () => {
      const d = await ventures.apps.readNamespacedDeployment({ name: 'grower', namespace: ns.name });
      const requests = d.spec?.template.spec?.containers[0]?.resources?.requests;
      return d.spec?.replicas === 2 && requests?.cpu === '150m' && requests.memory === '96Mi'
        ? true
        : undefined;
    });

    const later = await ventures.auditedAfter('grower', scaled, 4_000);
    expect(later.spec.replicas).toBe(2);
    expect(later.status?.lastDecision?.action).toBe('Hold');
    expect(later.status?.lastDecision?.reason).toMatch(
      /but cooling down: scaled at .*, next Scale possible in 59m\d+s \(cooldown 1h0m0s\)$/,
    );
    expect(later.status?.lastScaleTime).toBeDefined();
    // The Hold is news once: one VentureHolding Event for the run of cooling-down audits.
    const holding = (await ventures.events('grower')).filter((e) => e.reason === 'VentureHolding');
    expect(holding.filter((e) => /cooling down/.test(e.note))).toHaveLength(1);
    expect(later.status?.requests).toEqual([{ container: 'app', cpu: '150m', memory: '96Mi' }]);
  });
});
