// Configuration replication as a plan: the selected ConfigMaps and Secrets of the primary region mirrored
// into the backup region (create, update, delete), pulled by the backup's operator while it can read the
// primary. Only objects this mirror created are ever changed or deleted, and only from a complete listing
// of the source. Also when the backup compares (replicationGate), how the lag is measured (replicationLag)
// and what status and the ConfigReplicated condition say afterwards (replicationReport, replicationFailed).
import type { RegionPairStatus } from '../../api/v1alpha1/regionPair.js';
import { clip, isoTime } from '../format.js';

/** Marks a mirror and names the region it was copied from. */
export const REPLICATED_FROM = 'autopilot.ventures/replicated-from';
/** The source's resourceVersion a mirror was copied at: unchanged sources are not copied again. */
export const SOURCE_VERSION = 'autopilot.ventures/source-version';

export type ReplicatedKind = 'ConfigMap' | 'Secret';

/** A ConfigMap or Secret, reduced to what is mirrored. */
export interface ConfigObject {
  kind: ReplicatedKind;
  name: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
  /** Secrets only. */
  type?: string;
}

export interface ReplicationPlan {
  /** Mirrors to write (server-side apply), complete objects. */
  apply: ConfigObject[];
  remove: { kind: ReplicatedKind; name: string }[];
  /** Local objects of a source's name that this mirror did not create: never overwritten. */
  conflicts: { kind: ReplicatedKind; name: string; reason: string }[];
  unchanged: number;
}

const key = (o: { kind: string; name: string }) => `${o.kind}/${o.name}`;
/** Annotations of the source that describe how it was applied, not what it is. */
const LOCAL_ANNOTATIONS = ['kubectl.kubernetes.io/last-applied-configuration'];

/** The region whose operator pulls (the backup), and where from (the primary); none for the primary. */
export function replicationSource(
  regions: { primary: string; backup: string },
  self: string,
): string | undefined {
  return self === regions.backup ? regions.primary : undefined;
}

/** The mirror of `source` as copied from region `from`. */
export function mirrorOf(source: ConfigObject, from: string): ConfigObject {
  const annotations = Object.fromEntries(
    Object.entries(source.annotations ?? {}).filter(([k]) => !LOCAL_ANNOTATIONS.includes(k)),
  );
  return {
    kind: source.kind,
    name: source.name,
    labels: source.labels,
    annotations: { ...annotations, [REPLICATED_FROM]: from, [SOURCE_VERSION]: source.resourceVersion ?? '' },
    data: source.data,
    binaryData: source.binaryData,
    type: source.type,
  };
}

/**
 * What to write and delete so the local mirrors match the complete list of `sources` in region `from`:
 * copy new and changed sources, delete mirrors of `from` whose source is gone, leave everything else.
 */
export function planReplication(
  sources: readonly ConfigObject[],
  local: readonly ConfigObject[],
  from: string,
): ReplicationPlan {
  const localByKey = new Map(local.map((o) => [key(o), o]));
  const sourceKeys = new Set(sources.map(key));
  const plan: ReplicationPlan = { apply: [], remove: [], conflicts: [], unchanged: 0 };
  for (const source of sources) {
    const mirror = localByKey.get(key(source));
    const origin = mirror?.annotations?.[REPLICATED_FROM];
    if (mirror && origin === undefined) {
      plan.conflicts.push({
        kind: source.kind,
        name: source.name,
        reason: `${key(source)} exists here and was not replicated: rename it, or delete it to let ${from}'s copy in`,
      });
    } else if (mirror?.annotations?.[SOURCE_VERSION] === source.resourceVersion && origin === from) {
      plan.unchanged++;
    } else {
      plan.apply.push(mirrorOf(source, from));
    }
  }
  for (const mirror of local) {
    if (mirror.annotations?.[REPLICATED_FROM] === from && !sourceKeys.has(key(mirror))) {
      plan.remove.push({ kind: mirror.kind, name: mirror.name });
    }
  }
  return plan;
}

/** When a source last changed, as its API server recorded it: the newest managedFields time, else its creation. */
export function sourceChangedAt(metadata: {
  creationTimestamp?: string;
  managedFields?: readonly { time?: string }[];
}): number | undefined {
  const times = [metadata.creationTimestamp, ...(metadata.managedFields ?? []).map((f) => f.time)]
    .map((t) => (t === undefined ? NaN : Date.parse(t)))
    .filter(Number.isFinite);
  return times.length ? Math.max(...times) : undefined;
}

/**
 * Replication lag in seconds: from the source's change (`sourceChangedAt`, the primary's clock, whole
 * seconds) to its mirror written (`writtenAt`, this region's clock). The truncated time reads up to 1 s
 * high and a skew between the clocks adds to it; a negative difference (a clock ahead) counts as 0.
 */
export function replicationLag(changedAt: number | undefined, writtenAt: number): number | undefined {
  return changedAt === undefined ? undefined : Math.max(0, writtenAt - changedAt) / 1000;
}

/** What this region does about replication now. */
export type ReplicationGate =
  /** This region is the backup, the primary serves and is up, and the last comparison is an interval old. */
  | { state: 'Due'; from: string }
  /** Compared less than replication.interval ago. */
  | { state: 'NotDue' }
  /** Nothing is pulled now, and why (the ConfigReplicated condition). */
  | { state: 'Paused'; reason: ReplicationPause; message: string }
  /** The primary: it never pulls, and says nothing about replication. */
  | { state: 'NotPulling' };

export type ReplicationPause = 'ReplicationDisabled' | 'BackupServing' | 'PrimaryNotServing' | 'PrimaryNotUp';

export interface ReplicationView {
  regions: { primary: string; backup: string };
  self: string;
  enabled: boolean;
  intervalMs: number;
  /** The fencing record's holder as last read; undefined when unread or not taken yet. */
  holder: string | undefined;
  /** The primary as this region's checks see it. */
  primary: { state: 'Up' | 'Down' | 'Unknown'; reason: string };
  /** When this process last compared (successfully or not); undefined before its first comparison. */
  lastAttemptAt: number | undefined;
}

/**
 * Whether the backup compares now. Only while the primary serves (holds the fencing record) and is up by
 * this region's checks: after a failover the former primary is no source, and a primary that is down is
 * not asked (its API server may hang for the whole timeout, in the reconcile that fails it over).
 */
export function replicationGate(view: ReplicationView, now: number): ReplicationGate {
  const from = replicationSource(view.regions, view.self);
  if (from === undefined) return { state: 'NotPulling' };
  const pause = (reason: ReplicationPause, message: string) => ({
    state: 'Paused' as const,
    reason,
    message,
  });
  if (!view.enabled)
    return pause('ReplicationDisabled', 'spec.replication.enabled is false: nothing is mirrored');
  if (view.holder === view.self) {
    return pause(
      'BackupServing',
      `${view.self} serves (it holds the fencing record): nothing is mirrored from ${from} until it serves again`,
    );
  }
  if (view.holder !== from) {
    return pause(
      'PrimaryNotServing',
      `the fencing record is not held by ${from} (not read, or not taken yet): nothing is mirrored until it is`,
    );
  }
  if (view.primary.state !== 'Up') {
    return pause(
      'PrimaryNotUp',
      `${from} is not up by this region's checks (${view.primary.reason}): mirroring waits`,
    );
  }
  if (view.lastAttemptAt !== undefined && now - view.lastAttemptAt < view.intervalMs)
    return { state: 'NotDue' };
  return { state: 'Due', from };
}

export type ReplicationStatus = NonNullable<RegionPairStatus['replication']>;

export interface ReplicationReport {
  status: ReplicationStatus;
  condition: { status: 'True' | 'False'; reason: string; message: string };
}

/** What a comparison carried out did. */
export interface ReplicationOutcome {
  from: string;
  to: string;
  plan: ReplicationPlan;
  /** The lag of each mirror written (created or updated), in seconds; undefined when not measurable. */
  written: (number | undefined)[];
  removed: number;
  /** Writes and deletes that failed, e.g. "ConfigMap/a: …". */
  failures: string[];
}

const ERROR_LIMIT = 1024;
const CONFLICTS_LIMIT = 64;
const seconds = (s: number) => `${Math.round(s * 1000) / 1000} s`;

/**
 * status.replication and the ConfigReplicated condition after a comparison: objects mirrored (unchanged
 * or written now), the largest lag of this round (the last one when nothing was written), the largest
 * ever, and what failed or was refused, with what to do about it.
 */
export function replicationReport(
  previous: ReplicationStatus | undefined,
  outcome: ReplicationOutcome,
  now: number,
): ReplicationReport {
  const { from, to, plan, failures } = outcome;
  const lags = outcome.written.filter((l): l is number => l !== undefined);
  const before = previous?.from === from ? previous : undefined;
  const lagSeconds = lags.length ? Math.max(...lags) : before?.lagSeconds;
  const maxLagSeconds = Math.max(lagSeconds ?? 0, before?.maxLagSeconds ?? 0);
  const status: ReplicationStatus = {
    from,
    to,
    objects: plan.unchanged + outcome.written.length,
    lastSyncTime: isoTime(now),
    ...(lagSeconds !== undefined && { lagSeconds, maxLagSeconds }),
    ...(failures.length > 0 && { lastError: clip(failures.join('; '), ERROR_LIMIT) }),
    ...(plan.conflicts.length > 0 && { conflicts: plan.conflicts.slice(0, CONFLICTS_LIMIT).map(key) }),
  };
  const condition = failures.length
    ? {
        status: 'False' as const,
        reason: 'MirrorWriteFailed',
        message: `${failures.length} change(s) from ${from} not written here, tried again in the next comparison: ${failures.join('; ')}`,
      }
    : plan.conflicts.length
      ? {
          status: 'False' as const,
          reason: 'MirrorNameTaken',
          message: plan.conflicts.map((c) => c.reason).join('; '),
        }
      : {
          status: 'True' as const,
          reason: 'Replicated',
          message: `${status.objects} object(s) mirrored from ${from}: ${outcome.written.length} written, ${outcome.removed} deleted now${lagSeconds !== undefined ? `; last lag ${seconds(lagSeconds)}` : ''}`,
        };
  return { status, condition: { ...condition, message: clip(condition.message, ERROR_LIMIT) } };
}

/** status.replication and the condition after a listing failed: nothing was changed, the counts stand. */
export function replicationFailed(
  previous: ReplicationStatus | undefined,
  where: { from: string; to: string },
  reason: string,
  message: string,
): ReplicationReport {
  const before = previous?.from === where.from ? previous : undefined;
  const text = clip(`${message}; nothing was changed here`, ERROR_LIMIT);
  return {
    status: { ...before, ...where, objects: before?.objects ?? 0, lastError: text },
    condition: { status: 'False', reason, message: text },
  };
}
