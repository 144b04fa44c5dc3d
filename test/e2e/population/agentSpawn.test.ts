// AgentSpawn end to end: the operator ranks the sample agents on their real Prometheus scores, trains a
// weak agent from a strong one (knowledge copied, score measured rising, session recorded), spawns
// children of the best only, within maxPerCycle and maxPopulation, with lineage, copied knowledge and
// owner references, and deleting the AgentSpawn garbage-collects its children and their knowledge.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { entriesOf } from '../../../src/engine/population/knowledge.js';
import { Annotations, Labels } from '../../../src/engine/population/labels.js';
import { AGENT_SPAWNS, type AgentSpawnResource } from '../../../src/api/v1alpha1/index.js';
import { HYPERPARAMETERS_KEY } from '../../../examples/agent-app/bandit.js';
import { installCrds } from '../support/crds.js';
import { useNamespace, waitFor } from '../support/kube.js';
import { scrape, sumMetric, type OperatorProcess } from '../support/operator.js';
import { knowledge, Population, startPopulationOperator, type Pod } from './population.js';

const ns = useNamespace('agentspawn');
const population = new Population(ns);
let operator: OperatorProcess;

const MAX_POPULATION = 5;
// The largest population seen while the test runs: maxPopulation must hold at every moment, not only at the end.
let largest = 0;
let sampling: NodeJS.Timeout | undefined;

beforeAll(async () => {
  await installCrds();
  // strong knows every best arm; weak and loner know none and explore too little to learn them soon.
  // loner is of another type: no trainer of its kind, so it stays weak and is never a parent.
  await population.createAgent('strong', knowledge('marketing', 1, { epsilon: 0.1, margin: 0.1 }, 1));
  await population.createAgent('weak', knowledge('marketing', 0, { epsilon: 0.02, margin: 0.1 }, 2));
  await population.createAgent(
    'loner',
    knowledge('support', 0, { epsilon: 0.02, margin: 0.1 }, 3),
    'support',
  );
  await population.start();
  await waitFor('Prometheus to scrape the three agents', async () =>
    (await Promise.all(['strong', 'weak', 'loner'].map((p) => population.score(p)))).every(
      (s) => s !== undefined,
    )
      ? true
      : undefined,
  );
  operator = await startPopulationOperator(ns.name, 'agentspawn-op', population.prometheus.address);
  sampling = setInterval(() => {
    void population.pods().then(
      (pods) => (largest = Math.max(largest, pods.filter((p) => !p.metadata.deletionTimestamp).length)),
      () => undefined,
    );
  }, 500);
}, 120_000);

afterAll(async () => {
  clearInterval(sampling);
  operator?.child.kill('SIGKILL');
  await population.stop();
});

describe('an AgentSpawn on the sample agents', () => {
  let spawn: AgentSpawnResource;

  it('counts the tiers of the fresh scores in status and in its metrics', async () => {
    spawn = await population.createSpawn('marketing', {
      training: { evaluationWindow: '6s', entriesPerSession: 12 },
      spawn: { maxPopulation: MAX_POPULATION, maxPerCycle: 1, explore: { factors: [0.8, 1.2] } },
    });
    const ranked = await population.until(
      'marketing',
      'every agent ranked',
      (s) => (s.status?.ranked ?? 0) >= 3,
    );
    const tiers = ranked.status!.tiers!;
    const counted =
      tiers.excellent + tiers.good + tiers.average + tiers.poor + tiers.failing + tiers.unranked;
    expect(counted).toBe(ranked.status!.population);
    expect(tiers.excellent + tiers.good).toBeGreaterThanOrEqual(1); // strong
    expect(tiers.poor + tiers.failing).toBeGreaterThanOrEqual(1); // loner, whom nothing teaches
    expect(ranked.status!.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'Ready', status: 'True', reason: 'ScoresFresh' }),
      ]),
    );
    const text = await scrape(operator);
    const gauge = (tier: string) =>
      sumMetric(text, 'autopilot_agentspawn_agents', { namespace: ns.name, agentspawn: 'marketing', tier });
    const latest = (await population.read('marketing')).status!.tiers!;
    // The gauges are the last cycle's counts; a cycle may land between the two reads, so compare totals.
    expect(
      ['Excellent', 'Good', 'Average', 'Poor', 'Failing', 'Unranked'].map(gauge).reduce((a, b) => a + b),
    ).toBe(Object.values(latest).reduce((a, b) => a + b));
  });

  it('trains the weak agent: knowledge copied and read back, its measured score rising, the session recorded', async () => {
    const trained = await population.until(
      'marketing',
      'a session of weak recorded as finished',
      (s) => s.status?.sessions?.some((x) => x.trainee === 'weak' && x.phase !== 'Running') ?? false,
    );
    const session = trained.status!.sessions!.find((x) => x.trainee === 'weak' && x.phase !== 'Running')!;
    expect(session).toMatchObject({ trainer: 'strong', phase: 'Succeeded' });
    expect(session.scoreBefore).toBeLessThan(0.5);
    expect(session.scoreAfter! - session.scoreBefore).toBeGreaterThanOrEqual(0.1);
    expect(session.successRate).toBeGreaterThanOrEqual(0.7);
    expect(trained.status!.sessionsSucceeded).toBeGreaterThanOrEqual(1);

    // The ConfigMap holds the trainer's entries (the agent keeps its own hyperparameters).
    const strong = (await population.configMap('strong-knowledge'))!.data!;
    const weak = (await population.configMap('weak-knowledge'))!.data!;
    for (const key of session.keys) expect(weak[key]).toBe(strong[key]);
    expect(JSON.parse(weak[HYPERPARAMETERS_KEY]!)).toEqual({ epsilon: 0.02, margin: 0.1 });
    // Prometheus, not the operator, says the score rose.
    expect(await population.score('weak')).toBeGreaterThan(session.scoreBefore + 0.1);
    const pod = (await population.pods()).find((p) => p.metadata.name === 'weak')!;
    expect(pod.metadata.annotations?.[Annotations.trainingSession]).toBe(session.id);
    await waitFor('weak to be labelled a trainer', async () =>
      (await population.pods()).find((p) => p.metadata.name === 'weak')?.metadata.labels?.[Labels.trainer] ===
      'true'
        ? true
        : undefined,
    );
    const reasons = (await population.events('marketing')).map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(['TrainingStarted', 'TrainingSucceeded']));
  });

  it('spawns children of Excellent and Good parents only, one a cycle, up to maxPopulation', async () => {
    const full = await population.until(
      'marketing',
      `the population at maxPopulation ${MAX_POPULATION}`,
      (s) => s.status?.population === MAX_POPULATION && (s.status.spawned ?? 0) >= MAX_POPULATION - 3,
    );
    const decisions = (full.status!.history ?? []).filter((d) => d.action === 'Spawn');
    expect(decisions.length).toBeGreaterThanOrEqual(1);
    for (const decision of decisions) {
      expect(decision.children!.length).toBeLessThanOrEqual(1); // maxPerCycle
      for (const child of decision.children!) {
        // The decision quotes each parent's score and tier; a baseline is 0.9 × a parent of 0.7 or more.
        expect(decision.reason).toMatch(
          new RegExp(`${child.name} of ${child.parent} \\([0-9.]+, (Excellent|Good)\\)`),
        );
        expect(child.baselineScore).toBeGreaterThanOrEqual(0.9 * 0.7 - 1e-9);
        expect(child.parent).not.toBe('loner');
      }
    }
    const children = await population.children(spawn.metadata.uid!);
    expect(children).toHaveLength(full.status!.spawned!);
    for (const child of children) await expectChildOf(child, spawn);
    expect((await population.events('marketing')).filter((e) => e.reason === 'AgentSpawned')).toHaveLength(
      children.length,
    );

    // More cycles: the population stays at its maximum, and never went past it meanwhile.
    const later = await population.cycledAfter('marketing', full, 6_000);
    expect(later.status!.population).toBe(MAX_POPULATION);
    expect((await population.children(spawn.metadata.uid!)).length).toBe(children.length);
    expect(later.status!.lastDecision).toMatchObject({ action: 'Hold' });
    expect(later.status!.lastDecision!.reason).toMatch(/the population is at maxPopulation 5/);
    expect(largest).toBe(MAX_POPULATION);
  });

  it('garbage-collects the children and their knowledge when the AgentSpawn is deleted, and leaves the user’s agents', async () => {
    const children = await population.children(spawn.metadata.uid!);
    expect(children.length).toBeGreaterThan(0);
    await population.client.delete(AGENT_SPAWNS, ns.name, 'marketing');
    await waitFor(
      'the children and their ConfigMaps to be garbage-collected',
      async () => {
        const left = await population.children(spawn.metadata.uid!);
        const maps = await Promise.all(
          children.map((c) => population.configMap(`${c.metadata.name}-knowledge`)),
        );
        return left.length === 0 && maps.every((m) => m === undefined) ? true : undefined;
      },
      { timeoutMs: 90_000 },
    );
    const names = (await population.pods()).map((p) => p.metadata.name).sort();
    expect(names).toEqual(['loner', 'strong', 'weak']);
    expect(await population.configMap('strong-knowledge')).toBeDefined();
  });
});

/** A child: lineage labels and annotations, owned by the AgentSpawn with its ConfigMap, holding its parent's knowledge. */
async function expectChildOf(child: Pod, spawn: AgentSpawnResource): Promise<void> {
  const { labels = {}, annotations = {}, ownerReferences = [] } = child.metadata;
  const parent = annotations[Annotations.parent]!;
  expect(parent).not.toBe('loner');
  expect(labels[Labels.agentSpawn]).toBe('marketing');
  expect(labels[Labels.parent]).toBe(parent);
  const parentPod = (await population.pods()).find((p) => p.metadata.name === parent)!;
  expect(Number(labels[Labels.generation])).toBe(
    Number(parentPod.metadata.labels?.[Labels.generation] ?? 0) + 1,
  );
  expect(Number(annotations[Annotations.baselineScore])).toBeGreaterThan(0.6);
  const owner = {
    apiVersion: 'autopilot.ventures/v1alpha1',
    kind: 'AgentSpawn',
    name: 'marketing',
    uid: spawn.metadata.uid,
  };
  expect(ownerReferences).toEqual([expect.objectContaining({ ...owner, controller: true })]);
  const mine = (await population.configMap(`${child.metadata.name}-knowledge`))!;
  expect(mine.metadata.ownerReferences).toEqual([expect.objectContaining({ ...owner, controller: true })]);
  expect(mine.metadata.labels?.[Labels.parent]).toBe(parent);
  // Inherited: every entry of the parent at spawn, which a strong agent keeps, and perturbed hyperparameters.
  const theirs = (await population.configMap(`${parent}-knowledge`))!.data!;
  const entries = (data: Record<string, string>) => Object.fromEntries(entriesOf(data, HYPERPARAMETERS_KEY));
  expect(Object.keys(entries(mine.data!)).sort()).toEqual(Object.keys(entries(theirs)).sort());
  const agreeing = Object.entries(entries(mine.data!)).filter(([k, v]) => theirs[k] === v).length;
  expect(agreeing).toBeGreaterThanOrEqual(10); // of 12: each agent may since have learned one or two apart
  const ratio = (key: string) =>
    (JSON.parse(mine.data![HYPERPARAMETERS_KEY]!) as Record<string, number>)[key]! /
    (JSON.parse(theirs[HYPERPARAMETERS_KEY]!) as Record<string, number>)[key]!;
  for (const key of ['epsilon', 'margin']) expect([0.8, 1.2]).toContainEqual(Number(ratio(key).toFixed(6)));
}
