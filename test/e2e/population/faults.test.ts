// AgentSpawn under faults, end to end: while Prometheus is down nothing is trained or spawned (and the
// operator says why), and an operator killed between recording a spawn and creating its child finishes
// that decision after a restart without a second child.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Annotations, Labels } from '../../../src/engine/population/labels.js';
import { AGENT_SPAWNS } from '../../../src/api/v1alpha1/index.js';
import { installCrds } from '../support/crds.js';
import { useNamespace, waitFor } from '../support/kube.js';
import type { OperatorProcess } from '../support/operator.js';
import { HoldingWebhook } from './holdingWebhook.js';
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
    await population.client.delete(AGENT_SPAWNS, ns.name, 'outage');
    await waitFor('the outage children to be collected', async () =>
      (await population.children(spawn.metadata.uid!)).length === 0 ? true : undefined,
    );
  });
});

describe('an operator killed between recording a spawn and creating the child', () => {
  it('finishes the decision after a restart with exactly one child for it', async () => {
    // The API server holds every Pod creation of this AgentSpawn's children until the test lets it go.
    const webhook = await HoldingWebhook.start(`e2e-hold-children-${ns.name}`, {
      namespace: ns.name,
      resource: 'pods',
      objectLabels: { [Labels.agentSpawn]: 'resumer' },
    });
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
    } finally {
      await webhook.close();
    }
  });
});
