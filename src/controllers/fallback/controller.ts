// The FallbackProtocol controller: probe the targets outside reconciles (a leader-only prober whose health
// changes enqueue the protocol), judge each target from its probes and its traffic, decide with the engine,
// record the decision before acting, switch routing only toward a healthy target, tell a human once per
// transition, and measure every switch.
import { REASON_LIMIT } from '../../api/decision.js';
import type { ObjectRef } from '../../api/journal.js';
import { keyOf, parseKey } from '../../api/meta.js';
import { CONFIG_MAPS, SERVICES } from '../../api/resources.js';
import {
  StatusLimits,
  type FailoverDecisionRecord,
  type FallbackProtocolStatus,
} from '../../api/v1alpha1/fallbackProtocol.js';
import { FALLBACK_PROTOCOLS, type FallbackProtocolResource } from '../../api/v1alpha1/index.js';
import { recordDecision, setDecisionState } from '../../engine/decisions.js';
import { activeTargetOf, decideFailover, nextLookMs, resumeDecision } from '../../engine/fallback/decide.js';
import {
  afterSwitch,
  notificationFor,
  readiness,
  switchEvent,
  switchRecord,
  unnotified,
} from '../../engine/fallback/effects.js';
import { assessTargets, targetStatus, type TargetHealth } from '../../engine/fallback/health.js';
import { clip, isoTime } from '../../engine/format.js';
import {
  decisionState,
  effectiveMode,
  gateEvent,
  isApproved,
  nextDecision,
  type Mode,
} from '../../engine/mode.js';
import { ProviderError } from '../../providers/http.js';
import { Prober } from '../../providers/prober.js';
import type { Manager } from '../../runtime/manager.js';
import { objectController, type ObjectContext } from '../../runtime/reconciler.js';
import { channelSource } from '../../runtime/sources.js';
import { fallbackMetrics } from './metrics.js';
import { probeTargetsOf, readTraffic, webhookOf } from './observe.js';
import { Outbox } from './outbox.js';
import { publishTarget, routingConflict } from './routing.js';

export interface FallbackControllerSettings {
  defaultMode: Mode;
  prometheusAddress?: string;
  /** Probes in flight at once over all protocols. */
  probeConcurrency: number;
}

type Context = ObjectContext<FallbackProtocolStatus>;

/** A target as the AUREA journal knows it: a failover is judged by its new target's health. */
const targetRef = (protocol: FallbackProtocolResource, target: string): ObjectRef => ({
  kind: 'FallbackProtocolTarget',
  namespace: protocol.metadata.namespace ?? '',
  name: `${protocol.metadata.name}/${target}`,
});
type Decision = FailoverDecisionRecord;

export function fallbackController(manager: Manager, settings: FallbackControllerSettings) {
  const caches = {
    configMaps: manager.informer(CONFIG_MAPS),
    services: manager.informer(SERVICES),
  };
  const gauges = fallbackMetrics(manager.metrics.registry);
  // Health changes and ended deliveries reach the controller's queue; dropped while not leading.
  const changes = channelSource('fallback-health');
  const prober = new Prober({
    name: 'fallbackprotocol',
    onChange: (key) => changes.send(key),
    concurrency: settings.probeConcurrency,
    registry: manager.metrics.registry,
    clock: manager.clock,
  });
  manager.runnable({
    name: 'fallback-prober',
    async run(signal) {
      try {
        await prober.run(signal);
      } finally {
        await prober.close();
      }
    },
  });
  const outbox = new Outbox(manager.clock, (key) => changes.send(key));
  const targetsOf = new Map<string, string[]>();
  const labelsOf = (p: FallbackProtocolResource) => ({
    namespace: p.metadata.namespace ?? '',
    protocol: p.metadata.name,
  });

  /** Each target's health now: the prober's window (never waited for) and the traffic, if configured. */
  async function observe(protocol: FallbackProtocolResource, ctx: Context): Promise<TargetHealth[]> {
    const key = keyOf(protocol);
    try {
      prober.configure(key, await probeTargetsOf(ctx.client, protocol));
      const { interval } = protocol.spec.probe;
      ctx.conditions.set(
        'ProbesConfigured',
        'True',
        'Probing',
        `${protocol.spec.targets.length} targets probed every ${interval}`,
      );
    } catch (err) {
      if (!(err instanceof ProviderError)) throw err;
      // Probing without its headers or CA would judge the targets wrongly: no probes, so no decisions.
      prober.forget(key);
      ctx.conditions.set('ProbesConfigured', 'False', err.reason, err.message);
      await ctx.events.warning(err.reason, err.message, err.reason);
    }
    const traffic = await readTraffic(ctx.client, protocol, settings.prometheusAddress);
    if (traffic) {
      const failure = Object.values(traffic).find((reading) => reading.error)?.error;
      if (failure)
        ctx.conditions.set(
          'TrafficObserved',
          'False',
          'TrafficUnavailable',
          `${failure}; probes alone decide`,
        );
      else ctx.conditions.set('TrafficObserved', 'True', 'TrafficRead', 'error rates read from Prometheus');
    }
    const probes = prober.healthOf(key);
    const observations = Object.fromEntries(
      protocol.spec.targets.map((t) => [t.name, { probes: probes[t.name], traffic: traffic?.[t.name] }]),
    );
    return assessTargets(protocol.spec, observations, ctx.status.targets, ctx.now);
  }

  /** Records the decision in status (once per id and state), then carries it out when the mode allows. */
  async function record(protocol: FallbackProtocolResource, ctx: Context, decision: Decision) {
    const { status } = ctx;
    if (decision.id === status.lastDecision?.id && decision.state === status.lastDecision.state) return;
    const { history, repeat } = recordDecision(status.history, decision, StatusLimits.history);
    status.lastDecision = decision;
    status.history = history;
    if (!repeat) {
      ctx.logger.info(
        { decision: decision.id, action: decision.action, state: decision.state, reason: decision.reason },
        'decided',
      );
    }
    if (decision.action === 'Hold') return;
    if (decision.state === 'Applied') return carryOut(protocol, ctx, decision);
    const event = gateEvent('fallbackprotocol', protocol.metadata.name, decision);
    if (event) await ctx.events.tell({ ...event, series: decision.id });
  }

  /** Invariant 3: written to status as Applying before routing moves, so a restart finishes it once. */
  async function carryOut(protocol: FallbackProtocolResource, ctx: Context, decision: Decision) {
    setDecisionState(ctx.status, decision.id, 'Applying');
    await ctx.checkpoint();
    await finish(protocol, ctx, ctx.status.lastDecision!);
  }

  async function finish(protocol: FallbackProtocolResource, ctx: Context, decision: Decision) {
    const { status } = ctx;
    if (decision.action === 'AllTargetsDown') {
      await ctx.events.warning('AllTargetsDown', decision.reason, decision.id);
      return setDecisionState(status, decision.id, 'Applied');
    }
    if ((decision.action !== 'Failover' && decision.action !== 'Failback') || !decision.to) return;
    // Rejected: the decision stays Applying, RoutingReady says why, and the next reconcile tries again.
    if ((await publishTarget(protocol, decision.to, ctx)) === 'rejected') return;
    const appliedAt = manager.clock.now();
    const applied = { ...decision, appliedAt: isoTime(appliedAt) };
    const change = switchRecord(applied, appliedAt)!;
    Object.assign(status, afterSwitch(status, change));
    setDecisionState(status, decision.id, 'Applied', { appliedAt: applied.appliedAt });
    gauges.switched(labelsOf(protocol), change);
    ctx.logger.info(
      { decision: decision.id, seconds: change.durationSeconds },
      `switched ${change.from} → ${change.to}`,
    );
    await ctx.events.tell(switchEvent(change));
  }

  /**
   * A decision recorded as Applying and not finished (a restart, a refused write): finish it once while its
   * destination is healthy; wait while its health is unknown (a new leader's empty windows); else drop it.
   */
  async function resume(
    protocol: FallbackProtocolResource,
    ctx: Context,
    decision: Decision,
    health: TargetHealth[],
  ) {
    const resumption = resumeDecision(decision, health);
    if (resumption.verdict === 'wait') {
      ctx.logger.info(
        { decision: decision.id, reason: resumption.reason },
        'recorded decision waits for fresh probes',
      );
      return false;
    }
    if (resumption.verdict === 'supersede') {
      ctx.logger.info({ decision: decision.id, reason: resumption.reason }, 'recorded decision dropped');
      setDecisionState(ctx.status, decision.id, 'Blocked', {
        reason: clip(`not carried out: ${resumption.reason}`, REASON_LIMIT),
      });
      return true;
    }
    ctx.logger.info({ decision: decision.id }, 'finishing a decision recorded before');
    await finish(protocol, ctx, decision);
    return ctx.status.lastDecision?.state === 'Applied';
  }

  async function decide(protocol: FallbackProtocolResource, ctx: Context, health: TargetHealth[]) {
    const { status } = ctx;
    const pending = status.lastDecision;
    if (isApproved(pending, protocol.metadata.annotations)) {
      const resumption = resumeDecision(pending!, health);
      if (resumption.verdict === 'finish') return carryOut(protocol, ctx, pending!);
    }
    const fresh = decideFailover(protocol, status, health, ctx.now);
    const mode = effectiveMode(protocol.spec, settings.defaultMode);
    await record(
      protocol,
      ctx,
      nextDecision(pending, { ...fresh, state: decisionState(fresh, mode, undefined) }),
    );
  }

  /** Tells the webhook about every transition carried out and not yet acknowledged, once per decision id. */
  async function notify(protocol: FallbackProtocolResource, ctx: Context) {
    const { status } = ctx;
    const unsent = unnotified(status.history);
    if (!protocol.spec.notify || unsent.length === 0) return;
    let webhook;
    try {
      webhook = await webhookOf(ctx.client, protocol);
    } catch (err) {
      if (!(err instanceof ProviderError)) throw err;
      ctx.conditions.set('Notified', 'False', err.reason, err.message);
      return ctx.events.warning(err.reason, err.message, err.reason);
    }
    if (!webhook) return;
    for (const decision of unsent) {
      const delivery = outbox.deliver(
        keyOf(protocol),
        webhook,
        notificationFor(protocol, decision)!,
        ctx.signal,
      );
      if (delivery.state === 'delivered') {
        setDecisionState(status, decision.id, decision.state, { notifiedAt: isoTime(delivery.at) });
        outbox.settle(decision.id);
        ctx.conditions.set(
          'Notified',
          'True',
          'Delivered',
          `the webhook accepted ${decision.action} ${decision.id}`,
        );
      } else if (delivery.state === 'failed') {
        ctx.conditions.set('Notified', 'False', delivery.reason, delivery.message);
        await ctx.events.warning(delivery.reason, `${decision.id}: ${delivery.message}`, decision.id);
      }
    }
  }

  return objectController<FallbackProtocolResource>(manager, {
    name: 'fallback',
    kind: FALLBACK_PROTOCOLS,
    owns: [CONFIG_MAPS, SERVICES],
    sources: [changes],
    judging: (decision, protocol) =>
      'to' in decision && typeof decision.to === 'string'
        ? { subject: targetRef(protocol, decision.to) }
        : {},
    forget(key) {
      prober.forget(key);
      const { namespace = '', name } = parseKey(key);
      gauges.forget({ namespace, protocol: name }, targetsOf.get(key) ?? []);
      targetsOf.delete(key);
    },
    async reconcile(protocol, ctx) {
      const { status, now } = ctx;
      const key = keyOf(protocol);
      status.activeTarget = activeTargetOf(protocol.spec, status);
      status.activeSince ??= isoTime(now);

      const health = await observe(protocol, ctx);
      status.targets = health.map(targetStatus);
      targetsOf.set(
        key,
        health.map((t) => t.name),
      );
      gauges.observe(labelsOf(protocol), health, status.activeTarget);
      for (const target of health) {
        if (target.state !== 'Unknown')
          ctx.journal.measured('healthy', target.state === 'Up' ? 1 : 0, targetRef(protocol, target.name));
      }

      const conflict = routingConflict(protocol, caches);
      if (conflict) {
        // Never take over someone else's object, and never switch to a routing no one reads.
        ctx.conditions.set('RoutingReady', 'False', 'RoutingConflict', conflict);
        await ctx.events.warning('RoutingConflict', conflict, 'RoutingConflict');
      } else {
        const recorded = status.lastDecision;
        const settled = recorded?.state === 'Applying' ? await resume(protocol, ctx, recorded, health) : true;
        if (settled) await decide(protocol, ctx, health);
        if (status.lastDecision?.state !== 'Applying' && protocol.spec.routing) {
          if ((await publishTarget(protocol, status.activeTarget, ctx)) !== 'rejected') {
            ctx.conditions.set(
              'RoutingReady',
              'True',
              'Published',
              `routing points at ${status.activeTarget}`,
            );
          }
        }
      }
      await notify(protocol, ctx);

      const ready = readiness(status.activeTarget, health);
      const blocker = ['RoutingReady', 'ProbesConfigured']
        .map((type) => ctx.conditions.get(type))
        .find((c) => c?.status === 'False');
      if (blocker) ctx.conditions.set('Ready', 'False', blocker.reason, blocker.message);
      else ctx.conditions.set('Ready', ready.status, ready.reason, ready.message);
      return { requeueAfterMs: nextLookMs(protocol.spec, status, now) };
    },
  });
}
