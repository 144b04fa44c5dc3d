// The Venture controller: audit on schedule, decide with the engine, record each decision before acting
// on it, act as far as the mode allows, keep the Deployment converged, and say it all in status (which the
// AUREA journal reads its decisions from) and to the journal (health and profit).
import { parseDuration } from '../../api/duration.js';
import { DEPLOYMENTS } from '../../api/resources.js';
import { VENTURES, type VentureResource } from '../../api/v1alpha1/index.js';
import { StatusLimits, type Decision, type VentureStatus } from '../../api/v1alpha1/venture.js';
import { recordDecision, setDecisionState } from '../../engine/decisions.js';
import { extraConfirmations } from '../../engine/aurea/learning.js';
import { isApproved } from '../../engine/mode.js';
import type { HoldCause } from '../../engine/venture/decision.js';
import {
  afterAudit,
  auditDueIn,
  auditMeasurements,
  eventFor,
  isDeciding,
  judgeAfterMs,
  startTermination,
  tellsEvent,
} from '../../engine/venture/lifecycle.js';
import {
  approvedTerminationWaits,
  HOUR_MS,
  planVenture,
  type VentureSettings,
} from '../../engine/venture/plan.js';
import type { Manager } from '../../runtime/manager.js';
import { replaceContents } from '../../runtime/objects.js';
import { objectController, type ObjectContext } from '../../runtime/reconciler.js';
import { actOn } from './actions.js';
import { converge, finishTermination } from './deployment.js';
import { TerminationLedger } from './ledger.js';
import { ventureMetrics } from './metrics.js';
import { readVentureMetrics } from './observe.js';
import { containersOf, deploymentNameOf, type Deployment } from './workload.js';

export interface VentureControllerSettings extends VentureSettings {
  prometheusAddress?: string;
}

type Context = ObjectContext<VentureStatus>;

export function ventureController(manager: Manager, settings: VentureControllerSettings) {
  const ventures = manager.informer<VentureResource>(VENTURES);
  const deployments = manager.informer<Deployment>(DEPLOYMENTS);
  const gauges = ventureMetrics(manager.metrics.registry);
  const ledger = new TerminationLedger(HOUR_MS);
  const portfolioOf = (venture: VentureResource) => ventures.list(venture.metadata.namespace);

  async function audit(venture: VentureResource, ctx: Context) {
    const { namespace } = venture.metadata;
    const started = performance.now();
    const read = await readVentureMetrics(ctx.client, venture, settings.prometheusAddress);
    // From the guards to the reservation nothing awaits: no other audit can take the same slot meanwhile.
    const plan = planVenture(venture, read, {
      portfolio: portfolioOf(venture),
      settings,
      now: ctx.now,
      containers: containersOf(venture, deployments.get(namespace, deploymentNameOf(venture))),
      reserved: ledger.reservations(namespace, ctx.now),
      scaleConfirmations: 1 + extraConfirmations(ctx.journal.learned(), 'Venture', 'Scale'),
    });
    if (plan.terminates) ledger.reserve(namespace, venture.metadata.name, ctx.now);
    gauges.auditDuration.observe((performance.now() - started) / 1000);
    if (plan.audit.metricsAvailable)
      gauges.observe(venture, plan.audit.health.score, plan.audit.snapshot.profitMargin);
    const measured = auditMeasurements(plan);
    if (measured) {
      ctx.journal.measured('health', measured.health);
      ctx.journal.measured('profit', measured.profit);
    }

    const { status, metricsAvailable } = afterAudit(ctx.status, plan, read, ctx.now);
    replaceContents(ctx.status, status);
    ctx.conditions.set(
      'MetricsAvailable',
      metricsAvailable.status,
      metricsAvailable.reason,
      metricsAvailable.message,
    );
    await record(venture, ctx, plan.decision, plan.cause);
  }

  /** Writes the decision to status and tells it in an Event, then carries it out if the mode allows. */
  async function record(venture: VentureResource, ctx: Context, decision: Decision, cause?: HoldCause) {
    const { status } = ctx;
    const same = decision.id === status.lastDecision?.id && decision.state === status.lastDecision.state;
    const { history, repeat } = recordDecision(status.history, decision, StatusLimits.history);
    const event = eventFor(venture.metadata.name, decision, cause);
    if (event && tellsEvent(event, repeat, same)) await ctx.events.tell({ ...event, series: decision.id });
    if (same) return; // recorded already (a mode change records it anew: its state differs)
    status.lastDecision = decision;
    status.history = history;
    gauges.decisions.inc({ action: decision.action, state: decision.state });
    ctx.logger.info(
      { decision: decision.id, action: decision.action, state: decision.state, reason: decision.reason },
      'decided',
    );
    if (decision.state === 'Applied' && decision.action !== 'Hold') await carryOut(venture, ctx, decision);
  }

  /** A Supervised decision waiting for approval is carried out once the approve annotation names it. */
  async function approve(venture: VentureResource, ctx: Context) {
    const pending = ctx.status.lastDecision;
    if (!pending || !isApproved(pending, venture.metadata.annotations)) return;
    if (pending.action === 'Terminate') {
      const { namespace, name } = venture.metadata;
      const reserved = ledger.reservations(namespace, ctx.now);
      const wait = approvedTerminationWaits(
        venture,
        pending,
        portfolioOf(venture),
        settings,
        ctx.now,
        reserved,
      );
      if (wait) {
        ctx.logger.info({ decision: pending.id, reason: wait }, 'approved termination waits');
        return ctx.events.warning('TerminationBlocked', `approved ${pending.id}, but ${wait}`);
      }
      ledger.reserve(namespace, name, ctx.now);
    }
    ctx.logger.info({ decision: pending.id }, 'decision approved');
    await carryOut(venture, ctx, pending);
  }

  /**
   * Invariant 3: the decision is persisted as Applying before the workload is touched, so a restart
   * finishes it (acting is idempotent) instead of deciding it again; then it is Applied.
   */
  async function carryOut(venture: VentureResource, ctx: Context, decision: Decision) {
    setDecisionState(ctx.status, decision.id, 'Applying');
    if (decision.action === 'Terminate') Object.assign(ctx.status, startTermination(ctx.now));
    await ctx.checkpoint();
    await finish(venture, ctx, ctx.status.lastDecision!);
  }

  async function finish(venture: VentureResource, ctx: Context, decision: Decision) {
    // A failure throws: the decision stays Applying, the journal hears why, and the retry finishes it.
    await actOn(venture, ctx, decision, { portfolio: portfolioOf(venture), settings });
    setDecisionState(ctx.status, decision.id, 'Applied');
  }

  return objectController<VentureResource>(manager, {
    name: 'venture',
    kind: VENTURES,
    owns: [DEPLOYMENTS],
    judging: (_decision, venture) => ({
      judgeAfterMs: judgeAfterMs(parseDuration(venture.spec.policy.period)),
    }),
    async reconcile(venture, ctx) {
      const { status, now } = ctx;
      if (status.lastDecision?.state === 'Applying') {
        // Recorded, then the process stopped (or the action failed) before it was done: finish it once.
        ctx.logger.info({ decision: status.lastDecision.id }, 'finishing a decision recorded before');
        await finish(venture, ctx, status.lastDecision);
        await ctx.checkpoint(); // the audit below plans from the persisted status
      }
      let requeueAfterMs = parseDuration(venture.spec.metrics.interval);
      if (isDeciding(status)) {
        const dueIn = auditDueIn(status, requeueAfterMs, now);
        if (dueIn === 0) await audit(venture, ctx);
        else requeueAfterMs = dueIn;
        await approve(venture, ctx);
      }
      if (status.phase === 'Terminating') requeueAfterMs = await finishTermination(venture, ctx, deployments);
      await converge(venture, ctx, deployments.get(venture.metadata.namespace, deploymentNameOf(venture)));
      return status.phase === 'Terminated' ? {} : { requeueAfterMs };
    },
  });
}
