// What a RegionPair's view tells a human: its Ready condition from the decision made (or the move under
// way), and the Event that tells a decision when it is news.
import type { ObjectEvent } from '../../api/event.js';
import { gateEvent } from '../mode.js';
import type { ConditionStatus } from '../../api/meta.js';
import type { RegionPairDecision } from '../../api/v1alpha1/regionPair.js';
import type { HoldCause } from './decide.js';

export interface Readiness {
  status: ConditionStatus;
  reason: string;
  message: string;
}

/** Holds that are this region's normal state; the rest say something is wrong or not yet known. */
const READY_HOLDS: readonly HoldCause[] = ['Serving', 'Standby'];
const UNKNOWN_HOLDS: readonly HoldCause[] = ['ColdStart', 'AwaitingPrimary'];

/**
 * Ready=True while this region serves or stands by with a view it trusts; Unknown while it is still
 * gathering one; False when it holds for a reason to fix or watch (a partition, the fencing record out of
 * reach, an unhealthy taker), while a move is under way, or while a move waits for a human.
 */
export function readiness(decision: RegionPairDecision, cause: HoldCause | undefined): Readiness {
  const message = decision.reason;
  if (decision.state === 'Applying') {
    return { status: 'False', reason: `${decision.action}InProgress`, message };
  }
  if (decision.action === 'Hold') {
    const reason = cause ?? 'Holding';
    if (cause && READY_HOLDS.includes(cause)) return { status: 'True', reason, message };
    if (cause && UNKNOWN_HOLDS.includes(cause)) return { status: 'Unknown', reason, message };
    return { status: 'False', reason, message };
  }
  if (decision.state === 'Applied') return { status: 'True', reason: decision.action, message };
  // Recommended (Observe), PendingApproval (Supervised) or Blocked: the move is not being made.
  return { status: 'False', reason: `${decision.action}${decision.state}`, message };
}

/** Holds that deserve a Warning: something a human should look at. */
const WARNING_HOLDS: readonly HoldCause[] = [
  'PartitionSuspected',
  'FencingUnavailable',
  'ForeignHolder',
  'NotInPair',
  'TargetUnhealthy',
];

/** The Event that tells a newly recorded decision, or none (quiet holds, a move: told as it starts and ends). */
export function decisionEvent(
  decision: RegionPairDecision,
  cause: HoldCause | undefined,
  pairName: string,
): ObjectEvent | undefined {
  if (decision.action === 'Hold') {
    return cause && WARNING_HOLDS.includes(cause)
      ? { type: 'Warning', reason: cause, note: decision.reason }
      : undefined;
  }
  const gated = gateEvent('regionpair', pairName, decision);
  if (gated) return gated;
  if (decision.action === 'OfferFailback') {
    return {
      type: 'Normal',
      reason: 'FailbackOffered',
      note: `${decision.to} may take the record back: ${decision.reason}`,
    };
  }
  return undefined;
}
