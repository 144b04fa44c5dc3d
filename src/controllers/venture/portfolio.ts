// Moves what a terminated venture frees to the namespace's healthiest ventures (engine: redistribute),
// within the namespace's ResourceQuota on pods or the operator's portfolio limit.
import { VENTURES, type VentureResource } from '../../api/v1alpha1/index.js';
import { RESOURCE_QUOTAS } from '../../api/resources.js';
import { StatusLimits } from '../../api/v1alpha1/venture.js';
import { redistribute, type Grant } from '../../engine/venture/portfolio.js';
import type { Client } from '../../runtime/client.js';
import type { KubeObject } from '../../api/meta.js';
import { effectiveMode, type Mode } from '../../engine/mode.js';

type Quota = KubeObject & { spec?: { hard?: Record<string, string> } };

/** The smallest pod limit of the namespace's quotas, or the operator's limit. */
async function replicaLimit(client: Client, namespace: string, operatorLimit: number): Promise<number> {
  const quotas = await client.list<Quota>(RESOURCE_QUOTAS, namespace);
  const limits = quotas.items.flatMap((q) =>
    ['pods', 'count/pods'].map((k) => Number(q.spec?.hard?.[k])).filter(Number.isFinite),
  );
  return Math.min(operatorLimit, ...limits);
}

/**
 * Grants the donor's replicas and budget to recipients and writes each grant to the recipient: its
 * replicas through the scale subresource, the grant and its source to status.allocation. Once any
 * venture's allocation names the donor its capacity was given: a second call (a restart finishing the
 * termination) grants nothing.
 */
export async function redirectFrom(
  client: Client,
  donor: VentureResource,
  portfolio: readonly VentureResource[],
  defaultMode: Mode,
  operatorLimit: number,
): Promise<Grant[]> {
  const { namespace } = donor.metadata;
  const active = portfolio.filter(
    (v) => v.status?.phase !== 'Terminated' && v.status?.phase !== 'Terminating',
  );
  if (active.some((v) => v.status?.allocation?.from?.includes(donor.metadata.name))) return [];
  const eligible = (v: VentureResource) => effectiveMode(v.spec, defaultMode) !== 'Observe';
  const { grants } = redistribute(
    [donor, ...active.filter((v) => v.metadata.name !== donor.metadata.name)].map((v) => ({
      name: v.metadata.name,
      score: v === donor || !eligible(v) ? undefined : v.status?.health?.score,
      replicas: v.spec.replicas,
      plannedReplicas: v === donor ? 0 : v.spec.replicas,
      maxReplicas: v.spec.scaling.maxReplicas,
      budget: v.spec.monthlyBudget,
    })),
    await replicaLimit(client, namespace, operatorLimit),
  );
  for (const grant of grants) {
    const recipient = active.find((v) => v.metadata.name === grant.name)!;
    const before = recipient.status?.allocation;
    if (grant.replicas > 0) {
      await client.mergePatch(
        VENTURES,
        namespace,
        grant.name,
        { spec: { replicas: recipient.spec.replicas + grant.replicas } },
        'scale',
      );
    }
    await client.mergePatch(
      VENTURES,
      namespace,
      grant.name,
      {
        status: {
          allocation: {
            replicas: (before?.replicas ?? 0) + grant.replicas,
            budget: Math.round(((before?.budget ?? 0) + grant.budget) * 100) / 100,
            from: [...new Set([...(before?.from ?? []), ...grant.from])].slice(-StatusLimits.allocationFrom),
          },
        },
      },
      'status',
    );
  }
  return grants;
}
