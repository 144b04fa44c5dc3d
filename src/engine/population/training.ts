// Training sessions: trainers paired with weaker trainees of the same type, and each session's outcome
// measured from the trainee's score after the evaluation window, never assigned.
import type { AgentSpawnSpec, SessionRecord } from '../../api/v1alpha1/agentSpawn.js';
import { duration, isoTime, num, timeOr } from '../format.js';
import { shortHash } from '../decisions.js';
import type { Agent, PopulationIdentity } from './agents.js';
import {
  copyOf,
  knowledgeConfigMap,
  selectTransfer,
  type KnowledgeCopy,
  type KnowledgeValidation,
} from './knowledge.js';
import type { RankedAgent, Ranking } from './ranking.js';

export interface SessionPlan {
  /** The session as status records it, Running from the copy on. */
  record: SessionRecord;
  /** The trainer's entries to write into the trainee's knowledge ConfigMap. */
  copy: KnowledgeCopy;
}

export interface PairingInput {
  identity: PopulationIdentity;
  spec: Pick<AgentSpawnSpec, 'training' | 'knowledge'>;
  ranked: readonly RankedAgent[];
  /** status.sessions: running sessions keep their agents busy; a pair's last failure keeps it apart. */
  sessions: readonly SessionRecord[];
  validation: KnowledgeValidation;
  /** status.sessionsStarted: numbers new sessions, so their ids never repeat. */
  sessionsStarted: number;
  evaluationWindowMs: number;
  now: number;
}

export interface Pairing {
  sessions: SessionPlan[];
  /** Why no (more) sessions start, for a Hold's reason. */
  why?: string;
}

/** The id of the `ordinal`-th session of this AgentSpawn: a restart re-deciding it gets the same id. */
export const sessionId = (identity: PopulationIdentity, trainer: string, trainee: string, ordinal: number) =>
  `session-${shortHash([identity.namespace, identity.name, identity.uid, trainer, trainee, ordinal].join('\n'))}`;

/** Can train: at least trainerMinScore, or a former trainee that succeeded and left the trainee range. */
const canTrain = (agent: RankedAgent, training: AgentSpawnSpec['training']) =>
  agent.score >= training.trainerMinScore || (agent.trainer && agent.score >= training.traineeMaxScore);

/**
 * Pairs the weakest trainees first with the strongest free trainer of their agent type whose lead is
 * at least minGain and who has entries the trainee lacks. Each agent is in one session at a time, and
 * running sessions never exceed maxConcurrentSessions.
 */
export function pairSessions(input: PairingInput): Pairing {
  const { training, knowledge } = input.spec;
  if (!training.enabled) return { sessions: [], why: 'training is disabled' };
  const running = input.sessions.filter((s) => s.phase === 'Running');
  const busy = new Set(running.flatMap((s) => [s.trainer, s.trainee]));
  let slots = training.maxConcurrentSessions - running.length;
  if (slots <= 0)
    return { sessions: [], why: `all ${training.maxConcurrentSessions} session slots are in use` };
  const failedLast = lastFailedPairs(input.sessions);
  const free = (a: RankedAgent) => !busy.has(a.name) && a.knowledge !== undefined;
  const trainees = input.ranked.filter((a) => free(a) && a.score < training.traineeMaxScore).reverse();
  if (!trainees.length)
    return { sessions: [], why: `no free trainee below ${num(training.traineeMaxScore)}` };
  const trainers = input.ranked.filter((a) => free(a) && canTrain(a, training));
  const used = new Set<string>();
  const sessions: SessionPlan[] = [];
  for (const trainee of trainees) {
    if (slots === 0) break;
    for (const trainer of trainers) {
      if (used.has(trainer.name) || trainer.agentType !== trainee.agentType) continue;
      if (trainer.score - trainee.score < training.minGain) break; // trainers are sorted: none further leads enough
      if (failedLast.has(pairKey(trainer.name, trainee.name))) continue;
      const keys = selectTransfer(trainer, trainee, training, knowledge.hyperparametersKey, input.validation);
      if (!keys.length) continue;
      used.add(trainer.name);
      slots -= 1;
      sessions.push(startSession(input, trainer, trainee, keys, input.sessionsStarted + sessions.length));
      break;
    }
  }
  return sessions.length
    ? { sessions }
    : {
        sessions,
        why: `no free trainer leads any of ${trainees.length} trainee(s) by ${num(training.minGain)} with entries to teach`,
      };
}

const pairKey = (trainer: string, trainee: string) => `${trainer}\n${trainee}`;

/** Pairs whose latest finished session failed: the same copy would fail again. */
function lastFailedPairs(sessions: readonly SessionRecord[]): Set<string> {
  const latest = new Map<string, SessionRecord>();
  for (const s of sessions) {
    if (s.phase === 'Running') continue;
    const key = pairKey(s.trainer, s.trainee);
    const seen = latest.get(key);
    if (!seen || timeOr(s.startedAt, 0) > timeOr(seen.startedAt, 0)) latest.set(key, s);
  }
  return new Set([...latest].filter(([, s]) => s.phase === 'Failed').map(([key]) => key));
}

function startSession(
  input: PairingInput,
  trainer: RankedAgent,
  trainee: RankedAgent,
  keys: string[],
  ordinal: number,
): SessionPlan {
  const { training, knowledge } = input.spec;
  const record: SessionRecord = {
    id: sessionId(input.identity, trainer.name, trainee.name, ordinal),
    trainer: trainer.name,
    trainee: trainee.name,
    agentType: trainee.agentType,
    type: training.type,
    keys,
    phase: 'Running',
    startedAt: isoTime(input.now),
    evaluateAfter: isoTime(input.now + input.evaluationWindowMs),
    trainerScore: trainer.score,
    scoreBefore: trainee.score,
  };
  return { record, copy: sessionCopy(record, trainer, knowledge.configMapName) };
}

/**
 * The copy a session makes, from its record and the trainer as it is now: the same function starts a
 * session and finishes one a restart interrupted.
 */
export const sessionCopy = (
  record: SessionRecord,
  trainer: Pick<Agent, 'knowledge'>,
  configMapName: string,
) =>
  copyOf(
    knowledgeConfigMap(configMapName, record.trainer),
    knowledgeConfigMap(configMapName, record.trainee),
    trainer.knowledge,
    record.keys,
  );

/**
 * The share of the trainer's lead the trainee closed, from 0 to 1: (after − before) / (trainer − before).
 * A trainee that fell back closed none of it; one that passed its trainer closed all of it.
 */
export function successRate(before: number, after: number, trainer: number): number {
  const lead = trainer - before;
  if (!(lead > 0)) return after > before ? 1 : 0;
  return Math.min(1, Math.max(0, (after - before) / lead));
}

export interface Conclusions {
  /** status.sessions with this cycle's outcomes, running and newest finished first, bounded by the caller. */
  sessions: SessionRecord[];
  /** The sessions that ended now: Events, counters, and the trainer label for those that succeeded. */
  concluded: SessionRecord[];
}

/**
 * Measures each running session once its window has passed, on a score measured after the window. A
 * trainee that is gone, or has no such score within a second window, ends Abandoned: unmeasured, so
 * neither a success nor a failure.
 */
export function concludeSessions(
  sessions: readonly SessionRecord[],
  members: ReadonlySet<string>,
  ranking: Ranking,
  training: Pick<AgentSpawnSpec['training'], 'successThreshold' | 'minGain'>,
  evaluationWindowMs: number,
  now: number,
): Conclusions {
  const scores = new Map(ranking.ranked.map((a) => [a.name, a]));
  const concluded: SessionRecord[] = [];
  const updated = sessions.map((session) => {
    if (session.phase !== 'Running') return session;
    const end = (phase: SessionRecord['phase'], reason: string, extra: Partial<SessionRecord> = {}) => {
      const done: SessionRecord = { ...session, ...extra, phase, finishedAt: isoTime(now), reason };
      concluded.push(done);
      return done;
    };
    if (!members.has(session.trainee))
      return end('Abandoned', `trainee ${session.trainee} left the population`);
    // An unreadable time must not make the window look over: it counts as now.
    const due = timeOr(session.evaluateAfter, now);
    if (now < due) return session;
    const trainee = scores.get(session.trainee);
    if (!trainee || trainee.scoredAt < due) {
      if (now < due + evaluationWindowMs) return session;
      return end(
        'Abandoned',
        `no score of ${session.trainee} measured after ${session.evaluateAfter} within ${duration(evaluationWindowMs)}`,
      );
    }
    const gain = trainee.score - session.scoreBefore;
    const rate = successRate(session.scoreBefore, trainee.score, session.trainerScore);
    const succeeded = rate >= training.successThreshold && gain >= training.minGain;
    const numbers = `${num(session.scoreBefore)}→${num(trainee.score)} (gain ${num(gain)}), closed ${num(rate * 100)}% of the lead to ${session.trainer} at ${num(session.trainerScore)}`;
    const verdict = succeeded
      ? `succeeded: ${numbers}`
      : `failed: ${numbers}; a success needs ${num(training.successThreshold * 100)}% and a gain of ${num(training.minGain)}`;
    return end(succeeded ? 'Succeeded' : 'Failed', verdict, {
      scoreAfter: trainee.score,
      gain: Number(gain.toFixed(6)),
      successRate: Number(rate.toFixed(6)),
    });
  });
  return { sessions: updated, concluded };
}

/**
 * Ends a session that could not start (its trainer left before the copy, the trainee's ConfigMap is gone,
 * the copy did not read back): Abandoned, unmeasured, so neither a success nor a failure.
 */
export function abandonSession(session: SessionRecord, reason: string, now: number): SessionRecord {
  return { ...session, phase: 'Abandoned', finishedAt: isoTime(now), reason };
}
