// `npm run bench:agentspawn`: the AgentSpawn controller's cycle on a real control plane — the population read
// fresh (its Pods, its children, the knowledge ConfigMaps, annotation scores) and decided — for large
// populations, against the same three list requests alone, measured in the same run.
import { withSpecDefaults } from '../../../src/api/v1alpha1/agentSpawn.js';
import type { AgentSpawnResource } from '../../../src/api/v1alpha1/index.js';
import { CONFIG_MAPS, PODS } from '../../../src/api/resources.js';
import { decideObserved, observePopulation } from '../../../src/controllers/agentspawn/observe.js';
import { KubeClient, loadKubeConfig } from '../../../src/runtime/client.js';
import { environmentFor, initialKnowledge, random, uniform } from '../../../examples/agent-app/bandit.js';
import { agentObjects } from '../../lib/agentApp.js';
import { benchmark } from '../lib/benchmark.js';
import { clusterNameFlag, createNamespace, deleteNamespace, useCluster } from '../lib/cluster.js';
import { DriverClient } from '../lib/driverClient.js';
import { integer, integers } from '../lib/flags.js';
import { pool } from '../lib/pool.js';
import { ratio, summarize, type Summary } from '../lib/stats.js';
import { fixed, printTable, times } from '../lib/table.js';

const flags = {
  agents: integers('100,1000', 'population sizes to measure'),
  rounds: integer(15, 'measured cycles per size (each paired with one run of the lists alone)'),
  warmup: integer(3, 'cycles run before measuring', { min: 0 }),
  concurrency: integer(16, 'requests at once while creating the agents'),
  phaseTimeout: integer(600, 'seconds starting the cluster may take', { max: 3600 }),
  clusterName: clusterNameFlag('agentspawn'),
};

interface SizeResult {
  agents: number;
  cycleMs: Summary;
  listsMs: Summary;
  decisions: string[];
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

await benchmark(
  {
    name: 'agentspawn',
    summary:
      'The AgentSpawn controller’s cycle (read fresh and decide) on a real control plane, against its lists alone.',
    flags,
    notes: 'Uses the cluster in KUBECONFIG, or starts a local kwok cluster and removes it after.',
  },
  async (run) => {
    const f = run.flags;
    const cluster = await useCluster(run, { name: f.clusterName, timeoutMs: f.phaseTimeout * 1000 });
    const config = loadKubeConfig(cluster.kubeconfig);
    const driver = await DriverClient.from(config, f.concurrency);
    const client = new KubeClient(config);
    const results: SizeResult[] = [];
    for (const agents of f.agents.filter((n) => n > 0)) {
      const namespace = await createNamespace(driver, 'bench-agentspawn');
      let removed = false;
      run.defer(() => (removed ? undefined : deleteNamespace(driver, namespace)));
      run.log(`creating ${agents} agents (Pod and knowledge ConfigMap each) in ${namespace}`);
      const env = environmentFor(1, 'marketing');
      const rng = random(agents);
      const scoredAt = new Date().toISOString();
      await pool(
        Array.from({ length: agents }, (_, i) => i),
        f.concurrency,
        async (i) => {
          const skill = uniform(rng);
          const { configMap, pod } = agentObjects(
            `agent-${i}`,
            initialKnowledge(env, skill, { epsilon: 0.1, margin: 0.1 }, rng),
          );
          const annotations = {
            'autopilot.ventures/score': (0.2 + 0.75 * skill).toFixed(3),
            'autopilot.ventures/scored-at': scoredAt,
          };
          await driver.create(CONFIG_MAPS, namespace, configMap);
          await driver.create(PODS, namespace, { ...pod, metadata: { ...pod.metadata, annotations } });
        },
      );
      const spawn: AgentSpawnResource = {
        apiVersion: 'autopilot.ventures/v1alpha1',
        kind: 'AgentSpawn',
        metadata: { name: 'agents', namespace, uid: 'bench-uid', generation: 1 },
        spec: withSpecDefaults({
          agentType: 'marketing',
          selector: { app: 'agent' },
          score: { provider: 'annotation', maxAge: '1h' },
          // Room for one cycle of children, so the spawn path is timed too (past the schema's 1000 at N = 1000).
          spawn: { maxPopulation: agents + 2, maxPerCycle: 2 },
        }),
      };
      let decisions: string[] = [];
      const cycle = async () => {
        const population = await observePopulation(client, spawn, undefined);
        const plan = decideObserved(spawn, population, { status: {}, firstCycle: false, now: Date.now() });
        decisions = plan.decisions.map((d) => d.action);
      };
      // What any controller reading this population fresh must at least do: the same three lists.
      const lists = () =>
        Promise.all([
          client.list(PODS, namespace, { labelSelector: 'app=agent' }),
          client.list(PODS, namespace, { labelSelector: 'autopilot.ventures/agentspawn=agents' }),
          client.list(CONFIG_MAPS, namespace),
        ]);
      for (let i = 0; i < f.warmup; i++) {
        await cycle();
        await lists();
      }
      const cycleSamples: number[] = [];
      const listSamples: number[] = [];
      // Interleaved, so a change in the machine's load falls on both alike.
      for (let r = 0; r < f.rounds; r++) {
        cycleSamples.push(await timed(cycle));
        listSamples.push(await timed(lists));
      }
      const result = {
        agents,
        cycleMs: summarize(cycleSamples)!,
        listsMs: summarize(listSamples)!,
        decisions,
      };
      if (!decisions.length) run.fail(`the cycle for ${agents} agents decided nothing`);
      results.push(result);
      run.log(
        `${agents} agents: cycle p50 ${fixed(result.cycleMs.p50, 1)} ms, lists p50 ${fixed(result.listsMs.p50, 1)} ms`,
      );
      await deleteNamespace(driver, namespace);
      removed = true;
    }
    printTable(
      `AgentSpawn controller cycle on ${cluster.description}, ms (${f.rounds} rounds each):`,
      'agents | cycle p50 | p90 | max | the three lists alone p50 | cycle / lists | decisions',
      results.map((r) => [
        r.agents,
        fixed(r.cycleMs.p50, 1),
        fixed(r.cycleMs.p90, 1),
        fixed(r.cycleMs.max, 1),
        fixed(r.listsMs.p50, 1),
        times(ratio(r.cycleMs.p50, r.listsMs.p50), 2),
        r.decisions.join(', '),
      ]),
    );
    return { cluster: cluster.description, results };
  },
);
