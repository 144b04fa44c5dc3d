// Observes an AgentSpawn's population: its Pods (those the selector matches, and the children it owns),
// each Pod's knowledge ConfigMap, and each agent's score from the chosen source; and hands what it saw
// to the engine, one way for the controller, `autopilot plan` and bench:agentspawn.
import type { KubeObject } from '../../api/meta.js';
import { CONFIG_MAPS, PODS } from '../../api/resources.js';
import type { AgentSpawnResource } from '../../api/v1alpha1/index.js';
import {
  isSpawnedBy,
  type AgentObservation,
  type PopulationIdentity,
  type ScoreSample,
} from '../../engine/population/agents.js';
import {
  decidePopulation,
  type PopulationInput,
  type PopulationPlan,
} from '../../engine/population/cycle.js';
import { knowledgeConfigMap } from '../../engine/population/knowledge.js';
import { Labels, labelValue } from '../../engine/population/labels.js';
import { ProviderError } from '../../providers/http.js';
import { readHttpJsonMap } from '../../providers/httpJson.js';
import { prometheusEndpoint, readPrometheusSeries } from '../../providers/prometheus.js';
import { secretValue } from '../../providers/secrets.js';
import type { Client } from '../../runtime/client.js';

export interface AgentPod extends KubeObject {
  spec?: Record<string, unknown>;
  status?: { phase?: string };
}

export interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

export interface Population {
  /** The population's Pods by name: parents' specs for children, trainees to mark. */
  pods: Map<string, AgentPod>;
  /** The data of each existing ConfigMap of the namespace that is some member's knowledge, by name. */
  knowledge: Map<string, Record<string, string>>;
  observations: AgentObservation[];
  /** The score source could not be read: every agent is unranked, and says why. */
  scoresUnavailable?: ProviderError;
}

export const identityOf = (spawn: AgentSpawnResource): PopulationIdentity => ({
  namespace: spawn.metadata.namespace,
  name: spawn.metadata.name,
  uid: spawn.metadata.uid ?? '',
});

const matches = (labels: Record<string, string> | undefined, selector: Record<string, string>) =>
  Object.entries(selector).every(([key, value]) => labels?.[key] === value);

/**
 * Reads the population from the API server, not from a cache: a child created in the last cycle must
 * count toward maxPopulation, and knowledge is copied as it stands now. Two label-selected lists (the
 * selector's Pods, and the children by their agentspawn label, checked by owner uid) and the
 * namespace's ConfigMaps.
 */
export async function observePopulation(
  client: Client,
  spawn: AgentSpawnResource,
  defaultPrometheus: string | undefined,
): Promise<Population> {
  const identity = identityOf(spawn);
  const { namespace } = identity;
  const { selector, knowledge: settings } = spawn.spec;
  const [selected, children, configMaps] = await Promise.all([
    client.list<AgentPod>(PODS, namespace, { labelSelector: selectorText(selector) }),
    client.list<AgentPod>(PODS, namespace, {
      labelSelector: `${Labels.agentSpawn}=${labelValue(identity.name)}`,
    }),
    client.list<ConfigMap>(CONFIG_MAPS, namespace),
  ]);
  const pods = new Map<string, AgentPod>();
  for (const pod of selected.items)
    if (matches(pod.metadata.labels, selector)) pods.set(pod.metadata.name, pod);
  for (const pod of children.items)
    if (isSpawnedBy(pod.metadata.ownerReferences, identity)) pods.set(pod.metadata.name, pod);

  const wanted = new Set([...pods.keys()].map((pod) => knowledgeConfigMap(settings.configMapName, pod)));
  const knowledge = new Map(
    configMaps.items
      .filter((c) => wanted.has(c.metadata.name))
      .map((c) => [c.metadata.name, c.data ?? {}] as const),
  );

  let scores: Map<string, ScoreSample> = new Map();
  let scoresUnavailable: ProviderError | undefined;
  try {
    scores = await readScores(client, spawn, [...pods.values()], defaultPrometheus);
  } catch (err) {
    if (!(err instanceof ProviderError)) throw err;
    scoresUnavailable = err;
  }
  const observations = [...pods.values()].map((pod): AgentObservation => {
    const { name, labels, annotations, ownerReferences, deletionTimestamp } = pod.metadata;
    const data = knowledge.get(knowledgeConfigMap(settings.configMapName, name));
    const score = scores.get(name);
    return {
      name,
      ...(pod.status?.phase !== undefined && { phase: pod.status.phase }),
      ...(deletionTimestamp !== undefined && { deleting: true }),
      ...(labels && { labels }),
      ...(annotations && { annotations }),
      ...(ownerReferences && { ownerReferences }),
      ...(data && { knowledge: data }),
      ...(score && { score }),
    };
  });
  return { pods, knowledge, observations, ...(scoresUnavailable && { scoresUnavailable }) };
}

/** The engine's plan for the population as observed, from `status` (the AgentSpawn's, or the cycle's own). */
export function decideObserved(
  spawn: AgentSpawnResource,
  population: Population,
  context: Pick<PopulationInput, 'status' | 'firstCycle' | 'now'>,
): PopulationPlan {
  return decidePopulation({
    identity: identityOf(spawn),
    spec: spawn.spec,
    observations: population.observations,
    scoresUnavailable: population.scoresUnavailable?.message,
    ...context,
  });
}

/** matchLabels as a label selector; values are the API server's to validate. */
export const selectorText = (selector: Record<string, string>) =>
  Object.entries(selector)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');

/** Each agent's score by Pod name from the spec's source; a source that cannot be read throws a ProviderError. */
async function readScores(
  client: Client,
  spawn: AgentSpawnResource,
  pods: readonly AgentPod[],
  defaultPrometheus: string | undefined,
): Promise<Map<string, ScoreSample>> {
  const { namespace } = spawn.metadata;
  const { score } = spawn.spec;
  switch (score.provider) {
    case 'annotation':
      return new Map(
        pods.flatMap((pod) => {
          const annotations = pod.metadata.annotations ?? {};
          const value = annotations[score.annotation.score];
          if (value === undefined) return [];
          // A score without its time is stale: NaN is refused by the engine, never taken as now.
          const at = Date.parse(annotations[score.annotation.scoredAt] ?? '');
          return [[pod.metadata.name, { value: value.trim() === '' ? NaN : Number(value), at }] as const];
        }),
      );
    case 'prometheus': {
      const settings = score.prometheus;
      if (!settings)
        throw new ProviderError('NoScoreSource', 'score.provider is prometheus: set score.prometheus');
      const { address, bearerToken } = await prometheusEndpoint(
        client,
        namespace,
        settings,
        'spec.score.prometheus',
        defaultPrometheus,
      );
      return readPrometheusSeries(
        address,
        {
          name: 'the score query',
          queryField: 'spec.score.prometheus.query',
          settingsField: 'spec.score.prometheus',
          kind: 'AgentSpawn',
          query: settings.query,
          label: settings.podLabel,
        },
        bearerToken,
      );
    }
    case 'http': {
      const settings = score.http;
      if (!settings) throw new ProviderError('NoScoreSource', 'score.provider is http: set score.http');
      const ref = settings.headersSecretRef;
      const authorization = ref ? await secretValue(client, namespace, ref) : undefined;
      return readHttpJsonMap(
        settings.url,
        settings.scoresPath,
        settings.timestampPath,
        { settingsField: 'spec.score.http', kind: 'AgentSpawn' },
        authorization,
      );
    }
  }
}
