// The region engine's decision, from one region's point of view: claim, fail over, offer or take a
// failback, or hold and say why. A failover needs two views (this region's probes see the holder down
// AND the holder's heartbeat lapsed or it reports itself down) and a healthy taker; nothing acts on a
// cold start; every decision's id is a hash of the facts it was made on.
import {
  FAILBACK_ANNOTATION,
  type RegionPairAction,
  type RegionPairDecision,
  type RegionPairSpec,
} from '../../api/v1alpha1/regionPair.js';
import { REASON_LIMIT } from '../../api/decision.js';
import { parseDuration } from '../../api/duration.js';
import { clip, duration, isoTime, timeOr } from '../format.js';
import { decisionState, type Mode } from '../mode.js';
import { shortHash } from '../decisions.js';
import { heartbeatLapse, type FencingObservation, type FencingRecord } from './fencing.js';
import type { ProbeSummary } from '../probes.js';
import { judgeRegion, type RegionVerdict } from './health.js';

/** Why a region holds: the reason of its condition. */
export type HoldCause =
  | 'NotInPair'
  | 'FencingUnavailable'
  | 'ForeignHolder'
  | 'ColdStart'
  | 'Serving'
  | 'Standby'
  | 'PartitionSuspected'
  | 'TargetUnhealthy'
  | 'AwaitingPrimary';

export interface RegionPairFacts {
  pair: { namespace: string; name: string; uid?: string };
  spec: RegionPairSpec;
  /** This operator's region (--region). */
  self: string;
  annotations?: Record<string, string>;
  /** This process's own probe windows of each region's endpoint (rules: regionProbeRules), by region name. */
  probes: Partial<Record<string, ProbeSummary>>;
  fencing: FencingObservation;
}

export interface RegionDecision {
  id: string;
  action: RegionPairAction;
  reason: string;
  decidedAt: string;
  /** Hold only: why, as a CamelCase condition reason. */
  cause?: HoldCause;
  from?: string;
  to?: string;
  /** The epoch the record is (or, for OfferFailback, will be) taken at. */
  epoch?: number;
  /** When the condition that led to a move was first seen (ms): when the probes first showed the region down. */
  detectedAt?: number;
}

export function decideRegionPair(facts: RegionPairFacts, now: number): RegionDecision {
  const { spec, self, fencing } = facts;
  const { primary, backup } = spec;
  const hold = (cause: HoldCause, reason: string, basis = '') =>
    decision(facts, now, { action: 'Hold', cause, reason }, `${cause}/${basis}`);

  if (self !== primary.name && self !== backup.name) {
    return hold('NotInPair', `this operator's region ${self} is neither ${primary.name} nor ${backup.name}`);
  }
  const peer = self === primary.name ? backup.name : primary.name;
  const verdict = (region: string) => judgeRegion(region, facts.probes[region], spec, now);
  const timeoutMs = parseDuration(spec.fencing.heartbeatTimeout);

  if (fencing.state === 'Unreadable') {
    return hold('FencingUnavailable', `cannot read the fencing record: ${fencing.error}; no move without it`);
  }
  if (fencing.state === 'Absent')
    return decideUnheld(facts, now, peer, verdict, timeoutMs, fencing.watchingSince);

  const { record } = fencing;
  if (record.holder !== primary.name && record.holder !== backup.name) {
    return hold(
      'ForeignHolder',
      `the fencing record is held by ${record.holder}, which is not a region of this pair; fix the Lease or the spec`,
      record.holder,
    );
  }
  if (record.holder === self) return decideAsHolder(facts, now, peer, record, verdict);

  // The peer holds the record.
  const mine = verdict(self);
  if (record.failbackOfferedTo === self) {
    if (mine.state !== 'Up') {
      return hold('TargetUnhealthy', `${peer} offers the record back, but ${mine.reason}`, `${record.epoch}`);
    }
    return decision(facts, now, {
      action: 'Failback',
      from: peer,
      to: self,
      epoch: record.epoch + 1,
      detectedAt: now,
      reason: `${peer} offers the record back at epoch ${record.epoch} and ${mine.reason}`,
    });
  }
  const theirs = verdict(peer);
  if (theirs.state !== 'Down') {
    const cause = theirs.state === 'Unknown' ? 'ColdStart' : 'Standby';
    return hold(
      cause,
      `${peer} serves (epoch ${record.epoch}); ${theirs.reason}`,
      `${record.epoch}/${theirs.state}`,
    );
  }
  const lapse = heartbeatLapse(fencing, peer, timeoutMs, now);
  if (lapse.tooEarly) return hold('ColdStart', `${theirs.reason}, but ${lapse.reason}`, `${record.epoch}`);
  if (!lapse.lapsed && record.holderHealthy !== false) {
    return hold(
      'PartitionSuspected',
      `${theirs.reason}, but ${lapse.reason} and reports itself healthy: only this region lost sight of it (a partition, not an outage); holding`,
      `${record.epoch}`,
    );
  }
  if (mine.state !== 'Up') {
    return hold(
      'TargetUnhealthy',
      `${theirs.reason}, but ${mine.reason}: failover only to a healthy region`,
      `${record.epoch}`,
    );
  }
  const secondView = lapse.lapsed ? lapse.reason : `${peer} reports itself unhealthy`;
  return decision(facts, now, {
    action: 'Failover',
    from: peer,
    to: self,
    epoch: record.epoch + 1,
    detectedAt: facts.probes[peer]?.downSince ?? now,
    reason: `${theirs.reason} and ${secondView}; ${mine.reason}`,
  });
}

/** Nobody holds the record yet: the primary claims it when up; the backup only when the primary is down for the whole heartbeat timeout. */
function decideUnheld(
  facts: RegionPairFacts,
  now: number,
  peer: string,
  verdict: (region: string) => RegionVerdict,
  timeoutMs: number,
  watchingSince: number,
): RegionDecision {
  const { self, spec } = facts;
  const mine = verdict(self);
  const claim = (reason: string, detectedAt: number) =>
    decision(facts, now, { action: 'Claim', to: self, epoch: 1, detectedAt, reason });
  const hold = (cause: HoldCause, reason: string) =>
    decision(facts, now, { action: 'Hold', cause, reason }, `${cause}/absent`);
  if (mine.state !== 'Up') {
    return hold(
      mine.state === 'Unknown' ? 'ColdStart' : 'TargetUnhealthy',
      `nobody holds the fencing record; ${mine.reason}`,
    );
  }
  if (self === spec.primary.name) return claim(`nobody holds the fencing record and ${mine.reason}`, now);
  const theirs = verdict(peer);
  const absentFor = now - watchingSince;
  if (theirs.state === 'Down' && absentFor >= timeoutMs) {
    return claim(
      `nobody has held the fencing record for ${duration(absentFor)}, ${theirs.reason}, and ${mine.reason}`,
      facts.probes[peer]?.downSince ?? now,
    );
  }
  return hold(
    'AwaitingPrimary',
    `nobody holds the fencing record yet; the primary ${spec.primary.name} claims it first (${theirs.reason})`,
  );
}

/** This region holds the record: it serves, and as the backup offers the record back when failback is due. */
function decideAsHolder(
  facts: RegionPairFacts,
  now: number,
  peer: string,
  record: FencingRecord,
  verdict: (region: string) => RegionVerdict,
): RegionDecision {
  const { self, spec } = facts;
  const serving = (why: string) =>
    decision(
      facts,
      now,
      { action: 'Hold', cause: 'Serving', reason: `${self} serves at epoch ${record.epoch}; ${why}` },
      `Serving/${record.epoch}`,
    );
  if (self !== spec.backup.name) return serving(verdict(peer).reason);

  const primary = verdict(peer);
  const manual = facts.annotations?.[FAILBACK_ANNOTATION] === 'now';
  if (!manual && !spec.failback.automatic) {
    return serving(
      `failback is manual: kubectl annotate regionpair ${facts.pair.name} ${FAILBACK_ANNOTATION}=now`,
    );
  }
  if (primary.state !== 'Up') return serving(`no failback while ${primary.reason}`);
  if (!manual) {
    if (!primary.proven) {
      const successes = facts.probes[peer]?.consecutiveSuccesses ?? 0;
      return serving(
        `failback after ${spec.failback.healthyChecks} healthy probes of ${peer} in a row, ${successes} so far`,
      );
    }
    // acquireTime was written by this region's own clock, so comparing it with `now` is safe.
    const held = now - timeOr(record.acquireTime, now);
    const minimum = parseDuration(spec.failback.minimumHold);
    if (held < minimum)
      return serving(`failback after ${duration(minimum)} on ${self}, ${duration(held)} so far`);
  }
  return decision(facts, now, {
    action: 'OfferFailback',
    from: self,
    to: peer,
    epoch: record.epoch + 1,
    reason: `${manual ? `${FAILBACK_ANNOTATION}=now` : 'automatic failback'}: ${primary.reason}`,
  });
}

/**
 * The decision with its stable id: a move's id is a hash of the pair, the action, the regions and the
 * epoch it takes (the same move is the same decision after a restart); a hold's, of its cause and basis.
 */
function decision(
  facts: RegionPairFacts,
  now: number,
  fields: Omit<RegionDecision, 'id' | 'decidedAt'>,
  holdBasis = '',
): RegionDecision {
  const { namespace, name, uid = '' } = facts.pair;
  const basis =
    fields.action === 'Hold' ? holdBasis : `${fields.from ?? ''}>${fields.to ?? ''}@${fields.epoch ?? ''}`;
  const id = `${fields.action.toLowerCase()}-${shortHash([namespace, name, uid, fields.action, basis].join('\n'))}`;
  return { id, decidedAt: isoTime(now), ...fields };
}

/** A fresh decision as status records it: its state from the mode (and an approval naming its id). */
export function recordedDecision(
  fresh: RegionDecision,
  mode: Mode,
  approvedId: string | undefined,
): RegionPairDecision {
  const { id, action, reason, decidedAt, from, to, epoch } = fresh;
  return {
    id,
    action,
    reason: clip(reason, REASON_LIMIT),
    state: decisionState(fresh, mode, approvedId),
    decidedAt,
    ...(from && { from }),
    ...(to && { to }),
    ...(epoch !== undefined && { epoch }),
  };
}
