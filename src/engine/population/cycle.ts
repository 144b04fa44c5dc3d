// One cycle of an AgentSpawn: rank, measure finished sessions, validate knowledge, then decide what to
// train, spawn and replace (or hold), with stable ids, as plain data for the controller to gate and apply.
import { parseDuration } from '../../api/duration.js';
import {
  PopulationLimits,
  type AgentSpawnSpec,
  type AgentSpawnStatus,
  type PopulationDecisionRecord,
  type SessionRecord,
} from '../../api/v1alpha1/agentSpawn.js';
import type { DecisionState } from '../../api/decision.js';
import { clip, epochMs, isoTime, num, timeOr } from '../format.js';
import { shortHash } from '../decisions.js';
import { membersOf, type AgentObservation, type PopulationIdentity } from './agents.js';
import { planReplacements, reviewFailingChildren, type FailingChild } from './exploit.js';
import { validateKnowledge, type KnowledgeValidation } from './knowledge.js';
import { rankAgents, type Ranking } from './ranking.js';
import { planSpawn, selectParents, type ChildPlan } from './spawn.js';
import { countTiers, type TierCounts } from './tiers.js';
import { concludeSessions, pairSessions, type SessionPlan } from './training.js';

export interface PopulationInput {
  identity: PopulationIdentity;
  spec: AgentSpawnSpec;
  status?: AgentSpawnStatus;
  /** Every Pod the selector matches and every child this AgentSpawn owns, with knowledge and score. */
  observations: readonly AgentObservation[];
  /** The score source could not be read at all (e.g. Prometheus unreachable): every agent is unranked. */
  scoresUnavailable?: string;
  /** This process has not completed a cycle of this AgentSpawn yet: nothing is deleted on its first look. */
  firstCycle?: boolean;
  now: number | Date;
}

interface Decided<A extends string> {
  id: string;
  action: A;
  reason: string;
  decidedAt: string;
}
export interface TrainDecision extends Decided<'Train'> {
  sessions: SessionPlan[];
}
export interface SpawnDecision extends Decided<'Spawn'> {
  children: ChildPlan[];
}
export interface ReplaceDecision extends Decided<'Replace'> {
  /** Delete these children first, then create `children`. */
  replaced: string[];
  children: ChildPlan[];
}
export type HoldDecision = Decided<'Hold'>;
export type PopulationDecision = TrainDecision | SpawnDecision | ReplaceDecision | HoldDecision;

/** The status fields a cycle computes, whatever the mode. */
export interface CycleStatus {
  population: number;
  ranked: number;
  tiers: TierCounts;
  meanScore?: number;
  children: number;
  lineageDepth: number;
  knowledge: NonNullable<AgentSpawnStatus['knowledge']>;
  sessions: SessionRecord[];
  sessionsSucceeded: number;
  sessionsFailed: number;
  failingChildren: FailingChild[];
  lastCycleTime: string;
}

export interface PopulationPlan {
  status: CycleStatus;
  ranking: Ranking;
  validation: KnowledgeValidation;
  /** Sessions measured (or abandoned) in this cycle: Events, and the trainer label for each success. */
  concluded: SessionRecord[];
  /** Train, Replace and Spawn decisions in the order to apply them; a single Hold when there is none. */
  decisions: PopulationDecision[];
}

export function decidePopulation(input: PopulationInput): PopulationPlan {
  const now = epochMs(input.now);
  const { identity, spec } = input;
  const status = input.status ?? {};
  const evaluationWindowMs = parseDuration(spec.training.evaluationWindow);
  const members = membersOf(input.observations, spec, identity);
  const ranking: Ranking = input.scoresUnavailable
    ? {
        ranked: [],
        unranked: members.map((a) => ({ ...a, why: `scores unavailable: ${input.scoresUnavailable}` })),
      }
    : rankAgents(members, spec, parseDuration(spec.score.maxAge), now);
  const { ranked } = ranking;

  const { sessions, concluded } = concludeSessions(
    status.sessions ?? [],
    new Set(members.map((m) => m.name)),
    ranking,
    spec.training,
    evaluationWindowMs,
    now,
  );
  const validation = validateKnowledge(ranked, spec.knowledge);
  const failing = reviewFailingChildren(status.failingChildren, ranked, now);
  const spawned = status.spawned ?? 0;
  const decidedAt = isoTime(now);
  const decisions: PopulationDecision[] = [];
  const why: string[] = [];

  const training = pairSessions({
    identity,
    spec,
    ranked,
    sessions,
    validation,
    sessionsStarted: status.sessionsStarted ?? 0,
    evaluationWindowMs,
    now,
  });
  if (training.sessions.length)
    decisions.push(trainDecision(identity, training.sessions, validation, decidedAt));
  else if (training.why) why.push(`training: ${training.why}`);

  // Agents whose knowledge a session is changing are not copied into children meanwhile.
  const busy = new Set([
    ...sessions.filter((s) => s.phase === 'Running').map((s) => s.trainee),
    ...training.sessions.map((s) => s.record.trainee),
  ]);
  let parents = selectParents(ranked, spec.spawn, busy);
  const replacement = planReplacements({
    identity,
    spec,
    failing,
    ranked,
    parents,
    replacedAt: status.replacedAt ?? [],
    spawned,
    firstCycle: input.firstCycle ?? false,
    reviewPeriodMs: parseDuration(spec.exploit.reviewPeriod),
    rateWindowMs: parseDuration(spec.exploit.rateWindow),
    now,
  });
  if (replacement.id) {
    decisions.push({
      id: replacement.id,
      action: 'Replace',
      reason: clip(`replace ${replacement.details.join('; ')}`, PopulationLimits.reason),
      decidedAt,
      replaced: replacement.replaced,
      children: replacement.children,
    });
    const taken = new Set(replacement.children.map((c) => c.parent));
    parents = parents.filter((p) => !taken.has(p.name));
  } else if (replacement.why) why.push(`exploit: ${replacement.why}`);

  const spawn = planSpawn({
    identity,
    spec,
    parents,
    population: members.length,
    slots: spec.spawn.maxPerCycle - replacement.children.length,
    spawned: spawned + replacement.children.length,
  });
  if (spawn.id) {
    decisions.push({
      id: spawn.id,
      action: 'Spawn',
      reason: spawnReason(spawn.children, ranked),
      decidedAt,
      children: spawn.children,
    });
  } else if (spawn.why) why.push(`spawning: ${spawn.why}`);

  if (!decisions.length)
    decisions.push(holdDecision(identity, ranking, members.length, why, input.scoresUnavailable, decidedAt));
  return {
    status: cycleStatus(status, members, ranking, validation, sessions, concluded, failing, now),
    ranking,
    validation,
    concluded,
    decisions,
  };
}

function trainDecision(
  identity: PopulationIdentity,
  sessions: SessionPlan[],
  validation: KnowledgeValidation,
  decidedAt: string,
): TrainDecision {
  const ids = sessions.map((s) => s.record.id);
  const parts = sessions.map(({ record: r, copy }) => {
    const validated = Object.entries(copy.data).filter(
      ([k, v]) => validation.of(r.agentType, k, v)?.validated,
    ).length;
    return `${r.trainer} (${num(r.trainerScore)}) → ${r.trainee} (${num(r.scoreBefore)}): ${r.keys.length} entries, ${validated} validated`;
  });
  return {
    id: `train-${shortHash([identity.namespace, identity.name, identity.uid, ...ids].join('\n'))}`,
    action: 'Train',
    reason: clip(`${sessions.length} session(s): ${parts.join('; ')}`, PopulationLimits.reason),
    decidedAt,
    sessions,
  };
}

function spawnReason(children: readonly ChildPlan[], ranked: Ranking['ranked']): string {
  const scores = new Map(ranked.map((a) => [a.name, a]));
  const parts = children.map((c) => {
    const parent = scores.get(c.parent);
    const explore = c.perturbed.length ? `, ${c.perturbed.join(', ')}` : '';
    return `${c.name} of ${c.parent} (${num(parent?.score ?? NaN)}, ${parent?.tier ?? '?'}), baseline ${num(c.baselineScore)}${explore}`;
  });
  return clip(`${children.length} child(ren): ${parts.join('; ')}`, PopulationLimits.reason);
}

function holdDecision(
  identity: PopulationIdentity,
  ranking: Ranking,
  population: number,
  why: string[],
  scoresUnavailable: string | undefined,
  decidedAt: string,
): HoldDecision {
  const unranked = ranking.unranked;
  const example = unranked[0] ? ` (e.g. ${unranked[0].name}: ${unranked[0].why})` : '';
  const reason = scoresUnavailable
    ? `scores unavailable: ${scoresUnavailable}; nothing is trained, spawned or replaced`
    : population === 0
      ? 'the population is empty: no running Pod matches spec.selector'
      : !ranking.ranked.length
        ? `no agent has a fresh score: ${unranked.length} of ${population} unranked${example}`
        : [
            ...why,
            ...(unranked.length ? [`${unranked.length} of ${population} unranked${example}`] : []),
          ].join('; ');
  return {
    id: `hold-${shortHash([identity.namespace, identity.name, identity.uid, reason].join('\n'))}`,
    action: 'Hold',
    reason: clip(reason || 'nothing to do', PopulationLimits.reason),
    decidedAt,
  };
}

/** Running sessions all stay; of the finished ones, the newest. */
export function boundSessions(sessions: readonly SessionRecord[]): SessionRecord[] {
  const running = sessions.filter((s) => s.phase === 'Running');
  const finished = sessions
    .filter((s) => s.phase !== 'Running')
    .sort((a, b) => (b.finishedAt ?? '').localeCompare(a.finishedAt ?? ''))
    .slice(0, PopulationLimits.finishedSessions);
  return [...running, ...finished];
}

function cycleStatus(
  previous: AgentSpawnStatus,
  members: ReturnType<typeof membersOf>,
  ranking: Ranking,
  validation: KnowledgeValidation,
  sessions: SessionRecord[],
  concluded: SessionRecord[],
  failing: FailingChild[],
  now: number,
): CycleStatus {
  const { ranked, unranked } = ranking;
  const mean = ranked.length ? ranked.reduce((sum, a) => sum + a.score, 0) / ranked.length : undefined;
  const validated = validation.entries.filter((e) => e.validated);
  const top = validation.entries
    .filter((e) => e.validationScore !== undefined)
    .sort(
      (a, b) =>
        b.validationScore! - a.validationScore! || b.holders - a.holders || a.key.localeCompare(b.key),
    )
    .slice(0, PopulationLimits.topEntries)
    .map((e) => ({
      key: e.key,
      value: clip(e.value, 64),
      validationScore: Number(e.validationScore!.toFixed(4)),
      holders: e.holders,
    }));
  const outcomes = (phase: SessionRecord['phase']) => concluded.filter((s) => s.phase === phase).length;
  return {
    population: members.length,
    ranked: ranked.length,
    tiers: countTiers(
      ranked.map((a) => a.tier),
      unranked.length,
    ),
    ...(mean !== undefined && { meanScore: Number(mean.toFixed(4)) }),
    children: members.filter((m) => m.spawned).length,
    lineageDepth: members.reduce((depth, m) => Math.max(depth, m.generation), 0),
    knowledge: { entries: validation.entries.length, validated: validated.length, top },
    sessions: boundSessions(sessions),
    sessionsSucceeded: (previous.sessionsSucceeded ?? 0) + outcomes('Succeeded'),
    sessionsFailed: (previous.sessionsFailed ?? 0) + outcomes('Failed'),
    failingChildren: failing,
    lastCycleTime: isoTime(now),
  };
}

/**
 * The status once a decision is recorded to be carried out (Applying, before acting): sessions are
 * running, children counted, replacements dated. Because the counters move with the record, the next
 * cycle's ids differ, and a restart finishes this decision instead of deciding it again.
 */
export function commitDecision(
  status: AgentSpawnStatus,
  decision: PopulationDecision,
  now: number,
): AgentSpawnStatus {
  switch (decision.action) {
    case 'Train':
      return {
        ...status,
        sessions: boundSessions([...decision.sessions.map((s) => s.record), ...(status.sessions ?? [])]),
        sessionsStarted: (status.sessionsStarted ?? 0) + decision.sessions.length,
      };
    case 'Spawn':
      return { ...status, spawned: (status.spawned ?? 0) + decision.children.length };
    case 'Replace': {
      const replaced = new Set(decision.replaced);
      return {
        ...status,
        spawned: (status.spawned ?? 0) + decision.children.length,
        replacedAt: [...decision.replaced.map(() => isoTime(now)), ...(status.replacedAt ?? [])].slice(
          0,
          PopulationLimits.replacements,
        ),
        failingChildren: (status.failingChildren ?? []).filter((f) => !replaced.has(f.name)),
      };
    }
    case 'Hold':
      return status;
  }
}

/** The decision as status.lastDecision and status.history keep it. */
export function recordOf(decision: PopulationDecision, state: DecisionState): PopulationDecisionRecord {
  const base = {
    id: decision.id,
    action: decision.action,
    reason: decision.reason,
    decidedAt: decision.decidedAt,
    state,
  };
  const children = (list: readonly ChildPlan[]) =>
    list.map((c) => ({
      name: c.name,
      parent: c.parent,
      generation: c.generation,
      baselineScore: c.baselineScore,
    }));
  switch (decision.action) {
    case 'Train':
      return { ...base, sessions: decision.sessions.map((s) => s.record.id) };
    case 'Spawn':
      return { ...base, children: children(decision.children) };
    case 'Replace':
      return { ...base, replaced: decision.replaced, children: children(decision.children) };
    case 'Hold':
      return base;
  }
}

/**
 * How long until the next cycle is due (0: now). Now when the spec changed since the last one or when
 * the approve annotation names a decision waiting for it; else one interval after the last cycle.
 */
export function cycleDueIn(
  status: AgentSpawnStatus,
  o: { intervalMs: number; generation?: number; approved?: string; now: number },
): number {
  if (o.generation !== undefined && status.observedGeneration !== o.generation) return 0;
  const waiting = status.history?.some((d) => d.state === 'PendingApproval' && d.id === o.approved);
  if (waiting) return 0;
  // An unreadable time must not postpone cycles forever: it counts as long ago.
  const last = timeOr(status.lastCycleTime, -Infinity);
  return Math.max(0, last + o.intervalMs - o.now);
}
