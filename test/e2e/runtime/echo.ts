// The echo controller of the runtime e2e tests: for each ConfigMap labelled echo.autopilot.test/source
// it writes an owned "<name>-echo" copy, and logs every action it takes as its own ConfigMap, so tests
// can count actions per object and per actor.
import { createHash } from 'node:crypto';
import type { KubeObject, ResourceType } from '../../../src/api/meta.js';
import type { Manager } from '../../../src/runtime/manager.js';
import { canonical, controllerReference, hasFinalizer, setFinalizer } from '../../../src/runtime/objects.js';

export const CONFIGMAPS: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  namespaced: true,
};
export const SOURCE = 'echo.autopilot.test/source';
export const ACTION = 'echo.autopilot.test/action';
/** Sources with this label get a finalizer: deleting one first deletes its action logs. */
export const FINALIZE = 'echo.autopilot.test/finalize';
export const CLEANUP = 'echo.autopilot.test/cleanup';

type ConfigMap = KubeObject & { data?: Record<string, string> };

export const hashOf = (data: Record<string, string> | undefined) =>
  createHash('sha256')
    .update(canonical(data ?? {}))
    .digest('hex')
    .slice(0, 16);

export function echoController(manager: Manager) {
  const cache = manager.informer<ConfigMap>(CONFIGMAPS);
  return {
    name: 'echo',
    for: CONFIGMAPS,
    owns: [CONFIGMAPS],
    async reconcile({ namespace, name }: { namespace?: string; name: string }) {
      const source = cache.get(namespace, name);
      if (!source?.metadata.labels?.[SOURCE]) return;
      if (source.metadata.labels[FINALIZE]) {
        if (source.metadata.deletionTimestamp) {
          if (!hasFinalizer(source, CLEANUP)) return;
          const logs = cache.list(namespace).filter((cm) => cm.metadata.labels?.[ACTION] === name);
          for (const log of logs) await manager.client.delete(CONFIGMAPS, namespace, log.metadata.name);
          await setFinalizer(manager.client, CONFIGMAPS, source, CLEANUP, false);
          return;
        }
        await setFinalizer(manager.client, CONFIGMAPS, source, CLEANUP, true);
      }
      const hash = hashOf(source.data);
      const receipt = cache.get(namespace, `${name}-echo`);
      if (receipt?.metadata.annotations?.hash === hash) return; // done already: nothing to act on
      const body = {
        metadata: {
          name: `${name}-echo`,
          namespace,
          resourceVersion: receipt?.metadata.resourceVersion,
          annotations: { hash },
          ownerReferences: [controllerReference(source, CONFIGMAPS)],
        },
        data: source.data ?? {},
      };
      // The resourceVersion makes a write from a stale cache fail with 409 and retry, not act twice.
      if (receipt) await manager.client.update(CONFIGMAPS, namespace, body.metadata.name, body);
      else await manager.client.create(CONFIGMAPS, namespace, body);
      await manager.client.create(CONFIGMAPS, namespace, {
        metadata: {
          generateName: `action-${name}-`,
          namespace,
          labels: { [ACTION]: name },
          annotations: { hash, actor: manager.identity, at: new Date().toISOString() },
        },
      });
    },
  };
}
