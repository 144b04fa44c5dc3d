// Reads Secrets a spec names (tokens, headers, CA bundles, kubeconfigs, webhook URLs): a missing one is a
// ProviderError with a reason and what to fix (SecretNotFound, SecretKeyNotFound), never an exception that
// crashes a reconcile; any other API error passes unchanged, so the reconcile is retried.
import type { KubeObject } from '../api/meta.js';
import { SECRETS } from '../api/resources.js';
import { isNotFound, type Client } from '../runtime/client.js';
import { ProviderError } from './http.js';

export interface SecretKeyRef {
  name: string;
  key: string;
}

/** Every key of Secret `name`, decoded. */
export async function secretData(
  client: Client,
  namespace: string,
  name: string,
): Promise<Record<string, string>> {
  let secret: KubeObject & { data?: Record<string, string> };
  try {
    secret = await client.get(SECRETS, namespace, name);
  } catch (err) {
    if (isNotFound(err))
      throw new ProviderError('SecretNotFound', `Secret ${namespace}/${name} does not exist`);
    throw err;
  }
  return Object.fromEntries(
    Object.entries(secret.data ?? {}).map(([key, value]) => [
      key,
      Buffer.from(value, 'base64').toString('utf8'),
    ]),
  );
}

/** One key of a Secret, trimmed. */
export async function secretValue(client: Client, namespace: string, ref: SecretKeyRef): Promise<string> {
  const value = (await secretData(client, namespace, ref.name))[ref.key];
  if (value === undefined)
    throw new ProviderError('SecretKeyNotFound', `Secret ${namespace}/${ref.name} has no key ${ref.key}`);
  return value.trim();
}
