// Starts the sample agent population (examples/agent-app) on a free port for tests, benchmarks and the demo.
import type { ChildProcess } from 'node:child_process';
import { startExampleApp } from './ventureApp.js';

export interface AgentAppOptions {
  /** The cluster the agents' Pods and ConfigMaps live in. */
  kubeconfig: string;
  namespace: string;
  /** Label selector of the agent Pods, e.g. app=agent. */
  selector?: string;
  /** Seeds the bandits (one environment per agent type) and each agent's draws. */
  seed?: number;
  /** Time between episodes (default 1 s). */
  episodeMs?: number;
  /** Also write each score into the Pod's annotations (the annotation score source). */
  annotate?: boolean;
}

/** An agent as the sample plays it: a Pod labelled app=agent (and its type) mounting its knowledge ConfigMap. */
export function agentObjects(name: string, knowledge: Record<string, string>, type?: string) {
  const configMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${name}-knowledge` },
    data: knowledge,
  };
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'agent', ...(type && { 'autopilot.ventures/agent-type': type }) } },
    spec: {
      containers: [
        {
          name: 'agent',
          image: 'registry.example/agent:1',
          volumeMounts: [{ name: 'knowledge', mountPath: '/knowledge' }],
        },
      ],
      volumes: [{ name: 'knowledge', configMap: { name: configMap.metadata.name } }],
    },
  };
  return { configMap, pod };
}

export interface AgentApp {
  /** http://127.0.0.1:<port>: /metrics and /scores. */
  url: string;
  /** host:port, a Prometheus scrape target. */
  target: string;
  child: ChildProcess;
  /** The scores of the last episode, by Pod. */
  scores(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

/** Resolves once the app answers /metrics; stop() ends it. */
export async function startAgentApp(options: AgentAppOptions): Promise<AgentApp> {
  const { url, target, child } = await startExampleApp('examples/agent-app/server.ts', {
    KUBECONFIG: options.kubeconfig,
    NAMESPACE: options.namespace,
    SELECTOR: options.selector ?? '',
    SEED: String(options.seed ?? 1),
    EPISODE_MS: String(options.episodeMs ?? 1000),
    ANNOTATE: String(options.annotate ?? false),
  });
  return {
    url,
    target,
    child,
    async scores() {
      const body = (await (await fetch(`${url}/scores`)).json()) as { scores: Record<string, number> };
      return body.scores;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
