// Spawning: parents chosen from the best tiers, children planned within maxPerCycle and maxPopulation,
// each named from its decision, with a copy of its parent's knowledge and a baseline of 90 % of its score.
import type { AgentSpawnSpec, Tier } from '../../api/v1alpha1/agentSpawn.js';
import { shortHash } from '../decisions.js';
import type { Agent, PopulationIdentity } from './agents.js';
import { knowledgeConfigMap, perturbHyperparameters } from './knowledge.js';
import type { RankedAgent } from './ranking.js';
import { tierKey, tierOf } from './tiers.js';

export interface ChildPlan {
  name: string;
  parent: string;
  agentType: string;
  generation: number;
  /** spawn.inheritance × the parent's score. */
  baselineScore: number;
  /** The tier of the baseline: it picks the child's PriorityClass and requests. */
  tier: Tier;
  /** The child's knowledge ConfigMap and its whole data: the parent's, hyperparameters perturbed with explore. */
  knowledge: { configMap: string; from: string; data: Record<string, string> };
  /** How explore changed the hyperparameters, e.g. "epsilon 0.1→0.12 (×1.2)"; empty without explore. */
  perturbed: string[];
  priorityClassName?: string;
  requests?: { cpu?: string; memory?: string };
}

/** A child as a decision records it: enough to plan it again after a restart. */
export interface ChildRecord {
  name: string;
  parent: string;
  generation: number;
  baselineScore: number;
}

/**
 * Parents: ranked agents of spawn.parentTiers (Excellent or Good) with a knowledge ConfigMap to copy,
 * best first. A child is never started from scratch because its parent's knowledge was missing.
 */
export const selectParents = (
  ranked: readonly RankedAgent[],
  spawn: Pick<AgentSpawnSpec['spawn'], 'parentTiers'>,
  busy: ReadonlySet<string>,
): RankedAgent[] =>
  ranked.filter((a) => spawn.parentTiers.includes(a.tier) && a.knowledge !== undefined && !busy.has(a.name));

/** The `index`-th child of decision `decisionId`: the same decision always names the same children. */
export function childName(
  identity: PopulationIdentity,
  decisionId: string,
  index: number,
  generation: number,
): string {
  const suffix = `-g${generation}-${shortHash(`${decisionId}\n${index}`).slice(0, 6)}`;
  return identity.name.slice(0, 63 - suffix.length).replace(/[-.]+$/, '') + suffix;
}

export const baselineOf = (parentScore: number, inheritance: number) =>
  Number((parentScore * inheritance).toFixed(4));

/** The whole plan of one child, from its record and its parent as it is now (at spawn, or after a restart). */
export function planChild(
  spec: Pick<AgentSpawnSpec, 'spawn' | 'knowledge' | 'tiers'>,
  parent: Pick<Agent, 'name' | 'agentType' | 'knowledge'>,
  child: ChildRecord,
): ChildPlan {
  const data: Record<string, string> = { ...parent.knowledge };
  const key = spec.knowledge.hyperparametersKey;
  let perturbed: string[] = [];
  if (spec.spawn.explore && data[key] !== undefined) {
    const result = perturbHyperparameters(data[key], spec.spawn.explore.factors, child.name);
    data[key] = result.text;
    perturbed = result.changes;
  }
  const tier = tierOf(child.baselineScore, spec.tiers);
  const resources = spec.spawn.tierResources?.[tierKey(tier)];
  return {
    ...child,
    agentType: parent.agentType,
    tier,
    knowledge: {
      configMap: knowledgeConfigMap(spec.knowledge.configMapName, child.name),
      from: knowledgeConfigMap(spec.knowledge.configMapName, parent.name),
      data,
    },
    perturbed,
    ...(resources?.priorityClassName !== undefined && { priorityClassName: resources.priorityClassName }),
    ...(resources?.requests && { requests: { ...resources.requests } }),
  };
}

export interface SpawnInput {
  identity: PopulationIdentity;
  spec: Pick<AgentSpawnSpec, 'spawn' | 'knowledge' | 'tiers'>;
  /** Parents still free this cycle, best first (selectParents, less those a replacement took). */
  parents: readonly RankedAgent[];
  /** Members now, replaced children no longer counted. */
  population: number;
  /** Children this cycle may still create: maxPerCycle less the replacements. */
  slots: number;
  /** status.spawned: numbers the decision, so its id and children's names never repeat. */
  spawned: number;
}

export interface SpawnPlan {
  id?: string;
  children: ChildPlan[];
  why?: string;
}

/** One child per parent, best parents first, never past maxPopulation or the cycle's slots. */
export function planSpawn(input: SpawnInput): SpawnPlan {
  const { spawn } = input.spec;
  if (!spawn.enabled) return { children: [], why: 'spawning is disabled' };
  const room = spawn.maxPopulation - input.population;
  if (room <= 0) return { children: [], why: `the population is at maxPopulation ${spawn.maxPopulation}` };
  if (input.slots <= 0)
    return { children: [], why: `replacements used this cycle's ${spawn.maxPerCycle} children` };
  const parents = input.parents.slice(0, Math.min(room, input.slots));
  if (!parents.length) {
    return {
      children: [],
      why: `no ${spawn.parentTiers.join(' or ')} parent with a fresh score and knowledge`,
    };
  }
  const id = `spawn-${shortHash(
    [
      input.identity.namespace,
      input.identity.name,
      input.identity.uid,
      input.spawned,
      ...parents.map((p) => p.name),
    ].join('\n'),
  )}`;
  return {
    id,
    children: parents.map((parent, i) =>
      planChild(input.spec, parent, recordFor(input.identity, id, i, parent, spawn.inheritance)),
    ),
  };
}

export function recordFor(
  identity: PopulationIdentity,
  decisionId: string,
  index: number,
  parent: RankedAgent,
  inheritance: number,
): ChildRecord {
  const generation = parent.generation + 1;
  return {
    name: childName(identity, decisionId, index, generation),
    parent: parent.name,
    generation,
    baselineScore: baselineOf(parent.score, inheritance),
  };
}
