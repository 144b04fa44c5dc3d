// The Venture module: its flags, its controller, and its lines in `autopilot plan`.
import type { VentureResource } from '../../api/v1alpha1/index.js';
import { VENTURES } from '../../api/v1alpha1/index.js';
import { DEPLOYMENTS } from '../../api/resources.js';
import { planVenture } from '../../engine/venture/plan.js';
import { intFlag, numberFlag } from '../../runtime/flags.js';
import type { PlanRow } from '../../runtime/module.js';
import { defineKindModule } from '../shared.js';
import { ventureController } from './controller.js';
import { readVentureMetrics } from './observe.js';
import { containersOf, deploymentNameOf, type Deployment } from './workload.js';

export const ventureModule = defineKindModule({
  name: 'venture',
  kind: 'Venture',
  flags: {
    terminationsPerHour: intFlag({
      help: 'Venture terminations allowed per namespace per hour',
      default: '1',
      min: 0,
    }),
    circuitBreakerShare: numberFlag({
      help: "block all terminations when more than this share of a namespace's ventures are failing or were just terminated",
      default: '0.5',
      placeholder: 'F',
      check: (n) => (n > 0 && n <= 1 ? undefined : 'must be in (0, 1]'),
    }),
    portfolioMaxReplicas: numberFlag({
      help: "replicas a namespace's ventures may reach through redistribution without a ResourceQuota on pods",
      default: 'Infinity',
      check: (n) => (n >= 0 ? undefined : 'must be a number of replicas'),
    }),
  },
  setup(manager, settings) {
    manager.add(ventureController(manager, settings));
  },
  /** Reads each venture's metrics and plans as the operator would; one termination budget for the run. */
  async plan({ client, namespace, now }, settings) {
    const { items } = await client.list<VentureResource>(VENTURES, namespace);
    const decided = new Map<string, Map<string, number>>();
    const rows: PlanRow[] = [];
    for (const venture of items) {
      const { namespace: ns, name } = venture.metadata;
      if (venture.status?.phase === 'Terminated') {
        rows.push({
          namespace: ns,
          name,
          state: 'Terminated',
          decision: '-',
          gate: '-',
          reason: 'terminated; nothing left to decide',
        });
        continue;
      }
      const reserved = decided.get(ns) ?? new Map<string, number>();
      decided.set(ns, reserved);
      const deployment = await client.find<Deployment>(DEPLOYMENTS, ns, deploymentNameOf(venture));
      const read = await readVentureMetrics(client, venture, settings.prometheusAddress);
      const plan = planVenture(venture, read, {
        portfolio: items.filter((v) => v.metadata.namespace === ns),
        settings,
        now,
        containers: containersOf(venture, deployment),
        reserved,
      });
      if (plan.terminates) reserved.set(name, now);
      const health = plan.audit.metricsAvailable
        ? ` ${plan.audit.health.score} ${plan.audit.health.tier}`
        : '';
      rows.push({
        namespace: ns,
        name,
        state: `${venture.status?.phase ?? 'Pending'}${health}`,
        decision: plan.decision.action,
        gate: plan.decision.state,
        reason: plan.decision.reason,
      });
    }
    return rows;
  },
});
