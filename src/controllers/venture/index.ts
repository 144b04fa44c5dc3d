// The Venture controller: audit on schedule, decide with the engine, record each decision before acting
// on it, act as far as the mode allows, keep the Deployment converged, and say it all in status.
import { parseDuration } from '../../api/duration.js';
import { VENTURES, type VentureResource } from '../../api/v1alpha1/index.js';
import { StatusLimits, type Decision, type VentureStatus } from '../../api/v1alpha1/venture.js';
import { venturePhase, type HoldCause } from '../../engine/venture/decision.js';
import { recordDecision } from '../../engine/decisions.js';
import { isoTime, timeOr } from '../../engine/format.js';
import { APPROVE_ANNOTATION } from '../../engine/mode.js';
import { ApiError } from '../../runtime/client.js';
import { type KubeObject } from '../../api/meta.js';
import { isConditionTrue, setCondition } from '../../runtime/conditions.js';
import type { ControllerSpec, ReconcileContext, Result } from '../../runtime/controller.js';
import { EventType } from '../../runtime/events.js';
import type { Manager } from '../../runtime/manager.js';
import { canonical, patchStatus } from '../../runtime/objects.js';
import { DEPLOYMENTS } from '../../api/resources.js';
import { ventureMetrics } from './metrics.js';
import { approveTermination, HOUR_MS, planVenture, rounded, type VentureSettings } from './plan.js';
import { TerminationLedger } from './ledger.js';
import { redirectFrom } from './portfolio.js';
import { deploymentNameOf, desiredDeployment, isApplied, selectorOf, type Deployment } from './workload.js';

/** How soon to look again when the cache has not caught up with our own last write. */
const CACHE_BEHIND_MS = 200;

export function ventureController(manager: Manager, settings: { ventures: VentureSettings }): ControllerSpec {
  const ventures = manager.informer<VentureResource>(VENTURES);
  const deployments = manager.informer<Deployment>(DEPLOYMENTS);
  const gauges = ventureMetrics(manager.metrics.registry);
  const ledger = new TerminationLedger(HOUR_MS);
  // The resourceVersion each venture had when this process last wrote it: a cache still showing that
  // version has not seen our write yet, and auditing from it would audit twice.
  const writtenOver = new Map<string, string>();
  const { client, clock, events } = manager;

  async function reconcile(
    { namespace, name }: { namespace?: string; name: string },
    ctx: ReconcileContext,
  ): Promise<Result> {
    const cached = ventures.get(namespace, name);
    const key = `${namespace}/${name}`;
    if (!cached || cached.metadata.deletionTimestamp) {
      writtenOver.delete(key);
      return {};
    }
    const seen = cached.metadata.resourceVersion;
    if (seen !== undefined && writtenOver.get(key) === seen) return { requeueAfterMs: CACHE_BEHIND_MS };
    // A private copy: writes below move its resourceVersion and status forward; the cache stays as read.
    const venture = JSON.parse(JSON.stringify(cached)) as VentureResource;
    const now = clock.now();
    const status: VentureStatus = structuredClone(venture.status ?? {});
    const intervalMs = parseDuration(venture.spec.metrics.interval);
    let requeueAfterMs = intervalMs;

    const unfinished = status.lastDecision;
    if (unfinished?.state === 'Applying') {
      // Recorded, then the process stopped (or the action failed) before it was done: finish it once.
      ctx.logger.info({ decision: unfinished.id }, 'finishing a decision recorded before');
      await act(venture, status, unfinished, now);
      markApplied(status, unfinished.id);
      await persist(venture, status); // the audit below plans from the persisted status
    }
    if (status.phase !== 'Terminating' && status.phase !== 'Terminated') {
      const lastAudit = status.lastAuditTime ? Date.parse(status.lastAuditTime) : NaN;
      if (!(now - lastAudit < intervalMs)) await audit(venture, status, now, ctx);
      else requeueAfterMs = intervalMs - (now - lastAudit);
      await approve(venture, status, now, ctx);
    }
    if (status.phase === 'Terminating') requeueAfterMs = await finishTermination(venture, status, now);

    await converge(venture, status, now);
    status.observedGeneration = venture.metadata.generation;
    await persist(venture, status);
    if (seen !== undefined && venture.metadata.resourceVersion !== seen) writtenOver.set(key, seen);
    return status.phase === 'Terminated' ? {} : { requeueAfterMs };
  }

  async function audit(venture: VentureResource, status: VentureStatus, now: number, ctx: ReconcileContext) {
    const { namespace } = venture.metadata;
    const started = performance.now();
    const {
      read,
      audit: result,
      verdict,
      decision: recorded,
      cause,
    } = await planVenture(client, venture, {
      portfolio: ventures.list(namespace),
      settings: settings.ventures,
      now,
      deployment: deployments.get(namespace, deploymentNameOf(venture)),
      ledger,
    });
    gauges.auditDuration.observe((performance.now() - started) / 1000);

    status.lastAuditTime = isoTime(now);
    status.auditHistory = result.history;
    status.failingAudits = verdict.failingAudits;
    if (verdict.failingSince) status.failingSince = verdict.failingSince;
    else delete status.failingSince;
    if (result.metricsAvailable) {
      status.metrics = rounded(result.snapshot);
      status.health = {
        score: result.health.score,
        tier: result.health.tier,
        components: Object.fromEntries(
          Object.entries(result.health.components).map(([k, v]) => [k, String(v)]),
        ),
      };
      if (result.trend) status.trend = result.trend;
      status.risks = result.risks.slice(0, StatusLimits.risks);
      gauges.observe(venture, result.health.score, result.snapshot.profitMargin);
    }
    status.conditions = setCondition(
      status.conditions,
      result.metricsAvailable
        ? {
            type: 'MetricsAvailable',
            status: 'True',
            reason: 'SamplesFresh',
            message: 'revenue and costs samples are fresh',
          }
        : {
            type: 'MetricsAvailable',
            status: 'False',
            reason: read.problem?.reason ?? 'SamplesUnusable',
            message: `${result.reason}; destructive decisions are frozen`,
          },
      venture.metadata.generation,
      now,
    );

    status.phase = venturePhase(
      { decision: recorded, failingAudits: verdict.failingAudits },
      recorded.state,
      status.metrics !== undefined,
    );
    // The same decision in the same state is already recorded (a mode change records it anew).
    if (recorded.id === status.lastDecision?.id && recorded.state === status.lastDecision.state) return;
    await record(venture, status, recorded, ctx, cause);
  }

  /** A Supervised decision waiting for approval is applied once the approve annotation names it. */
  async function approve(
    venture: VentureResource,
    status: VentureStatus,
    now: number,
    ctx: ReconcileContext,
  ) {
    const pending = status.lastDecision;
    if (
      pending?.state !== 'PendingApproval' ||
      venture.metadata.annotations?.[APPROVE_ANNOTATION] !== pending.id
    )
      return;
    if (pending.action === 'Terminate') {
      const { namespace } = venture.metadata;
      const portfolio = ventures.list(namespace);
      const wait = approveTermination(venture, pending, portfolio, settings.ventures, now, ledger);
      if (wait) {
        // Still pending: approved, but a guard holds it until the reason passes.
        ctx.logger.info({ decision: pending.id, reason: wait }, 'approved termination waits');
        await events.record(
          venture,
          VENTURES,
          EventType.Warning,
          'TerminationBlocked',
          `approved ${pending.id}, but ${wait}`,
        );
        return;
      }
    }
    ctx.logger.info({ decision: pending.id }, 'decision approved');
    await carryOut(venture, status, pending, now);
  }

  /** Writes the decision to status and an Event, then carries it out if the mode allows. */
  async function record(
    venture: VentureResource,
    status: VentureStatus,
    decision: Decision,
    ctx: ReconcileContext,
    cause: HoldCause | undefined,
  ) {
    status.lastDecision = decision;
    const { history, repeat } = recordDecision(status.history, decision, StatusLimits.history);
    status.history = history;
    gauges.decisions.inc({ action: decision.action, state: decision.state });
    ctx.logger.info(
      { decision: decision.id, action: decision.action, state: decision.state, reason: decision.reason },
      'decided',
    );
    const event = eventFor(venture, decision, cause);
    // A plain Hold is news once, when the venture starts holding; each audit after it is not.
    if (event && !(repeat && event.reason === 'VentureHolding')) {
      await events.record(venture, VENTURES, event.type, event.reason, event.note);
    }
    if (decision.state === 'Applied' && decision.action !== 'Hold') {
      await carryOut(venture, status, decision, clock.now());
    }
  }

  /**
   * Invariant 3: the decision is persisted as Applying before the workload is touched, so a restart
   * finishes it (act is idempotent) instead of deciding it again; then it is Applied.
   */
  async function carryOut(venture: VentureResource, status: VentureStatus, decision: Decision, now: number) {
    setState(status, decision.id, 'Applying');
    if (decision.action === 'Terminate') {
      status.phase = 'Terminating';
      status.terminatedAt = isoTime(now);
    }
    await persist(venture, status);
    await act(venture, status, status.lastDecision!, now);
    markApplied(status, decision.id);
  }

  /** Writes status and keeps the private copy in step with what the server now has. */
  async function persist(venture: VentureResource, status: VentureStatus): Promise<void> {
    const written = await patchStatus(client, VENTURES, venture, status);
    venture.metadata.resourceVersion = written.metadata.resourceVersion;
    venture.status = JSON.parse(JSON.stringify(status)) as VentureStatus;
  }

  /** What a decision does; safe to run again for the same decision (a restart may finish it). */
  async function act(venture: VentureResource, status: VentureStatus, decision: Decision, now: number) {
    const { namespace, name } = venture.metadata;
    if (decision.action === 'Terminate') {
      const grants = await redirectFrom(
        client,
        venture,
        ventures.list(namespace),
        settings.ventures.defaultMode,
        settings.ventures.portfolioMaxReplicas,
      );
      for (const g of grants) {
        await events.record(
          venture,
          VENTURES,
          EventType.Normal,
          'ResourcesRedirected',
          `${g.replicas} replicas and ${g.budget} budget to ${g.name}`,
        );
      }
    }
    if (decision.action === 'Scale') {
      const done: string[] = [];
      const target = decision.targetReplicas ?? venture.spec.replicas;
      if (target !== venture.spec.replicas) {
        const scale = await client.mergePatch<KubeObject>(
          VENTURES,
          namespace,
          name,
          { spec: { replicas: target } },
          'scale',
        );
        venture.metadata.resourceVersion = scale.metadata.resourceVersion;
        done.push(`scaled from ${venture.spec.replicas} to ${target} replicas`);
        venture.spec.replicas = target; // so the Deployment follows in this reconcile
      }
      const requests = decision.targetRequests;
      if (requests && canonical(requests) !== canonical(status.requests ?? [])) {
        status.requests = requests; // the Deployment gets them in this reconcile's converge
        done.push(
          `requests ${requests.map((r) => `${r.container} ${[r.cpu, r.memory].filter(Boolean).join('/')}`).join(', ')}`,
        );
      }
      if (done.length) {
        status.lastScaleTime = isoTime(now);
        await events.record(
          venture,
          VENTURES,
          EventType.Normal,
          'VentureScaled',
          `${done.join('; ')} (decision ${decision.id})`,
        );
      }
    }
  }

  /** Soft termination: replicas 0 for the grace period, then the Deployment goes; the Venture stays. */
  async function finishTermination(
    venture: VentureResource,
    status: VentureStatus,
    now: number,
  ): Promise<number> {
    const graceMs = parseDuration(venture.spec.policy.gracePeriod);
    // A missing or unreadable time starts the grace period now, and is written so that it stays started.
    const since = timeOr(status.terminatedAt, now);
    status.terminatedAt = isoTime(since);
    const left = since + graceMs - now;
    if (left > 0) return left;
    const deploymentName = deploymentNameOf(venture);
    if (deployments.get(venture.metadata.namespace, deploymentName)) {
      await client.delete(DEPLOYMENTS, venture.metadata.namespace, deploymentName);
    }
    status.phase = 'Terminated';
    await events.record(
      venture,
      VENTURES,
      EventType.Normal,
      'VentureTerminated',
      `deleted Deployment ${deploymentName} after the ${venture.spec.policy.gracePeriod} grace period; the final snapshot stays in status`,
    );
    return 0;
  }

  /** Applies the Deployment (replicas 0 while terminating) and mirrors it in status. */
  async function converge(venture: VentureResource, status: VentureStatus, now: number) {
    const { namespace, generation } = venture.metadata;
    const deploymentName = deploymentNameOf(venture);
    const existing = deployments.get(namespace, deploymentName);
    const workload = (s: 'True' | 'False', reason: string, message: string) => {
      status.conditions = setCondition(
        status.conditions,
        { type: 'WorkloadReady', status: s, reason, message },
        generation,
        now,
      );
    };
    if (status.phase === 'Terminated') {
      workload('False', 'Terminated', `the venture was terminated; Deployment ${deploymentName} is deleted`);
    } else if (venture.spec.workload.deploymentName && !existing) {
      workload(
        'False',
        'DeploymentNotFound',
        `no Deployment ${deploymentName} in ${namespace} to adopt; create it or set workload.template`,
      );
    } else {
      const replicas = status.phase === 'Terminating' ? 0 : venture.spec.replicas;
      try {
        const desired = desiredDeployment(venture, replicas, status.requests);
        if (!isApplied(existing, desired)) await client.apply(DEPLOYMENTS, desired);
        workload('True', 'Applied', `Deployment ${deploymentName} at ${replicas} replicas`);
      } catch (err) {
        if (!(err instanceof ApiError) || err.code !== 422) throw err;
        workload(
          'False',
          'InvalidWorkload',
          `Kubernetes rejected Deployment ${deploymentName}: ${err.message}`,
        );
        await events.record(venture, VENTURES, EventType.Warning, 'InvalidWorkload', err.message);
      }
    }
    status.deploymentName = deploymentName;
    status.replicas = existing?.status?.replicas ?? 0;
    const selector = selectorOf(existing);
    if (selector) status.selector = selector;
    const metricsOk = isConditionTrue(status.conditions, 'MetricsAvailable');
    const workloadOk = isConditionTrue(status.conditions, 'WorkloadReady');
    status.conditions = setCondition(
      status.conditions,
      status.phase === 'Terminated'
        ? {
            type: 'Ready',
            status: 'False',
            reason: 'Terminated',
            message: status.lastDecision?.reason ?? 'terminated',
          }
        : metricsOk && workloadOk
          ? {
              type: 'Ready',
              status: 'True',
              reason: 'Audited',
              message: status.lastDecision?.reason ?? 'audited',
            }
          : {
              type: 'Ready',
              status: 'False',
              reason: metricsOk ? 'WorkloadNotReady' : 'MetricsUnavailable',
              message: 'see the MetricsAvailable and WorkloadReady conditions',
            },
      generation,
      now,
    );
  }

  return { name: 'venture', for: VENTURES, owns: [DEPLOYMENTS], reconcile };
}

/** The decision's state, in lastDecision and in its history entry. */
function setState(status: VentureStatus, id: string, state: Decision['state']): void {
  const update = (d: Decision) => (d.id === id ? { ...d, state } : d);
  status.history = (status.history ?? []).map(update);
  if (status.lastDecision) status.lastDecision = update(status.lastDecision);
}

const markApplied = (status: VentureStatus, id: string) => setState(status, id, 'Applied');

function eventFor(
  venture: VentureResource,
  d: Decision,
  cause: HoldCause | undefined,
): { type: EventType; reason: string; note: string } | undefined {
  const approve = `approve with: kubectl annotate venture ${venture.metadata.name} ${APPROVE_ANNOTATION}=${d.id}`;
  if (d.state === 'Blocked') return { type: EventType.Warning, reason: 'TerminationBlocked', note: d.reason };
  if (d.state === 'PendingApproval')
    return {
      type: EventType.Normal,
      reason: 'DecisionPendingApproval',
      note: `${d.action}: ${d.reason}; ${approve}`,
    };
  if (d.state === 'Recommended')
    return {
      type: EventType.Normal,
      reason: 'DecisionRecommended',
      note: `${d.action} (Observe mode, not applied): ${d.reason}`,
    };
  if (d.action === 'Terminate')
    return {
      type: EventType.Warning,
      reason: 'VentureTerminating',
      note: `${d.reason}; scaled to 0 for the grace period`,
    };
  if (d.action === 'Optimize')
    return { type: EventType.Normal, reason: 'OptimizationRecommended', note: d.reason };
  if (cause === 'MetricsUnavailable')
    return { type: EventType.Warning, reason: 'MetricsUnavailable', note: d.reason };
  if (cause === 'UnderReview')
    return { type: EventType.Warning, reason: 'VentureUnderReview', note: d.reason };
  // An applied Scale has its own Event (VentureScaled) from act, with what changed.
  if (d.action === 'Hold') return { type: EventType.Normal, reason: 'VentureHolding', note: d.reason };
  return undefined;
}
