// The fencing record as I/O: a coordination.k8s.io Lease in the DNS cluster whose holderIdentity is the
// serving region and whose annotation carries the epoch, taken and renewed only by compare-and-swap on
// its resourceVersion; and the watch that times the holder's heartbeat by this process's own clock.
import type { ObjectMeta } from '../api/meta.js';
import { LEASES } from '../api/resources.js';
import {
  renewRecord,
  takeRecord,
  type FencingObservation,
  type FencingRecord,
} from '../engine/region/fencing.js';
import { isConflict } from '../runtime/client.js';
import { microTime } from '../api/time.js';
import type { LeaseSpec } from '../runtime/leaderElection.js';
import { remoteCall, type RemoteCluster } from './clusters.js';
import { ProviderError } from './http.js';

export const EPOCH_ANNOTATION = 'autopilot.ventures/fencing-epoch';
export const HOLDER_HEALTHY_ANNOTATION = 'autopilot.ventures/holder-healthy';
export const FAILBACK_OFFER_ANNOTATION = 'autopilot.ventures/failback-offered-to';

interface LeaseObject {
  metadata: ObjectMeta;
  spec: LeaseSpec;
}

/** The fencing epoch an object carries (the Lease, a DNSEndpoint written under it); undefined unless a positive integer. */
export function epochOf(metadata: ObjectMeta): number | undefined {
  const epoch = Number(metadata.annotations?.[EPOCH_ANNOTATION]);
  return Number.isSafeInteger(epoch) && epoch > 0 ? epoch : undefined;
}

export type TakeResult = { taken: FencingRecord } | { lost: string };
export type RenewResult = { renewed: FencingRecord } | { refused: string };

export class FencingLease {
  /** `durationSeconds` is written as the Lease's leaseDurationSeconds, for humans (the rule is heartbeatTimeout). */
  constructor(
    readonly cluster: RemoteCluster,
    readonly namespace: string,
    readonly name: string,
    private readonly durationSeconds: number,
  ) {}

  /** The record, or undefined when the Lease does not exist; ProviderError when it cannot be read or parsed. */
  async read(): Promise<FencingRecord | undefined> {
    const lease = await remoteCall(this.cluster, `reading Lease ${this.where}`, (c) =>
      c.find<LeaseObject>(LEASES, this.namespace, this.name),
    );
    return lease && this.parse(lease);
  }

  /**
   * Takes the record from what was read (undefined: create it) at that epoch + 1. Exactly one of
   * several regions taking from the same read wins; the others get `lost`.
   */
  async take(read: FencingRecord | undefined, taker: string, now: number): Promise<TakeResult> {
    const next = { ...takeRecord(read, taker, microTime(now)), resourceVersion: read?.resourceVersion ?? '' };
    const verb = read ? 'update' : 'create';
    try {
      const written = await remoteCall(this.cluster, `taking Lease ${this.where}`, (c) =>
        read
          ? c.update<LeaseObject>(LEASES, this.namespace, this.name, this.toLease(next))
          : c.create<LeaseObject>(LEASES, this.namespace, this.toLease(next)),
      );
      return { taken: this.parse(written) };
    } catch (err) {
      if (isConflict(err)) {
        return { lost: `another region changed Lease ${this.where} first (${verb} refused: ${err.message})` };
      }
      throw err;
    }
  }

  /** The holder's heartbeat with its report; refused when it no longer holds or the Lease changed since `read`. */
  async renew(
    read: FencingRecord,
    holder: string,
    report: { healthy: boolean; failbackOfferedTo?: string },
    now: number,
  ): Promise<RenewResult> {
    const next = renewRecord(read, holder, report, microTime(now));
    if ('refused' in next) return next;
    try {
      const written = await remoteCall(this.cluster, `renewing Lease ${this.where}`, (c) =>
        c.update<LeaseObject>(LEASES, this.namespace, this.name, this.toLease(next)),
      );
      return { renewed: this.parse(written) };
    } catch (err) {
      if (isConflict(err))
        return { refused: `Lease ${this.where} changed since it was read: ${err.message}` };
      throw err;
    }
  }

  private get where(): string {
    return `${this.namespace}/${this.name}`;
  }

  private parse(lease: LeaseObject): FencingRecord {
    const annotations = lease.metadata.annotations ?? {};
    const epoch = epochOf(lease.metadata);
    const holder = lease.spec.holderIdentity;
    if (!holder || epoch === undefined) {
      throw new ProviderError(
        'FencingRecordInvalid',
        `Lease ${this.where} in ${this.cluster.label} is not a fencing record (holder "${holder ?? ''}", ${EPOCH_ANNOTATION} "${annotations[EPOCH_ANNOTATION] ?? ''}"): delete it, or name another fencing.leaseName`,
      );
    }
    const healthy = annotations[HOLDER_HEALTHY_ANNOTATION];
    return {
      holder,
      epoch,
      renewTime: lease.spec.renewTime,
      acquireTime: lease.spec.acquireTime,
      holderHealthy: healthy === undefined ? undefined : healthy === 'true',
      failbackOfferedTo: annotations[FAILBACK_OFFER_ANNOTATION] || undefined,
      resourceVersion: lease.metadata.resourceVersion ?? '',
    };
  }

  private toLease(record: FencingRecord): LeaseObject {
    const annotations: Record<string, string> = {
      [EPOCH_ANNOTATION]: String(record.epoch),
      [HOLDER_HEALTHY_ANNOTATION]: String(record.holderHealthy ?? true),
    };
    if (record.failbackOfferedTo) annotations[FAILBACK_OFFER_ANNOTATION] = record.failbackOfferedTo;
    return {
      metadata: {
        name: this.name,
        namespace: this.namespace,
        annotations,
        ...(record.resourceVersion ? { resourceVersion: record.resourceVersion } : {}),
      },
      spec: {
        holderIdentity: record.holder,
        leaseDurationSeconds: this.durationSeconds,
        acquireTime: record.acquireTime,
        renewTime: record.renewTime,
        leaseTransitions: record.epoch - 1,
      },
    };
  }
}

/**
 * What one process knows of the record over time: since when it has watched, and when it last saw the
 * heartbeat (renewTime) change, by its own clock. A new watch (a new leader, a restart, the end of a time
 * the record could not be read) starts from zero.
 */
export class FencingWatch {
  private watchingSince: number | undefined;
  private seen: { key: string; at: number } | undefined;

  /**
   * Folds one read (a record, none, or the error that stopped it) into an observation for the engine.
   * Time in which the record could not be read is not silence: the holder may have renewed all along, so
   * the first read after it starts the watch over (a lapse then needs a full heartbeatTimeout again).
   */
  observe(read: { record: FencingRecord | undefined } | { error: string }, now: number): FencingObservation {
    if ('error' in read) {
      this.watchingSince = undefined;
      this.seen = undefined;
      return { state: 'Unreadable', error: read.error };
    }
    this.watchingSince ??= now;
    const { record } = read;
    if (!record) {
      this.seen = undefined;
      return { state: 'Absent', watchingSince: this.watchingSince };
    }
    const key = `${record.holder}/${record.epoch}/${record.renewTime ?? ''}`;
    if (this.seen?.key !== key) this.seen = { key, at: now };
    return { state: 'Held', record, renewSeenAt: this.seen.at, watchingSince: this.watchingSince };
  }
}
