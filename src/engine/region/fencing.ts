// The fencing rules that keep two regions from serving at once: one holder of a record with an epoch,
// taken only by compare-and-swap on what was read, the epoch only growing, and DNS written only by the
// holder at its epoch, never below an epoch the DNS record already carries.
import type { RegionPairStatus } from '../../api/v1alpha1/regionPair.js';
import { duration, isoTime } from '../format.js';

/** The fencing record as read (a Lease in the DNS cluster; see src/providers/fencing.ts). */
export interface FencingRecord {
  /** The region that holds the record and may serve and write DNS. */
  holder: string;
  epoch: number;
  /** The holder's last heartbeat, as it wrote it (its clock: only its changes are compared). */
  renewTime?: string;
  /** When the holder took the record. */
  acquireTime?: string;
  /** The holder's report of its own region's health, written with every heartbeat. */
  holderHealthy?: boolean;
  /** The region the holder offers the record to (failback), written with its heartbeat. */
  failbackOfferedTo?: string;
  /** The version a compare-and-swap must name. */
  resourceVersion: string;
}

/** What this process knows of the record: read now, and how long it has watched the heartbeat. */
export type FencingObservation =
  | { state: 'Absent'; watchingSince: number }
  | { state: 'Unreadable'; error: string }
  | {
      state: 'Held';
      record: FencingRecord;
      /** When this process first saw the current renewTime (its own clock). */
      renewSeenAt: number;
      /** When this process began watching the record (its own clock). */
      watchingSince: number;
    };

export interface Lapse {
  lapsed: boolean;
  /** This process has not watched long enough to tell a lapse (cold start). */
  tooEarly: boolean;
  reason: string;
}

/**
 * A heartbeat has lapsed when this process saw no new renewTime for `timeoutMs` by its own clock, and
 * it has watched for at least that long (client-go's rule: the holder's clock is never compared).
 */
export function heartbeatLapse(
  observation: { watchingSince: number; renewSeenAt?: number },
  holder: string,
  timeoutMs: number,
  now: number,
): Lapse {
  const watched = now - observation.watchingSince;
  if (watched < timeoutMs) {
    return {
      lapsed: false,
      tooEarly: true,
      reason: `watched ${holder}'s heartbeat for ${duration(watched)} of the ${duration(timeoutMs)} needed to call it lapsed`,
    };
  }
  const silent = now - (observation.renewSeenAt ?? observation.watchingSince);
  return silent >= timeoutMs
    ? {
        lapsed: true,
        tooEarly: false,
        reason: `${holder} has not renewed its heartbeat for ${duration(silent)}`,
      }
    : { lapsed: false, tooEarly: false, reason: `${holder} renewed its heartbeat ${duration(silent)} ago` };
}

export type FencingStatus = NonNullable<RegionPairStatus['fencing']>;

/**
 * status.fencing from a held record as this region sees it: whether the other region's heartbeat lapsed
 * (by this process's watch, unsaid until it has watched for `timeoutMs`), and the holder's own report.
 */
export function fencingStatus(
  observation: { record: FencingRecord; watchingSince: number; renewSeenAt: number },
  self: string,
  timeoutMs: number,
  now: number,
): FencingStatus {
  const { record } = observation;
  const lapse =
    record.holder === self ? undefined : heartbeatLapse(observation, record.holder, timeoutMs, now);
  return {
    holder: record.holder,
    epoch: record.epoch,
    ...(record.renewTime && { renewTime: isoTime(Date.parse(record.renewTime)) }),
    ...(lapse && !lapse.tooEarly && { lapsed: lapse.lapsed }),
    ...(record.holderHealthy !== undefined && { holderHealthy: record.holderHealthy }),
    ...(record.failbackOfferedTo && { failbackOfferedTo: record.failbackOfferedTo }),
  };
}

/** The record a region writes to take it from what it read (undefined: nobody held it): epoch + 1. */
export function takeRecord(
  read: FencingRecord | undefined,
  taker: string,
  nowIso: string,
): Omit<FencingRecord, 'resourceVersion'> {
  return {
    holder: taker,
    epoch: (read?.epoch ?? 0) + 1,
    acquireTime: nowIso,
    renewTime: nowIso,
    holderHealthy: true,
  };
}

/** The holder's heartbeat: the same holder and epoch, a new renewTime and its current report. */
export function renewRecord(
  read: FencingRecord,
  holder: string,
  report: { healthy: boolean; failbackOfferedTo?: string },
  nowIso: string,
): FencingRecord | { refused: string } {
  if (read.holder !== holder)
    return { refused: `${holder} no longer holds the record (${read.holder} does, epoch ${read.epoch})` };
  return {
    ...read,
    renewTime: nowIso,
    holderHealthy: report.healthy,
    failbackOfferedTo: report.failbackOfferedTo,
  };
}

export type DnsWriteVerdict = { allowed: true } | { allowed: false; reason: string };

/**
 * Whether `writer`, which took the record at `epoch`, may write the DNS record now: it must still hold
 * the record at that epoch (read just before), and the DNS record must not carry a higher epoch.
 */
export function dnsWriteVerdict(
  record: FencingRecord | undefined,
  dnsEpoch: number | undefined,
  writer: string,
  epoch: number,
): DnsWriteVerdict {
  if (!record)
    return { allowed: false, reason: `${writer} cannot write DNS: nobody holds the fencing record` };
  if (record.holder !== writer || record.epoch !== epoch) {
    return {
      allowed: false,
      reason: `${writer} no longer holds the fencing record at epoch ${epoch}: ${record.holder} holds it at epoch ${record.epoch}`,
    };
  }
  if (dnsEpoch !== undefined && dnsEpoch > epoch) {
    return {
      allowed: false,
      reason: `the DNS record was written at epoch ${dnsEpoch}, above ${writer}'s epoch ${epoch}`,
    };
  }
  return { allowed: true };
}
