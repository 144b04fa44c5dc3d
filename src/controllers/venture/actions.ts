// What a Venture's decision does to the cluster. Safe to run again for the same decision: a restart
// between recording a decision and finishing it runs it once more.
import type { VentureResource } from '../../api/v1alpha1/index.js';
import type { Decision, VentureStatus } from '../../api/v1alpha1/venture.js';
import { isoTime } from '../../api/time.js';
import type { VentureSettings } from '../../engine/venture/plan.js';
import { canonical } from '../../runtime/objects.js';
import type { ObjectContext } from '../../runtime/reconciler.js';
import { redirectFrom } from './portfolio.js';

export async function actOn(
  venture: VentureResource,
  ctx: ObjectContext<VentureStatus>,
  decision: Decision,
  { portfolio, settings }: { portfolio: readonly VentureResource[]; settings: VentureSettings },
): Promise<void> {
  if (decision.action === 'Terminate') {
    const grants = await redirectFrom(
      ctx.client,
      venture,
      portfolio,
      settings.defaultMode,
      settings.portfolioMaxReplicas,
    );
    for (const g of grants) {
      await ctx.events.normal(
        'ResourcesRedirected',
        `${g.replicas} replicas and ${g.budget} budget to ${g.name}`,
      );
    }
  }
  if (decision.action !== 'Scale') return;
  const done: string[] = [];
  const target = decision.targetReplicas ?? venture.spec.replicas;
  if (target !== venture.spec.replicas) {
    await ctx.patch({ spec: { replicas: target } }, 'scale');
    done.push(`scaled from ${venture.spec.replicas} to ${target} replicas`);
    venture.spec.replicas = target; // so the Deployment follows in this reconcile
  }
  const requests = decision.targetRequests;
  if (requests && canonical(requests) !== canonical(ctx.status.requests ?? [])) {
    ctx.status.requests = requests; // the Deployment gets them in this reconcile
    const raised = requests.map((r) => `${r.container} ${[r.cpu, r.memory].filter(Boolean).join('/')}`);
    done.push(`requests ${raised.join(', ')}`);
  }
  if (!done.length) return;
  ctx.status.lastScaleTime = isoTime(ctx.now);
  await ctx.events.normal('VentureScaled', `${done.join('; ')} (decision ${decision.id})`);
}
