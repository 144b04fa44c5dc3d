// How far a decision goes under a mode: recorded, waiting for approval, applied, or blocked by a guard.
import type { Decision } from '../api/v1alpha1/venture.js';
import type { VentureDecision } from './venture/decision.js';

export type Mode = 'Observe' | 'Supervised' | 'Autonomous';

/** The venture's own mode, or the operator's default. */
export const effectiveMode = (spec: { mode?: Mode }, defaultMode: Mode): Mode => spec.mode ?? defaultMode;
export const APPROVE_ANNOTATION = 'autopilot.ventures/approve';

/** Holds change nothing, so they are simply Applied; every other decision follows the mode. */
export function decisionState(
  decision: VentureDecision,
  mode: Mode,
  approvedId: string | undefined,
): Decision['state'] {
  if (decision.blocked) return 'Blocked';
  if (decision.action === 'Hold') return 'Applied';
  if (mode === 'Observe') return 'Recommended';
  if (mode === 'Supervised' && approvedId !== decision.id) return 'PendingApproval';
  return 'Applied';
}

/**
 * The decision to record this audit. A decision still waiting for approval stays while new audits
 * reach the same action, so the id the user approves does not move under them.
 */
export function nextDecision(pending: Decision | undefined, fresh: Decision): Decision {
  if (pending?.state === 'PendingApproval' && pending.action === fresh.action) return pending;
  return fresh;
}
