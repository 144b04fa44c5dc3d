// Configuration replication as a plan: the selected ConfigMaps and Secrets of the primary region mirrored
// into the backup region (create, update, delete), pulled by the backup's operator while it can read the
// primary. Only objects this mirror created are ever changed or deleted, and only from a complete listing
// of the source.

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
