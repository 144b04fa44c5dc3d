// Reads business metrics from a JSON endpoint, one dot path per metric (like Argo Rollouts' web provider).
import type { MetricName, MetricsObservation } from '../engine/venture/metrics.js';
import { getJson, HttpFailure, ProviderError, redact } from './http.js';

/** `a.b.0.c` → document.a.b[0].c, or undefined when any step is missing. */
export function atPath(document: unknown, path: string): unknown {
  return path
    .split('.')
    .filter(Boolean)
    .reduce<unknown>(
      (node, key) =>
        node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined,
      document,
    );
}

/** RFC 3339 text or Unix seconds → epoch ms; anything else → NaN (the engine then refuses the sample). */
function sampleTime(value: unknown): number {
  if (typeof value === 'number') return value * 1000;
  if (typeof value === 'string')
    return /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : Date.parse(value);
  return NaN;
}

export async function readHttpJson(
  url: string,
  paths: Partial<Record<MetricName, string>>,
  timestampPath: string | undefined,
  authorization?: string,
  { timeoutMs }: { timeoutMs?: number } = {},
): Promise<MetricsObservation> {
  let answer;
  try {
    answer = await getJson(url, { headers: authorization ? { authorization } : {}, timeoutMs });
  } catch (err) {
    throw err instanceof HttpFailure ? explain(err, url, authorization !== undefined) : err;
  }
  const { body, date } = answer;
  const at = timestampPath ? sampleTime(atPath(body, timestampPath)) : (date ?? NaN);
  const observation: MetricsObservation = {};
  for (const [metric, path] of Object.entries(paths)) {
    const value = atPath(body, path);
    // Strings such as "12.5" are numbers to the engine only if they parse; null and absent are missing.
    if (value !== undefined && value !== null)
      observation[metric as MetricName] = { value: Number(value), at };
  }
  return observation;
}

/** The reason and what to fix: 401/403 the Authorization header, 404 the URL, 5xx nothing of ours. */
function explain(failure: HttpFailure, url: string, withAuthorization: boolean): ProviderError {
  const what = `the metrics endpoint ${redact(url)} ${failure.message}`;
  switch (failure.kind) {
    case 'unreachable':
    case 'timeout':
      return new ProviderError('MetricsEndpointUnreachable', what);
    case 'notJson':
      return new ProviderError('MetricsEndpointInvalidResponse', what);
    case 'serverError':
      return new ProviderError(
        'MetricsEndpointServerError',
        `${what}; the endpoint failed, nothing to fix in the Venture`,
      );
    case 'clientError':
      if (failure.status === 401 || failure.status === 403) {
        return new ProviderError(
          'MetricsEndpointUnauthorized',
          `${what}; ${
            withAuthorization
              ? 'check the Authorization header in the Secret spec.metrics.http.headersSecretRef names'
              : 'it wants an Authorization header: set spec.metrics.http.headersSecretRef'
          }`,
        );
      }
      if (failure.status === 404) {
        return new ProviderError('MetricsEndpointNotFound', `${what}; check spec.metrics.http.url`);
      }
      return new ProviderError(
        'MetricsEndpointRejected',
        `${what}; the endpoint refused the request: check spec.metrics.http`,
      );
  }
}
