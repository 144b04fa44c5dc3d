// The AgentSpawn controller's own rules, on the in-memory API server with scores in Pod annotations:
// what a cycle writes, when it runs, how far each mode goes, finishing a decision recorded before a
// restart once, holding on unreadable scores, and a child Kubernetes refuses. Prometheus, the sample
// agents and garbage collection are covered e2e.
import { afterEach, describe, expect, it } from '@jest/globals';
import type { KubeObject } from '../../api/meta.js';
import { CONFIG_MAPS, PODS } from '../../api/resources.js';
import { AGENT_SPAWNS, type AgentSpawnResource } from '../../api/v1alpha1/index.js';
import { withSpecDefaults, type AgentSpawnStatus } from '../../api/v1alpha1/agentSpawn.js';
import { APPROVE_ANNOTATION } from '../../engine/mode.js';
import { Annotations, Labels } from '../../engine/population/labels.js';
import { ApiError } from '../../runtime/client.js';
import { ControllerHarness } from '../../runtime/testing/harness.js';
import { agentSpawnController } from './controller.js';
import type { AgentPod, ConfigMap } from './observe.js';

const NOW = Date.parse('2026-11-30T12:00:00Z');
const NS = 'agents';
const UID = 'spawn-uid';

type Seeded = { type: typeof PODS; object: KubeObject };

function agentSpawn(
  spec: Record<string, unknown> = {},
  extra: { status?: AgentSpawnStatus; annotations?: Record<string, string> } = {},
): Seeded {
  const object: AgentSpawnResource = {
    apiVersion: 'autopilot.ventures/v1alpha1',
    kind: 'AgentSpawn',
    metadata: {
      name: 'marketing',
      namespace: NS,
      uid: UID,
      ...(extra.annotations && { annotations: extra.annotations }),
    },
    spec: withSpecDefaults({
      agentType: 'marketing',
      selector: { app: 'agent' },
      interval: '10s',
      spawn: { maxPopulation: 6, maxPerCycle: 2 },
      ...spec,
    }),
    ...(extra.status && { status: extra.status }),
  };
  return { type: AGENT_SPAWNS, object };
}

/** An agent Pod scored `score` (in its annotations) `ageMs` ago, and its knowledge ConfigMap. */
function agent(name: string, score: number, knowledge: Record<string, string>, ageMs = 0): Seeded[] {
  const pod: AgentPod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: NS,
      labels: { app: 'agent' },
      annotations: {
        'autopilot.ventures/score': String(score),
        'autopilot.ventures/scored-at': new Date(NOW - ageMs).toISOString(),
      },
    },
    spec: {
      containers: [{ name: 'agent', image: 'example/agent:1' }],
      volumes: [{ name: 'knowledge', configMap: { name: `${name}-knowledge` } }],
      nodeName: 'node-1',
    },
    status: { phase: 'Running' },
  };
  const configMap: ConfigMap = { metadata: { name: `${name}-knowledge`, namespace: NS }, data: knowledge };
  return [
    { type: PODS, object: pod },
    { type: CONFIG_MAPS, object: configMap },
  ];
}

const strong = {
  'pricing.segment-a': 'arm-1',
  'pricing.segment-b': 'arm-2',
  hyperparameters: '{"epsilon":0.1}',
};
const weak = { 'pricing.segment-a': 'arm-5', hyperparameters: '{"epsilon":0.02}' };
/** star (Excellent) and pro (Good) can teach and spawn; weak (Poor) is a trainee. */
const population = () => [
  ...agent('star', 0.95, strong),
  ...agent('pro', 0.82, strong),
  ...agent('weak', 0.35, weak),
];

let harness: ControllerHarness | undefined;
afterEach(() => harness?.stop());

async function start(objects: Seeded[], defaultMode: 'Observe' | 'Supervised' | 'Autonomous' = 'Autonomous') {
  harness = await ControllerHarness.start({
    objects,
    now: NOW,
    setup: (m) => void m.add(agentSpawnController(m, { defaultMode, prometheusAddress: undefined })),
  });
  return harness;
}
const reconcile = (h: ControllerHarness) => h.reconcile('agentspawn', `${NS}/marketing`);
const read = (h: ControllerHarness) => h.client.peek<AgentSpawnResource>(AGENT_SPAWNS, NS, 'marketing')!;
const pods = async (h: ControllerHarness) => (await h.client.list<AgentPod>(PODS, NS)).items;
const children = async (h: ControllerHarness) =>
  (await pods(h)).filter((p) => p.metadata.ownerReferences?.some((r) => r.uid === UID));
const events = (h: ControllerHarness) =>
  h.client.requests
    .filter((r) => r.resource === 'events' && r.verb === 'create')
    .map((r) => r.body as { reason: string; note: string; type: string });
const reasons = (h: ControllerHarness) => events(h).map((e) => e.reason);

describe('a cycle in Autonomous mode', () => {
  it('ranks the population into tiers, trains the weak agent and spawns from the best, each said in an Event', async () => {
    const h = await start([agentSpawn(), ...population()]);
    expect(await reconcile(h)).toEqual({ requeueAfterMs: 10_000 });
    const { status } = read(h);
    expect(status).toMatchObject({
      population: 3,
      ranked: 3,
      tiers: { excellent: 1, good: 1, average: 0, poor: 1, failing: 0, unranked: 0 },
      sessionsStarted: 1,
      spawned: 2,
      observedGeneration: 1,
    });
    expect(status?.history?.map((d) => `${d.action} ${d.state}`)).toEqual(['Spawn Applied', 'Train Applied']);
    expect(status?.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'Ready', status: 'True', reason: 'ScoresFresh' }),
        expect.objectContaining({ type: 'ChildrenCreated', status: 'True' }),
      ]),
    );

    // The session: the trainer's missing entries merged into the trainee's ConfigMap, the trainee marked.
    const session = status!.sessions![0]!;
    expect(session).toMatchObject({ trainer: 'star', trainee: 'weak', phase: 'Running' });
    expect(h.client.peek<ConfigMap>(CONFIG_MAPS, NS, 'weak-knowledge')!.data).toEqual({
      ...strong,
      hyperparameters: weak.hyperparameters, // the trainee keeps its own hyperparameters
    });
    const trainee = h.client.peek<AgentPod>(PODS, NS, 'weak')!;
    expect(trainee.metadata.annotations?.[Annotations.trainingSession]).toBe(session.id);

    // Two children (maxPerCycle), one per parent, owned, with lineage and their parent's knowledge.
    const kids = await children(h);
    expect(kids.map((k) => k.metadata.annotations?.[Annotations.parent]).sort()).toEqual(['pro', 'star']);
    for (const kid of kids) {
      expect(kid.metadata.labels).toMatchObject({ app: 'agent', [Labels.generation]: '1' });
      expect(kid.metadata.ownerReferences).toEqual([
        expect.objectContaining({ kind: 'AgentSpawn', uid: UID, controller: true }),
      ]);
      expect(kid.metadata.annotations?.['autopilot.ventures/score']).toBeUndefined(); // the parent's score stays the parent's
      expect(kid.spec?.nodeName).toBeUndefined();
      const knowledge = h.client.peek<ConfigMap>(CONFIG_MAPS, NS, `${kid.metadata.name}-knowledge`)!;
      expect(knowledge.data).toEqual(strong);
      expect(knowledge.metadata.ownerReferences?.[0]?.uid).toBe(UID);
    }
    expect(reasons(h).sort()).toEqual(['AgentSpawned', 'AgentSpawned', 'TrainingStarted']);
  });

  it('writes each decision as Applying before it acts on it', async () => {
    const h = await start([agentSpawn(), ...population()]);
    await reconcile(h);
    const statusWrites = h.client.requests.filter((r) => r.subresource === 'status');
    const firstCreate = h.client.requests.findIndex((r) => r.verb === 'create' && r.resource === 'pods');
    const recorded = h.client.requests.findIndex(
      (r) =>
        r.subresource === 'status' &&
        (r.body as { status: AgentSpawnStatus }).status.lastDecision?.state === 'Applying' &&
        (r.body as { status: AgentSpawnStatus }).status.lastDecision?.action === 'Spawn',
    );
    expect(statusWrites.length).toBeGreaterThanOrEqual(3); // Train, Spawn, then the cycle's end
    expect(recorded).toBeGreaterThanOrEqual(0);
    expect(recorded).toBeLessThan(firstCreate);
  });

  it('runs the next cycle only when the interval has passed, and then never over maxPopulation', async () => {
    const h = await start([agentSpawn(), ...population()]);
    await reconcile(h);
    await h.clock.advance(4_000);
    const before = h.client.requests.length;
    expect(await reconcile(h)).toEqual({ requeueAfterMs: 6_000 });
    expect(h.client.requests.length).toBe(before); // not due: nothing read, nothing written
    await h.clock.advance(6_000);
    await reconcile(h);
    // 3 + 2 children, maxPopulation 6: one more child, whatever maxPerCycle says.
    expect(await children(h)).toHaveLength(3);
    await h.clock.advance(10_000);
    await reconcile(h);
    expect(await pods(h)).toHaveLength(6);
    expect(read(h).status?.lastDecision?.reason).toMatch(/the population is at maxPopulation 6/);
  });
});

describe('modes', () => {
  it('records recommendations in Observe mode and changes nothing', async () => {
    const h = await start([agentSpawn(), ...population()], 'Observe');
    await reconcile(h);
    await h.clock.advance(10_000);
    await reconcile(h);
    expect(read(h).status?.history?.map((d) => `${d.action} ${d.state}`)).toEqual([
      'Spawn Recommended',
      'Train Recommended',
    ]);
    expect(await children(h)).toEqual([]);
    expect(h.client.peek<ConfigMap>(CONFIG_MAPS, NS, 'weak-knowledge')!.data).toEqual(weak);
    // Told once per decision, not on every cycle that decides it again.
    expect(reasons(h)).toEqual(['DecisionRecommended', 'DecisionRecommended']);
  });

  it('waits for approval in Supervised mode and carries out exactly the approved decision', async () => {
    const h = await start([agentSpawn({ mode: 'Supervised' }), ...population()]);
    await reconcile(h);
    const pending = read(h).status!.history!.find((d) => d.action === 'Spawn')!;
    expect(pending.state).toBe('PendingApproval');
    const approveLines = events(h)
      .filter((e) => e.reason === 'DecisionPendingApproval')
      .map((e) => e.note.split('; approve with: ')[1]);
    expect(approveLines).toContain(
      `kubectl annotate agentspawn marketing ${APPROVE_ANNOTATION}=${pending.id}`,
    );
    expect(await children(h)).toEqual([]);
    // The approval does not wait for the next interval: the same facts decide the same id, now applied.
    await h.client.mergePatch(AGENT_SPAWNS, NS, 'marketing', {
      metadata: { annotations: { [APPROVE_ANNOTATION]: pending.id } },
    });
    await h.clock.advance(1_000);
    await reconcile(h);
    const status = read(h).status!;
    expect(status.history?.find((d) => d.id === pending.id)?.state).toBe('Applied');
    expect(status.history?.find((d) => d.action === 'Train')?.state).toBe('PendingApproval');
    expect(await children(h)).toHaveLength(2);
  });
});

describe('restarts', () => {
  it('finishes a decision recorded as Applying before a restart, once, and never decides it again', async () => {
    // What a process that died between recording and acting left: the counters moved, nothing created.
    const record = {
      id: 'spawn-interrupted',
      action: 'Spawn' as const,
      reason: '1 child(ren)',
      decidedAt: new Date(NOW - 5_000).toISOString(),
      state: 'Applying' as const,
      children: [{ name: 'marketing-g1-abc123', parent: 'star', generation: 1, baselineScore: 0.855 }],
    };
    const status: AgentSpawnStatus = {
      spawned: 1,
      lastCycleTime: new Date(NOW - 5_000).toISOString(),
      observedGeneration: 1,
      lastDecision: record,
      history: [record],
    };
    const h = await start([
      agentSpawn({ training: { enabled: false }, spawn: { maxPopulation: 4 } }, { status }),
      ...population(),
    ]);
    await reconcile(h);
    expect((await children(h)).map((c) => c.metadata.name)).toEqual(['marketing-g1-abc123']);
    expect(read(h).status?.history?.find((d) => d.id === record.id)?.state).toBe('Applied');
    expect(reasons(h)).toEqual(['AgentSpawned']);
    // The population is at maxPopulation 4 with that child: later cycles spawn nothing more.
    await h.clock.advance(10_000);
    await reconcile(h);
    expect(await children(h)).toHaveLength(1);
  });

  it('takes a child found already created as its own and tells it, and a name held by another owner as taken', async () => {
    const record = {
      id: 'spawn-half-done',
      action: 'Spawn' as const,
      reason: '2 child(ren)',
      decidedAt: new Date(NOW - 5_000).toISOString(),
      state: 'Applying' as const,
      children: [
        { name: 'marketing-g1-aaaaaa', parent: 'star', generation: 1, baselineScore: 0.855 },
        { name: 'marketing-g1-bbbbbb', parent: 'pro', generation: 1, baselineScore: 0.738 },
      ],
    };
    const owned = {
      apiVersion: 'autopilot.ventures/v1alpha1',
      kind: 'AgentSpawn',
      name: 'marketing',
      uid: UID,
      controller: true,
    };
    const h = await start([
      agentSpawn(
        { training: { enabled: false }, spawn: { enabled: false } },
        {
          status: { spawned: 2, lastDecision: record, history: [record], observedGeneration: 1 },
        },
      ),
      ...population(),
      {
        type: PODS,
        object: { metadata: { name: 'marketing-g1-aaaaaa', namespace: NS, ownerReferences: [owned] } },
      },
      {
        type: CONFIG_MAPS,
        object: {
          metadata: { name: 'marketing-g1-aaaaaa-knowledge', namespace: NS, ownerReferences: [owned] },
        },
      },
      { type: CONFIG_MAPS, object: { metadata: { name: 'marketing-g1-bbbbbb-knowledge', namespace: NS } } },
    ]);
    await reconcile(h);
    expect(h.client.requests.filter((r) => r.verb === 'create' && r.resource === 'pods')).toHaveLength(1);
    expect(h.client.peek(PODS, NS, 'marketing-g1-bbbbbb')).toBeUndefined();
    const spawning = events(h).filter((e) => e.reason === 'SpawnFailed' || e.reason === 'AgentSpawned');
    // The child found created is told now: the process that created it may have died before telling it.
    expect(spawning.map((e) => `${e.reason}: ${e.note.split(' (')[0]}`)).toEqual([
      'AgentSpawned: marketing-g1-aaaaaa of star',
      "SpawnFailed: marketing-g1-bbbbbb not created: the ConfigMap marketing-g1-bbbbbb-knowledge exists and is not this AgentSpawn's",
    ]);
    expect(read(h).status?.lastDecision?.state).toBe('Applied');
  });
});

describe('holding', () => {
  it('holds with a condition when no Pod matches the selector', async () => {
    const h = await start([agentSpawn()]);
    expect(await reconcile(h)).toEqual({ requeueAfterMs: 10_000 });
    const { status } = read(h);
    expect(status?.lastDecision).toMatchObject({ action: 'Hold', state: 'Applied' });
    expect(status?.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'Ready',
          status: 'False',
          reason: 'NoAgents',
          message: 'PopulationFound: no Pod matches the selector app=agent in agents',
        }),
      ]),
    );
  });

  it('trains and spawns nothing while the score source cannot be read, and tells the outage in one Warning series', async () => {
    // Prometheus without an address, neither in the spec nor given to the operator.
    const h = await start([
      agentSpawn({ score: { provider: 'prometheus', prometheus: { query: 'agent_performance_score' } } }),
      ...population(),
    ]);
    for (let i = 0; i < 3; i++) {
      await reconcile(h);
      await h.clock.advance(10_000);
    }
    const { status } = read(h);
    expect(status).toMatchObject({ population: 3, ranked: 0, tiers: { unranked: 3 } });
    expect(status?.spawned).toBeUndefined();
    expect(await children(h)).toEqual([]);
    expect(status?.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'ScoresAvailable', status: 'False', reason: 'NoPrometheusAddress' }),
        expect.objectContaining({ type: 'Ready', status: 'False', reason: 'ScoresUnavailable' }),
      ]),
    );
    expect(reasons(h)).toEqual(['ScoresUnavailable']);
    const repeats = h.client.requests.filter((r) => r.resource === 'events' && r.verb === 'patch');
    expect(repeats.map((r) => (r.body as { series: { count: number } }).series.count)).toEqual([2, 3]);
  });

  it('leaves stale scores unranked and acts only on fresh ones', async () => {
    const h = await start([
      agentSpawn(),
      ...agent('star', 0.95, strong, 10 * 60_000), // older than maxAge 5m
      ...agent('pro', 0.82, strong),
      ...agent('weak', 0.35, weak),
    ]);
    await reconcile(h);
    const { status } = read(h);
    expect(status?.tiers).toMatchObject({ excellent: 0, good: 1, unranked: 1 });
    expect(status?.sessions?.[0]).toMatchObject({ trainer: 'pro', trainee: 'weak' });
    expect((await children(h)).map((c) => c.metadata.annotations?.[Annotations.parent])).toEqual(['pro']);
  });
});

describe('children Kubernetes refuses', () => {
  it.each([
    new ApiError(422, 'Invalid', 'Pod "x" is invalid: spec.containers[0].image: Required value'),
    new ApiError(400, 'BadRequest', 'admission webhook "policy.example" denied the request: no agents here'),
  ])(
    'says why in a condition and a Warning, removes the child’s ConfigMap, and finishes the decision ($code)',
    async (refusal) => {
      const h = await start([agentSpawn({ training: { enabled: false } }), ...population()]);
      h.client.failWhen((r) => r.verb === 'create' && r.resource === 'pods', refusal);
      await reconcile(h);
      const { status } = read(h);
      expect(status?.lastDecision).toMatchObject({ action: 'Spawn', state: 'Applied' });
      expect(status?.conditions).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ type: 'ChildrenCreated', status: 'False', reason: 'ChildRejected' }),
          expect.objectContaining({ type: 'Ready', status: 'False', reason: 'ChildRejected' }),
        ]),
      );
      expect(reasons(h)).toEqual(['SpawnFailed', 'SpawnFailed']);
      const configMaps = (await h.client.list<ConfigMap>(CONFIG_MAPS, NS)).items.map((c) => c.metadata.name);
      expect(configMaps.sort()).toEqual(['pro-knowledge', 'star-knowledge', 'weak-knowledge']);
    },
  );

  it('leaves the decision Applying on a server error, and the retry finishes it with one child each', async () => {
    const h = await start([agentSpawn({ training: { enabled: false } }), ...population()]);
    h.client.failWhen(
      (r) => r.verb === 'create' && r.resource === 'pods',
      new ApiError(500, 'InternalError', 'failed calling webhook "policy.example": connection refused'),
      1,
    );
    expect(await reconcile(h)).toMatchObject({ retry: true, error: { code: 500 } });
    const applying = read(h).status!.lastDecision!;
    expect(applying).toMatchObject({ action: 'Spawn', state: 'Applying' });
    expect(await children(h)).toEqual([]);

    await reconcile(h);
    const { status } = read(h);
    expect(status?.history?.filter((d) => d.id === applying.id).map((d) => d.state)).toEqual(['Applied']);
    // The decision's children (the cycle after it may have decided more), each told once.
    const names = (await children(h)).map((c) => c.metadata.name);
    expect(names).toEqual(expect.arrayContaining(applying.children!.map((c) => c.name)));
    expect(reasons(h).filter((r) => r === 'AgentSpawned')).toHaveLength(names.length);
  });
});

describe('the AUREA journal', () => {
  it('gets each Spawn and Train with the subject and value its outcome rule judges, and the children’s scores', async () => {
    const h = await start([agentSpawn(), ...population()]);
    await reconcile(h);
    const { history } = read(h).status!;
    const spawn = history!.find((d) => d.action === 'Spawn')!;
    const train = history!.find((d) => d.action === 'Train')!;
    const child = spawn.children![0]!;
    const pod = (name: string) => ({ kind: 'Pod', namespace: NS, name });
    expect(h.manager.journal.drain().entries.filter((e) => e.type === 'Decided')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: spawn.id, subject: pod(child.name), expect: child.baselineScore }),
        expect.objectContaining({ id: train.id, subject: pod('weak'), expect: 0.7 }),
      ]),
    );

    // The child is scored; the next cycle reports its fresh score (and no stale one).
    await h.clock.advance(10_000);
    await h.client.mergePatch(PODS, NS, child.name, {
      metadata: {
        annotations: {
          'autopilot.ventures/score': '0.91',
          'autopilot.ventures/scored-at': new Date(NOW + 10_000).toISOString(),
        },
      },
    });
    await reconcile(h);
    const measured = h.manager.journal.drain().entries.filter((e) => e.type === 'Measured');
    expect(measured).toEqual([
      expect.objectContaining({ measure: 'score', value: 0.91, object: pod(child.name) }),
    ]);
  });
});
