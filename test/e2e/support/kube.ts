// Shared e2e helpers: API clients for the test cluster and a namespace per test file.
import { afterAll, beforeAll } from '@jest/globals';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig } from '../../../src/runtime/client.js';
import { randomBytes } from 'node:crypto';

export const kubeConfigFrom = (path?: string): KubeConfig => loadKubeConfig(path);

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

/** Creates a fresh namespace before the file's tests and deletes it after them. */
export function useNamespace(prefix: string): { readonly name: string } {
  const ns = { name: uniqueName(prefix) };
  const core = kubeConfigFrom().makeApiClient(CoreV1Api);
  beforeAll(async () => {
    await core.createNamespace({
      body: { metadata: { name: ns.name, labels: { 'autopilot.test/e2e': 'true' } } },
    });
  });
  afterAll(async () => {
    await core.deleteNamespace({ name: ns.name });
  });
  return ns;
}

export { isNotFound, waitFor, waitForGone } from './wait.js';
