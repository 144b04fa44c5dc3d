// Which Event tells a recorded population decision or a finished training session, and when: a human
// hears of each new decision once, of each training outcome once, and of a score outage in one Event
// whose series counts the cycles it lasted.
import type { PopulationDecisionRecord, SessionRecord } from '../../api/v1alpha1/agentSpawn.js';
import type { ObjectEvent } from '../../api/event.js';
import { gateEvent } from '../mode.js';

export interface Recording {
  /** The decision was recorded already, in the same state: it is not news. */
  same: boolean;
  /** It continues a run of Holds (recordDecision's repeat). */
  repeat: boolean;
  /** The first Hold of the run it belongs to, as history keeps it: one outage is one series. */
  runHead?: Pick<PopulationDecisionRecord, 'id' | 'decidedAt'>;
  /** The score source could not be read in this cycle. */
  scoresUnavailable: boolean;
}

/**
 * The Event for a decision as recorded; undefined when there is nothing new to say. A decision that is
 * carried out is told by what it does (TrainingStarted, AgentSpawned), not here.
 */
export function decisionEvent(
  agentSpawn: string,
  decision: PopulationDecisionRecord,
  recording: Recording,
): ObjectEvent | undefined {
  if (decision.action === 'Hold' && recording.scoresUnavailable) {
    const head = recording.runHead ?? decision;
    return {
      type: 'Warning',
      reason: 'ScoresUnavailable',
      note: decision.reason,
      series: `${head.id}@${head.decidedAt}`,
    };
  }
  if (recording.same) return undefined;
  const gated = gateEvent('agentspawn', agentSpawn, decision);
  if (gated) return gated;
  if (decision.action === 'Hold' && !recording.repeat) {
    return { type: 'Normal', reason: 'PopulationHolding', note: decision.reason };
  }
  return undefined;
}

/** The Event for a session that ended: its outcome with the numbers it was measured on. */
export function sessionEvent(session: SessionRecord): ObjectEvent | undefined {
  const what = `session ${session.id}, ${session.trainer} → ${session.trainee}: ${session.reason ?? ''}`;
  switch (session.phase) {
    case 'Succeeded':
      return { type: 'Normal', reason: 'TrainingSucceeded', note: what };
    case 'Failed':
      return { type: 'Warning', reason: 'TrainingFailed', note: what };
    case 'Abandoned':
      return { type: 'Warning', reason: 'TrainingAbandoned', note: what };
    case 'Running':
      return undefined;
  }
}
