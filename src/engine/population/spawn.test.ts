// Spawning: parents from Excellent and Good only, the bounds, names from the decision, and the child's objects.
import { describe, expect, it } from '@jest/globals';
import { membersOf, type AgentObservation } from './agents.js';
import { childConfigMap, childPod } from './child.js';
import { rankAgents } from './ranking.js';
import { childName, planChild, planSpawn, selectParents } from './spawn.js';
import { agent, identity, NOW, spec } from './testing.js';

function spawn(observations: AgentObservation[], overrides: Record<string, unknown> = {}, slots?: number) {
  const s = spec(overrides);
  const members = membersOf(observations, s, identity);
  const { ranked } = rankAgents(members, s, 300_000, NOW);
  return planSpawn({
    identity,
    spec: s,
    parents: selectParents(ranked, s.spawn, new Set()),
    population: members.length,
    slots: slots ?? s.spawn.maxPerCycle,
    spawned: 4,
  });
}

describe('planSpawn', () => {
  it('spawns one child from each of the best Excellent and Good parents, at 90 % of their score', () => {
    const plan = spawn([agent('avg', 0.6), agent('good', 0.8), agent('best', 0.95), agent('ok', 0.75)]);
    expect(plan.children.map((c) => [c.parent, c.baselineScore, c.tier, c.generation])).toEqual([
      ['best', 0.855, 'Good', 1],
      ['good', 0.72, 'Good', 1],
    ]);
    expect(plan.id).toMatch(/^spawn-[0-9a-f]{12}$/);
  });

  it('never spawns from Average or weaker, nor from a parent without knowledge or a fresh score', () => {
    expect(spawn([agent('avg', 0.69), agent('poor', 0.4)]).why).toBe(
      'no Excellent or Good parent with a fresh score and knowledge',
    );
    expect(
      spawn([agent('stale', 0.95, { age: 301_000 }), agent('blank', 0.95, { knowledge: null })]).children,
    ).toEqual([]);
    expect(spawn([agent('good', 0.8)], { spawn: { parentTiers: ['Excellent'] } }).children).toEqual([]);
  });

  it('stays within maxPerCycle, maxPopulation and the slots replacements left', () => {
    const many = Array.from({ length: 6 }, (_, i) => agent(`p${i}`, 0.9));
    expect(spawn(many, { spawn: { maxPerCycle: 3 } }).children).toHaveLength(3);
    expect(spawn(many, { spawn: { maxPopulation: 8, maxPerCycle: 5 } }).children).toHaveLength(2);
    expect(spawn(many, { spawn: { maxPopulation: 6 } }).why).toBe('the population is at maxPopulation 6');
    expect(spawn(many, { spawn: { maxPerCycle: 3 } }, 1).children).toHaveLength(1);
    expect(spawn(many, { spawn: { enabled: false } }).why).toBe('spawning is disabled');
  });

  it('counts unranked Pods in the population', () => {
    expect(
      spawn([agent('p', 0.95), agent('pending', undefined, { phase: 'Pending' })], {
        spawn: { maxPopulation: 2 },
      }).children,
    ).toEqual([]);
  });

  it('names children from the decision id, so deciding again names them again', () => {
    const a = spawn([agent('best', 0.95)]);
    const b = spawn([agent('best', 0.95)]);
    expect(b).toEqual(a);
    expect(a.children[0]?.name).toBe(childName(identity, a.id!, 0, 1));
    expect(a.children[0]?.name).toMatch(/^marketing-g1-[0-9a-f]{6}$/);
    expect(childName({ ...identity, name: 'x'.repeat(80) }, a.id!, 0, 12).length).toBeLessThanOrEqual(63);
  });
});

describe('planChild', () => {
  const parent = {
    name: 'best',
    agentType: 'marketing',
    knowledge: { 'a.1': 'x', hyperparameters: '{"epsilon":0.1}' },
  };
  const record = { name: 'marketing-g1-abcdef', parent: 'best', generation: 1, baselineScore: 0.855 };

  it('copies the parent’s whole knowledge; explore perturbs the hyperparameters ×0.8 or ×1.2', () => {
    const plain = planChild(spec(), parent, record);
    expect(plain.knowledge).toEqual({
      configMap: 'marketing-g1-abcdef-knowledge',
      from: 'best-knowledge',
      data: parent.knowledge,
    });
    expect(plain.perturbed).toEqual([]);
    const explored = planChild(spec({ spawn: { explore: {} } }), parent, record);
    expect([0.08, 0.12]).toContainEqual(
      (JSON.parse(explored.knowledge.data.hyperparameters!) as { epsilon: number }).epsilon,
    );
    expect(explored.knowledge.data['a.1']).toBe('x');
    expect(explored.perturbed).toHaveLength(1);
  });

  it('takes the PriorityClass and requests of the baseline’s tier', () => {
    const tiered = spec({
      spawn: {
        tierResources: {
          excellent: { priorityClassName: 'agents-high', requests: { cpu: '1' } },
          good: { priorityClassName: 'agents-mid', requests: { cpu: '500m', memory: '256Mi' } },
        },
      },
    });
    expect(planChild(tiered, parent, record)).toMatchObject({
      tier: 'Good',
      priorityClassName: 'agents-mid',
      requests: { cpu: '500m', memory: '256Mi' },
    });
    const average = planChild(tiered, parent, { ...record, baselineScore: 0.6 });
    expect(average.priorityClassName).toBeUndefined();
    expect(average.requests).toBeUndefined();
  });
});

describe('child objects', () => {
  const s = spec({
    spawn: {
      tierResources: { good: { priorityClassName: 'agents-mid', requests: { cpu: '500m', memory: '1Gi' } } },
    },
  });
  const child = planChild(
    s,
    { name: 'best', agentType: 'marketing', knowledge: { 'a.1': 'x' } },
    {
      name: 'marketing-g1-abcdef',
      parent: 'best',
      generation: 1,
      baselineScore: 0.855,
    },
  );
  const parentPod = {
    metadata: {
      labels: { app: 'agent', 'autopilot.ventures/trainer': 'true', 'pod-template-hash': 'abc' },
      annotations: {
        note: 'kept',
        'autopilot.ventures/score': '0.95',
        'autopilot.ventures/training-session': 's-1',
      },
    },
    spec: {
      nodeName: 'kwok-node-0',
      priority: 1000,
      containers: [
        {
          name: 'agent',
          image: 'agent:1',
          resources: { limits: { memory: '512Mi' }, requests: { cpu: '100m' } },
          volumeMounts: [
            { name: 'knowledge', mountPath: '/knowledge' },
            { name: 'kube-api-access-x1', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' },
          ],
        },
      ],
      volumes: [
        { name: 'knowledge', configMap: { name: 'best-knowledge' } },
        { name: 'kube-api-access-x1', projected: { sources: [] } },
      ],
    },
  };
  const pod = childPod(parentPod, child, identity, 'spawn-123', ['autopilot.ventures/score']);

  it('is the parent’s Pod with lineage, owner, its own knowledge ConfigMap and its tier’s priority', () => {
    expect(pod.metadata).toEqual({
      name: 'marketing-g1-abcdef',
      namespace: 'agents',
      labels: {
        app: 'agent',
        'autopilot.ventures/agentspawn': 'marketing',
        'autopilot.ventures/parent': 'best',
        'autopilot.ventures/generation': '1',
      },
      annotations: {
        note: 'kept',
        'autopilot.ventures/parent': 'best',
        'autopilot.ventures/baseline-score': '0.855',
        'autopilot.ventures/decision': 'spawn-123',
      },
      ownerReferences: [
        {
          apiVersion: 'autopilot.ventures/v1alpha1',
          kind: 'AgentSpawn',
          name: 'marketing',
          uid: 'uid-1',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    });
    expect(pod.spec).toEqual({
      priorityClassName: 'agents-mid',
      containers: [
        {
          name: 'agent',
          image: 'agent:1',
          // The memory request is held at the container's limit, which the API server requires.
          resources: { limits: { memory: '512Mi' }, requests: { cpu: '500m', memory: '512Mi' } },
          volumeMounts: [{ name: 'knowledge', mountPath: '/knowledge' }],
        },
      ],
      volumes: [{ name: 'knowledge', configMap: { name: 'marketing-g1-abcdef-knowledge' } }],
    });
    // The parent is left as it was.
    expect(parentPod.spec.volumes[0]?.configMap?.name).toBe('best-knowledge');
  });

  it('fills {pod} in a template’s ConfigMap names', () => {
    const template = {
      spec: { containers: [{ name: 'a', envFrom: [{ configMapRef: { name: '{pod}-knowledge' } }] }] },
    };
    expect(childPod(template, child, identity, 'spawn-123').spec.containers).toEqual([
      {
        name: 'a',
        envFrom: [{ configMapRef: { name: 'marketing-g1-abcdef-knowledge' } }],
        resources: { requests: { cpu: '500m', memory: '1Gi' } },
      },
    ]);
  });

  it('has a knowledge ConfigMap with the parent’s data, lineage and owner', () => {
    expect(childConfigMap(child, identity, 'spawn-123')).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'marketing-g1-abcdef-knowledge',
        namespace: 'agents',
        labels: {
          'autopilot.ventures/agentspawn': 'marketing',
          'autopilot.ventures/parent': 'best',
          'autopilot.ventures/generation': '1',
        },
        annotations: { 'autopilot.ventures/parent': 'best', 'autopilot.ventures/decision': 'spawn-123' },
        ownerReferences: pod.metadata.ownerReferences,
      },
      data: { 'a.1': 'x' },
    });
  });
});
