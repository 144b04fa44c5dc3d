// The population as the engine sees it: what the controller observes of each Pod, and who is a member.
import type { AgentSpawnSpec } from '../../api/v1alpha1/agentSpawn.js';
import { Labels } from './labels.js';

/** The AgentSpawn; its uid marks the children it owns, so a re-created one of the same name owns none. */
export interface PopulationIdentity {
  namespace: string;
  name: string;
  uid: string;
}

/** A score and when it was measured (epoch ms): the sample's own time, not when it was read. */
export interface ScoreSample {
  value: number;
  at: number;
}

/** One Pod of the population (selected by spec.selector, or a child AutoPilot spawned), as observed. */
export interface AgentObservation {
  name: string;
  /** The Pod's phase; Succeeded and Failed Pods no longer run an agent. */
  phase?: string;
  /** The Pod has a deletionTimestamp. */
  deleting?: boolean;
  labels?: Readonly<Record<string, string>>;
  annotations?: Readonly<Record<string, string>>;
  ownerReferences?: readonly { uid: string; controller?: boolean }[];
  /** The data of the agent's knowledge ConfigMap; undefined when the ConfigMap does not exist. */
  knowledge?: Readonly<Record<string, string>>;
  /** From the score source; undefined when it has none for this Pod. */
  score?: ScoreSample;
}

/** A member of the population with what the engine reads from its labels. */
export interface Agent {
  name: string;
  agentType: string;
  /** 0 for Pods the user created; a child's is its parent's plus one. */
  generation: number;
  /** Spawned by this AgentSpawn (a controller owner reference to its uid): only these may be replaced. */
  spawned: boolean;
  /** Carries the trainer label: it succeeded as a trainee and may train agents below traineeMaxScore. */
  trainer: boolean;
  knowledge?: Readonly<Record<string, string>>;
  observation: AgentObservation;
}

/** A controller owner reference to this AgentSpawn's uid: a child it spawned. */
export const isSpawnedBy = (
  ownerReferences: AgentObservation['ownerReferences'],
  identity: PopulationIdentity,
): boolean => (ownerReferences ?? []).some((r) => r.uid === identity.uid && r.controller === true);

/**
 * Pods that count as the population: not finished and not being deleted (as a ReplicaSet counts its
 * Pods), so a replaced child stops counting once its deletion began.
 */
export function membersOf(
  observations: readonly AgentObservation[],
  spec: Pick<AgentSpawnSpec, 'agentType' | 'agentTypeLabel'>,
  identity: PopulationIdentity,
): Agent[] {
  return observations
    .filter((o) => !o.deleting && o.phase !== 'Succeeded' && o.phase !== 'Failed')
    .map((o) => {
      const spawned = isSpawnedBy(o.ownerReferences, identity);
      const generation = Number(o.labels?.[Labels.generation]);
      return {
        name: o.name,
        agentType: o.labels?.[spec.agentTypeLabel] || spec.agentType,
        generation: spawned && Number.isInteger(generation) && generation > 0 ? generation : 0,
        spawned,
        trainer: o.labels?.[Labels.trainer] === 'true',
        knowledge: o.knowledge,
        observation: o,
      };
    });
}
