// Configuration replication carried out by the backup's operator: list the primary's selected ConfigMaps and
// Secrets (through its kubeconfig Secret) and this cluster's own, create, update and delete the mirrors the
// engine plans (src/engine/region/replication.ts), time each write's lag, and say it in status, the
// ConfigReplicated condition, Events, logs and a histogram. A failed listing changes nothing.
import type { KubeObject } from '../../api/meta.js';
import { CONFIG_MAPS, SECRETS } from '../../api/resources.js';
import type { RegionPairResource } from '../../api/v1alpha1/index.js';
import type { RegionPairStatus } from '../../api/v1alpha1/regionPair.js';
import { parseDuration } from '../../api/duration.js';
import type { RegionVerdict } from '../../engine/region/health.js';
import {
  planReplication,
  replicationFailed,
  replicationGate,
  replicationLag,
  replicationReport,
  sourceChangedAt,
  type ConfigObject,
  type ReplicatedKind,
  type ReplicationPlan,
  type ReplicationReport,
} from '../../engine/region/replication.js';
import { remoteCall } from '../../providers/clusters.js';
import { ProviderError } from '../../providers/http.js';
import { isNotFound, type Client } from '../../runtime/client.js';
import type { ObjectContext } from '../../runtime/reconciler.js';
import { labelSelector, type PairClusters } from './links.js';
import type { regionMetrics } from './metrics.js';

const CONDITION = 'ConfigReplicated';
const KINDS = { ConfigMap: CONFIG_MAPS, Secret: SECRETS } as const;

interface ConfigResource extends KubeObject {
  metadata: KubeObject['metadata'] & { managedFields?: { time?: string }[] };
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
  type?: string;
}

interface Listed {
  kind: ReplicatedKind;
  object: ConfigResource;
}

const keyOf = (o: { kind: string; name: string }) => `${o.kind}/${o.name}`;
const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The ConfigMaps and Secrets of `namespace` (those matching `selector` when given), only when complete. */
async function listConfig(client: Client, namespace: string, selector?: Record<string, string>) {
  const query = selector ? { labelSelector: labelSelector(selector) } : {};
  const lists = await Promise.all(
    (['ConfigMap', 'Secret'] as const).map(async (kind): Promise<Listed[]> => {
      const list = await client.list<ConfigResource>(KINDS[kind], namespace, query);
      // Unasked-for pages would be a partial listing: deleting from one would delete mirrors of live sources.
      if (list.metadata.continue) throw new Error(`the ${kind} list came back in pages`);
      return list.items.map((object) => ({ kind, object }));
    }),
  );
  return lists.flat();
}

const configObject = ({ kind, object }: Listed): ConfigObject => ({
  kind,
  name: object.metadata.name,
  resourceVersion: object.metadata.resourceVersion,
  labels: object.metadata.labels,
  annotations: object.metadata.annotations,
  data: object.data,
  binaryData: object.binaryData,
  type: object.type,
});

export interface ReplicationInput {
  pair: RegionPairResource;
  ctx: ObjectContext<RegionPairStatus>;
  /** The pair's queue key: when this process last compared is kept by it. */
  key: string;
  /** The fencing record's holder as last read (undefined when unread or not taken). */
  holder: string | undefined;
  /** The primary as this region's checks see it. */
  primary: RegionVerdict;
}

export function configReplication(options: {
  clusters: PairClusters;
  metrics: ReturnType<typeof regionMetrics>;
  self: string;
  now: () => number;
}) {
  const { clusters, metrics, self, now } = options;
  const lastAttempt = new Map<string, number>();

  /**
   * Writes the report. News is logged: a new reason, or for a failure (`event` given) a new message, which a
   * Warning Event tells too; a pause or a success whose counts moved is not news.
   */
  async function report(
    ctx: ReplicationInput['ctx'],
    {
      status,
      condition,
    }: { status?: ReplicationReport['status']; condition: ReplicationReport['condition'] },
    event?: string,
  ) {
    if (status) ctx.status.replication = status;
    const before = ctx.conditions.get(CONDITION);
    ctx.conditions.set(CONDITION, condition.status, condition.reason, condition.message);
    const news =
      before?.reason !== condition.reason || (event !== undefined && before.message !== condition.message);
    if (!news) return;
    if (condition.status === 'True') return ctx.logger.info({ reason: condition.reason }, condition.message);
    ctx.logger.warn({ reason: condition.reason }, `configuration not replicated: ${condition.message}`);
    if (event) await ctx.events.warning(event, `${condition.reason}: ${condition.message}`);
  }

  /** Creates, updates and deletes the mirrors `plan` names; each failure is collected, not thrown. */
  async function carryOut(
    ctx: ReplicationInput['ctx'],
    namespace: string,
    plan: ReplicationPlan,
    sources: Map<string, Listed>,
    local: Map<string, Listed>,
  ) {
    const written: (number | undefined)[] = [];
    const failures: string[] = [];
    let removed = 0;
    for (const mirror of plan.apply) {
      const key = keyOf(mirror);
      const existing = local.get(key)?.object.metadata.resourceVersion;
      const body = {
        apiVersion: 'v1',
        kind: mirror.kind,
        // An update names the version listed: a mirror someone replaced meanwhile is a conflict, not overwritten.
        metadata: {
          name: mirror.name,
          namespace,
          labels: mirror.labels,
          annotations: mirror.annotations,
          resourceVersion: existing,
        },
        data: mirror.data,
        binaryData: mirror.binaryData,
        type: mirror.type,
      };
      try {
        if (existing) await ctx.client.update(KINDS[mirror.kind], namespace, mirror.name, body);
        else await ctx.client.create(KINDS[mirror.kind], namespace, body);
      } catch (err) {
        failures.push(`${key}: ${messageOf(err)}`);
        continue;
      }
      const lag = replicationLag(sourceChangedAt(sources.get(key)!.object.metadata), now());
      if (lag !== undefined) metrics.replicationLag.observe({ kind: mirror.kind }, lag);
      written.push(lag);
      ctx.logger.info({ object: key, lagSeconds: lag }, existing ? 'mirror updated' : 'mirror created');
    }
    for (const orphan of plan.remove) {
      const key = keyOf(orphan);
      try {
        await ctx.client.delete(KINDS[orphan.kind], namespace, orphan.name);
      } catch (err) {
        if (!isNotFound(err)) {
          failures.push(`${key}: ${messageOf(err)}`);
          continue;
        }
      }
      removed++;
      ctx.logger.info({ object: key }, 'mirror deleted: its source is gone or no longer selected');
    }
    return { written, removed, failures };
  }

  return {
    forget: (key: string) => lastAttempt.delete(key),

    /** Compares and mirrors when the engine says it is due; says why not when it pauses. */
    async sync({ pair, ctx, key, holder, primary }: ReplicationInput): Promise<void> {
      const { spec } = pair;
      const { namespace } = pair.metadata;
      const gate = replicationGate(
        {
          regions: { primary: spec.primary.name, backup: spec.backup.name },
          self,
          enabled: spec.replication.enabled,
          intervalMs: parseDuration(spec.replication.interval),
          holder,
          primary,
          lastAttemptAt: lastAttempt.get(key),
        },
        ctx.now,
      );
      if (gate.state === 'Paused') {
        return report(ctx, { condition: { status: 'False', reason: gate.reason, message: gate.message } });
      }
      if (gate.state !== 'Due') return;
      lastAttempt.set(key, ctx.now);
      const where = { from: gate.from, to: self };
      const previous = ctx.status.replication;

      let sources: Listed[];
      try {
        const cluster = await clusters.peer(pair, gate.from);
        sources = await remoteCall(
          cluster,
          `listing the ConfigMaps and Secrets to mirror (namespace ${namespace})`,
          (c) => listConfig(c, namespace, spec.replication.selector),
        );
      } catch (err) {
        const reason = err instanceof ProviderError ? err.reason : 'SourceUnreadable';
        const message =
          err instanceof ProviderError
            ? err.message
            : `listing ${gate.from}'s ConfigMaps and Secrets in ${namespace} failed: ${messageOf(err)}`;
        return report(ctx, replicationFailed(previous, where, reason, message), 'ReplicationFailed');
      }
      let local: Listed[];
      try {
        local = await listConfig(ctx.client, namespace);
      } catch (err) {
        const message = `listing this region's ConfigMaps and Secrets in ${namespace} failed (the operator needs list on both): ${messageOf(err)}`;
        return report(
          ctx,
          replicationFailed(previous, where, 'MirrorsUnreadable', message),
          'ReplicationFailed',
        );
      }

      const plan = planReplication(sources.map(configObject), local.map(configObject), gate.from);
      const byKey = (listed: Listed[]) =>
        new Map(listed.map((l) => [keyOf({ kind: l.kind, name: l.object.metadata.name }), l]));
      const done = await carryOut(ctx, namespace, plan, byKey(sources), byKey(local));
      const result = replicationReport(previous, { ...where, plan, ...done }, now());
      await report(ctx, result, result.condition.status === 'False' ? result.condition.reason : undefined);
    },
  };
}
