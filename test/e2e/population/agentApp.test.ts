// The sample agent population against the real control plane and Prometheus: a Pod with a knowledge
// ConfigMap is scored, Prometheus scrapes the score, and a strong agent's knowledge copied into a weak
// agent's ConfigMap really raises the weak agent's score.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startAgentApp, type AgentApp } from '../../../hack/lib/agentApp.js';
import { LocalPrometheus } from '../../../hack/lib/prometheus.js';
import { CONFIG_MAPS, PODS } from '../../../src/api/resources.js';
import { copyOf, entriesOf, verifyCopy } from '../../../src/engine/population/knowledge.js';
import { KubeClient, loadKubeConfig } from '../../../src/runtime/client.js';
import {
  environmentFor,
  HYPERPARAMETERS_KEY,
  initialKnowledge,
  random,
} from '../../../examples/agent-app/bandit.js';
import { useNamespace, waitFor } from '../support/kube.js';

const SEED = 11;
const ns = useNamespace('agent-app');
const client = new KubeClient(loadKubeConfig());
let app: AgentApp;
let prometheus: LocalPrometheus;

const env = environmentFor(SEED, 'marketing');
const rng = random(5);
// A strong agent knows every context's best arm; a weak one knows none, and explores so little that it
// would need minutes to learn on its own.
const strongKnowledge = initialKnowledge(env, 1, { epsilon: 0.1, margin: 0.1 }, rng);
const weakKnowledge = initialKnowledge(env, 0, { epsilon: 0.02, margin: 0.1 }, rng);

const configMapData = async (name: string) =>
  (await client.get<{ data?: Record<string, string> }>(CONFIG_MAPS, ns.name, name)).data;

async function createAgent(name: string, knowledge?: Record<string, string>): Promise<void> {
  if (knowledge) {
    await client.create(CONFIG_MAPS, ns.name, { metadata: { name: `${name}-knowledge` }, data: knowledge });
  }
  await client.create(PODS, ns.name, {
    metadata: { name, labels: { app: 'agent' } },
    spec: {
      containers: [
        {
          name: 'agent',
          image: 'registry.example/agent:1',
          volumeMounts: [{ name: 'knowledge', mountPath: '/knowledge' }],
        },
      ],
      volumes: [{ name: 'knowledge', configMap: { name: `${name}-knowledge`, optional: true } }],
    },
  });
}

const scraped = (pod: string) =>
  prometheus.value(`agent_performance_score{namespace="${ns.name}",pod="${pod}"}`);

beforeAll(async () => {
  await createAgent('strong', strongKnowledge);
  await createAgent('weak', weakKnowledge);
  await createAgent('blank');
  app = await startAgentApp({
    kubeconfig: process.env.KUBECONFIG!,
    namespace: ns.name,
    selector: 'app=agent',
    seed: SEED,
    episodeMs: 500,
    annotate: true,
  });
  prometheus = await LocalPrometheus.start([app.target]);
}, 120_000);

afterAll(async () => {
  await app?.stop();
  await prometheus?.close();
});

describe('the sample agent app', () => {
  it('scores each Pod from its knowledge ConfigMap, and Prometheus scrapes the scores', async () => {
    const [strong, weak] = await waitFor('Prometheus to scrape both agents’ scores', async () => {
      const both = [await scraped('strong'), await scraped('weak')];
      return both.every((v) => v !== undefined) ? both : undefined;
    });
    expect(strong).toBeGreaterThan(0.85);
    expect(weak).toBeLessThan(0.45);
    // A Pod without a knowledge ConfigMap is not an agent yet: no score.
    expect(Object.keys(await app.scores()).sort()).toEqual(['strong', 'weak']);
    expect(await scraped('blank')).toBeUndefined();
    const pod = await client.get<{ metadata: { annotations?: Record<string, string> } }>(
      PODS,
      ns.name,
      'weak',
    );
    expect(Number(pod.metadata.annotations?.['autopilot.ventures/score'])).toBeLessThan(0.45);
    expect(Date.parse(pod.metadata.annotations?.['autopilot.ventures/scored-at'] ?? '')).toBeGreaterThan(
      Date.now() - 60_000,
    );
  });

  it('raises a weak agent’s score when a strong agent’s knowledge is copied into its ConfigMap', async () => {
    const before = await waitFor('a score of the weak agent', () => scraped('weak'));
    expect(before).toBeLessThan(0.45);
    const donor = await configMapData('strong-knowledge');
    const entries = entriesOf(donor, HYPERPARAMETERS_KEY).map(([key]) => key);
    expect(entries).toHaveLength(12);
    // The copy as the engine plans it: the entries only; the weak agent keeps its own hyperparameters.
    const copy = copyOf('strong-knowledge', 'weak-knowledge', donor, entries);
    await client.mergePatch(CONFIG_MAPS, ns.name, 'weak-knowledge', { data: copy.data });
    expect(verifyCopy(copy, await configMapData('weak-knowledge'))).toEqual([]);
    expect((await configMapData('weak-knowledge'))?.[HYPERPARAMETERS_KEY]).toBe(
      weakKnowledge[HYPERPARAMETERS_KEY],
    );

    const after = await waitFor(
      'Prometheus to show the weak agent above 0.8',
      async () => {
        const value = await scraped('weak');
        return value !== undefined && value > 0.8 ? value : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(after - before).toBeGreaterThan(0.4);
  });
});
