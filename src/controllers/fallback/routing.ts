// Publishes the active target where applications look: the ConfigMap and the ExternalName Service that
// spec.routing names, by server-side apply (unchanged ones are not sent again). An object of that name
// that another owner controls is never taken over: that is a conflict for the user to resolve.
import type { KubeObject } from '../../api/meta.js';
import { CONFIG_MAPS, SERVICES } from '../../api/resources.js';
import { FALLBACK_PROTOCOLS, type FallbackProtocolResource } from '../../api/v1alpha1/index.js';
import { routingFor } from '../../engine/fallback/effects.js';
import type { Informer } from '../../runtime/informer.js';
import { controllerOf } from '../../runtime/objects.js';
import type { ApplyOutcome, ObjectContext } from '../../runtime/reconciler.js';

export interface RoutingCaches {
  configMaps: Informer<KubeObject>;
  services: Informer<KubeObject>;
}

/** Why routing cannot be written (an object of that name belongs to someone else), or undefined. */
export function routingConflict(
  protocol: FallbackProtocolResource,
  caches: RoutingCaches,
): string | undefined {
  const { namespace, uid } = protocol.metadata;
  const { configMap, service } = protocol.spec.routing ?? {};
  const taken = (cache: Informer<KubeObject>, kind: string, name: string, field: string) => {
    const live = cache.get(namespace, name);
    if (!live || controllerOf(live, FALLBACK_PROTOCOLS)?.uid === uid) return undefined;
    const owner = live.metadata.ownerReferences?.find((o) => o.controller);
    return `${kind} ${namespace}/${name} exists and ${owner ? `is controlled by ${owner.kind} ${owner.name}` : 'was not created by this FallbackProtocol'}: delete it or name another in ${field}`;
  };
  return (
    (configMap && taken(caches.configMaps, 'ConfigMap', configMap.name, 'spec.routing.configMap.name')) ||
    (service && taken(caches.services, 'Service', service.name, 'spec.routing.service.name')) ||
    undefined
  );
}

/** Points the routing objects at `target`: rejected when Kubernetes refused one (a condition says why). */
export async function publishTarget(
  protocol: FallbackProtocolResource,
  target: string,
  ctx: ObjectContext<unknown>,
): Promise<ApplyOutcome> {
  const routing = routingFor(protocol.spec, target);
  const { namespace } = protocol.metadata;
  const onInvalid = { condition: 'RoutingReady', reason: 'RoutingRejected' };
  const outcomes = [];
  if (routing?.configMap) {
    outcomes.push(
      await ctx.applyOwned(
        CONFIG_MAPS,
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { namespace, name: routing.configMap.name },
          data: routing.configMap.data,
        } as KubeObject,
        { onInvalid },
      ),
    );
  }
  if (routing?.service) {
    outcomes.push(
      await ctx.applyOwned(
        SERVICES,
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { namespace, name: routing.service.name },
          spec: { type: 'ExternalName', externalName: routing.service.externalName },
        } as KubeObject,
        { onInvalid },
      ),
    );
  }
  if (outcomes.includes('rejected')) return 'rejected';
  return outcomes.includes('applied') ? 'applied' : 'unchanged';
}
