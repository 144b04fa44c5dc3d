// Part 2 of `npm run bench:population`: the engine's cycle time (decidePopulation) for large populations,
// against ranking alone (the least a cycle does) measured in the same run.
import type { AgentSpawnSpec } from '../../../src/api/v1alpha1/agentSpawn.js';
import {
  membersOf,
  type AgentObservation,
  type PopulationIdentity,
} from '../../../src/engine/population/agents.js';
import { decidePopulation } from '../../../src/engine/population/cycle.js';
import { rankAgents } from '../../../src/engine/population/ranking.js';
import { environmentFor, initialKnowledge, random, uniform } from '../../../examples/agent-app/bandit.js';
import { summarize, type Summary } from '../lib/stats.js';

export interface CycleTime {
  agents: number;
  /** ms per call, one sample per round. */
  cycleMs: Summary;
  rankingMs: Summary;
  decisions: string[];
}

const NOW = Date.UTC(2026, 10, 21, 12);
const identity: PopulationIdentity = { namespace: 'bench', name: 'agents', uid: 'uid-bench' };

/** A population as the controller would observe it: fresh scores, 12 knowledge entries each, a few children. */
function population(n: number): AgentObservation[] {
  const env = environmentFor(1, 'marketing');
  const rng = random(n);
  return Array.from({ length: n }, (_, i) => {
    const skill = uniform(rng);
    const child = i % 10 === 0;
    return {
      name: `agent-${i}`,
      phase: 'Running',
      labels: { app: 'agent', ...(child && { 'autopilot.ventures/generation': '1' }) },
      ...(child && { ownerReferences: [{ uid: identity.uid, controller: true }] }),
      knowledge: initialKnowledge(env, skill, { epsilon: 0.1, margin: 0.1 }, rng),
      score: { value: Number((0.2 + 0.75 * skill).toFixed(3)), at: NOW - 10_000 },
    };
  });
}

function time(rounds: number, work: () => unknown): Summary {
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const started = performance.now();
    work();
    samples.push(performance.now() - started);
  }
  return summarize(samples)!;
}

export function benchCycle(spec: AgentSpawnSpec, agents: number, rounds: number, warmup: number): CycleTime {
  const observations = population(agents);
  // Room for one cycle of children, so the spawn path is timed too (past the schema's 1000 at N = 1000).
  const roomy = { ...spec, spawn: { ...spec.spawn, maxPopulation: agents + spec.spawn.maxPerCycle } };
  const input = { identity, spec: roomy, observations, now: NOW };
  const rank = () => rankAgents(membersOf(observations, spec, identity), spec, 300_000, NOW);
  for (let i = 0; i < warmup; i++) {
    decidePopulation(input);
    rank();
  }
  return {
    agents,
    cycleMs: time(rounds, () => decidePopulation(input)),
    rankingMs: time(rounds, rank),
    decisions: decidePopulation(input).decisions.map((d) => d.action),
  };
}
