// AUREA end to end: user goals on a real Prometheus query (Achieved only after held samples, Failed past
// the deadline, Abandoned on request, held with a reason while Prometheus is down), and the loop itself on
// the leader (its autopilot_aurea_* series, GET /status, its memory ConfigMap kept across a restart and a
// damaged memory answered with a Warning, not a crash).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CoreV1Api,
  CustomObjectsApi,
  EventsV1Api,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LocalPrometheus } from '../../../hack/lib/prometheus.js';
import type { AureaGoalResource } from '../../../src/api/v1alpha1/index.js';
import { emptyAureaState } from '../../../src/engine/aurea/cycle.js';
import { encodeMemory, MEMORY_CONFIG_MAP, MEMORY_KEY } from '../../../src/engine/aurea/memory.js';
import { installCrds } from '../support/crds.js';
import { kubeConfigFrom, useNamespace, waitFor } from '../support/kube.js';
import { autopilot, scrape, startOperator, sumMetric, type OperatorProcess } from '../support/operator.js';

const ns = useNamespace('aurea');
const kc = kubeConfigFrom();
const custom = kc.makeApiClient(CustomObjectsApi);
const core = kc.makeApiClient(CoreV1Api);
const eventsApi = kc.makeApiClient(EventsV1Api);
const GOALS = { group: 'autopilot.ventures', version: 'v1alpha1', plural: 'aureagoals' };

/** A scrape target whose one gauge the test sets: aurea_e2e_value. */
let value = 0;
let target: Server;
let prometheus: LocalPrometheus;
let operator: OperatorProcess;

const start = async (name: string) =>
  (operator = await startOperator('src/cli/main.ts', name, [
    'run',
    `--namespace=${ns.name}`,
    `--prometheus-address=${prometheus.address}`,
    '--leader-elect=false',
    '--aurea-interval=2s',
  ]));

async function stopOperator() {
  operator.child.kill('SIGTERM');
  await operator.exited;
}

beforeAll(async () => {
  await installCrds();
  target = createServer((_req, res) =>
    res
      .writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
      .end(`# TYPE aurea_e2e_value gauge\naurea_e2e_value ${value}\n`),
  );
  await new Promise<void>((done) => target.listen(0, '127.0.0.1', done));
  prometheus = await LocalPrometheus.start([`127.0.0.1:${(target.address() as AddressInfo).port}`]);
  await waitFor('Prometheus to scrape the target', async () =>
    (await prometheus.value('aurea_e2e_value')) !== undefined ? true : undefined,
  );
  await start('aurea-op');
}, 120_000);

afterAll(async () => {
  operator?.child.kill('SIGKILL');
  await prometheus?.close();
  await new Promise((done) => target?.close(done));
});

async function createGoal(name: string, spec: Record<string, unknown>) {
  await custom.createNamespacedCustomObject({
    ...GOALS,
    namespace: ns.name,
    body: {
      apiVersion: 'autopilot.ventures/v1alpha1',
      kind: 'AureaGoal',
      metadata: { name },
      spec: {
        description: `e2e goal ${name}`,
        goalType: 'Performance',
        metric: { name: 'aurea_e2e_value', source: 'Prometheus', query: 'aurea_e2e_value' },
        target: 10,
        samplesToAchieve: 3,
        interval: '1s',
        ...spec,
      },
    },
  });
}

const readGoal = async (name: string) =>
  (await custom.getNamespacedCustomObject({ ...GOALS, namespace: ns.name, name })) as AureaGoalResource;

const goalUntil = (name: string, what: string, test: (g: AureaGoalResource) => boolean) =>
  waitFor(`${name}: ${what}`, async () => {
    const goal = await readGoal(name);
    return test(goal) ? goal : undefined;
  });

const condition = (goal: AureaGoalResource, type: string) =>
  goal.status?.conditions?.find((c) => c.type === type);

async function eventReasons(name: string) {
  const { items } = await eventsApi.listNamespacedEvent({ namespace: ns.name });
  return items.filter((e) => e.regarding?.name === name).map((e) => e.reason);
}

describe('an AureaGoal on a Prometheus query', () => {
  it('is Achieved only after the metric held at the target for samplesToAchieve measurements', async () => {
    value = 2;
    await createGoal('reach', {});
    const active = await goalUntil('reach', 'Active with a baseline', (g) => g.status?.phase === 'Active');
    expect(active.status?.baseline).toBe(2);
    expect(active.status?.progress).toBe(0);
    value = 6;
    const halfway = await goalUntil('reach', 'progress from the new value', (g) => g.status?.current === 6);
    expect(halfway.status?.progress).toBe(50);
    expect(halfway.status?.phase).toBe('Active');
    value = 12;
    const achieved = await goalUntil('reach', 'Achieved', (g) => g.status?.phase === 'Achieved');
    expect(achieved.status?.progress).toBe(100);
    expect(achieved.status?.samplesAtTarget).toBeGreaterThanOrEqual(3);
    expect(condition(achieved, 'Ready')).toMatchObject({ status: 'True', reason: 'Achieved' });
    await waitFor('a GoalAchieved Event', async () =>
      (await eventReasons('reach')).includes('GoalAchieved') ? true : undefined,
    );
  });

  it('fails once its deadline passes short of the target, and is Abandoned when asked', async () => {
    value = 1;
    await createGoal('late', { deadline: new Date(Date.now() + 8_000).toISOString() });
    await createGoal('dropped', {});
    const failed = await goalUntil('late', 'Failed', (g) => g.status?.phase === 'Failed');
    expect(failed.status?.progress).toBeLessThan(100);
    await goalUntil('dropped', 'Active', (g) => g.status?.phase === 'Active');
    await custom.patchNamespacedCustomObject(
      { ...GOALS, namespace: ns.name, name: 'dropped', body: { spec: { abandoned: true } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await goalUntil('dropped', 'Abandoned', (g) => g.status?.phase === 'Abandoned');
    await waitFor('GoalFailed and GoalAbandoned Events', async () =>
      (await eventReasons('late')).includes('GoalFailed') &&
      (await eventReasons('dropped')).includes('GoalAbandoned')
        ? true
        : undefined,
    );
  });

  it('holds with Ready False while Prometheus is down, and measures again once it is back', async () => {
    value = 3;
    await createGoal('outage', { target: 100 });
    await goalUntil('outage', 'Active', (g) => g.status?.phase === 'Active');
    await prometheus.stop();
    const down = await goalUntil(
      'outage',
      'Ready False: Prometheus unreachable',
      (g) => condition(g, 'Ready')?.status === 'False',
    );
    expect(condition(down, 'Ready')).toMatchObject({ reason: 'PrometheusUnreachable' });
    expect(down.status?.phase).toBe('Active');
    await prometheus.resume();
    value = 50;
    await goalUntil(
      'outage',
      'measured again after the outage',
      (g) => condition(g, 'Ready')?.status === 'True' && g.status?.current === 50,
    );
  });
});

describe('the AUREA loop', () => {
  const memory = async () =>
    (await core.readNamespacedConfigMap({ name: MEMORY_CONFIG_MAP, namespace: ns.name })).data ?? {};
  const savedCycle = async () =>
    (JSON.parse((await memory())[MEMORY_KEY] ?? '{}') as { cycle?: number }).cycle ?? 0;

  it('runs a cycle every interval, exports its series and serves its status', async () => {
    const cycles = await waitFor('three AUREA cycles', async () => {
      const n = sumMetric(await scrape(operator), 'autopilot_aurea_cycles_total');
      return n >= 3 ? n : undefined;
    });
    expect(cycles).toBeGreaterThanOrEqual(3);
    const metrics = await scrape(operator);
    expect(metrics).toMatch(/^autopilot_aurea_health_score /m);
    const status = (await (await fetch(`${operator.metricsUrl}/status`)).json()) as Record<string, unknown>;
    expect(status).toMatchObject({ running: true });
    expect(await savedCycle()).toBeGreaterThanOrEqual(1);

    // The seed's get_status(), from the view the leader saved, and the goals in `autopilot plan`.
    const printed = await autopilot('status', '-n', ns.name);
    expect(printed).toMatch(/^AUREA +running \(leader aurea-op.*\), autonomy Observe$/m);
    expect(printed).toMatch(/^Cycles +\d+ completed/m);
    expect(printed).toMatch(/^Goals +\d+ active, 1 achieved/m);
    const plan = await autopilot('plan', '-n', ns.name, `--prometheus-address=${prometheus.address}`);
    expect(plan).toMatch(/^AureaGoal +\S+ +reach +Achieved 100%/m);
  });

  it('continues from its memory after a restart', async () => {
    const before = await waitFor('a saved cycle', async () =>
      (await savedCycle()) >= 2 ? savedCycle() : undefined,
    );
    await stopOperator();
    await start('aurea-op-2');
    const after = await waitFor('a cycle saved by the new process', async () => {
      const cycle = await savedCycle();
      return cycle > before ? cycle : undefined;
    });
    // The count goes on from the memory, not from 1.
    expect(after).toBeGreaterThan(before);
  });

  it('answers a damaged memory with a Warning and an empty memory, and recreates a deleted one', async () => {
    await stopOperator();
    await core.patchNamespacedConfigMap(
      { name: MEMORY_CONFIG_MAP, namespace: ns.name, body: { data: { [MEMORY_KEY]: '{not json' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await start('aurea-op-3');
    await waitFor('a MemoryUnreadable Warning', async () =>
      (await eventReasons(MEMORY_CONFIG_MAP)).includes('MemoryUnreadable') ? true : undefined,
    );
    await waitFor('a readable memory written again', async () => {
      try {
        return (await savedCycle()) >= 1 ? true : undefined;
      } catch {
        return undefined;
      }
    });

    await core.deleteNamespacedConfigMap({ name: MEMORY_CONFIG_MAP, namespace: ns.name });
    await waitFor('the memory ConfigMap recreated by the loop', async () => {
      try {
        return (await memory())[MEMORY_KEY] ? true : undefined;
      } catch {
        return undefined;
      }
    });
    expect(operator.child.exitCode).toBeNull();
  });

  it('undoes what it learned with autopilot aurea reset, and the loop continues from the reset', async () => {
    await stopOperator();
    const learned = emptyAureaState();
    learned.adjustments = [{ key: 'Venture/Scale', extraConfirmations: 1, changedAt: Date.now() }];
    await core.patchNamespacedConfigMap(
      { name: MEMORY_CONFIG_MAP, namespace: ns.name, body: { data: encodeMemory(learned, Date.now()) } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(await autopilot('aurea', 'reset', '-n', ns.name)).toMatch(
      /^Venture\/Scale: 1 → 0 extra confirmations$/m,
    );
    expect(await autopilot('aurea', 'reset', '-n', ns.name)).toMatch(/^nothing to reset/m);
    await start('aurea-op-4');
    const status = await waitFor('a cycle after the reset', async () => {
      const json = JSON.parse(await autopilot('status', '-n', ns.name, '-o', 'json')) as {
        running: boolean;
        learning: { adjustments: Record<string, number>; recentLearnings: { change: string }[] };
      };
      return json.running && json.learning.recentLearnings.length ? json : undefined;
    });
    expect(status.learning.adjustments).toEqual({});
    expect(status.learning.recentLearnings.map((l) => l.change)).toContain('Reset');
  });
});
