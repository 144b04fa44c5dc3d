// Part 1 of `npm run bench:population`: the sample agents' task over simulated cycles, under AutoPilot's own
// engine (training, spawning), left alone, and joined by random new agents, on the same seeded draws.
import {
  withSpecDefaults,
  type AgentSpawnSpec,
  type AgentSpawnStatus,
} from '../../../src/api/v1alpha1/agentSpawn.js';
import type { AgentObservation, PopulationIdentity } from '../../../src/engine/population/agents.js';
import {
  commitDecision,
  decidePopulation,
  type PopulationDecision,
} from '../../../src/engine/population/cycle.js';
import { Labels } from '../../../src/engine/population/labels.js';
import {
  emptyMemory,
  environmentFor,
  initialKnowledge,
  playEpisode,
  random,
  seedFrom,
  uniform,
  type Environment,
  type Hyperparameters,
  type Memory,
  type Random,
} from '../../../examples/agent-app/bandit.js';

export const Policies = ['autopilot', 'alone', 'random'] as const;
export type Policy = (typeof Policies)[number];

export interface SimulationOptions {
  seed: number;
  /** Agents at the start. */
  agents: number;
  cycles: number;
  /** Episodes each agent plays per cycle (one AgentSpawn interval). */
  episodesPerCycle: number;
  /** AutoPilot's spec, defaults filled in. */
  spec: AgentSpawnSpec;
  /** random: new agents added at each cycle (AutoPilot's spawns of the same seed, so the two add as many). */
  arrivals?: readonly number[];
}

interface SimAgent {
  name: string;
  knowledge: Record<string, string>;
  memory: Memory;
  rng: Random;
  generation: number;
  /** The cycle it joined (0 for the starting population). */
  born: number;
  /** Created by AutoPilot (owned by the AgentSpawn), not drawn at random. */
  spawned: boolean;
  trainer: boolean;
  score?: number;
}

export interface SimulationResult {
  policy: Policy;
  seed: number;
  /** Mean score of the population after each cycle. */
  meanByCycle: number[];
  /** Mean score of the starting agents only (no newcomers) after each cycle: training's part alone. */
  startersByCycle: number[];
  /** Cycles until the population's mean first reached Good (0.7); undefined if it never did. */
  meanReachesGood?: number;
  /** For each starting agent below Good after its first cycle: the cycle it first scored Good, or undefined. */
  toGood: (number | undefined)[];
  /** Agents that joined during the run: their score after their first cycle and after five. */
  newcomers: { born: number; first: number; fifth?: number; spawned: boolean }[];
  /** Agents added at each cycle. */
  arrivals: number[];
  sessions: { started: number; succeeded: number; failed: number; abandoned: number };
  population: number;
}

const GOOD = 0.7;
const INTERVAL_MS = 60_000;
const START = Date.UTC(2026, 10, 21);

/** The starting population and the random newcomers: skill (share of entries naming the best arm) and hyperparameters drawn alike. */
function drawAgent(env: Environment, name: string, seed: number, born: number): SimAgent {
  const rng = random(seedFrom(seed, name));
  const skill = uniform(rng);
  const hyper: Hyperparameters = { epsilon: uniform(rng, 0.02, 0.3), margin: uniform(rng, 0.05, 0.2) };
  return {
    name,
    knowledge: initialKnowledge(env, skill, hyper, rng),
    memory: emptyMemory(),
    rng,
    generation: 0,
    born,
    spawned: false,
    trainer: false,
  };
}

export function simulate(policy: Policy, o: SimulationOptions): SimulationResult {
  const env = environmentFor(o.seed, 'marketing');
  const identity: PopulationIdentity = { namespace: 'bench', name: 'agents', uid: `uid-${o.seed}` };
  let agents: SimAgent[] = Array.from({ length: o.agents }, (_, i) =>
    drawAgent(env, `agent-${i}`, o.seed, 0),
  );
  let status: AgentSpawnStatus = {};
  const meanByCycle: number[] = [];
  const startersByCycle: number[] = [];
  const firstScores = new Map<string, number[]>();
  const arrivals: number[] = [];
  const sessions = { started: 0, succeeded: 0, failed: 0, abandoned: 0 };

  for (let cycle = 0; cycle < o.cycles; cycle++) {
    for (const agent of agents) {
      for (let e = 0; e < o.episodesPerCycle; e++) {
        const episode = playEpisode(env, agent.knowledge, agent.memory, agent.rng);
        Object.assign(agent.knowledge, episode.commits);
        agent.score = episode.score;
      }
      const history = firstScores.get(agent.name) ?? [];
      history.push(agent.score!);
      firstScores.set(agent.name, history);
    }
    meanByCycle.push(meanScore(agents));
    startersByCycle.push(meanScore(agents.filter((a) => a.born === 0)));

    let added: SimAgent[] = [];
    if (policy === 'autopilot') {
      const now = START + cycle * INTERVAL_MS;
      const plan = decidePopulation({
        identity,
        spec: o.spec,
        status,
        observations: agents.map((a) => observe(a, identity, now)),
        firstCycle: cycle === 0,
        now,
      });
      status = { ...status, ...plan.status };
      for (const session of plan.concluded) {
        sessions[
          session.phase === 'Succeeded' ? 'succeeded' : session.phase === 'Failed' ? 'failed' : 'abandoned'
        ] += 1;
        if (session.phase === 'Succeeded') agents.find((a) => a.name === session.trainee)!.trainer = true;
      }
      for (const decision of plan.decisions) {
        status = commitDecision(status, decision, now);
        added = [...added, ...carryOut(decision, agents, cycle + 1, o.seed)];
        if (decision.action === 'Train') sessions.started += decision.sessions.length;
        if (decision.action === 'Replace') agents = agents.filter((a) => !decision.replaced.includes(a.name));
      }
    } else if (policy === 'random') {
      added = Array.from({ length: o.arrivals?.[cycle] ?? 0 }, (_, i) =>
        drawAgent(env, `random-${cycle}-${i}`, o.seed, cycle + 1),
      );
    }
    arrivals.push(added.length);
    agents = [...agents, ...added];
  }

  const starters = [...firstScores].filter(([name]) => /^agent-\d+$/.test(name));
  const toGood = starters
    .filter(([, scores]) => scores[0]! < GOOD)
    .map(([, scores]) => {
      const reached = scores.findIndex((s) => s >= GOOD);
      return reached < 0 ? undefined : reached;
    });
  const reachedAt = meanByCycle.findIndex((m) => m >= GOOD);
  const newcomers = agents
    .filter((a) => a.born > 0)
    .map((a) => {
      const scores = firstScores.get(a.name) ?? [];
      return {
        born: a.born,
        first: scores[0]!,
        ...(scores[4] !== undefined && { fifth: scores[4] }),
        spawned: a.spawned,
      };
    })
    .filter((n) => n.first !== undefined);
  return {
    policy,
    seed: o.seed,
    meanByCycle,
    startersByCycle,
    ...(reachedAt >= 0 && { meanReachesGood: reachedAt }),
    toGood,
    newcomers,
    arrivals,
    sessions,
    population: agents.length,
  };
}

const meanScore = (agents: readonly SimAgent[]) =>
  agents.reduce((sum, a) => sum + a.score!, 0) / agents.length;

/** What the controller would observe of the agent's Pod: a fresh score, its knowledge, its labels. */
function observe(agent: SimAgent, identity: PopulationIdentity, now: number): AgentObservation {
  const labels: Record<string, string> = { app: 'agent' };
  if (agent.trainer) labels[Labels.trainer] = 'true';
  if (agent.spawned) labels[Labels.generation] = String(agent.generation);
  return {
    name: agent.name,
    phase: 'Running',
    labels,
    ...(agent.spawned && { ownerReferences: [{ uid: identity.uid, controller: true }] }),
    knowledge: agent.knowledge,
    ...(agent.score !== undefined && { score: { value: agent.score, at: now } }),
  };
}

/** Applies a decision as the controller would: a session's copy lands in the trainee's ConfigMap; a child starts from its plan. */
function carryOut(decision: PopulationDecision, agents: SimAgent[], born: number, seed: number): SimAgent[] {
  switch (decision.action) {
    case 'Train':
      for (const { record, copy } of decision.sessions)
        Object.assign(agents.find((a) => a.name === record.trainee)!.knowledge, copy.data);
      return [];
    case 'Spawn':
    case 'Replace':
      return decision.children.map((child) => ({
        name: child.name,
        knowledge: { ...child.knowledge.data },
        memory: emptyMemory(),
        rng: random(seedFrom(seed, child.name)),
        generation: child.generation,
        born,
        spawned: true,
        trainer: false,
      }));
    case 'Hold':
      return [];
  }
}

/** The spec the simulation runs AutoPilot with: the seed's defaults, the evaluation window two cycles. */
export function benchSpec(agents: number, maxPerCycle: number, sessions: number): AgentSpawnSpec {
  return withSpecDefaults({
    agentType: 'marketing',
    selector: { app: 'agent' },
    interval: '1m',
    score: { maxAge: '5m' },
    training: { evaluationWindow: '2m', maxConcurrentSessions: sessions },
    spawn: { maxPopulation: agents * 2, maxPerCycle, explore: { factors: [0.8, 1.2] } },
  });
}
