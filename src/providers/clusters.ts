// Other clusters (the other region, the DNS cluster) through kubeconfig Secrets: one KubeClient per Secret
// key, rebuilt only when the kubeconfig changes, and errors that name the Secret or the server to fix.
import { KubeConfig } from '@kubernetes/client-node';
import { ApiError, KubeClient, type Client } from '../runtime/client.js';
import { ProviderError } from './http.js';
import { secretValue, type SecretKeyRef } from './secrets.js';

/** A cluster reached through a kubeconfig Secret. */
export interface RemoteCluster {
  /** What the cluster is to the user, e.g. "region us-west" or "the DNS cluster". */
  label: string;
  /** The API server URL the kubeconfig names. */
  server: string;
  client: Client;
}

/** Reasons of the errors a user can fix, for conditions and events. */
export const ClusterReasons = {
  secretMissing: 'KubeconfigSecretNotFound',
  unreadable: 'KubeconfigInvalid',
  unreachable: 'ClusterUnreachable',
  forbidden: 'ClusterForbidden',
} as const;

export class RemoteClusters {
  private readonly cache = new Map<string, { kubeconfig: string; cluster: RemoteCluster }>();

  /** `local` reads the Secrets (in the RegionPair's namespace of this cluster). */
  constructor(private readonly local: Client) {}

  /** The cluster whose kubeconfig is in Secret `ref` of `namespace`; a ProviderError says what to fix. */
  async cluster(namespace: string, ref: SecretKeyRef, label: string): Promise<RemoteCluster> {
    const where = `Secret ${namespace}/${ref.name} key ${ref.key}`;
    let kubeconfig;
    try {
      kubeconfig = await secretValue(this.local, namespace, ref);
    } catch (err) {
      const e = err as Error;
      throw new ProviderError(ClusterReasons.secretMissing, `the kubeconfig of ${label}: ${e.message}`);
    }
    const key = `${namespace}/${ref.name}/${ref.key}`;
    const cached = this.cache.get(key);
    if (cached?.kubeconfig === kubeconfig) return cached.cluster;
    const cluster = { label, ...kubeconfigClient(kubeconfig, `${where} (the kubeconfig of ${label})`) };
    this.cache.set(key, { kubeconfig, cluster });
    return cluster;
  }
}

/** A KubeClient for a kubeconfig document; ProviderError KubeconfigInvalid when it cannot be one. */
export function kubeconfigClient(kubeconfig: string, where: string): { server: string; client: KubeClient } {
  const config = new KubeConfig();
  try {
    config.loadFromString(kubeconfig);
  } catch (err) {
    throw new ProviderError(
      ClusterReasons.unreadable,
      `${where} is not a kubeconfig: ${(err as Error).message}`,
    );
  }
  const server = config.getCurrentCluster()?.server;
  if (!server) {
    throw new ProviderError(ClusterReasons.unreadable, `${where} names no current cluster with a server`);
  }
  return { server, client: new KubeClient(config) };
}

/**
 * Runs `call` against `cluster` within `timeoutMs`; network failures, timeouts and 401/403 become
 * ProviderErrors naming the cluster and its server. Other API errors (404, 409, …) pass unchanged.
 */
export async function remoteCall<T>(
  cluster: RemoteCluster,
  what: string,
  call: (client: Client) => Promise<T>,
  timeoutMs = 5000,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  // KubeClient takes no per-request deadline: stop waiting, and let the request end on its own.
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ProviderError(
            ClusterReasons.unreachable,
            `${what} in ${cluster.label} (${cluster.server}): no answer within ${timeoutMs} ms`,
          ),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([call(cluster.client), deadline]);
  } catch (err) {
    if (err instanceof ProviderError) throw err;
    if (err instanceof ApiError && (err.code === 401 || err.code === 403)) {
      throw new ProviderError(
        ClusterReasons.forbidden,
        `${what} in ${cluster.label} (${cluster.server}) was refused (HTTP ${err.code}): give the kubeconfig's user access: ${err.message}`,
      );
    }
    if (err instanceof ApiError) throw err;
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new ProviderError(
      ClusterReasons.unreachable,
      `${what} in ${cluster.label} (${cluster.server}) failed: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
    );
  } finally {
    clearTimeout(timer);
  }
}
