// Smoke test: two clusters (the regions of later issues) run at once and answer independently.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CoreV1Api } from '@kubernetes/client-node';
import { clusterDown, clusterUp } from '../../../hack/lib/localCluster.js';
import { kubeConfigFrom, uniqueName } from '../support/kube.js';

// The second cluster is AUTOPILOT_E2E_SECOND_KUBECONFIG when given, else a local one this file starts.
const given = process.env.AUTOPILOT_E2E_SECOND_KUBECONFIG;
const SECOND = 'autopilot-e2e-second';
let secondKubeconfig = given;

beforeAll(async () => {
  secondKubeconfig ??= (await clusterUp(SECOND, { nodes: 1 })).kubeconfig;
}, 180_000);

afterAll(async () => {
  if (!given) await clusterDown(SECOND);
});

describe('two clusters at once', () => {
  it('keep separate state and identities', async () => {
    const a = kubeConfigFrom().makeApiClient(CoreV1Api);
    const b = kubeConfigFrom(secondKubeconfig).makeApiClient(CoreV1Api);
    const name = uniqueName('region');

    await Promise.all([
      a.createNamespace({ body: { metadata: { name, labels: { region: 'a' } } } }),
      b.createNamespace({ body: { metadata: { name, labels: { region: 'b' } } } }),
    ]);
    try {
      const [nsA, nsB] = await Promise.all([a.readNamespace({ name }), b.readNamespace({ name })]);
      expect(nsA.metadata?.labels?.region).toBe('a');
      expect(nsB.metadata?.labels?.region).toBe('b');
      expect(nsA.metadata?.uid).not.toBe(nsB.metadata?.uid);

      const [sysA, sysB] = await Promise.all([
        a.readNamespace({ name: 'kube-system' }),
        b.readNamespace({ name: 'kube-system' }),
      ]);
      expect(sysA.metadata?.uid).not.toBe(sysB.metadata?.uid);

      await a.deleteNamespace({ name });
      const stillThere = await b.readNamespace({ name });
      expect(stillThere.metadata?.deletionTimestamp).toBeUndefined();
    } finally {
      await Promise.allSettled([a.deleteNamespace({ name }), b.deleteNamespace({ name })]);
    }
  });
});
