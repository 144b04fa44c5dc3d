// Reads one key of a Secret for a provider, with errors a user can act on (SecretNotFound, SecretKeyNotFound).
import type { KubeObject } from '../api/meta.js';
import { SECRETS } from '../api/resources.js';
import { isNotFound, type Client } from '../runtime/client.js';
import { ProviderError } from './http.js';

export interface SecretKeyRef {
  name: string;
  key: string;
}

export interface SecretValue {
  value: string;
  /** Changes when the Secret does: callers cache what they built from the value by it. */
  resourceVersion: string;
}

export async function readSecretKey(
  client: Client,
  namespace: string,
  ref: SecretKeyRef,
): Promise<SecretValue> {
  let secret: KubeObject & { data?: Record<string, string> };
  try {
    secret = await client.get(SECRETS, namespace, ref.name);
  } catch (err) {
    if (isNotFound(err))
      throw new ProviderError('SecretNotFound', `Secret ${namespace}/${ref.name} does not exist`);
    throw new ProviderError(
      'SecretUnreadable',
      `cannot read Secret ${namespace}/${ref.name}: ${(err as Error).message}`,
    );
  }
  const value = secret.data?.[ref.key];
  if (value === undefined) {
    throw new ProviderError('SecretKeyNotFound', `Secret ${namespace}/${ref.name} has no key ${ref.key}`);
  }
  return {
    value: Buffer.from(value, 'base64').toString('utf8'),
    resourceVersion: secret.metadata.resourceVersion ?? '',
  };
}
