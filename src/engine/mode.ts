// How far a decision goes under a mode, for every kind: recorded, waiting for approval, applied, or
// blocked by a guard. Observe, Supervised and Autonomous are one code path over the same plan.
import type { DecisionState } from '../api/decision.js';
import type { ObjectEvent } from '../api/event.js';
import { QUIET_ACTION, type RecordedDecision } from './decisions.js';

export const Modes = ['Observe', 'Supervised', 'Autonomous'] as const;
export type Mode = (typeof Modes)[number];

/** The object's own mode, or the operator's default. */
export const effectiveMode = (spec: { mode?: Mode }, defaultMode: Mode): Mode => spec.mode ?? defaultMode;
export const APPROVE_ANNOTATION = 'autopilot.ventures/approve';

/** A decision before it has a state: Blocked when a guard stopped it. */
export interface Gated {
  id: string;
  action: string;
  blocked?: unknown;
}

/** A quiet decision (Hold) changes nothing, so it is Applied; every other follows the mode. */
export function decisionState(decision: Gated, mode: Mode, approvedId: string | undefined): DecisionState {
  if (decision.blocked) return 'Blocked';
  if (decision.action === QUIET_ACTION) return 'Applied';
  if (mode === 'Observe') return 'Recommended';
  if (mode === 'Supervised' && approvedId !== decision.id) return 'PendingApproval';
  return 'Applied';
}

/**
 * The decision to record now. A decision waiting for approval stays while new plans reach the same
 * action, so the id the user approves does not move under them.
 */
export function nextDecision<D extends RecordedDecision>(pending: D | undefined, fresh: D): D {
  if (pending?.state === 'PendingApproval' && pending.action === fresh.action) return pending;
  return fresh;
}

/**
 * The Event that tells a decision the mode held back: recommended in Observe, waiting in Supervised with the
 * line that approves it. `kind` and `name` are the object's, as kubectl spells them (`venture shop`).
 */
export function gateEvent(
  kind: string,
  name: string,
  decision: { id: string; action: string; state: DecisionState; reason: string },
): ObjectEvent | undefined {
  const { id, action, state, reason } = decision;
  if (state === 'Recommended') {
    return {
      type: 'Normal',
      reason: 'DecisionRecommended',
      note: `${action} (Observe mode, not applied): ${reason}`,
    };
  }
  if (state === 'PendingApproval') {
    const approve = `approve with: kubectl annotate ${kind} ${name} ${APPROVE_ANNOTATION}=${id}`;
    return { type: 'Normal', reason: 'DecisionPendingApproval', note: `${action}: ${reason}; ${approve}` };
  }
  return undefined;
}

/** A decision waiting for approval that the object's approve annotation names. */
export function isApproved(
  pending: RecordedDecision | undefined,
  annotations: Record<string, string> | undefined,
): boolean {
  return pending?.state === 'PendingApproval' && annotations?.[APPROVE_ANNOTATION] === pending.id;
}
