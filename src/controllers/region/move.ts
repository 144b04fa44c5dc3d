// Carries out a recorded move of the serving region step by step (fence and seal → warm → write DNS → await
// the answer), each step's time written to status.lastFailover before the next begins, so an operator
// restarted mid-move resumes from the status and never takes the record or writes DNS twice.
import { DEPLOYMENTS } from '../../api/resources.js';
import type { RegionPairResource } from '../../api/v1alpha1/index.js';
import type { RegionPairStatus } from '../../api/v1alpha1/regionPair.js';
import { isoTime, timeOr } from '../../engine/format.js';
import { nextFailoverStep, type FailoverRecord } from '../../engine/region/failover.js';
import type { FencingObservation } from '../../engine/region/fencing.js';
import { planWarmup, warmupProgress, type WarmupProgress } from '../../engine/region/warmup.js';
import { awaitTarget, resolverFor } from '../../providers/dnsAnswer.js';
import type { FencingWatch } from '../../providers/fencing.js';
import { ApiError } from '../../runtime/client.js';
import type { ObjectContext } from '../../runtime/reconciler.js';
import { labelSelector, type DeploymentReplicas, type DnsLinks } from './links.js';

/** How long one reconcile asks the name servers before it lets the worker go and looks again later. */
const ANSWER_POLL_MS = 3000;
/** Takes refused by a concurrent change of the Lease (a heartbeat) that one reconcile retries. */
const TAKE_CONFLICTS = 3;
/** A DNS change nobody answers with this long after the write is reported, and the move ends without it. */
const ANSWER_GIVE_UP_MS = 5 * 60_000;

export type MoveOutcome =
  | { state: 'Done'; move: FailoverRecord }
  /** Waiting on the world (the warm-up, the name servers, a fencing record out of reach): look again soon. */
  | { state: 'Waiting'; reason: string }
  /** Another region holds the record at this move's epoch or above: this move stops and never writes DNS. */
  | { state: 'Superseded'; reason: string };

export interface MoveContext {
  pair: RegionPairResource;
  ctx: ObjectContext<RegionPairStatus>;
  links: DnsLinks;
  watch: FencingWatch;
  fencing: FencingObservation;
  /** This operator's region: the taker. */
  self: string;
  now: () => number;
}

export async function advanceMove(m: MoveContext): Promise<MoveOutcome> {
  const { pair, ctx, links, self } = m;
  const { spec } = pair;
  let fencing = m.fencing;
  let conflicts = 0;
  for (;;) {
    const move = ctx.status.lastFailover!;
    const step = nextFailoverStep(move, fencing, spec);
    switch (step.step) {
      case 'Wait':
        return { state: 'Waiting', reason: step.reason };
      case 'Superseded':
        return { state: 'Superseded', reason: step.reason };
      case 'Fence': {
        const read = fencing.state === 'Held' ? fencing.record : undefined;
        const taken = await links.lease.take(read, self, m.now());
        if ('lost' in taken) {
          // Often only the holder's heartbeat (a failback's holder renews while it offers): read again and
          // judge again; a take at a moved epoch is superseded by the step above.
          if (++conflicts > TAKE_CONFLICTS) return { state: 'Waiting', reason: taken.lost };
          fencing = m.watch.observe({ record: await links.lease.read() }, m.now());
          break;
        }
        fencing = m.watch.observe({ record: taken.taken }, m.now());
        ctx.logger.info({ epoch: taken.taken.epoch }, 'took the fencing record');
        break; // next: Fenced, which seals
      }
      case 'Fenced': {
        // Seal the DNS record at the new epoch at once: a former holder's late write is refused from here on.
        const sealed = await links.record.write(links.lease, self, move.epoch, { seal: true });
        if ('refused' in sealed) return { state: 'Superseded', reason: sealed.refused };
        move.fencedAt = isoTime(m.now());
        await ctx.checkpoint();
        break;
      }
      case 'Warm': {
        const progress = await warm(m, move, step.deadline);
        if (!progress.done) {
          return { state: 'Waiting', reason: `warming ${progress.waiting.join(', ')} before moving traffic` };
        }
        move.warmedAt = isoTime(m.now());
        if (progress.notWarmed.length) move.notWarmed = progress.notWarmed;
        await ctx.checkpoint();
        break;
      }
      case 'WriteDns': {
        const own = self === spec.primary.name ? spec.primary : spec.backup;
        const written = await links.record.write(links.lease, self, move.epoch, {
          hostname: spec.dns.hostname,
          recordType: spec.dns.recordType,
          ttl: spec.dns.ttl,
          target: own.dnsTarget,
        });
        if ('refused' in written) return { state: 'Superseded', reason: written.refused };
        move.dnsWrittenAt = isoTime(m.now());
        await ctx.checkpoint();
        break;
      }
      case 'AwaitAnswer': {
        const own = self === spec.primary.name ? spec.primary : spec.backup;
        const resolvers = spec.dns.nameservers!.map((server) => resolverFor([server]));
        const at = await awaitTarget(resolvers, spec.dns.hostname, spec.dns.recordType, own.dnsTarget, {
          timeoutMs: ANSWER_POLL_MS,
          now: m.now,
        });
        if (at !== undefined) {
          move.dnsAnsweringAt = isoTime(at);
          break;
        }
        const since = m.now() - timeOr(move.dnsWrittenAt, m.now());
        if (since < ANSWER_GIVE_UP_MS) {
          return {
            state: 'Waiting',
            reason: `${spec.dns.nameservers!.join(', ')} do not answer ${spec.dns.hostname} with ${own.dnsTarget} yet`,
          };
        }
        ctx.logger.warn(
          { since },
          'the name servers never answered with the new target; the move ends without it',
        );
        return { state: 'Done', move };
      }
      case 'Done':
        return { state: 'Done', move };
    }
  }
}

/** Raises this region's warm-up Deployments to the other region's recorded replicas, and says how far they are. */
async function warm(m: MoveContext, move: FailoverRecord, deadline: number): Promise<WarmupProgress> {
  const { pair, ctx } = m;
  const { warmup } = pair.spec;
  // A claim takes over from nobody: there is no load to warm for.
  if (!warmup || !move.from) return { done: true, ready: [], notWarmed: [], timedOut: false };
  const { namespace } = pair.metadata;
  const { items } = await ctx.client.list<DeploymentReplicas>(DEPLOYMENTS, namespace, {
    labelSelector: labelSelector(warmup.selector),
  });
  const local = items.map((d) => ({
    name: d.metadata.name,
    replicas: d.spec?.replicas ?? 1,
    readyReplicas: d.status?.readyReplicas ?? 0,
  }));
  const recorded = ctx.status.warmup?.region === move.from ? ctx.status.warmup.deployments : undefined;
  const targets = planWarmup(local, recorded, warmup.replicas);
  const refused: string[] = [];
  for (const target of targets.filter((t) => t.to > t.from)) {
    ctx.logger.info({ deployment: target.name, from: target.from, to: target.to }, 'warming');
    try {
      await ctx.client.mergePatch(
        DEPLOYMENTS,
        namespace,
        target.name,
        { spec: { replicas: target.to } },
        'scale',
      );
    } catch (err) {
      // Refused for good (403, 404, 422): it will not warm, and traffic must still move.
      if (!(err instanceof ApiError) || err.code >= 500 || err.code === 429) throw err;
      ctx.logger.warn({ deployment: target.name, err: err.message }, 'warm-up refused');
      refused.push(target.name);
    }
  }
  return warmupProgress(targets, local, deadline, m.now(), refused);
}
