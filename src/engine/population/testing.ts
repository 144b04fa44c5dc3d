// Test support for the population engine: a spec with defaults, agents and their observations in a line.
import { withSpecDefaults, type AgentSpawnSpec } from '../../api/v1alpha1/agentSpawn.js';
import type { AgentObservation, PopulationIdentity } from './agents.js';
import { Labels } from './labels.js';

export const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);
export const identity: PopulationIdentity = { namespace: 'agents', name: 'marketing', uid: 'uid-1' };

export const spec = (overrides: Record<string, unknown> = {}): AgentSpawnSpec =>
  withSpecDefaults({ agentType: 'marketing', selector: { app: 'agent' }, ...overrides });

export interface AgentOptions {
  /** Age of the score in ms (0: measured now). */
  age?: number;
  knowledge?: Record<string, string> | null;
  type?: string;
  child?: { generation: number };
  trainer?: boolean;
  phase?: string;
  deleting?: boolean;
}

/** A Running agent with a fresh score and a small knowledge base, unless told otherwise. */
export function agent(name: string, score: number | undefined, o: AgentOptions = {}): AgentObservation {
  const labels: Record<string, string> = { app: 'agent' };
  if (o.type) labels['autopilot.ventures/agent-type'] = o.type;
  if (o.trainer) labels[Labels.trainer] = 'true';
  if (o.child) {
    labels[Labels.agentSpawn] = identity.name;
    labels[Labels.generation] = String(o.child.generation);
  }
  return {
    name,
    phase: o.phase ?? 'Running',
    ...(o.deleting && { deleting: true }),
    labels,
    ...(o.child && { ownerReferences: [{ uid: identity.uid, controller: true }] }),
    ...(o.knowledge !== null && {
      knowledge: o.knowledge ?? { 'pricing.segment-a': `arm-${name}`, hyperparameters: '{"epsilon":0.1}' },
    }),
    ...(score !== undefined && { score: { value: score, at: NOW - (o.age ?? 0) } }),
  };
}
