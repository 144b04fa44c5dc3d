// The labels and annotations AutoPilot reads and writes on agent Pods and their knowledge ConfigMaps.
import { shortHash } from '../decisions.js';

export const Labels = {
  /** On children and their ConfigMaps: the AgentSpawn that spawned them (membership beyond the selector). */
  agentSpawn: 'autopilot.ventures/agentspawn',
  /** On children: the parent Pod's name (as a label value, see labelValue). */
  parent: 'autopilot.ventures/parent',
  /** On children: the parent's generation plus one; Pods the user created are generation 0. */
  generation: 'autopilot.ventures/generation',
  /** On agents that succeeded as trainees: they may train others below traineeMaxScore. */
  trainer: 'autopilot.ventures/trainer',
} as const;

export const Annotations = {
  /** On children: the parent Pod's full name. */
  parent: 'autopilot.ventures/parent',
  /** On children: spawn.inheritance × the parent's score at spawn. */
  baselineScore: 'autopilot.ventures/baseline-score',
  /** On children: the decision that created them. */
  decision: 'autopilot.ventures/decision',
  /** On trainees: the session whose knowledge they hold; a change tells the agent to reload. */
  trainingSession: 'autopilot.ventures/training-session',
} as const;

/** Labels and annotations that describe one agent: a child never inherits them from its parent. */
export const AGENT_OWN_KEYS: readonly string[] = [
  ...Object.values(Labels),
  ...Object.values(Annotations),
  'pod-template-hash',
];

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** A name as a label value: itself when it fits (63 characters), else its head and a hash of the whole. */
export function labelValue(name: string): string {
  if (name.length <= 63 && LABEL_VALUE.test(name)) return name;
  return `${name.slice(0, 50).replace(/[^A-Za-z0-9]+$/, '')}-${shortHash(name)}`;
}
