// The RegionPair controller, this region's view of the pair: probe both regions (a leader-only prober
// feeding a channel source), read the fencing record, ask the engine, record the decision before acting,
// carry a move out step by step (resumable after a restart), renew the heartbeat while holding, mirror the
// primary's configuration into the backup, and say it all in status, conditions, Events and histograms.
import { objectKey } from '../../api/meta.js';
import { REGION_PAIRS, type RegionPairResource } from '../../api/v1alpha1/index.js';
import {
  FAILBACK_ANNOTATION,
  type RegionPairDecision,
  type RegionPairStatus,
} from '../../api/v1alpha1/regionPair.js';
import { parseDuration } from '../../api/duration.js';
import { recordDecision, setDecisionState } from '../../engine/decisions.js';
import { isoTime } from '../../engine/format.js';
import { APPROVE_ANNOTATION, effectiveMode, type Mode } from '../../engine/mode.js';
import { decideRegionPair, recordedDecision, type HoldCause } from '../../engine/region/decide.js';
import {
  failoverSeconds,
  moveUnderWay,
  regionPhase,
  startFailover,
  startsMove,
} from '../../engine/region/failover.js';
import { fencingStatus, type FencingObservation, type FencingRecord } from '../../engine/region/fencing.js';
import { judgeRegion, regionHealthStatus } from '../../engine/region/health.js';
import { decisionEvent, readiness } from '../../engine/region/report.js';
import { FencingWatch } from '../../providers/fencing.js';
import { ProviderError } from '../../providers/http.js';
import { Prober } from '../../providers/prober.js';
import type { Manager } from '../../runtime/manager.js';
import { objectController, type ObjectContext } from '../../runtime/reconciler.js';
import { channelSource } from '../../runtime/sources.js';
import { PairClusters, type DnsLinks } from './links.js';
import { regionMetrics } from './metrics.js';
import { advanceMove, type MoveOutcome } from './move.js';
import { probeTargets } from './probing.js';
import { configReplication } from './replicate.js';

export interface RegionSettings {
  /** This operator's region (--region); empty: it takes part in no pair. */
  region: string;
  defaultMode: Mode;
}

type Context = ObjectContext<RegionPairStatus>;

/** How often the other region's warm-up replicas are read again while it is healthy. */
const RECORD_REPLICAS_EVERY_MS = 30_000;
/** How soon to look again while a move waits on the world (a warm-up, the name servers). */
const MOVE_POLL_MS = 1000;
const HISTORY = 20;

const STARTED = { Claim: 'ClaimStarted', Failover: 'FailoverStarted', Failback: 'FailbackStarted' } as const;
const DONE = { Claim: 'RegionClaimed', Failover: 'RegionFailover', Failback: 'RegionFailback' } as const;
type Move = keyof typeof DONE;

export function regionPairController(manager: Manager, settings: RegionSettings) {
  const self = settings.region;
  const healthChanges = channelSource('regionpair-health');
  const prober = new Prober({
    name: 'regionpair',
    onChange: (key) => healthChanges.send(key),
    registry: manager.metrics.registry,
    clock: manager.clock,
  });
  // What this process has seen of each pair's heartbeat; a new leader starts watching from zero.
  const watches = new Map<string, FencingWatch>();
  manager.runnable({
    name: 'regionpair-prober',
    run: (signal) => {
      watches.clear();
      return prober.run(signal);
    },
  });
  const clusters = new PairClusters(manager.client, self);
  const metrics = regionMetrics(manager.metrics.registry);
  const now = () => manager.clock.now();
  const replication = configReplication({ clusters, metrics, self, now });

  /** Reads the fencing record into this process's watch of it; an unreachable DNS cluster, or one that cannot hold the DNS record, is an observation too. */
  async function observeFencing(key: string, links: DnsLinks | ProviderError) {
    const watch = watches.get(key) ?? new FencingWatch();
    watches.set(key, watch);
    const unreadable = (err: unknown) => ({
      watch,
      fencing: watch.observe({ error: (err as Error).message }, now()),
      reason: err instanceof ProviderError ? err.reason : 'FencingUnreadable',
    });
    if (links instanceof ProviderError) return unreadable(links);
    try {
      const record = await links.lease.read();
      // The DNS record is read too: a DNS cluster without the DNSEndpoint CRD (DnsEndpointCrdMissing) holds
      // every move here, before one takes the fencing record for a DNS write that cannot be made.
      await links.record.read();
      return { watch, fencing: watch.observe({ record }, now()), reason: 'Read' };
    } catch (err) {
      return unreadable(err);
    }
  }

  /** Records `decision` in status (once per id and state) and tells it in an Event when it is news. */
  async function record(
    pair: RegionPairResource,
    ctx: Context,
    decision: RegionPairDecision,
    cause?: HoldCause,
  ) {
    const { status } = ctx;
    if (decision.id === status.lastDecision?.id && decision.state === status.lastDecision.state) return;
    const { history } = recordDecision(status.history, decision, HISTORY);
    status.lastDecision = decision;
    status.history = history;
    ctx.logger.info(
      { decision: decision.id, action: decision.action, state: decision.state, reason: decision.reason },
      'decided',
    );
    // A new decision (its id, or its state) is news even where the history keeps a run of holds as one.
    const event = decisionEvent(decision, cause, pair.metadata.name);
    if (event) await ctx.events.tell({ ...event, series: decision.id });
  }

  /** Invariant 3: the move is in status as Applying, and told, before the record is taken. */
  async function startMove(ctx: Context, decision: RegionPairDecision, detectedAt: number | undefined) {
    setDecisionState(ctx.status, decision.id, 'Applying');
    ctx.status.lastFailover = startFailover({ ...decision, detectedAt });
    await ctx.checkpoint();
    await ctx.events.normal(STARTED[decision.action as Move], decision.reason, decision.id);
  }

  async function finishMove(pair: RegionPairResource, ctx: Context, outcome: MoveOutcome) {
    const decision = ctx.status.lastDecision!;
    const action = decision.action as Move;
    if (outcome.state === 'Superseded') {
      setDecisionState(ctx.status, decision.id, 'Blocked');
      ctx.logger.warn({ decision: decision.id, reason: outcome.reason }, 'move superseded');
      return ctx.events.warning('MoveSuperseded', outcome.reason, decision.id);
    }
    if (outcome.state !== 'Done') return;
    const { move } = outcome;
    const seconds = failoverSeconds(move);
    if (seconds !== undefined) move.durationSeconds = Math.round(seconds * 1000) / 1000;
    setDecisionState(ctx.status, decision.id, 'Applied');
    const times = `detected ${move.detectedAt}, fenced ${move.fencedAt}, warmed ${move.warmedAt}, DNS written ${move.dnsWrittenAt}${move.dnsAnsweringAt ? `, answering ${move.dnsAnsweringAt}` : ''}`;
    const notWarmed = move.notWarmed?.length ? `; not ready in time: ${move.notWarmed.join(', ')}` : '';
    if (action !== 'Claim') {
      ctx.status.failovers = (ctx.status.failovers ?? 0) + 1;
      if (seconds !== undefined) metrics.failoverDuration.observe({ action }, seconds);
    }
    await ctx.events.normal(
      DONE[action],
      `${move.to} serves ${pair.spec.dns.hostname} at epoch ${move.epoch}${seconds !== undefined ? ` after ${seconds.toFixed(1)} s` : ''} (${times})${notWarmed}`,
      decision.id,
    );
    const objective = pair.spec.failoverObjectiveSeconds;
    if (action !== 'Claim' && seconds !== undefined && seconds > objective) {
      await ctx.events.warning(
        'FailoverObjectiveMissed',
        `${action} to ${move.to} took ${seconds.toFixed(1)} s, over the ${objective} s objective (${times})`,
        decision.id,
      );
    }
  }

  /** Reads the other region's warm-up replicas while it is healthy: what this region scales to when it takes over. */
  async function recordPeerReplicas(pair: RegionPairResource, ctx: Context, peer: string) {
    const { warmup } = pair.spec;
    if (!warmup) return;
    const last = ctx.status.warmup;
    if (last?.region === peer && now() - Date.parse(last.recordedAt) < RECORD_REPLICAS_EVERY_MS) return;
    try {
      const deployments = await clusters.peerReplicas(pair, peer, warmup.selector);
      ctx.status.warmup = { region: peer, recordedAt: isoTime(now()), deployments };
      ctx.conditions.set(
        'PeerReachable',
        'True',
        'Read',
        `read ${deployments.length} warm-up Deployments of ${peer}`,
      );
    } catch (err) {
      const reason = err instanceof ProviderError ? err.reason : 'PeerUnreadable';
      ctx.conditions.set('PeerReachable', 'False', reason, (err as Error).message);
    }
  }

  /** The holder's heartbeat, with its report of its own region and any failback offer. */
  async function heartbeat(
    ctx: Context,
    links: DnsLinks,
    held: FencingRecord,
    healthy: boolean,
    offerTo?: string,
  ) {
    try {
      const renewed = await links.lease.renew(held, self, { healthy, failbackOfferedTo: offerTo }, now());
      if ('refused' in renewed) ctx.logger.info({ reason: renewed.refused }, 'heartbeat refused');
      else return renewed.renewed;
    } catch (err) {
      ctx.logger.warn({ err: (err as Error).message }, 'heartbeat failed');
    }
    return held;
  }

  return objectController<RegionPairResource>(manager, {
    name: 'regionpair',
    kind: REGION_PAIRS,
    sources: [healthChanges],
    forget(key) {
      prober.forget(key);
      watches.delete(key);
      replication.forget(key);
    },
    async reconcile(pair, ctx) {
      const { spec } = pair;
      const { status } = ctx;
      const key = objectKey(pair.metadata.namespace, pair.metadata.name);
      prober.configure(key, probeTargets(spec));
      status.region = self || undefined;
      const probes = prober.healthOf(key);
      const peer = self === spec.primary.name ? spec.backup.name : spec.primary.name;

      const links = await clusters.dns(pair).catch((err: unknown) => {
        if (err instanceof ProviderError) return err;
        throw err;
      });
      const observed = await observeFencing(key, links);
      const { watch } = observed;
      let { fencing } = observed;
      ctx.conditions.set(
        'FencingAvailable',
        fencing.state === 'Unreadable' ? 'False' : 'True',
        observed.reason,
        fencing.state === 'Unreadable'
          ? `${fencing.error}; no move without the fencing record`
          : `the fencing record is ${fencing.state === 'Held' ? `held by ${fencing.record.holder} at epoch ${fencing.record.epoch}` : 'not taken yet'}`,
      );

      let cause: HoldCause | undefined;
      let decided: RegionPairDecision | undefined;
      if (!moveUnderWay(status)) {
        const fresh = decideRegionPair(
          { pair: pair.metadata, spec, self, annotations: pair.metadata.annotations, probes, fencing },
          ctx.now,
        );
        cause = fresh.cause;
        const decision = recordedDecision(
          fresh,
          effectiveMode(spec, settings.defaultMode),
          pair.metadata.annotations?.[APPROVE_ANNOTATION],
        );
        decided = decision;
        await record(pair, ctx, decision, cause);
        if (startsMove(decision, status.lastFailover))
          await startMove(ctx, status.lastDecision!, fresh.detectedAt);
      } else {
        ctx.logger.info({ decision: status.lastDecision!.id }, 'carrying on a move recorded before');
      }

      let requeueAfterMs = Math.min(
        parseDuration(spec.fencing.heartbeatInterval),
        parseDuration(spec.healthCheck.interval),
      );
      if (moveUnderWay(status) && !(links instanceof ProviderError)) {
        const outcome = await advanceMove({ pair, ctx, links, watch, fencing, self, now });
        await finishMove(pair, ctx, outcome);
        if (outcome.state === 'Waiting') {
          ctx.logger.info({ reason: outcome.reason }, 'move waiting');
          requeueAfterMs = MOVE_POLL_MS;
        }
        ({ fencing } = await observeFencing(key, links));
      }

      // The holder renews its heartbeat (offering the record back when it decided so); the standby records the holder's replicas.
      const verdict = (region: string) => judgeRegion(region, probes[region], spec, ctx.now);
      if (fencing.state === 'Held' && !(links instanceof ProviderError)) {
        let held = fencing.record;
        if (held.holder === self) {
          const decision = status.lastDecision;
          const offer =
            decision?.action === 'OfferFailback' && decision.state === 'Applied' ? peer : undefined;
          held = await heartbeat(ctx, links, held, verdict(self).state !== 'Down', offer);
          fencing = { ...fencing, record: held };
        } else if (
          pair.metadata.annotations?.[FAILBACK_ANNOTATION] !== undefined &&
          status.lastDecision?.action !== 'OfferFailback'
        ) {
          // The failback it asked for has been taken: the request is spent.
          await ctx.patch({ metadata: { annotations: { [FAILBACK_ANNOTATION]: null } } });
        }
        if (held.holder !== self && verdict(held.holder).state === 'Up')
          await recordPeerReplicas(pair, ctx, held.holder);
      }

      // The backup mirrors the serving primary's selected ConfigMaps and Secrets.
      const holder = fencing.state === 'Held' ? fencing.record.holder : undefined;
      await replication.sync({ pair, ctx, key, holder, primary: verdict(spec.primary.name) });

      writeView(ctx, spec, fencing, probes, verdict, cause, decided);
      return { requeueAfterMs };
    },
  });

  function writeView(
    ctx: Context,
    spec: RegionPairResource['spec'],
    fencing: FencingObservation,
    probes: ReturnType<Prober['healthOf']>,
    verdict: (region: string) => ReturnType<typeof judgeRegion>,
    cause: HoldCause | undefined,
    decided: RegionPairDecision | undefined,
  ) {
    const { status } = ctx;
    status.regions = [spec.primary.name, spec.backup.name].map((name) =>
      regionHealthStatus(name, probes[name], verdict(name)),
    );
    const record = fencing.state === 'Held' ? fencing.record : undefined;
    if (fencing.state === 'Held') {
      const timeoutMs = parseDuration(spec.fencing.heartbeatTimeout);
      status.fencing = fencingStatus(fencing, self, timeoutMs, ctx.now);
      status.activeRegion = fencing.record.holder;
    }
    const phase = regionPhase(spec, record, status.lastFailover);
    if (phase) status.phase = phase;
    // Status keeps a decision once per id and state, with the reason it was first made for; Ready says why
    // now (a hold's counters and waits move on under the same id).
    const last = status.lastDecision!;
    const ready = readiness(decided?.id === last.id ? { ...last, reason: decided.reason } : last, cause);
    ctx.conditions.set('Ready', ready.status, ready.reason, ready.message);
  }
}
