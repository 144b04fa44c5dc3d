// The sample agents' task, pure and seeded: contextual bandits whose knowledge (which arm is best in each
// context) an agent learns from its own pulls, keeps in its knowledge ConfigMap, and can be taught.
import { createHash } from 'node:crypto';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

/** The seed's focus areas; each has contexts (customer segments), each context is one bandit. */
export const AREAS = ['campaign_optimization', 'audience_targeting', 'pricing'] as const;
export const CONTEXTS = ['segment-a', 'segment-b', 'segment-c', 'segment-d'] as const;
export const ARMS = 6;
/** Knowledge keys: <area>.<context>, valued arm-<i>; the ConfigMap key for hyperparameters is apart. */
export const ENTRY_KEYS = AREAS.flatMap((area) => CONTEXTS.map((context) => `${area}.${context}`));
export const HYPERPARAMETERS_KEY = 'hyperparameters';
/** Pulls an agent makes in each context per episode. */
export const PULLS_PER_CONTEXT = 10;
/** Pulls of an arm before its average can overturn the committed arm: fewer make lucky streaks win. */
export const MIN_PULLS = 8;
/** Episodes a published score averages over. */
export const SCORE_WINDOW = 3;

export type Random = ReturnType<typeof xoroshiro128plus>;
export const random = (seed: number): Random => xoroshiro128plus(seed);
/** A seed from its parts (the run's seed, an agent's name): close seeds start xoroshiro on close draws, hashes do not. */
export const seedFrom = (...parts: (string | number)[]): number =>
  createHash('sha256').update(parts.join('\n')).digest().readUInt32LE(0);
export const uniform = (rng: Random, min = 0, max = 1) => min + (max - min) * uniformFloat64(rng);
export const pick = (rng: Random, n: number) => uniformInt(rng, 0, n - 1);

/** The true mean reward of every arm, per entry key; agents never see it, the score measures against it. */
export type Environment = ReadonlyMap<string, readonly number[]>;

/** One environment per agent type: every agent of a type faces the same bandits. */
export function environmentFor(seed: number, agentType: string): Environment {
  const rng = random(seedFrom(seed, agentType));
  return new Map(
    ENTRY_KEYS.map((key) => {
      const best = pick(rng, ARMS);
      // One clearly good arm among poor ones: a wrong belief costs much, a right one pays.
      return [
        key,
        Array.from({ length: ARMS }, (_, arm) =>
          arm === best ? uniform(rng, 0.75, 0.9) : uniform(rng, 0.05, 0.5),
        ),
      ];
    }),
  );
}

export const armName = (arm: number) => `arm-${arm}`;
const armOf = (value: string | undefined): number | undefined => {
  const arm = Number(/^arm-(\d+)$/.exec(value ?? '')?.[1]);
  return Number.isInteger(arm) && arm < ARMS ? arm : undefined;
};
export const bestArm = (means: readonly number[]) => means.indexOf(Math.max(...means));

export interface Hyperparameters {
  /** Share of pulls spent exploring a random arm. */
  epsilon: number;
  /** How much better (average reward) another arm must look before the agent commits to it. */
  margin: number;
}
export const DEFAULT_HYPERPARAMETERS: Hyperparameters = { epsilon: 0.2, margin: 0.1 };

/** Reads the hyperparameters key; what is missing or out of range takes the default. */
export function parseHyperparameters(text: string | undefined): Hyperparameters {
  let parsed: Partial<Record<keyof Hyperparameters, unknown>> = {};
  try {
    parsed = JSON.parse(text ?? '{}') as typeof parsed;
  } catch {
    // keep the defaults
  }
  const within = (value: unknown, fallback: number) =>
    typeof value === 'number' && value >= 0 && value <= 1 ? value : fallback;
  return {
    epsilon: within(parsed.epsilon, DEFAULT_HYPERPARAMETERS.epsilon),
    margin: within(parsed.margin, DEFAULT_HYPERPARAMETERS.margin),
  };
}

/**
 * A knowledge base whose entries name the best arm with probability `skill` and a wrong arm otherwise,
 * with the given hyperparameters.
 */
export function initialKnowledge(
  env: Environment,
  skill: number,
  hyper: Hyperparameters,
  rng: Random,
): Record<string, string> {
  const data: Record<string, string> = { [HYPERPARAMETERS_KEY]: JSON.stringify(hyper) };
  for (const [key, means] of env) {
    const best = bestArm(means);
    data[key] = armName(uniform(rng) < skill ? best : (best + 1 + pick(rng, ARMS - 1)) % ARMS);
  }
  return data;
}

/** What an agent remembers of its own pulls (not in the ConfigMap: a child inherits knowledge, not experience). */
export interface Memory {
  pulls: Map<string, number[]>;
  wins: Map<string, number[]>;
  /** Recent episode scores, newest last. */
  scores: number[];
}
export const emptyMemory = (): Memory => ({ pulls: new Map(), wins: new Map(), scores: [] });

export interface Episode {
  /** The score the agent publishes: the mean of its last SCORE_WINDOW episodes, 0–1. */
  score: number;
  /** Entries the agent changed its mind about: write them to its knowledge ConfigMap. */
  commits: Record<string, string>;
}

/**
 * One episode: in each context the agent pulls its committed arm, or a random one with probability
 * epsilon, and learns from the reward; it commits to an arm that beat the committed one by the margin
 * over at least MIN_PULLS pulls. The episode's score is the mean, over its pulls, of the pulled arm's
 * true mean scaled between the context's worst (0) and best (1) arm: regret, measured by the task.
 */
export function playEpisode(
  env: Environment,
  knowledge: Readonly<Record<string, string>>,
  memory: Memory,
  rng: Random,
): Episode {
  const hyper = parseHyperparameters(knowledge[HYPERPARAMETERS_KEY]);
  const commits: Record<string, string> = {};
  let value = 0;
  let pulls = 0;
  for (const [key, means] of env) {
    const counts = memory.pulls.get(key) ?? new Array<number>(ARMS).fill(0);
    const wins = memory.wins.get(key) ?? new Array<number>(ARMS).fill(0);
    const committed = armOf(knowledge[key]) ?? pick(rng, ARMS);
    const low = Math.min(...means);
    const span = Math.max(...means) - low;
    for (let i = 0; i < PULLS_PER_CONTEXT; i++) {
      const arm = uniform(rng) < hyper.epsilon ? pick(rng, ARMS) : committed;
      counts[arm]! += 1;
      if (uniform(rng) < means[arm]!) wins[arm]! += 1;
      value += (means[arm]! - low) / span;
      pulls += 1;
    }
    memory.pulls.set(key, counts);
    memory.wins.set(key, wins);
    const average = (arm: number) => (counts[arm]! ? wins[arm]! / counts[arm] : 0);
    let best = committed;
    for (let arm = 0; arm < ARMS; arm++) {
      if (counts[arm]! >= MIN_PULLS && average(arm) > average(best) + hyper.margin) best = arm;
    }
    if (best !== armOf(knowledge[key])) commits[key] = armName(best);
  }
  memory.scores = [...memory.scores, value / pulls].slice(-SCORE_WINDOW);
  const score = memory.scores.reduce((a, b) => a + b, 0) / memory.scores.length;
  return { score: Number(score.toFixed(4)), commits };
}
