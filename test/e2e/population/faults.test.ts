// AgentSpawn under faults, end to end: while Prometheus is down nothing is trained or spawned (and the
// operator says why); an operator killed between recording a spawn and creating its child finishes that
// decision after a restart without a second child; a child Pod an admission policy refuses, or one whose
// knowledge does not store as copied, is not created; a training copy that does not read back is not
// marked for the trainee to load.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Annotations, Labels } from '../../../src/engine/population/labels.js';
import { CONFIG_MAPS } from '../../../src/api/resources.js';
import { AGENT_SPAWNS } from '../../../src/api/v1alpha1/index.js';
import { installCrds } from '../support/crds.js';
import { useNamespace, waitFor } from '../support/kube.js';
import type { OperatorProcess } from '../support/operator.js';
import { AdmissionWebhook } from './admissionWebhook.js';
import { knowledge, Population, startPopulationOperator } from './population.js';

const ns = useNamespace('agentspawn-faults');
const population = new Population(ns);
let operator: OperatorProcess;

const startOperator = async (name: string) =>
  (operator = await startPopulationOperator(ns.name, name, population.prometheus.address));

beforeAll(async () => {
  await installCrds();
  await population.createAgent('strong', knowledge('marketing', 1, { epsilon: 0.1, margin: 0.1 }, 1));
  await population.createAgent('weak', knowledge('marketing', 0, { epsilon: 0.02, margin: 0.1 }, 2));
  await population.start();
  await waitFor('Prometheus to scrape both agents', async () =>
    (await population.score('strong')) !== undefined && (await population.score('weak')) !== undefined
      ? true
      : undefined,
  );
  await startOperator('agentspawn-faults-op');
}, 120_000);

afterAll(async () => {
  operator?.child.kill('SIGKILL');
  await population.stop();
});

describe('an AgentSpawn while Prometheus is down', () => {
  it('trains and spawns nothing, says why, and resumes when Prometheus returns', async () => {
    await population.prometheus.stop();
    const spawn = await population.createSpawn('outage', {
      training: { evaluationWindow: '30s' },
      spawn: { maxPopulation: 8, maxPerCycle: 1 },
    });
    const holding = await population.until(
      'outage',
      'a Hold on unreadable scores',
      (s) => s.status?.conditions?.some((c) => c.type === 'ScoresAvailable' && c.status === 'False') ?? false,
    );
    expect(holding.status!.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'ScoresAvailable', reason: 'PrometheusUnreachable' }),
        expect.objectContaining({ type: 'Ready', status: 'False', reason: 'ScoresUnavailable' }),
      ]),
    );
    expect(holding.status!.lastDecision).toMatchObject({ action: 'Hold', state: 'Applied' });
    expect(holding.status!.lastDecision!.reason).toMatch(
      /^scores unavailable: Prometheus at .* is unreachable/,
    );
    // Three more cycles of the outage: still nothing.
    const later = await population.cycledAfter('outage', holding, 6_000);
    expect(later.status).toMatchObject({ population: 2, ranked: 0, tiers: { unranked: 2 } });
    expect(later.status!.spawned ?? 0).toBe(0);
    expect(later.status!.sessionsStarted ?? 0).toBe(0);
    expect(await population.children(spawn.metadata.uid!)).toEqual([]);
    expect((await population.configMap('weak-knowledge'))!.data!['pricing.segment-a']).not.toBe(
      (await population.configMap('strong-knowledge'))!.data!['pricing.segment-a'],
    );
    const warnings = (await population.events('outage')).filter((e) => e.reason === 'ScoresUnavailable');
    expect(warnings).toHaveLength(1); // one Event for the outage; its series counts the cycles
    expect(warnings[0]!.type).toBe('Warning');

    await population.prometheus.resume();
    const resumed = await population.until(
      'outage',
      'training and spawning after the outage',
      (s) => (s.status?.spawned ?? 0) >= 1 && (s.status?.sessionsStarted ?? 0) >= 1,
    );
    expect(resumed.status!.conditions).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'ScoresAvailable', status: 'True' })]),
    );

    // A second outage in the middle of the run: the counts stand still from the first Hold on.
    await population.prometheus.stop();
    const frozen = await population.until(
      'outage',
      'a Hold on the second outage',
      (s) => s.status?.lastDecision?.action === 'Hold' && s.status.ranked === 0,
    );
    const after = await population.cycledAfter('outage', frozen, 6_000);
    expect(after.status!.meanScore).toBeUndefined(); // not the mean from before the outage
    // The Hold replaced the decision before it whole: no children or sessions of a Spawn or Train left in it.
    expect(after.status!.lastDecision).toMatchObject({ action: 'Hold' });
    expect(after.status!.lastDecision).not.toHaveProperty('children');
    expect(after.status!.lastDecision).not.toHaveProperty('sessions');
    expect(after.status!.spawned).toBe(frozen.status!.spawned);
    expect(after.status!.sessionsStarted).toBe(frozen.status!.sessionsStarted);
    expect(await population.children(spawn.metadata.uid!)).toHaveLength(frozen.status!.spawned!);
    await population.prometheus.resume();
    await removeSpawn('outage', spawn.metadata.uid!);
  });
});

describe('an operator killed between recording a spawn and creating the child', () => {
  it('finishes the decision after a restart with exactly one child for it', async () => {
    // The API server holds every Pod creation of this AgentSpawn's children until the test lets it go.
    let release!: () => void;
    const released = new Promise<void>((go) => (release = go));
    const webhook = await AdmissionWebhook.start(
      `e2e-hold-children-${ns.name}`,
      {
        type: 'Validating',
        namespace: ns.name,
        resource: 'pods',
        operations: ['CREATE'],
        objectLabels: { [Labels.agentSpawn]: 'resumer' },
      },
      async () => {
        await released;
        return { allowed: true };
      },
    );
    try {
      const spawn = await population.createSpawn('resumer', {
        training: { enabled: false },
        spawn: { maxPopulation: 3, maxPerCycle: 1 },
      });
      await waitFor('the first child’s creation to reach the webhook', () =>
        Promise.resolve(webhook.received.length > 0 ? true : undefined),
      );
      const recorded = await population.read('resumer');
      const decision = recorded.status!.lastDecision!;
      expect(decision).toMatchObject({ action: 'Spawn', state: 'Applying' });
      const [child] = decision.children!;
      expect(webhook.received[0]!.object?.metadata?.name).toBe(child!.name);

      operator.child.kill('SIGKILL');
      await operator.exited;
      // The held request is let through: whether the API server still creates the child for a caller that
      // is gone or drops it, the new operator must end with one child for the decision.
      release();
      await webhook.close();
      await startOperator('agentspawn-faults-op-2');

      const finished = await population.until(
        'resumer',
        'the interrupted decision Applied',
        (s) => s.status?.history?.some((d) => d.id === decision.id && d.state === 'Applied') ?? false,
      );
      expect(finished.status!.history!.filter((d) => d.id === decision.id)).toHaveLength(1);
      expect(
        operator.logs.some(
          (l) => l.msg === 'finishing a decision recorded before' && l.decision === decision.id,
        ),
      ).toBe(true);
      // maxPopulation 3: the interrupted child and no more, whatever the later cycles decide.
      const settled = await population.cycledAfter('resumer', finished, 6_000);
      const children = await population.children(spawn.metadata.uid!);
      expect(children).toHaveLength(1);
      expect(children[0]!.metadata.name).toBe(child!.name);
      expect(children[0]!.metadata.annotations?.[Annotations.decision]).toBe(decision.id);
      expect(settled.status).toMatchObject({ population: 3, spawned: 1 });
      const told = (await population.events('resumer')).filter((e) => e.reason === 'AgentSpawned');
      expect(told.map((e) => e.note.split(' ')[0])).toEqual([child!.name]);
      await removeSpawn('resumer', spawn.metadata.uid!);
    } finally {
      release();
      await webhook.close();
    }
  });
});

describe('children the API server does not take as sent', () => {
  it('creates no child an admission policy refuses, says why, and spawns once the policy is gone', async () => {
    const policy = await AdmissionWebhook.start(
      `e2e-refuse-children-${ns.name}`,
      {
        type: 'Validating',
        namespace: ns.name,
        resource: 'pods',
        operations: ['CREATE'],
        objectLabels: { [Labels.agentSpawn]: 'refused' },
      },
      () => ({ allowed: false, message: 'no new agents in this namespace' }),
    );
    try {
      const spawn = await population.createSpawn('refused', {
        training: { enabled: false },
        spawn: { maxPopulation: 3, maxPerCycle: 1 },
      });
      const refused = await population.until(
        'refused',
        'ChildrenCreated=False',
        (s) =>
          s.status?.conditions?.some((c) => c.type === 'ChildrenCreated' && c.status === 'False') ?? false,
      );
      expect(refused.status!.conditions).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ type: 'ChildrenCreated', reason: 'ChildRejected' }),
          expect.objectContaining({ type: 'Ready', status: 'False', reason: 'ChildRejected' }),
        ]),
      );
      const failed = (await population.events('refused')).filter((e) => e.reason === 'SpawnFailed');
      expect(failed[0]!.type).toBe('Warning');
      expect(failed[0]!.note).toMatch(/Kubernetes refused .*no new agents in this namespace/);
      expect(await population.children(spawn.metadata.uid!)).toEqual([]);
      const decided = refused.status!.history!.find((d) => d.action === 'Spawn')!;
      expect(decided.state).toBe('Applied'); // refused for good, not retried
      expect(await population.configMap(`${decided.children![0]!.name}-knowledge`)).toBeUndefined();

      await policy.close();
      const spawned = await population.until(
        'refused',
        'a child after the policy is gone',
        (s) =>
          s.status?.conditions?.some((c) => c.type === 'ChildrenCreated' && c.status === 'True') ?? false,
      );
      expect(await population.children(spawn.metadata.uid!)).toHaveLength(1);
      expect(spawned.status!.conditions).toEqual(
        expect.arrayContaining([expect.objectContaining({ type: 'Ready', status: 'True' })]),
      );
      await removeSpawn('refused', spawn.metadata.uid!);
    } finally {
      await policy.close();
    }
  });

  it('creates no child whose knowledge does not store as copied from its parent', async () => {
    // A mutating policy drops one entry from every knowledge ConfigMap this AgentSpawn creates.
    const tamper = await AdmissionWebhook.start(
      `e2e-tamper-children-${ns.name}`,
      {
        type: 'Mutating',
        namespace: ns.name,
        resource: 'configmaps',
        operations: ['CREATE'],
        objectLabels: { [Labels.agentSpawn]: 'tampered' },
      },
      (request) => ({
        allowed: true,
        patch: [{ op: 'remove', path: `/data/${pointer(firstEntry(request.object?.data))}` }],
      }),
    );
    try {
      const spawn = await population.createSpawn('tampered', {
        training: { enabled: false },
        spawn: { maxPopulation: 3, maxPerCycle: 1 },
      });
      const refused = await population.until(
        'tampered',
        'ChildrenCreated=False on knowledge not verified',
        (s) => s.status?.conditions?.some((c) => c.reason === 'KnowledgeNotVerified') ?? false,
      );
      const decided = refused.status!.history!.find((d) => d.action === 'Spawn')!;
      const child = decided.children![0]!;
      const failed = (await population.events('tampered')).filter((e) => e.reason === 'SpawnFailed');
      expect(failed[0]!.note).toContain(
        `${child.name} not created: its knowledge ${child.name}-knowledge did not store`,
      );
      expect(await population.children(spawn.metadata.uid!)).toEqual([]);
      expect(await population.configMap(`${child.name}-knowledge`)).toBeUndefined();
      await removeSpawn('tampered', spawn.metadata.uid!);
    } finally {
      await tamper.close();
    }
  });
});

describe('a training copy that does not read back', () => {
  it('ends the session Abandoned and never tells the trainee to load it', async () => {
    await population.createAgent('novice', knowledge('marketing', 0, { epsilon: 0.02, margin: 0.1 }, 3));
    await population.client.mergePatch(CONFIG_MAPS, ns.name, 'novice-knowledge', {
      metadata: { labels: { 'e2e.autopilot.ventures/tamper': 'true' } },
    });
    const before = (await population.configMap('novice-knowledge'))!.data!;
    await waitFor('Prometheus to score novice', async () =>
      (await population.score('novice')) !== undefined ? true : undefined,
    );
    // A mutating policy puts back every entry an update of novice's knowledge changes.
    const revert = await AdmissionWebhook.start(
      `e2e-revert-knowledge-${ns.name}`,
      {
        type: 'Mutating',
        namespace: ns.name,
        resource: 'configmaps',
        operations: ['UPDATE'],
        objectLabels: { 'e2e.autopilot.ventures/tamper': 'true' },
      },
      ({ object, oldObject }) => ({
        allowed: true,
        patch: Object.entries(object?.data ?? {})
          .filter(([key, value]) => oldObject?.data?.[key] !== undefined && oldObject.data[key] !== value)
          .map(([key]) => ({ op: 'replace', path: `/data/${pointer(key)}`, value: oldObject!.data![key] })),
      }),
    );
    try {
      await population.createSpawn('untaught', {
        training: { evaluationWindow: '30s' },
        spawn: { enabled: false },
      });
      const abandoned = await population.until(
        'untaught',
        'a session of novice Abandoned',
        (s) => s.status?.sessions?.some((x) => x.trainee === 'novice' && x.phase === 'Abandoned') ?? false,
      );
      const session = abandoned.status!.sessions!.find((x) => x.trainee === 'novice')!;
      expect(session.reason).toMatch(/the copy into novice-knowledge did not read back for /);
      const warnings = (await population.events('untaught')).filter((e) => e.reason === 'TrainingAbandoned');
      expect(warnings.some((e) => e.type === 'Warning' && e.note.includes(session.id))).toBe(true);
      expect((await population.configMap('novice-knowledge'))!.data).toEqual(before);
      const novice = (await population.pods()).find((p) => p.metadata.name === 'novice')!;
      expect(novice.metadata.annotations?.[Annotations.trainingSession]).toBeUndefined();
      await population.client.delete(AGENT_SPAWNS, ns.name, 'untaught');
    } finally {
      await revert.close();
    }
  });
});

/** Deletes an AgentSpawn and waits for its children to be collected. */
async function removeSpawn(name: string, uid: string): Promise<void> {
  await population.client.delete(AGENT_SPAWNS, ns.name, name);
  await waitFor(`the children of ${name} to be collected`, async () =>
    (await population.children(uid)).length === 0 ? true : undefined,
  );
}

/** The first knowledge entry (not the hyperparameters) of a ConfigMap's data. */
const firstEntry = (data: Record<string, string> | undefined) =>
  Object.keys(data ?? {}).find((key) => key.includes('.'))!;

/** A key as a JSON Pointer segment (RFC 6901). */
const pointer = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');
