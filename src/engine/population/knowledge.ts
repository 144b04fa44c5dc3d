// Knowledge as plain data: an agent's entries (ConfigMap keys <area>.<name>), their measured validation,
// which entries a session transfers, the copy itself and its verification, and explore's perturbation.
import type { AgentSpawnSpec } from '../../api/v1alpha1/agentSpawn.js';
import { num } from '../format.js';
import { shortHash } from '../decisions.js';
import type { Agent } from './agents.js';

type Data = Readonly<Record<string, string>>;

/**
 * The fewest holders and non-holders an entry's validation needs: with fewer, one agent's luck would
 * decide it, so the entry stays unvalidated.
 */
export const MIN_VALIDATION_SAMPLE = 2;

/** The name of an agent's knowledge ConfigMap. */
export const knowledgeConfigMap = (template: string, pod: string): string =>
  template.replaceAll('{pod}', pod);

/** The part of a key before its first dot; keys without one (or starting with one) are not entries. */
export function areaOf(key: string): string | undefined {
  const dot = key.indexOf('.');
  return dot > 0 ? key.slice(0, dot) : undefined;
}

/** The entries of a knowledge base: every key with an area, except the hyperparameters. */
export function entriesOf(data: Data | undefined, hyperparametersKey: string): [string, string][] {
  return Object.entries(data ?? {}).filter(
    ([key]) => key !== hyperparametersKey && areaOf(key) !== undefined,
  );
}

export interface EntryValidation {
  agentType: string;
  key: string;
  value: string;
  /** Ranked agents of the type holding the entry: the same key with the same value. */
  holders: number;
  /**
   * The chance that a holder outscores a non-holder of the same type (ties count half): the
   * Mann–Whitney U statistic over holders × non-holders. 0.5 says the entry makes no difference.
   * Undefined while holders or non-holders are fewer than MIN_VALIDATION_SAMPLE.
   */
  validationScore?: number;
  validated: boolean;
}

const entryId = (agentType: string, key: string, value: string) => `${agentType}\n${key}\n${value}`;

export interface KnowledgeValidation {
  entries: EntryValidation[];
  of(agentType: string, key: string, value: string): EntryValidation | undefined;
}

/**
 * Validates every entry the ranked agents hold, per agent type, from their scores alone: an entry is
 * validated when agents holding it outscore those without it often enough (the seed's 0.8).
 */
export function validateKnowledge(
  ranked: readonly (Agent & { score: number })[],
  knowledge: Pick<AgentSpawnSpec['knowledge'], 'hyperparametersKey' | 'validationThreshold'>,
): KnowledgeValidation {
  const byType = new Map<string, (Agent & { score: number })[]>();
  for (const agent of ranked) {
    if (!agent.knowledge) continue;
    const agents = byType.get(agent.agentType);
    if (agents) agents.push(agent);
    else byType.set(agent.agentType, [agent]);
  }
  const index = new Map<string, EntryValidation>();
  for (const [agentType, agents] of byType) {
    const ranks = midRanks(agents.map((a) => a.score));
    const sums = new Map<string, { key: string; value: string; holders: number; rankSum: number }>();
    agents.forEach((agent, i) => {
      for (const [key, value] of entriesOf(agent.knowledge, knowledge.hyperparametersKey)) {
        const id = entryId(agentType, key, value);
        const sum = sums.get(id) ?? { key, value, holders: 0, rankSum: 0 };
        sum.holders += 1;
        sum.rankSum += ranks[i]!;
        sums.set(id, sum);
      }
    });
    for (const [id, { key, value, holders, rankSum }] of sums) {
      const others = agents.length - holders;
      const enough = holders >= MIN_VALIDATION_SAMPLE && others >= MIN_VALIDATION_SAMPLE;
      const validationScore = enough
        ? (rankSum - (holders * (holders + 1)) / 2) / (holders * others)
        : undefined;
      index.set(id, {
        agentType,
        key,
        value,
        holders,
        ...(validationScore !== undefined && { validationScore }),
        validated: validationScore !== undefined && validationScore >= knowledge.validationThreshold,
      });
    }
  }
  return { entries: [...index.values()], of: (t, k, v) => index.get(entryId(t, k, v)) };
}

/** 1-based ranks of the values in ascending order, ties sharing their mean rank. */
function midRanks(values: readonly number[]): number[] {
  const order = values.map((value, i) => ({ value, i })).sort((a, b) => a.value - b.value);
  const ranks = new Array<number>(values.length);
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]!.value === order[start]!.value) end++;
    for (let k = start; k <= end; k++) ranks[order[k]!.i] = (start + end) / 2 + 1;
    start = end + 1;
  }
  return ranks;
}

/** Orders entries for transfer: validated first, then by validation score (unmeasured last), then by key. */
export function byValidation(
  validation: KnowledgeValidation,
  agentType: string,
): (a: [string, string], b: [string, string]) => number {
  return ([ka, va], [kb, vb]) => {
    const a = validation.of(agentType, ka, va);
    const b = validation.of(agentType, kb, vb);
    return (
      Number(b?.validated ?? false) - Number(a?.validated ?? false) ||
      (b?.validationScore ?? -1) - (a?.validationScore ?? -1) ||
      (ka < kb ? -1 : ka > kb ? 1 : 0)
    );
  };
}

/**
 * The trainer's entries a session copies into the trainee: those of the focus areas (all areas when
 * none are named) whose value the trainee does not already hold, validated first, at most `limit`.
 */
export function selectTransfer(
  trainer: Agent,
  trainee: Agent,
  training: Pick<AgentSpawnSpec['training'], 'focusAreas' | 'entriesPerSession'>,
  hyperparametersKey: string,
  validation: KnowledgeValidation,
): string[] {
  const focus = new Set(training.focusAreas);
  return entriesOf(trainer.knowledge, hyperparametersKey)
    .filter(
      ([key, value]) => (focus.size === 0 || focus.has(areaOf(key)!)) && trainee.knowledge?.[key] !== value,
    )
    .sort(byValidation(validation, trainer.agentType))
    .slice(0, training.entriesPerSession)
    .map(([key]) => key);
}

/** Keys to write into a ConfigMap, and where they come from: what a session or a spawn copies. */
export interface KnowledgeCopy {
  /** The donor's knowledge ConfigMap. */
  from: string;
  /** The receiving knowledge ConfigMap. */
  to: string;
  /** Keys and values to write; other keys of `to` stay as they are (write them with a merge patch). */
  data: Record<string, string>;
}

export function copyOf(
  from: string,
  to: string,
  donor: Data | undefined,
  keys: readonly string[],
): KnowledgeCopy {
  const data: Record<string, string> = {};
  for (const key of keys) {
    const value = donor?.[key];
    if (value !== undefined) data[key] = value;
  }
  return { from, to, data };
}

/** The keys the ConfigMap, read back after the copy, does not hold as copied: empty when the copy landed. */
export function verifyCopy(copy: KnowledgeCopy, readBack: Data | undefined): string[] {
  return Object.entries(copy.data)
    .filter(([key, value]) => readBack?.[key] !== value)
    .map(([key]) => key);
}

export interface Perturbed {
  /** The hyperparameters text to give the child. */
  text: string;
  /** What changed, e.g. "epsilon 0.1→0.12"; empty when nothing could be perturbed. */
  changes: string[];
}

/**
 * Multiplies every number of a hyperparameters JSON object by one of `factors`, picked by a hash of
 * the child's name and the parameter's name: deterministic, so re-deciding after a restart gives the
 * same child. Text that is not a JSON object is kept as it is, and the change list says so.
 */
export function perturbHyperparameters(text: string, factors: readonly number[], child: string): Perturbed {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { text, changes: [] };
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || factors.length === 0) {
    return { text, changes: [] };
  }
  const changes: string[] = [];
  const result: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      result[name] = value;
      continue;
    }
    const factor = factors[parseInt(shortHash(`${child}\n${name}`).slice(0, 8), 16) % factors.length]!;
    const next = Number((value * factor).toPrecision(6));
    result[name] = next;
    changes.push(`${name} ${num(value)}→${num(next)} (×${num(factor)})`);
  }
  return { text: JSON.stringify(result), changes };
}
