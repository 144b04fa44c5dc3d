// A move of the serving region as steps (fence → warm → write DNS → await the answer), resumable from
// status after a restart: the next step follows from the times recorded so far and the fencing record
// read now, and a move whose epoch someone else has taken since is superseded, never finished.
import type {
  RegionPairAction,
  RegionPairDecision,
  RegionPairSpec,
  RegionPairStatus,
} from '../../api/v1alpha1/regionPair.js';
import { isoTime, timeOr } from '../format.js';
import type { RegionDecision } from './decide.js';
import type { FencingObservation } from './fencing.js';

export type FailoverRecord = NonNullable<RegionPairStatus['lastFailover']>;
export type Phase = NonNullable<RegionPairStatus['phase']>;

export type FailoverStep =
  /** Take the record by compare-and-swap (from epoch - 1 to epoch), then seal the DNS record's epoch. */
  | { step: 'Fence' }
  /** The record is ours at the move's epoch (a restart after the swap): note the time, go on. */
  | { step: 'Fenced' }
  | { step: 'Warm'; deadline: number }
  | { step: 'WriteDns' }
  | { step: 'AwaitAnswer' }
  | { step: 'Done' }
  /** The fencing record cannot be read now: wait, do nothing. */
  | { step: 'Wait'; reason: string }
  /** Another region took the record at or above this move's epoch, or it moved since the decision: this move must never write DNS. */
  | { step: 'Superseded'; reason: string };

/** The decisions that move the fencing record (and DNS) to the deciding region. */
const MOVES: ReadonlySet<RegionPairAction> = new Set(['Claim', 'Failover', 'Failback']);

/** A move recorded before (Applying, its steps in lastFailover): carried on before anything new is decided. */
export function moveUnderWay(status: Pick<RegionPairStatus, 'lastDecision' | 'lastFailover'>): boolean {
  return (
    status.lastDecision?.state === 'Applying' && status.lastFailover?.decisionId === status.lastDecision.id
  );
}

/**
 * Whether a recorded decision starts a move: an applied Claim, Failover or Failback that is new, or one
 * stopped before it took the record (its take lost, and the engine decided it again).
 */
export function startsMove(decision: RegionPairDecision, last: FailoverRecord | undefined): boolean {
  return (
    decision.state === 'Applied' &&
    MOVES.has(decision.action) &&
    (last?.decisionId !== decision.id || !last.fencedAt)
  );
}

/** The status record a decided move starts from. */
export function startFailover(decision: RegionDecision): FailoverRecord {
  if (!decision.from && !decision.to) throw new Error(`decision ${decision.id} moves nothing`);
  return {
    decisionId: decision.id,
    ...(decision.from && { from: decision.from }),
    to: decision.to!,
    reason: decision.reason,
    epoch: decision.epoch!,
    detectedAt: isoTime(decision.detectedAt ?? Date.parse(decision.decidedAt)),
    decidedAt: decision.decidedAt,
  };
}

/** What to do next for `move`, from its recorded times and the fencing record read now. */
export function nextFailoverStep(
  move: FailoverRecord,
  fencing: FencingObservation,
  spec: RegionPairSpec,
): FailoverStep {
  if (fencing.state === 'Unreadable')
    return { step: 'Wait', reason: `cannot read the fencing record: ${fencing.error}` };
  const record = fencing.state === 'Held' ? fencing.record : undefined;
  if (record && (record.epoch > move.epoch || (record.epoch === move.epoch && record.holder !== move.to))) {
    return {
      step: 'Superseded',
      reason: `${record.holder} holds the fencing record at epoch ${record.epoch}; the move to ${move.to} at epoch ${move.epoch} stops`,
    };
  }
  if (!move.fencedAt) {
    if (record?.epoch === move.epoch) return { step: 'Fenced' };
    // The take swaps epoch - 1 for epoch: a record that moved since the decision (or vanished) is not ours to take.
    if ((record?.epoch ?? 0) !== move.epoch - 1) {
      return {
        step: 'Superseded',
        reason: `the fencing record is at epoch ${record?.epoch ?? 0} now, not ${move.epoch - 1} as when the move to ${move.to} was decided`,
      };
    }
    return { step: 'Fence' };
  }
  if (!move.warmedAt) return { step: 'Warm', deadline: warmupDeadline(move, spec) };
  if (!move.dnsWrittenAt) return { step: 'WriteDns' };
  if (spec.dns.nameservers?.length && !move.dnsAnsweringAt) return { step: 'AwaitAnswer' };
  return { step: 'Done' };
}

/** The warm-up waits at most until the failover objective, counted from detection. */
export function warmupDeadline(move: FailoverRecord, spec: RegionPairSpec): number {
  return timeOr(move.detectedAt, Date.parse(move.decidedAt)) + spec.failoverObjectiveSeconds * 1000;
}

/** Detection to the DNS answering (or to the DNS write when no name servers are asked), in seconds. */
export function failoverSeconds(move: FailoverRecord): number | undefined {
  const end = move.dnsAnsweringAt ?? move.dnsWrittenAt;
  if (!end) return undefined;
  return Math.max(0, (Date.parse(end) - Date.parse(move.detectedAt)) / 1000);
}

/** Where the pair is: a move under way (not yet in DNS, not superseded by a higher epoch), or who serves. */
export function regionPhase(
  spec: RegionPairSpec,
  record: { holder: string; epoch: number } | undefined,
  move: FailoverRecord | undefined,
): Phase | undefined {
  if (move?.from && !move.dnsWrittenAt && (record?.epoch ?? 0) <= move.epoch) {
    return move.to === spec.backup.name ? 'FailingOver' : 'FailingBack';
  }
  if (record?.holder === spec.primary.name) return 'Primary';
  if (record?.holder === spec.backup.name) return 'Backup';
  return undefined;
}
