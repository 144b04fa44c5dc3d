// AUREA end to end when Scale decisions fail for real: an admission policy refuses every write of the
// ventures' scale (403), the loop sees a cluster of permission failures, sets exactly one goal of its own
// (not one per cycle, not one per rule of the same cause) and learns one bounded extra confirmation; once
// the policy is gone the refused Scales are carried out, the next ones succeed, the goal's success rate rises
// from its baseline and the learning is relaxed again.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CustomObjectsApi, EventsV1Api } from '@kubernetes/client-node';
import { LocalPrometheus } from '../../../hack/lib/prometheus.js';
import { AUREA_ORIGIN_LABEL_VALUE, GoalLabels } from '../../../src/api/v1alpha1/aureaGoal.js';
import type { AureaGoalResource } from '../../../src/api/v1alpha1/index.js';
import type { AureaStatusView } from '../../../src/engine/aurea/statusView.js';
import { MEMORY_CONFIG_MAP } from '../../../src/engine/aurea/memory.js';
import { installCrds } from '../support/crds.js';
import { kubeConfigFrom, useNamespace, waitFor } from '../support/kube.js';
import { AdmissionRefusal } from '../support/admission.js';
import { autopilot, scrape, sumMetric, type OperatorProcess } from '../support/operator.js';
import {
  report as reportTo,
  startVentureApp,
  startVentureOperator,
  VentureNamespace,
  WINNING,
  type VentureApp,
} from '../support/ventures.js';

const ns = useNamespace('aurea-scale');
const ventures = new VentureNamespace(ns);
const kc = kubeConfigFrom();
const custom = kc.makeApiClient(CustomObjectsApi);
const eventsApi = kc.makeApiClient(EventsV1Api);
const GOALS = { group: 'autopilot.ventures', version: 'v1alpha1', plural: 'aureagoals' };
/** The goal rules need 10 judged decisions: one refused Scale per venture (a retry is the same decision). */
const NAMES = Array.from({ length: 10 }, (_, i) => `refused-${i}`);

/** Each venture's refused Scale decision, by venture. */
const refused = new Map<string, string>();
let app: VentureApp;
let prometheus: LocalPrometheus;
let operator: OperatorProcess;
let refusal: AdmissionRefusal | undefined;

beforeAll(async () => {
  await installCrds();
  app = await startVentureApp();
  prometheus = await LocalPrometheus.start([app.target]);
  await Promise.all(NAMES.map((name) => reportTo(app, prometheus, name, WINNING)));
  operator = await startVentureOperator(ns.name, 'aurea-scale-op', prometheus.address, [
    '--aurea-interval=2s',
    '--aurea-autonomy=Autonomous',
    '--aurea-max-extra-confirmations=1',
  ]);
}, 180_000);

afterAll(async () => {
  operator?.child.kill('SIGKILL');
  app?.child.kill('SIGKILL');
  await prometheus?.close();
  await refusal?.remove();
});

const status = async () =>
  JSON.parse(await autopilot('status', '-n', ns.name, '-o', 'json')) as AureaStatusView;

const ownGoals = async () =>
  (
    (await custom.listNamespacedCustomObject({
      ...GOALS,
      namespace: ns.name,
      labelSelector: `${GoalLabels.origin}=${AUREA_ORIGIN_LABEL_VALUE}`,
    })) as { items: AureaGoalResource[] }
  ).items;

async function loopEvents() {
  const { items } = await eventsApi.listNamespacedEvent({ namespace: ns.name });
  return items
    .filter((e) => e.regarding?.name === MEMORY_CONFIG_MAP)
    .map((e) => ({ reason: e.reason ?? '', note: e.note ?? '' }));
}

const cycles = async () => sumMetric(await scrape(operator), 'autopilot_aurea_cycles_total');

describe('AUREA when an admission policy refuses every Scale', () => {
  it('sees a cluster of permission failures, sets exactly one goal and learns one bounded confirmation', async () => {
    // `reason: Forbidden`: the API server answers 403, as it does for a missing RBAC grant.
    refusal = await AdmissionRefusal.apply({
      name: `e2e-refuse-scale-${ns.name}`,
      namespace: ns.name,
      rule: "{ apiGroups: [autopilot.ventures], apiVersions: ['*'], operations: [UPDATE], resources: [ventures/scale] }",
      allowed: 'false',
      reason: 'Forbidden',
      message: 'e2e: scaling is refused',
      probe: ['scale', `venture/${NAMES[0]}`, '--replicas=2'],
    });
    // Observe first, so that no Scale is carried out before the policy is in force.
    // Up to 8 replicas: 1 → 2 is refused, 2 → 4 → 8 are the decisions after the policy is gone.
    for (const name of NAMES) await ventures.create(name, { mode: 'Observe', maxReplicas: 8 });
    await refusal.inForce();
    for (const name of NAMES) await ventures.patchSpec(name, { mode: 'Autonomous' });
    for (const name of NAMES) {
      const stuck = await ventures.until(
        name,
        'a Scale recorded as Applying',
        (v) => v.status?.lastDecision?.action === 'Scale' && v.status.lastDecision.state === 'Applying',
      );
      expect(stuck.spec.replicas).toBe(1);
      refused.set(name, stuck.status!.lastDecision!.id);
    }

    const seen = await waitFor(
      'a FailureCluster/Permission pattern, an own goal and a learning in autopilot status',
      async () => {
        const view = await status();
        const pattern = view.learning.recentPatterns.find((p) => p.key === 'FailureCluster/Permission');
        return pattern && view.goals.total >= 1 && view.learning.recentLearnings.length ? view : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 1_000 },
    );
    expect(seen.performance.recentSuccessRate).toBe(0);
    const events = await loopEvents();
    expect(events.filter((e) => e.reason === 'PatternDetected').map((e) => e.note)).toContainEqual(
      expect.stringMatching(/^FailureCluster\/Permission \(confidence [\d.]+\): \d+ of \d+ failed actions/),
    );

    // The learning: Venture/Scale needs one more confirmation, and no more than the bound allows.
    const [learning] = seen.learning.recentLearnings;
    expect(learning).toMatchObject({ key: 'Venture/Scale', before: 0, after: 1, change: 'Tighten' });
    expect(learning!.evidence.succeeded).toBe(0);
    expect(learning!.evidence.judged).toBeGreaterThanOrEqual(5);
    expect(seen.learning.adjustments).toEqual({ 'Venture/Scale': 1 });
    expect(events.map((e) => e.reason)).toContain('LearningRecorded');
    // An admission refusal names no RBAC rule: the loop reports no missing permission it could not name.
    expect(events.map((e) => e.reason)).not.toContain('MissingPermission');

    // One goal for the failing decisions, however many cycles see the cause and although both the
    // success rate and the error rate rules trigger.
    const at = await cycles();
    await waitFor('five more AUREA cycles', async () => ((await cycles()) >= at + 5 ? true : undefined), {
      timeoutMs: 120_000,
    });
    const goals = await ownGoals();
    expect(goals).toHaveLength(1);
    const [goal] = goals;
    expect(goal!.spec).toMatchObject({
      origin: 'Aurea',
      metric: { name: 'decision_success_rate', source: 'Operator' },
      direction: 'AtLeast',
      target: 0.9,
      baseline: 0,
      suspended: false,
    });
    expect(goal!.status?.phase).toBe('Active');
    expect((await loopEvents()).filter((e) => e.reason === 'LearningRecorded')).toHaveLength(1);
    const later = await status();
    expect(later.learning.adjustments).toEqual({ 'Venture/Scale': 1 });
    expect(later.goals.total).toBe(1);
  }, 400_000);

  it('carries out the Scales once the policy is gone; the goal progresses and the learning relaxes', async () => {
    await refusal!.lift();
    for (const name of NAMES) {
      const id = refused.get(name);
      await ventures.until(
        name,
        `the refused Scale ${id} Applied, then scaled on to 8`,
        (v) =>
          v.spec.replicas === 8 &&
          (v.status?.history?.some((d) => d.id === id && d.state === 'Applied') ?? false),
        // The retries of a refused write back off exponentially: the next one may be a minute or two away.
        240_000,
      );
    }
    const [{ metadata }] = (await ownGoals()) as [AureaGoalResource];
    // A Scale is judged two business periods after it was carried out (health not lower). The refused ones
    // stay failures (their execution failed); the 20 Scales after them are successes: 20 of 30 judged.
    const progressed = await waitFor(
      'the goal measuring the success rate of the Scales since',
      async () => {
        const goal = (await custom.getNamespacedCustomObject({
          ...GOALS,
          namespace: ns.name,
          name: metadata.name,
        })) as AureaGoalResource;
        return (goal.status?.current ?? 0) >= 0.6 ? goal : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 1_000 },
    );
    expect(progressed.status?.baseline).toBe(0);
    expect(progressed.status?.progress).toBeGreaterThanOrEqual(66);
    // Short of 90 %: ten failures stay among the last 100 judged decisions until 90 successes follow.
    expect(progressed.status?.phase).toBe('Active');
    expect(await ownGoals()).toHaveLength(1);

    // Scales decided after the Tighten succeed: the extra confirmation is dropped again.
    const relaxed = await waitFor(
      'a Relax learning',
      async () => {
        const view = await status();
        return view.learning.recentLearnings.some((l) => l.change === 'Relax') ? view : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 1_000 },
    );
    expect(relaxed.learning.recentLearnings.find((l) => l.change === 'Relax')).toMatchObject({
      key: 'Venture/Scale',
      before: 1,
      after: 0,
    });
    expect(relaxed.learning.adjustments).toEqual({});
  }, 600_000);
});
