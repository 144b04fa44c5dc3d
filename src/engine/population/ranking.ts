// Ranks the population by fresh scores; an agent whose score is missing, stale or invalid stays unranked.
import type { AgentSpawnSpec, Tier } from '../../api/v1alpha1/agentSpawn.js';
import { duration, num } from '../format.js';
import { CLOCK_SKEW_MS } from '../venture/metrics.js';
import type { Agent, ScoreSample } from './agents.js';
import { tierOf } from './tiers.js';

export interface RankedAgent extends Agent {
  score: number;
  scoredAt: number;
  tier: Tier;
}

export interface UnrankedAgent extends Agent {
  /** Why it has no usable score, e.g. "score is stale: 7m0s old, max age 5m0s". */
  why: string;
}

export interface Ranking {
  /** Best first; ties by name, so the same scores always rank the same way. */
  ranked: RankedAgent[];
  unranked: UnrankedAgent[];
}

/** A usable score, or why not. Comparisons are written so that NaN fails them. */
export function readScore(
  sample: ScoreSample | undefined,
  now: number,
  maxAgeMs: number,
): { value: number; at: number } | { why: string } {
  if (!sample) return { why: 'no score' };
  const { value, at } = sample;
  if (typeof at !== 'number' || !Number.isFinite(at)) return { why: 'score has no valid time' };
  const age = now - at;
  if (!(age <= Math.max(0, maxAgeMs))) {
    return { why: `score is stale: ${duration(age)} old, max age ${duration(maxAgeMs)}` };
  }
  if (!(-age <= CLOCK_SKEW_MS)) return { why: `score is ${duration(-age)} in the future` };
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    return { why: `score ${typeof value === 'number' ? num(value) : String(value)} is not between 0 and 1` };
  }
  return { value, at };
}

export function rankAgents(
  members: readonly Agent[],
  spec: Pick<AgentSpawnSpec, 'tiers'>,
  maxAgeMs: number,
  now: number,
): Ranking {
  const ranked: RankedAgent[] = [];
  const unranked: UnrankedAgent[] = [];
  for (const agent of members) {
    const phase = agent.observation.phase;
    if (phase !== 'Running') {
      unranked.push({ ...agent, why: `Pod is ${phase ?? 'without a phase'}` });
      continue;
    }
    const read = readScore(agent.observation.score, now, maxAgeMs);
    if ('why' in read) unranked.push({ ...agent, why: read.why });
    else
      ranked.push({ ...agent, score: read.value, scoredAt: read.at, tier: tierOf(read.value, spec.tiers) });
  }
  ranked.sort((a, b) => b.score - a.score || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { ranked, unranked };
}
