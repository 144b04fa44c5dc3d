// Decisions of every kind as status keeps them: a stable id, a state the mode decides, and a bounded
// history in which a run of quiet decisions (Holds) is kept as its first, each id once, newest first.

import { createHash } from 'node:crypto';
import type { DecisionState } from '../api/decision.js';

/** A 12-hex-digit digest of `key`: the stable part of a decision id, so the same basis always gives the same id. */
export const shortHash = (key: string): string => createHash('sha256').update(key).digest('hex').slice(0, 12);

/** What every kind's decision carries in status (lastDecision, history); kinds add their own fields. */
export interface RecordedDecision {
  id: string;
  action: string;
  reason: string;
  state: DecisionState;
  decidedAt: string;
}

/** A status that records decisions. */
export interface DecisionLog<D extends RecordedDecision> {
  lastDecision?: D;
  history?: D[];
}

export interface Recorded<D> {
  history: D[];
  /** The decision continues a run of quiet decisions in the same state: it is not news. */
  repeat: boolean;
}

/** The action that changes nothing; every kind calls it Hold. */
export const QUIET_ACTION = 'Hold';

export function recordDecision<D extends RecordedDecision>(
  history: readonly D[] | undefined,
  decision: D,
  limit: number,
): Recorded<D> {
  const head = history?.[0];
  const repeat =
    decision.action === QUIET_ACTION && head?.action === QUIET_ACTION && head.state === decision.state;
  if (repeat) return { history: [...(history ?? [])], repeat };
  const others = (history ?? []).filter((d) => d.id !== decision.id);
  return { history: [decision, ...others].slice(0, limit), repeat };
}

/** Sets the state of decision `id` (and any `more` of its fields) in lastDecision and its history entry. */
export function setDecisionState<D extends RecordedDecision>(
  status: DecisionLog<D>,
  id: string,
  state: DecisionState,
  more: Partial<D> = {},
): void {
  const update = (d: D): D => (d.id === id ? { ...d, ...more, state } : d);
  if (status.history) status.history = status.history.map(update);
  if (status.lastDecision) status.lastDecision = update(status.lastDecision);
}
