// A sample agent population: one process plays every agent Pod of a namespace (fake kwok nodes run no
// containers). Each episode it reads each Pod's knowledge ConfigMap, plays the bandit task with it,
// writes back what the agent learned, and exports agent_performance_score{pod} for Prometheus (also as
// JSON on /scores, and as Pod annotations with ANNOTATE=true).
import { createServer } from 'node:http';
import { Gauge, Registry } from 'prom-client';
import { CONFIG_MAPS, PODS } from '../../src/api/resources.js';
import type { KubeObject } from '../../src/api/meta.js';
import { KubeClient, loadKubeConfig } from '../../src/runtime/client.js';
import {
  emptyMemory,
  environmentFor,
  playEpisode,
  random,
  seedFrom,
  type Environment,
  type Memory,
  type Random,
} from './bandit.js';

interface Pod extends KubeObject {
  status?: { phase?: string };
}
interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

const settings = {
  namespace: process.env.NAMESPACE ?? 'default',
  selector: process.env.SELECTOR ?? '',
  seed: Number(process.env.SEED ?? 1),
  episodeMs: Number(process.env.EPISODE_MS ?? 1000),
  configMapName: process.env.CONFIGMAP_NAME ?? '{pod}-knowledge',
  typeLabel: process.env.TYPE_LABEL ?? 'autopilot.ventures/agent-type',
  defaultType: process.env.AGENT_TYPE ?? 'marketing',
  annotate: process.env.ANNOTATE === 'true',
  scoreAnnotation: process.env.SCORE_ANNOTATION ?? 'autopilot.ventures/score',
  scoredAtAnnotation: process.env.SCORED_AT_ANNOTATION ?? 'autopilot.ventures/scored-at',
};

const registry = new Registry();
const score = new Gauge({
  name: 'agent_performance_score',
  help: 'The agent’s score, 0–1: the mean of its last episodes, each scaled between its worst and best arm.',
  labelNames: ['namespace', 'pod'] as const,
  registers: [registry],
});
const episodes = new Gauge({
  name: 'agent_episodes',
  help: 'Episodes played by the agent since this process saw its Pod.',
  labelNames: ['namespace', 'pod'] as const,
  registers: [registry],
});

/** Per Pod uid: a re-created Pod of the same name is a new agent with no experience. */
const agents = new Map<
  string,
  { name: string; memory: Memory; rng: Random; played: number; score?: number }
>();
const environments = new Map<string, Environment>();
let measuredAt = new Date(0);

const client = new KubeClient(loadKubeConfig(process.env.KUBECONFIG));

async function episode(): Promise<void> {
  const [pods, configMaps] = await Promise.all([
    client.list<Pod>(PODS, settings.namespace, { labelSelector: settings.selector || undefined }),
    client.list<ConfigMap>(CONFIG_MAPS, settings.namespace),
  ]);
  const knowledge = new Map(configMaps.items.map((c) => [c.metadata.name, c.data ?? {}]));
  const seen = new Set<string>();
  const now = new Date();
  await Promise.all(
    pods.items.map(async (pod) => {
      const { name, uid = name } = pod.metadata;
      const configMap = settings.configMapName.replaceAll('{pod}', name);
      const data = knowledge.get(configMap);
      if (pod.status?.phase !== 'Running' || pod.metadata.deletionTimestamp || !data) return;
      seen.add(uid);
      const type = pod.metadata.labels?.[settings.typeLabel] ?? settings.defaultType;
      let env = environments.get(type);
      if (!env) environments.set(type, (env = environmentFor(settings.seed, type)));
      let agent = agents.get(uid);
      if (!agent)
        agents.set(
          uid,
          (agent = { name, memory: emptyMemory(), rng: random(seedFrom(settings.seed, name)), played: 0 }),
        );
      const result = playEpisode(env, data, agent.memory, agent.rng);
      agent.played += 1;
      agent.score = result.score;
      score.set({ namespace: settings.namespace, pod: name }, result.score);
      episodes.set({ namespace: settings.namespace, pod: name }, agent.played);
      if (Object.keys(result.commits).length) {
        await client.mergePatch(CONFIG_MAPS, settings.namespace, configMap, { data: result.commits });
      }
      if (settings.annotate) {
        await client.mergePatch(PODS, settings.namespace, name, {
          metadata: {
            annotations: {
              [settings.scoreAnnotation]: String(result.score),
              [settings.scoredAtAnnotation]: now.toISOString(),
            },
          },
        });
      }
    }),
  );
  for (const [uid, agent] of agents) {
    if (seen.has(uid)) continue;
    agents.delete(uid);
    score.remove({ namespace: settings.namespace, pod: agent.name });
    episodes.remove({ namespace: settings.namespace, pod: agent.name });
  }
  measuredAt = now;
}

async function loop(): Promise<void> {
  for (;;) {
    const started = Date.now();
    await episode().catch((err: unknown) =>
      console.error(`episode failed: ${err instanceof Error ? err.message : String(err)}`),
    );
    await new Promise((done) => setTimeout(done, Math.max(0, settings.episodeMs - (Date.now() - started))));
  }
}

const port = Number(process.env.PORT ?? 9465);
createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/metrics') {
    void registry
      .metrics()
      .then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text));
  } else if (req.method === 'GET' && req.url === '/scores') {
    const scores = Object.fromEntries(
      [...agents.values()].filter((a) => a.score !== undefined).map((a) => [a.name, a.score]),
    );
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ scores, measuredAt: measuredAt.toISOString() }));
  } else {
    res.writeHead(404).end('GET /metrics or /scores\n');
  }
}).listen(port, process.env.HOST ?? '127.0.0.1', () => {
  console.log(`agent app on :${port} playing the agents of namespace ${settings.namespace}`);
  void loop();
});
