// AgentSpawn e2e harness: agents (Pods with knowledge ConfigMaps) in one test namespace, the sample
// agent app playing them, Prometheus scraping it, the operator, and reads of the AgentSpawn, its
// children, their knowledge and the Events.
import { agentObjects, startAgentApp, type AgentApp } from '../../../hack/lib/agentApp.js';
import { LocalPrometheus } from '../../../hack/lib/prometheus.js';
import type { KubeObject } from '../../../src/api/meta.js';
import { CONFIG_MAPS, PODS } from '../../../src/api/resources.js';
import { AGENT_SPAWNS, type AgentSpawnResource } from '../../../src/api/v1alpha1/index.js';
import {
  environmentFor,
  initialKnowledge,
  random,
  type Hyperparameters,
} from '../../../examples/agent-app/bandit.js';
import { KindView } from '../support/kindView.js';
import { startOperator, type OperatorProcess } from '../support/operator.js';

export interface Pod extends KubeObject {
  spec?: Record<string, unknown>;
  status?: { phase?: string };
}
export interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

const SEED = 7;

/** Knowledge of an agent of `type`: `skill` is the share of entries naming the best arm. */
export function knowledge(type: string, skill: number, hyper: Hyperparameters, seed = 1) {
  return initialKnowledge(environmentFor(SEED, type), skill, hyper, random(seed));
}

/** The sample app, the Prometheus that scrapes it, and the test's own view of the namespace. */
export class Population extends KindView<AgentSpawnResource> {
  app!: AgentApp;
  prometheus!: LocalPrometheus;

  constructor(ns: { readonly name: string }) {
    super(AGENT_SPAWNS, ns, { timeoutMs: 90_000, intervalMs: 500 });
  }

  async start(): Promise<void> {
    this.app = await startAgentApp({
      kubeconfig: process.env.KUBECONFIG!,
      namespace: this.namespace,
      selector: 'app=agent',
      seed: SEED,
      episodeMs: 500,
    });
    this.prometheus = await LocalPrometheus.start([this.app.target]);
  }

  async stop(): Promise<void> {
    await this.app?.stop();
    await this.prometheus?.close();
  }

  /** An agent Pod labelled app=agent (and its type) with its knowledge ConfigMap, mounted as the sample's Pods do. */
  async createAgent(name: string, data: Record<string, string>, type?: string): Promise<void> {
    const { configMap, pod } = agentObjects(name, data, type);
    await this.client.create(CONFIG_MAPS, this.namespace, configMap);
    await this.client.create(PODS, this.namespace, pod);
  }

  /** An AgentSpawn of the app's agents, scored through Prometheus, cycling every 2 s; `spec` is laid over it. */
  async createSpawn(name: string, spec: Record<string, unknown> = {}): Promise<AgentSpawnResource> {
    return this.client.create<AgentSpawnResource>(AGENT_SPAWNS, this.namespace, {
      apiVersion: 'autopilot.ventures/v1alpha1',
      kind: 'AgentSpawn',
      metadata: { name },
      spec: {
        mode: 'Autonomous',
        agentType: 'marketing',
        selector: { app: 'agent' },
        interval: '2s',
        score: {
          provider: 'prometheus',
          maxAge: '30s',
          prometheus: { query: `agent_performance_score{namespace="${this.namespace}"}` },
        },
        ...spec,
      },
    });
  }

  /** Waits for a cycle that ran `ms` or more after `after`'s last cycle. */
  cycledAfter(name: string, after: AgentSpawnResource, ms: number) {
    const since = Date.parse(after.status?.lastCycleTime ?? '') + ms;
    return this.until(
      name,
      `a cycle ${ms} ms after ${after.status?.lastCycleTime}`,
      (s) => Date.parse(s.status?.lastCycleTime ?? '') >= since,
    );
  }

  async pods(): Promise<Pod[]> {
    return (await this.client.list<Pod>(PODS, this.namespace)).items;
  }

  /** The Pods whose controller is the AgentSpawn with `uid`. */
  async children(uid: string): Promise<Pod[]> {
    return (await this.pods()).filter((p) =>
      p.metadata.ownerReferences?.some((r) => r.controller && r.uid === uid),
    );
  }

  async configMap(name: string): Promise<ConfigMap | undefined> {
    return this.client.find<ConfigMap>(CONFIG_MAPS, this.namespace, name);
  }

  /** The score Prometheus has for `pod`, or undefined. */
  score(pod: string): Promise<number | undefined> {
    return this.prometheus.value(`agent_performance_score{namespace="${this.namespace}",pod="${pod}"}`);
  }
}

/** `autopilot run` for the namespace, Autonomous by default, scoring through `prometheusAddress`. */
export function startPopulationOperator(
  namespace: string,
  name: string,
  prometheusAddress: string,
): Promise<OperatorProcess> {
  return startOperator('src/cli/main.ts', name, [
    'run',
    `--namespace=${namespace}`,
    `--prometheus-address=${prometheusAddress}`,
    '--leader-elect=false',
    '--default-mode=Autonomous',
  ]);
}
