// The venture's Deployment kept where its status says it should be: applied at its replicas (0 while
// terminating), deleted when the grace period of a termination is over, and mirrored in status.
import { parseDuration } from '../../api/duration.js';
import { DEPLOYMENTS } from '../../api/resources.js';
import type { VentureResource } from '../../api/v1alpha1/index.js';
import type { VentureStatus } from '../../api/v1alpha1/venture.js';
import { gracePeriod } from '../../engine/venture/lifecycle.js';
import type { Informer } from '../../runtime/informer.js';
import type { ObjectContext } from '../../runtime/reconciler.js';
import { deploymentNameOf, desiredDeployment, selectorOf, type Deployment } from './workload.js';

type Context = ObjectContext<VentureStatus>;

/** Soft termination: replicas 0 for the grace period, then the Deployment goes; the Venture stays. */
export async function finishTermination(
  venture: VentureResource,
  ctx: Context,
  deployments: Informer<Deployment>,
): Promise<number> {
  const graceMs = parseDuration(venture.spec.policy.gracePeriod);
  const { terminatedAt, leftMs } = gracePeriod(ctx.status, graceMs, ctx.now);
  ctx.status.terminatedAt = terminatedAt;
  if (leftMs > 0) return leftMs;
  const { namespace } = venture.metadata;
  const name = deploymentNameOf(venture);
  if (deployments.get(namespace, name)) await ctx.client.delete(DEPLOYMENTS, namespace, name);
  ctx.status.phase = 'Terminated';
  await ctx.events.normal(
    'VentureTerminated',
    `deleted Deployment ${name} after the ${venture.spec.policy.gracePeriod} grace period; the final snapshot stays in status`,
  );
  return 0;
}

/** Applies the Deployment (replicas 0 while terminating), mirrors it in status, and summarizes Ready. */
export async function converge(venture: VentureResource, ctx: Context, existing: Deployment | undefined) {
  const { status, conditions } = ctx;
  const name = deploymentNameOf(venture);
  if (status.phase === 'Terminated') {
    conditions.set(
      'WorkloadReady',
      'False',
      'Terminated',
      `the venture was terminated; Deployment ${name} is deleted`,
    );
  } else if (venture.spec.workload.deploymentName && !existing) {
    const fix = `no Deployment ${name} in ${venture.metadata.namespace} to adopt; create it or set workload.template`;
    conditions.set('WorkloadReady', 'False', 'DeploymentNotFound', fix);
  } else {
    const replicas = status.phase === 'Terminating' ? 0 : venture.spec.replicas;
    const outcome = await ctx.applyOwned(DEPLOYMENTS, desiredDeployment(venture, replicas, status.requests), {
      isCurrent: (live) => live.spec?.replicas === replicas,
      onInvalid: { condition: 'WorkloadReady', reason: 'InvalidWorkload' },
    });
    if (outcome !== 'rejected') {
      conditions.set('WorkloadReady', 'True', 'Applied', `Deployment ${name} at ${replicas} replicas`);
    }
  }
  status.deploymentName = name;
  status.replicas = existing?.status?.replicas ?? 0;
  const selector = selectorOf(existing);
  if (selector) status.selector = selector;
  if (status.phase === 'Terminated') {
    conditions.set('Ready', 'False', 'Terminated', status.lastDecision?.reason ?? 'terminated');
    return;
  }
  conditions.summarize(
    [
      { type: 'MetricsAvailable', unready: 'MetricsUnavailable' },
      { type: 'WorkloadReady', unready: 'WorkloadNotReady' },
    ],
    { reason: 'Audited', message: status.lastDecision?.reason ?? 'audited' },
  );
}
